//! Given/when/then tests of the bot aggregate's rules.
use super::*;

const OWNER: Uuid = Uuid::from_u128(1);
const STRANGER: Uuid = Uuid::from_u128(2);
const PDF: Uuid = Uuid::from_u128(10);
const NEW_PDF: Uuid = Uuid::from_u128(11);

fn given(events: &[BotEvent]) -> Bot {
    Bot::from_events(events)
}

fn and(mut events: Vec<BotEvent>, more: BotEvent) -> Vec<BotEvent> {
    events.push(more);
    events
}

fn details() -> BotDetails {
    BotDetails {
        name: "Tour guide".into(),
        description: "Walks through Samarkand".into(),
        instructions: "Answer as a friendly guide.".into(),
        base_model: "gpt-4o-mini".into(),
        avatar: Avatar::default(),
        starters: vec!["Where do I start?".into()],
    }
}

fn create() -> BotCommand {
    BotCommand::Create {
        owner: OWNER,
        details: details(),
        knowledge: None,
    }
}

/// The editor sent again with the same details and `change` to the PDF.
fn pdf_edit(by: By, change: KnowledgeChange) -> BotCommand {
    BotCommand::Edit {
        by,
        details: details(),
        knowledge: change,
    }
}

fn created() -> Vec<BotEvent> {
    vec![BotEvent::BotCreated {
        owner: OWNER,
        name: "Tour guide".into(),
        description: "Walks through Samarkand".into(),
        instructions: "Answer as a friendly guide.".into(),
        base_model: "gpt-4o-mini".into(),
        avatar: Avatar::default(),
        starters: vec!["Where do I start?".into()],
    }]
}

fn attached(model: Uuid) -> BotEvent {
    BotEvent::KnowledgeAttached {
        model,
        file_name: "guide.pdf".into(),
        bytes: 2_048,
    }
}

fn knowledge(model: Uuid) -> Knowledge {
    Knowledge {
        model,
        file_name: "guide.pdf".into(),
        bytes: 2_048,
    }
}

/// Every command an owner may send, sent by `by`.
fn owner_commands(by: By) -> Vec<BotCommand> {
    vec![
        BotCommand::Edit {
            by,
            details: BotDetails {
                name: "Renamed".into(),
                ..details()
            },
            knowledge: KnowledgeChange::Keep,
        },
        pdf_edit(by, KnowledgeChange::Attach(knowledge(NEW_PDF))),
        pdf_edit(by, KnowledgeChange::Remove),
        BotCommand::Share { by },
        BotCommand::Unshare { by },
        BotCommand::Delete { by },
    ]
}

#[test]
fn a_bot_is_created_once() {
    // How many bots its owner may have is the owner's slots' rule (`ownership.rs`).
    assert_eq!(given(&[]).handle(create()), Ok(created()));
    assert_eq!(
        given(&created()).handle(create()),
        Err(BotRuleError::AlreadyExists)
    );
    let bot = given(&created());
    assert!(bot.exists() && bot.owned_by(OWNER) && !bot.owned_by(STRANGER));
    assert_eq!(bot.instructions_version, 1);
    assert!(bot.usable_by(OWNER) && !bot.usable_by(STRANGER));
}

#[test]
fn editing_records_only_the_changed_fields_and_versions_the_instructions() {
    let bot = given(&created());
    let by = By::User(OWNER);
    assert_eq!(
        bot.handle(BotCommand::Edit {
            by,
            details: details(),
            knowledge: KnowledgeChange::Keep,
        }),
        Ok(vec![])
    );
    let avatar = Avatar {
        emoji: "🕌".into(),
        color: "blue".into(),
    };
    let events = bot
        .handle(BotCommand::Edit {
            by,
            details: BotDetails {
                instructions: "Answer as a historian.".into(),
                avatar: avatar.clone(),
                ..details()
            },
            knowledge: KnowledgeChange::Keep,
        })
        .unwrap();
    assert_eq!(
        events,
        vec![BotEvent::BotEdited {
            name: None,
            description: None,
            instructions: Some("Answer as a historian.".into()),
            base_model: None,
            avatar: Some(avatar.clone()),
            starters: None,
        }]
    );
    let edited = given(&and(created(), events[0].clone()));
    assert_eq!(edited.instructions_version, 2);
    assert_eq!(edited.avatar, avatar);
    // Other fields leave the version alone; new instructions count it up again.
    let renamed = BotEvent::BotEdited {
        name: Some("Guide".into()),
        description: None,
        instructions: None,
        base_model: Some("gpt-4o".into()),
        avatar: None,
        starters: Some(Vec::new()),
    };
    let history = and(and(created(), events[0].clone()), renamed);
    let bot = given(&history);
    assert_eq!(bot.instructions_version, 2);
    assert_eq!(
        (bot.name.as_str(), bot.base_model.as_str()),
        ("Guide", "gpt-4o")
    );
    assert!(bot.starters.is_empty());
    let again = bot
        .handle(BotCommand::Edit {
            by,
            details: BotDetails {
                name: "Guide".into(),
                base_model: "gpt-4o".into(),
                avatar,
                starters: Vec::new(),
                instructions: "Answer in Uzbek.".into(),
                ..details()
            },
            knowledge: KnowledgeChange::Keep,
        })
        .unwrap();
    assert_eq!(
        given(&and(history, again[0].clone())).instructions_version,
        3
    );
}

#[test]
fn anyone_but_the_owner_is_told_the_bot_does_not_exist() {
    let bot = given(&and(created(), attached(PDF)));
    for command in owner_commands(By::User(STRANGER)) {
        assert_eq!(bot.handle(command), Err(BotRuleError::NotFound));
    }
    let disable = BotCommand::Disable {
        by: By::User(STRANGER),
        reason: "spam".into(),
    };
    assert_eq!(bot.handle(disable), Err(BotRuleError::NotFound));
    assert_eq!(
        bot.handle(BotCommand::Enable {
            by: By::User(STRANGER)
        }),
        Err(BotRuleError::NotFound)
    );
    // The owner may send each of them.
    for command in owner_commands(By::User(OWNER)) {
        assert!(bot.handle(command).is_ok());
    }
}

#[test]
fn only_the_admin_disables_and_enables_a_bot() {
    let bot = given(&created());
    let disable = |by| BotCommand::Disable {
        by,
        reason: "Impersonates a bank".into(),
    };
    assert_eq!(
        bot.handle(disable(By::User(OWNER))),
        Err(BotRuleError::AdminOnly)
    );
    let events = bot.handle(disable(By::Admin)).unwrap();
    assert_eq!(
        events,
        vec![BotEvent::BotDisabled {
            reason: "Impersonates a bank".into()
        }]
    );
    let disabled = and(created(), events[0].clone());
    let bot = given(&disabled);
    assert_eq!(bot.disabled.as_deref(), Some("Impersonates a bank"));
    assert!(!bot.usable_by(OWNER) && bot.owned_by(OWNER));
    // The same reason again changes nothing; another reason is recorded.
    assert_eq!(bot.handle(disable(By::Admin)), Ok(vec![]));
    assert_eq!(
        bot.handle(BotCommand::Disable {
            by: By::Admin,
            reason: "Phishing".into()
        }),
        Ok(vec![BotEvent::BotDisabled {
            reason: "Phishing".into()
        }])
    );
    assert_eq!(
        bot.handle(BotCommand::Enable {
            by: By::User(OWNER)
        }),
        Err(BotRuleError::AdminOnly)
    );
    assert_eq!(
        bot.handle(BotCommand::Enable { by: By::Admin }),
        Ok(vec![BotEvent::BotEnabled])
    );
    let enabled = given(&and(disabled, BotEvent::BotEnabled));
    assert!(enabled.disabled.is_none() && enabled.usable_by(OWNER));
    assert_eq!(
        enabled.handle(BotCommand::Enable { by: By::Admin }),
        Ok(vec![])
    );
}

#[test]
fn attaching_a_pdf_replaces_the_one_before() {
    let by = By::User(OWNER);
    let first = given(&created())
        .handle(pdf_edit(by, KnowledgeChange::Attach(knowledge(PDF))))
        .unwrap();
    assert_eq!(first, vec![attached(PDF)]);
    let with_pdf = and(created(), attached(PDF));
    assert_eq!(given(&with_pdf).knowledge, Some(knowledge(PDF)));
    let second = given(&with_pdf)
        .handle(pdf_edit(by, KnowledgeChange::Attach(knowledge(NEW_PDF))))
        .unwrap();
    assert_eq!(
        second,
        vec![BotEvent::KnowledgeRemoved { model: PDF }, attached(NEW_PDF)]
    );
    let mut replaced = with_pdf.clone();
    replaced.extend(second);
    assert_eq!(given(&replaced).knowledge, Some(knowledge(NEW_PDF)));
}

#[test]
fn racing_attachments_each_let_go_exactly_the_pdf_they_replaced() {
    // Two edits read the bot without a PDF; the repository decides the second again on the
    // state the first left, so the second's events name the first's model, and only that one.
    let by = By::User(OWNER);
    let mut bot = given(&created());
    let mut let_go_by = Vec::new();
    for model in [PDF, NEW_PDF] {
        let knowledge = knowledge(model);
        let events = bot
            .handle(pdf_edit(by, KnowledgeChange::Attach(knowledge)))
            .unwrap();
        let_go_by.push(let_go(&events).collect::<Vec<_>>());
        for event in &events {
            bot.apply(event);
        }
    }
    assert_eq!(let_go_by, vec![vec![], vec![PDF]]);
    let deleted = bot.handle(BotCommand::Delete { by }).unwrap();
    assert_eq!(let_go(&deleted).collect::<Vec<_>>(), vec![NEW_PDF]);
    let edited = bot
        .handle(BotCommand::Edit {
            by,
            details: BotDetails {
                name: "Renamed".into(),
                ..details()
            },
            knowledge: KnowledgeChange::Keep,
        })
        .unwrap();
    assert_eq!(let_go(&edited).count(), 0);
}

#[test]
fn removing_the_pdf_lets_it_go_and_removing_none_changes_nothing() {
    let by = By::User(OWNER);
    assert_eq!(
        given(&created()).handle(pdf_edit(by, KnowledgeChange::Remove)),
        Ok(vec![])
    );
    let with_pdf = and(created(), attached(PDF));
    let removed = given(&with_pdf)
        .handle(pdf_edit(by, KnowledgeChange::Remove))
        .unwrap();
    assert_eq!(removed, vec![BotEvent::KnowledgeRemoved { model: PDF }]);
    assert_eq!(given(&and(with_pdf, removed[0].clone())).knowledge, None);
}

#[test]
fn deleting_lets_the_pdf_go_first() {
    let by = By::User(OWNER);
    assert_eq!(
        given(&created()).handle(BotCommand::Delete { by }),
        Ok(vec![BotEvent::BotDeleted])
    );
    let with_pdf = and(created(), attached(PDF));
    let events = given(&with_pdf).handle(BotCommand::Delete { by }).unwrap();
    assert_eq!(
        events,
        vec![
            BotEvent::KnowledgeRemoved { model: PDF },
            BotEvent::BotDeleted
        ]
    );
    // The admin may delete any bot.
    assert_eq!(
        given(&created()).handle(BotCommand::Delete { by: By::Admin }),
        Ok(vec![BotEvent::BotDeleted])
    );
}

#[test]
fn a_deleted_bot_refuses_everything() {
    let shared = and(created(), BotEvent::BotShared);
    let deleted = and(shared, BotEvent::BotDeleted);
    let bot = given(&deleted);
    assert!(!bot.exists() && !bot.shared && !bot.owned_by(OWNER) && !bot.usable_by(STRANGER));
    for by in [By::User(OWNER), By::Admin] {
        let mut commands = owner_commands(by);
        commands.push(BotCommand::Disable {
            by,
            reason: "x".into(),
        });
        commands.push(BotCommand::Enable { by });
        for command in commands {
            assert_eq!(bot.handle(command), Err(BotRuleError::NotFound));
        }
    }
    assert_eq!(bot.handle(create()), Err(BotRuleError::AlreadyExists));
}

#[test]
fn sharing_and_unsharing_are_idempotent() {
    let by = By::User(OWNER);
    let private = given(&created());
    assert_eq!(
        private.handle(BotCommand::Share { by }),
        Ok(vec![BotEvent::BotShared])
    );
    assert_eq!(private.handle(BotCommand::Unshare { by }), Ok(vec![]));
    let shared = given(&and(created(), BotEvent::BotShared));
    assert!(shared.shared && shared.usable_by(STRANGER));
    assert_eq!(shared.handle(BotCommand::Share { by }), Ok(vec![]));
    assert_eq!(
        shared.handle(BotCommand::Unshare { by }),
        Ok(vec![BotEvent::BotUnshared])
    );
    let unshared = given(&and(
        and(created(), BotEvent::BotShared),
        BotEvent::BotUnshared,
    ));
    assert!(!unshared.shared && !unshared.usable_by(STRANGER));
}

#[test]
fn event_type_names_are_the_serde_tags() {
    let mut events = and(created(), attached(PDF));
    events.extend([
        BotEvent::KnowledgeRemoved { model: PDF },
        BotEvent::BotShared,
        BotEvent::BotUnshared,
        BotEvent::BotDisabled { reason: "x".into() },
        BotEvent::BotEnabled,
        BotEvent::BotDeleted,
    ]);
    for event in events {
        let payload = serde_json::to_value(&event).unwrap();
        assert_eq!(
            payload["type"],
            crate::events::DomainEvent::event_type(&event)
        );
    }
}

#[test]
fn an_edit_records_its_details_and_its_pdf_in_one_decision() {
    let by = By::User(OWNER);
    let events = given(&and(created(), attached(PDF)))
        .handle(BotCommand::Edit {
            by,
            details: BotDetails {
                name: "Renamed".into(),
                ..details()
            },
            knowledge: KnowledgeChange::Attach(knowledge(NEW_PDF)),
        })
        .unwrap();
    let renamed = BotEvent::BotEdited {
        name: Some("Renamed".into()),
        description: None,
        instructions: None,
        base_model: None,
        avatar: None,
        starters: None,
    };
    let replaced = vec![BotEvent::KnowledgeRemoved { model: PDF }, attached(NEW_PDF)];
    assert_eq!(events, [vec![renamed], replaced].concat());
    assert_eq!(
        given(&created()).handle(pdf_edit(By::User(STRANGER), KnowledgeChange::Remove)),
        Err(BotRuleError::NotFound)
    );
}

#[test]
fn a_bot_made_with_a_pdf_records_both_at_once() {
    let command = BotCommand::Create {
        owner: OWNER,
        details: details(),
        knowledge: Some(knowledge(PDF)),
    };
    let events = given(&[]).handle(command).unwrap();
    assert_eq!(events, and(created(), attached(PDF)));
    assert_eq!(given(&events).knowledge, Some(knowledge(PDF)));
}
