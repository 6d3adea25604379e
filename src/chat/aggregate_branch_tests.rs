//! Given/when/then tests of continuing a branch: a follow-up sent while an earlier version of
//! a message is shown continues that version.
use super::*;

const MODEL: &str = "gpt-4o-mini";

fn prompt(text: &str) -> ChatEvent {
    ChatEvent::UserMessageAppended {
        text: text.into(),
        model: MODEL.into(),
    }
}

fn answer(text: &str) -> [ChatEvent; 2] {
    [
        ChatEvent::AnswerStarted {
            model: MODEL.into(),
            instance_id: Uuid::nil(),
        },
        ChatEvent::AnswerCompleted(AnswerRecord {
            text: text.into(),
            model: MODEL.into(),
            ..Default::default()
        }),
    ]
}

/// "Plov?" answered, followed up by "Rice?" answered; then "Plov?" edited as "Lagman?" and
/// answered: the first prompt shows ‹ 2/2 ›.
fn edited() -> Vec<ChatEvent> {
    let mut events = vec![ChatEvent::ChatStarted {
        user_id: Uuid::nil(),
        title: "Plov?".into(),
        model: MODEL.into(),
        api_key: None,
    }];
    events.push(prompt("Plov?"));
    events.extend(answer("Rice and lamb."));
    events.push(prompt("Rice?"));
    events.extend(answer("Devzira."));
    events.push(ChatEvent::PromptEdited {
        rank: 1,
        text: "Lagman?".into(),
        model: MODEL.into(),
    });
    events.extend(answer("Noodles."));
    events
}

fn follow_up(text: &str, branch: Option<BranchChoice>, limit: u32) -> ChatCommand {
    ChatCommand::SendPrompt {
        prompt: text.into(),
        model: MODEL.into(),
        default_limit: limit,
        instance_id: Uuid::nil(),
        branch,
    }
}

fn version(rank: u32, version: u32) -> Option<BranchChoice> {
    Some(BranchChoice { rank, version })
}

fn texts(chat: &Chat) -> Vec<&str> {
    chat.messages.iter().map(|m| m.text.as_str()).collect()
}

#[test]
fn a_follow_up_on_an_earlier_version_restores_its_branch_first() {
    let mut chat = Chat::from_events(&edited());
    let decided = chat
        .handle(follow_up("Which rice?", version(1, 1), 50))
        .expect("allowed");
    assert_eq!(
        decided[..2],
        [
            ChatEvent::BranchRestored {
                rank: 1,
                version: 1
            },
            prompt("Which rice?")
        ]
    );
    assert!(matches!(decided[2], ChatEvent::AnswerStarted { .. }));
    for event in &decided {
        chat.apply(event);
    }
    assert_eq!(
        texts(&chat),
        [
            "Plov?",
            "Rice and lamb.",
            "Rice?",
            "Devzira.",
            "Which rice?"
        ],
        "the model sees the restored branch and the follow-up"
    );
    assert_eq!(chat.prompts, 4, "a restore is not a prompt");

    // The branch left can be restored in its turn, with what followed it.
    for event in answer("Lazer rice.") {
        chat.apply(&event);
    }
    let decided = chat
        .handle(follow_up("And lagman noodles?", version(1, 2), 50))
        .expect("allowed");
    for event in &decided {
        chat.apply(event);
    }
    assert_eq!(texts(&chat), ["Lagman?", "Noodles.", "And lagman noodles?"]);
    // ...and the first again, as it went on.
    for event in answer("Hand-pulled.") {
        chat.apply(&event);
    }
    for event in &chat.handle(follow_up("Salt?", version(1, 1), 50)).unwrap() {
        chat.apply(event);
    }
    assert_eq!(
        texts(&chat),
        [
            "Plov?",
            "Rice and lamb.",
            "Rice?",
            "Devzira.",
            "Which rice?",
            "Lazer rice.",
            "Salt?"
        ]
    );
}

#[test]
fn the_version_shown_already_continues_without_a_restore() {
    let chat = Chat::from_events(&edited());
    let decided = chat
        .handle(follow_up("More?", version(1, 2), 50))
        .expect("allowed");
    assert_eq!(decided[0], prompt("More?"));
    assert_eq!(decided.len(), 2);
}

#[test]
fn only_an_existing_version_is_continued_and_the_limit_still_counts() {
    let chat = Chat::from_events(&edited());
    for missing in [version(1, 3), version(1, 0), version(0, 1), version(5, 1)] {
        assert_eq!(
            chat.handle(follow_up("x", missing, 50)),
            Err(ChatRuleError::NoSuchVersion),
            "{missing:?}"
        );
    }
    assert_eq!(
        chat.handle(follow_up("x", version(1, 1), 3)),
        Err(ChatRuleError::LimitReached { limit: 3 })
    );
    let mut answering = edited();
    answering.push(prompt("Busy?"));
    answering.push(ChatEvent::AnswerStarted {
        model: MODEL.into(),
        instance_id: Uuid::nil(),
    });
    assert_eq!(
        Chat::from_events(&answering).handle(follow_up("x", version(1, 1), 50)),
        Err(ChatRuleError::Busy)
    );
}

#[test]
fn a_regenerated_answer_can_be_continued_and_keeps_its_rating() {
    let mut events = edited();
    events.push(ChatEvent::AnswerRated {
        rank: 2,
        rating: Some(Rating::Up),
    });
    events.push(ChatEvent::AnswerDiscarded);
    events.extend(answer("Thin noodles."));
    let mut chat = Chat::from_events(&events);
    let decided = chat
        .handle(follow_up("Thicker?", version(2, 1), 50))
        .expect("allowed");
    assert_eq!(
        decided[0],
        ChatEvent::BranchRestored {
            rank: 2,
            version: 1
        }
    );
    for event in &decided {
        chat.apply(event);
    }
    assert_eq!(texts(&chat), ["Lagman?", "Noodles.", "Thicker?"]);
    assert_eq!(chat.messages[1].rating, Some(Rating::Up));
}
