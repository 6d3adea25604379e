//! Given/when/then tests of the chat aggregate's rules.
use super::*;

const MODEL: &str = "gpt-4o-mini";

fn given(events: &[ChatEvent]) -> Chat {
    Chat::from_events(events)
}

fn started() -> Vec<ChatEvent> {
    vec![
        ChatEvent::ChatStarted {
            user_id: Uuid::nil(),
            title: "Hi".into(),
            model: MODEL.into(),
            api_key: None,
        },
        ChatEvent::UserMessageAppended {
            text: "Hi".into(),
            model: MODEL.into(),
        },
        ChatEvent::AnswerStarted {
            model: MODEL.into(),
            instance_id: Uuid::nil(),
        },
        ChatEvent::AnswerCompleted(AnswerRecord {
            text: "Hello!".into(),
            model: MODEL.into(),
            ..Default::default()
        }),
    ]
}

fn prompt(text: &str, limit: u32) -> ChatCommand {
    ChatCommand::SendPrompt {
        prompt: text.into(),
        model: MODEL.into(),
        default_limit: limit,
        instance_id: Uuid::nil(),
        branch: None,
    }
}

#[test]
fn first_prompt_starts_the_chat_with_a_title() {
    let command = ChatCommand::Start {
        owner: Uuid::nil(),
        prompt: "  How do   I bake bread?  ".into(),
        model: MODEL.into(),
        instance_id: Uuid::nil(),
        instructions: None,
        api: None,
    };
    let events = given(&[]).handle(command).expect("allowed");
    assert_eq!(events.len(), 3);
    assert!(
        matches!(&events[0], ChatEvent::ChatStarted { title, .. } if title == "How do I bake bread?")
    );
}

#[test]
fn a_prompt_while_answering_is_refused() {
    let mut events = started();
    events.push(ChatEvent::UserMessageAppended {
        text: "more".into(),
        model: MODEL.into(),
    });
    events.push(ChatEvent::AnswerStarted {
        model: MODEL.into(),
        instance_id: Uuid::nil(),
    });
    assert_eq!(
        given(&events).handle(prompt("again", 50)),
        Err(ChatRuleError::Busy)
    );
}

#[test]
fn the_limit_counts_prompts() {
    assert_eq!(
        given(&started()).handle(prompt("two", 1)),
        Err(ChatRuleError::LimitReached { limit: 1 })
    );
    assert!(given(&started()).handle(prompt("two", 2)).is_ok());
}

#[test]
fn a_chat_at_its_limit_offers_no_new_answer_either() {
    let regenerate = |limit| ChatCommand::Regenerate {
        model: MODEL.into(),
        default_limit: limit,
        instance_id: Uuid::nil(),
    };
    assert_eq!(
        given(&started()).handle(regenerate(1)),
        Err(ChatRuleError::LimitReached { limit: 1 })
    );
    assert!(given(&started()).handle(regenerate(2)).is_ok());
}

#[test]
fn an_admin_override_beats_the_default() {
    let mut events = started();
    events.push(ChatEvent::ChatLimitChanged { limit: Some(5) });
    assert_eq!(given(&events).limit(1), 5);
    assert!(
        given(&events).handle(prompt("two", 1)).is_ok(),
        "a full chat raised by the admin continues"
    );
}

#[test]
fn regenerate_discards_the_last_answer_from_the_conversation() {
    let mut chat = given(&started());
    let events = chat
        .handle(ChatCommand::Regenerate {
            model: MODEL.into(),
            default_limit: 10,
            instance_id: Uuid::nil(),
        })
        .expect("allowed");
    assert_eq!(events[0], ChatEvent::AnswerDiscarded);
    for event in &events {
        chat.apply(event);
    }
    assert_eq!(
        chat.messages,
        vec![Message {
            role: Role::User,
            text: "Hi".into(),
            rating: None,
        }]
    );
}

#[test]
fn switching_model_mid_chat_is_recorded() {
    let command = ChatCommand::SendPrompt {
        prompt: "x".into(),
        model: "gpt-4o".into(),
        default_limit: 50,
        instance_id: Uuid::nil(),
        branch: None,
    };
    let events = given(&started()).handle(command).expect("allowed");
    assert_eq!(
        events[0],
        ChatEvent::ChatModelChanged {
            model: "gpt-4o".into()
        }
    );
}

#[test]
fn a_deleted_chat_takes_no_commands() {
    let mut events = started();
    events.push(ChatEvent::ChatDeleted);
    assert_eq!(
        given(&events).handle(prompt("x", 50)),
        Err(ChatRuleError::NotFound)
    );
}

#[test]
fn a_title_from_the_model_replaces_the_prompts_but_never_the_users() {
    let rename = |title: &str, source| ChatCommand::Rename {
        title: title.into(),
        source,
    };
    let chat = given(&started());
    assert_eq!(
        chat.handle(rename("Greetings", TitleSource::Model)),
        Ok(vec![ChatEvent::ChatRenamed {
            title: "Greetings".into(),
            source: TitleSource::Model
        }])
    );
    let mut events = started();
    events.push(ChatEvent::ChatRenamed {
        title: "Mine".into(),
        source: TitleSource::User,
    });
    let chat = given(&events);
    assert_eq!(chat.title_source, TitleSource::User);
    assert_eq!(
        chat.handle(rename("Greetings", TitleSource::Model)),
        Ok(vec![])
    );
    assert_eq!(
        chat.handle(rename("Better", TitleSource::User))
            .map(|e| e.len()),
        Ok(1)
    );
}

#[test]
fn only_a_finished_answer_can_be_rated_and_the_same_rating_twice_is_nothing() {
    use crate::chat::events::Rating;
    let mut chat = Chat::default();
    for event in [
        ChatEvent::ChatStarted {
            user_id: Uuid::nil(),
            title: "t".into(),
            model: "m".into(),
            api_key: None,
        },
        ChatEvent::UserMessageAppended {
            text: "Hi".into(),
            model: "m".into(),
        },
        ChatEvent::AnswerStarted {
            model: "m".into(),
            instance_id: Uuid::nil(),
        },
    ] {
        chat.apply(&event);
    }
    let rate = |rank, rating| ChatCommand::RateAnswer { rank, rating };
    // The answer is still being written: nothing at rank 2 yet; rank 1 is the prompt.
    for rank in [0, 1, 2, 99] {
        assert_eq!(
            chat.handle(rate(rank, Some(Rating::Up))),
            Err(ChatRuleError::NoSuchAnswer),
            "{rank}"
        );
    }
    chat.apply(&ChatEvent::AnswerCompleted(AnswerRecord {
        text: "Hello".into(),
        ..Default::default()
    }));
    let events = chat.handle(rate(2, Some(Rating::Up))).unwrap();
    assert_eq!(
        events,
        vec![ChatEvent::AnswerRated {
            rank: 2,
            rating: Some(Rating::Up)
        }]
    );
    chat.apply(&events[0]);
    assert_eq!(chat.messages[1].rating, Some(Rating::Up));
    assert_eq!(chat.handle(rate(2, Some(Rating::Up))), Ok(Vec::new()));
    assert_eq!(chat.handle(rate(2, None)).unwrap().len(), 1);
}

fn edit(rank: u32, text: &str, limit: u32) -> ChatCommand {
    ChatCommand::EditPrompt {
        rank,
        prompt: text.into(),
        model: MODEL.into(),
        default_limit: limit,
        instance_id: Uuid::nil(),
    }
}

#[test]
fn editing_a_prompt_branches_the_conversation_there() {
    let mut events = started();
    events.push(ChatEvent::UserMessageAppended {
        text: "And then?".into(),
        model: MODEL.into(),
    });
    events.push(ChatEvent::AnswerStarted {
        model: MODEL.into(),
        instance_id: Uuid::nil(),
    });
    events.push(ChatEvent::AnswerCompleted(AnswerRecord {
        text: "Then this.".into(),
        model: MODEL.into(),
        ..Default::default()
    }));
    let mut chat = given(&events);
    let decided = chat.handle(edit(1, "Hello there", 50)).expect("allowed");
    assert_eq!(
        decided[0],
        ChatEvent::PromptEdited {
            rank: 1,
            text: "Hello there".into(),
            model: MODEL.into(),
        }
    );
    assert!(matches!(decided[1], ChatEvent::AnswerStarted { .. }));
    for event in &decided {
        chat.apply(event);
    }
    let texts: Vec<&str> = chat.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        ["Hello there"],
        "the old branch leaves the conversation"
    );
    assert_eq!(chat.prompts, 3, "an edit is a prompt");
}

#[test]
fn only_a_prompt_can_be_edited_and_an_edit_counts_toward_the_limit() {
    let chat = given(&started());
    assert_eq!(
        chat.handle(edit(2, "not a prompt", 50)),
        Err(ChatRuleError::NoSuchPrompt),
        "rank 2 is an answer"
    );
    assert_eq!(
        chat.handle(edit(0, "nowhere", 50)),
        Err(ChatRuleError::NoSuchPrompt)
    );
    assert_eq!(
        chat.handle(edit(9, "nowhere", 50)),
        Err(ChatRuleError::NoSuchPrompt)
    );
    assert_eq!(
        chat.handle(edit(1, "again", 1)),
        Err(ChatRuleError::LimitReached { limit: 1 })
    );
    let mut answering = started();
    answering.push(ChatEvent::UserMessageAppended {
        text: "more".into(),
        model: MODEL.into(),
    });
    answering.push(ChatEvent::AnswerStarted {
        model: MODEL.into(),
        instance_id: Uuid::nil(),
    });
    assert_eq!(
        given(&answering).handle(edit(1, "again", 50)),
        Err(ChatRuleError::Busy)
    );
}

fn answering() -> Vec<ChatEvent> {
    let mut events = started();
    events.truncate(3);
    events
}

fn save(started: u64, text: &str) -> ChatCommand {
    ChatCommand::SaveAnswer {
        started,
        outcome: AnswerOutcome::Completed(AnswerRecord {
            text: text.into(),
            model: MODEL.into(),
            ..Default::default()
        }),
    }
}

#[test]
fn an_answer_is_saved_once_however_often_its_save_is_retried() {
    let chat = given(&answering());
    let started = chat.answer_in_progress.as_ref().map(|a| a.started);
    assert_eq!(
        started,
        Some(3),
        "named by the sequence of its AnswerStarted"
    );
    let events = chat.handle(save(3, "Hello!")).unwrap();
    assert!(matches!(&events[..], [ChatEvent::AnswerCompleted(a)] if a.text == "Hello!"));

    let mut saved = answering();
    saved.extend(events);
    assert_eq!(
        given(&saved).handle(save(3, "Hello!")),
        Ok(Vec::new()),
        "a second save (a retry whose first commit did land, a spooled copy) records nothing"
    );
}

#[test]
fn a_late_save_of_an_earlier_answer_does_not_settle_a_later_one() {
    let mut events = answering();
    events.push(ChatEvent::AnswerFailed(AnswerRecord::default()));
    events.push(ChatEvent::UserMessageAppended {
        text: "again".into(),
        model: MODEL.into(),
    });
    events.push(ChatEvent::AnswerStarted {
        model: MODEL.into(),
        instance_id: Uuid::nil(),
    });
    let chat = given(&events);
    assert_eq!(chat.handle(save(3, "old")), Ok(Vec::new()));
    assert_eq!(chat.handle(save(6, "new")).map(|e| e.len()), Ok(1));
}

#[test]
fn a_deleted_chat_takes_no_saved_answer() {
    let mut events = answering();
    events.push(ChatEvent::ChatDeleted);
    assert_eq!(
        given(&events).handle(save(3, "late")),
        Err(ChatRuleError::NotFound)
    );
}
