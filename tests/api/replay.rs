//! Projections rebuilt from the log must equal the live ones, after a few hundred random events.
use chatbot_factory::accounts::events::UserEvent;
use chatbot_factory::bots::aggregate::{
    Bot, BotCommand, BotDetails, By, Knowledge, KnowledgeChange,
};
use chatbot_factory::bots::events::{Avatar, BotEvent, BotOwnerEvent, COLORS};
use chatbot_factory::chat::events::{AnswerRecord, ChatEvent, TitleSource};
use chatbot_factory::events::export::{self, ExportFormat};
use chatbot_factory::events::replay;
use chatbot_factory::events::{Aggregate, EventStore, Metadata};
use chatbot_factory::llm::Source;
use chatbot_factory::pdf_models::events::{ModelEvent, SourceFile};
use chatbot_factory::site::events::SiteEvent;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app};

struct Stream {
    id: String,
    sequence: u64,
}

impl Stream {
    fn new() -> Self {
        Stream {
            id: Uuid::now_v7().to_string(),
            sequence: 0,
        }
    }
}

async fn append<E: chatbot_factory::events::DomainEvent>(
    store: &EventStore,
    stream: &mut Stream,
    events: Vec<E>,
    metadata: Metadata,
) {
    let n = events.len() as u64;
    store
        .append(&stream.id, stream.sequence, &events, &metadata)
        .await
        .expect("append");
    stream.sequence += n;
}

fn answer(rng: &mut StdRng, model: &str) -> AnswerRecord {
    AnswerRecord {
        text: format!("answer {}", rng.random::<u32>()),
        model: model.into(),
        prompt_tokens: rng.random_range(1..500),
        completion_tokens: rng.random_range(1..500),
        finish_reason: Some("stop".into()),
        error: None,
        latency_ms: rng.random_range(10..5000),
        ttft_ms: Some(rng.random_range(5..500)),
        sources: (0..rng.random_range(0..3))
            .map(|label| Source {
                label: label + 1,
                chunk: rng.random_range(0..100),
                page: rng.random_range(1..40),
                score: rng.random_range(0.0..1.0),
            })
            .collect(),
        instructions_version: rng.random_bool(0.3).then_some(1),
    }
}

/// A PDF model's life, cut short at a random point.
async fn random_pdf_model(store: &EventStore, rng: &mut StdRng) {
    let mut model = Stream::new();
    let created = ModelEvent::ModelCreated {
        name: format!("Handbook {}", rng.random::<u16>()),
        description: "Rules of the house".into(),
        instructions: "Be brief.".into(),
        base_model: "gpt-4o-mini".into(),
        file: SourceFile {
            path: format!("models/{}/source.pdf", model.id),
            sha256: "0".repeat(64),
            bytes: rng.random_range(1_000..9_000_000),
            original_name: "handbook.pdf".into(),
        },
        bot: None,
    };
    let mut events = vec![created, ModelEvent::IngestionStarted { instance: None }];
    if rng.random_bool(0.25) {
        events.push(ModelEvent::IngestionFailed {
            code: "no_text".into(),
            detail: "scanned".into(),
        });
    } else {
        events.push(ModelEvent::IngestionCompleted {
            pages: rng.random_range(1..300),
            chunks: rng.random_range(1..900),
            embedder: "local:all-minilm-l6-v2".into(),
            dimension: 384,
            table: format!("model_{}", model.id.replace('-', "")),
        });
        events.push(ModelEvent::ModelLaunched);
        match rng.random_range(0..4) {
            0 => events.push(ModelEvent::ModelUnlaunched),
            1 => events.push(ModelEvent::ModelEdited {
                name: None,
                description: Some("Edited".into()),
                instructions: Some("Answer in Uzbek.".into()),
            }),
            2 => events.push(ModelEvent::ModelDeleted),
            _ => {}
        }
    }
    append(store, &mut model, events, Metadata::admin("admin")).await;
}

/// The PDF model that reads a bot's PDF (created by the bot's owner), read or not.
async fn bot_pdf(store: &EventStore, rng: &mut StdRng, bot: Uuid, owner: Uuid) -> Stream {
    let mut model = Stream::new();
    let created = ModelEvent::ModelCreated {
        name: "Guide".into(),
        description: String::new(),
        instructions: String::new(),
        base_model: "gpt-4o-mini".into(),
        file: SourceFile {
            path: format!("models/{}/source.pdf", model.id),
            sha256: "2".repeat(64),
            bytes: rng.random_range(1_000..9_000_000),
            original_name: "walks.pdf".into(),
        },
        bot: Some(bot),
    };
    let mut events = vec![created, ModelEvent::IngestionStarted { instance: None }];
    if rng.random_bool(0.8) {
        events.push(ModelEvent::IngestionCompleted {
            pages: rng.random_range(1..300),
            chunks: rng.random_range(1..900),
            embedder: "local:all-minilm-l6-v2".into(),
            dimension: 384,
            table: format!("model_{}", model.id.replace('-', "")),
        });
    }
    append(store, &mut model, events, Metadata::user(owner)).await;
    model
}

fn bot_details(rng: &mut StdRng) -> BotDetails {
    BotDetails {
        name: format!("Guide {}", rng.random_range(0..3)),
        description: ["Walks and food", "History", ""][rng.random_range(0..3)].into(),
        instructions: ["Answer as a local guide.", "Answer in Uzbek.", ""][rng.random_range(0..3)]
            .into(),
        base_model: ["gpt-4o-mini", "gpt-4o"][rng.random_range(0..2)].into(),
        avatar: Avatar {
            emoji: ["🤖", "🕌", "🇺🇿"][rng.random_range(0..3)].into(),
            color: COLORS[rng.random_range(0..COLORS.len())].into(),
        },
        starters: (0..rng.random_range(0..5))
            .map(|n| format!("Question {n}"))
            .collect(),
    }
}

/// The owner's editor sent again with the bot's details as they are and `change` to its PDF.
fn pdf_edit(bot: &Bot, change: KnowledgeChange) -> BotCommand {
    let details = BotDetails {
        name: bot.name.clone(),
        description: bot.description.clone(),
        instructions: bot.instructions.clone(),
        base_model: bot.base_model.clone(),
        avatar: bot.avatar.clone(),
        starters: bot.starters.clone(),
    };
    BotCommand::Edit {
        by: By::User(bot.owner),
        details,
        knowledge: change,
    }
}

/// A bot being seeded: its stream and its state, so its commands are decided as the app decides
/// them.
struct SeededBot {
    stream: Stream,
    state: Bot,
}

impl SeededBot {
    async fn decide(&mut self, store: &EventStore, command: BotCommand, metadata: Metadata) {
        let events = self
            .state
            .handle(command)
            .expect("the seed sends only valid bot commands");
        for event in &events {
            self.state.apply(event);
        }
        if !events.is_empty() {
            append(store, &mut self.stream, events, metadata).await;
        }
    }
}

/// A bot's life, cut short at a random point: edits, PDFs (each read by a PDF model of the
/// bot's own) attached, replaced and removed, shared and unshared, disabled and enabled by the
/// admin, deleted by its owner or the admin. Returns its id.
async fn random_bot(app: &TestApp, rng: &mut StdRng, owner: Uuid) -> Uuid {
    let store = app.store();
    let mut bot = SeededBot {
        stream: Stream::new(),
        state: Bot::default(),
    };
    let id = Uuid::parse_str(&bot.stream.id).unwrap();
    let me = || Metadata::user(owner);
    let admin = || Metadata::admin("admin");
    let create = BotCommand::Create {
        owner,
        details: bot_details(rng),
        knowledge: None,
    };
    bot.decide(&store, create, me()).await;
    // The PDF model of the bot's current PDF.
    let mut pdf: Option<Stream> = None;
    let by = By::User(owner);
    for _ in 0..rng.random_range(0..7) {
        // Minutes, not hours: the dashboard tests read the seeded log within 90 days.
        app.clock
            .advance(time::Duration::minutes(rng.random_range(1..60)));
        match rng.random_range(0..8) {
            0 | 1 => {
                let details = bot_details(rng);
                let knowledge = KnowledgeChange::Keep;
                let edit = BotCommand::Edit {
                    by,
                    details,
                    knowledge,
                };
                bot.decide(&store, edit, me()).await;
            }
            2 => {
                let model = bot_pdf(&store, rng, id, owner).await;
                let knowledge = Knowledge {
                    model: Uuid::parse_str(&model.id).unwrap(),
                    file_name: format!("walks-{}.pdf", rng.random::<u16>()),
                    bytes: rng.random_range(1_000..9_000_000),
                };
                let attach = KnowledgeChange::Attach(knowledge);
                bot.decide(&store, pdf_edit(&bot.state, attach), me()).await;
                if let Some(mut old) = pdf.replace(model) {
                    append(&store, &mut old, vec![ModelEvent::ModelDeleted], me()).await;
                }
            }
            3 => {
                if let Some(mut old) = pdf.take() {
                    let remove = pdf_edit(&bot.state, KnowledgeChange::Remove);
                    bot.decide(&store, remove, me()).await;
                    append(&store, &mut old, vec![ModelEvent::ModelDeleted], me()).await;
                }
            }
            4 => bot.decide(&store, BotCommand::Share { by }, me()).await,
            5 => bot.decide(&store, BotCommand::Unshare { by }, me()).await,
            6 => {
                let disable = BotCommand::Disable {
                    by: By::Admin,
                    reason: ["Spam", "Impersonates a bank"][rng.random_range(0..2)].into(),
                };
                bot.decide(&store, disable, admin()).await;
            }
            _ => {
                let enable = BotCommand::Enable { by: By::Admin };
                bot.decide(&store, enable, admin()).await;
            }
        }
    }
    if rng.random_bool(0.3) {
        let (by, metadata) = if rng.random_bool(0.5) {
            (By::Admin, admin())
        } else {
            (by, me())
        };
        bot.decide(&store, BotCommand::Delete { by }, metadata.clone())
            .await;
        if let Some(mut old) = pdf.take() {
            append(&store, &mut old, vec![ModelEvent::ModelDeleted], metadata).await;
        }
    }
    id
}

/// Users register, make bots, chat (sometimes with their bot), get blocked, rename and delete
/// chats, over several days.
pub async fn seed_random_log(app: &TestApp, seed: u64, users: usize) -> usize {
    let store = app.store();
    let mut rng = StdRng::seed_from_u64(seed);
    let models = ["gpt-4o-mini", "gpt-4o"];
    let mut site = Stream {
        id: "global".into(),
        sequence: app.store().load("site", "global").await.unwrap().len() as u64,
    };
    append(
        &store,
        &mut site,
        vec![SiteEvent::DefaultPromptLimitChanged { limit: 40 }],
        Metadata::admin("admin"),
    )
    .await;
    for _ in 0..users.div_ceil(3) {
        random_pdf_model(&store, &mut rng).await;
    }
    for u in 0..users {
        let mut user = Stream::new();
        let user_id = Uuid::parse_str(&user.id).unwrap();
        let name = format!("user{u}_{}", rng.random::<u16>());
        let registered = UserEvent::UserRegistered {
            username: name.clone(),
            email: format!("{name}@example.com"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
            verified: rng.random_bool(0.5),
        };
        append(
            &store,
            &mut user,
            vec![registered, UserEvent::UserLoggedIn],
            Metadata::user(user_id),
        )
        .await;
        let bot = if rng.random_bool(0.4) {
            Some(format!("bot:{}", random_bot(app, &mut rng, user_id).await))
        } else {
            None
        };
        for _ in 0..rng.random_range(1..4) {
            let mut chat = Stream::new();
            let model = match &bot {
                Some(bot) if rng.random_bool(0.3) => bot.as_str(),
                _ => models[rng.random_range(0..2)],
            };
            let started = vec![
                ChatEvent::ChatStarted {
                    user_id,
                    title: "Random chat".into(),
                    model: model.into(),
                    api_key: None,
                },
                ChatEvent::UserMessageAppended {
                    text: "first".into(),
                    model: model.into(),
                },
                ChatEvent::AnswerStarted {
                    model: model.into(),
                    instance_id: Uuid::nil(),
                },
                ChatEvent::AnswerCompleted(answer(&mut rng, model)),
            ];
            append(&store, &mut chat, started, Metadata::user(user_id)).await;
            for _ in 0..rng.random_range(0..6) {
                app.clock
                    .advance(time::Duration::hours(rng.random_range(0..30)));
                let outcome = match rng.random_range(0..10) {
                    0 => ChatEvent::AnswerFailed(AnswerRecord {
                        error: Some("upstream 500".into()),
                        ..answer(&mut rng, model)
                    }),
                    1 => ChatEvent::AnswerStopped(answer(&mut rng, model)),
                    _ => ChatEvent::AnswerCompleted(answer(&mut rng, model)),
                };
                let events = vec![
                    ChatEvent::UserMessageAppended {
                        text: format!("prompt {}", rng.random::<u32>()),
                        model: model.into(),
                    },
                    ChatEvent::AnswerStarted {
                        model: model.into(),
                        instance_id: Uuid::nil(),
                    },
                    outcome,
                ];
                append(&store, &mut chat, events, Metadata::user(user_id)).await;
            }
            match rng.random_range(0..6) {
                0 => {
                    append(
                        &store,
                        &mut chat,
                        vec![ChatEvent::ChatDeleted],
                        Metadata::user(user_id),
                    )
                    .await
                }
                1 => {
                    let title = ChatEvent::ChatRenamed {
                        title: "Renamed".into(),
                        source: TitleSource::User,
                    };
                    append(&store, &mut chat, vec![title], Metadata::user(user_id)).await
                }
                2 => {
                    let events = vec![
                        ChatEvent::AnswerDiscarded,
                        ChatEvent::AnswerStarted {
                            model: model.into(),
                            instance_id: Uuid::nil(),
                        },
                        ChatEvent::AnswerCompleted(answer(&mut rng, model)),
                    ];
                    append(&store, &mut chat, events, Metadata::user(user_id)).await
                }
                3 => {
                    append(
                        &store,
                        &mut chat,
                        vec![ChatEvent::ChatLimitChanged { limit: Some(80) }],
                        Metadata::admin("admin"),
                    )
                    .await
                }
                4 => {
                    // The first prompt rewritten: everything after it becomes a branch.
                    let events = vec![
                        ChatEvent::PromptEdited {
                            rank: 1,
                            text: "first, rewritten".into(),
                            model: model.into(),
                        },
                        ChatEvent::AnswerStarted {
                            model: model.into(),
                            instance_id: Uuid::nil(),
                        },
                        ChatEvent::AnswerCompleted(answer(&mut rng, model)),
                    ];
                    append(&store, &mut chat, events, Metadata::user(user_id)).await
                }
                _ => {}
            }
        }
        match rng.random_range(0..5) {
            0 => {
                append(
                    &store,
                    &mut user,
                    vec![UserEvent::UserBlocked {
                        reason: Some("spam".into()),
                    }],
                    Metadata::admin("admin"),
                )
                .await
            }
            1 => {
                append(
                    &store,
                    &mut user,
                    vec![UserEvent::DailyQuotaChanged { prompts: 20 }],
                    Metadata::admin("admin"),
                )
                .await
            }
            _ => {}
        }
    }
    store.read_all(0, 100_000).await.unwrap().len()
}

/// The event types the random log leaves out, each at least once, so a rebuild is compared
/// with the live projections for every one of them (and a model name that differs only in
/// case, which the daily table's key treats as the same model).
async fn seed_every_other_event_type(app: &TestApp) -> usize {
    let store = app.store();
    let admin = || Metadata::admin("admin");
    let mut site = Stream {
        id: "global".into(),
        sequence: store.load("site", "global").await.unwrap().len() as u64,
    };
    let site_events = vec![
        SiteEvent::ModelAdded {
            id: "gpt-4.1".into(),
            name: "GPT-4.1".into(),
            kind: chatbot_factory::site::events::ModelKind::Upstream,
        },
        SiteEvent::ModelDisabled {
            id: "gpt-4.1".into(),
        },
        SiteEvent::ModelEnabled {
            id: "GPT-4.1".into(),
        },
        SiteEvent::DefaultModelChosen {
            id: "gpt-4.1".into(),
        },
    ];
    append(&store, &mut site, site_events, admin()).await;

    let mut model = Stream::new();
    let file = SourceFile {
        path: format!("models/{}/source.pdf", model.id),
        sha256: "1".repeat(64),
        bytes: 4_096,
        original_name: "rules.pdf".into(),
    };
    let model_events = vec![
        ModelEvent::ModelCreated {
            name: "Rules".into(),
            description: "House rules".into(),
            instructions: String::new(),
            base_model: "gpt-4o-mini".into(),
            file,
            bot: None,
        },
        ModelEvent::IngestionStarted { instance: None },
        ModelEvent::IngestionFailed {
            code: "no_text".into(),
            detail: "x".repeat(700),
        },
        ModelEvent::IngestionStarted { instance: None },
        ModelEvent::IngestionCompleted {
            pages: 3,
            chunks: 7,
            embedder: "local:all-minilm-l6-v2".into(),
            dimension: 384,
            table: format!("model_{}", model.id.replace('-', "")),
        },
        ModelEvent::ModelLaunched,
        ModelEvent::ModelEdited {
            name: Some("House rules".into()),
            description: None,
            instructions: None,
        },
        ModelEvent::ModelUnlaunched,
    ];
    append(&store, &mut model, model_events, admin()).await;

    // A bot through every event of its stream, with texts the columns cut (a file name over
    // 255 characters, a reason over 500) and starters JSON must escape.
    let owner = Uuid::now_v7();
    let me = || Metadata::user(owner);
    let mut bot = Stream::new();
    let bot_id = Uuid::parse_str(&bot.id).unwrap();
    let mut pdfs = Vec::new();
    for _ in 0..2 {
        let mut pdf = Stream::new();
        let created = ModelEvent::ModelCreated {
            name: "Walks".into(),
            description: String::new(),
            instructions: String::new(),
            base_model: "gpt-4o-mini".into(),
            file: SourceFile {
                path: format!("models/{}/source.pdf", pdf.id),
                sha256: "3".repeat(64),
                bytes: 2_048,
                original_name: "walks.pdf".into(),
            },
            bot: Some(bot_id),
        };
        append(&store, &mut pdf, vec![created], me()).await;
        pdfs.push(pdf);
    }
    let pdf = |n: usize| Uuid::parse_str(&pdfs[n].id).unwrap();
    let bot_events = vec![
        BotEvent::BotCreated {
            owner,
            name: "Guide".into(),
            description: "Walks".into(),
            instructions: "Answer as a guide.".into(),
            base_model: "gpt-4o-mini".into(),
            avatar: Avatar::default(),
            starters: vec!["Say \"salom\"\tplease".into(), "Где поесть плов? 🍚".into()],
        },
        BotEvent::BotEdited {
            name: Some("Samarkand guide".into()),
            description: Some(String::new()),
            instructions: Some("Answer in Uzbek.".into()),
            base_model: Some("gpt-4o".into()),
            avatar: Some(Avatar {
                emoji: "🇺🇿".into(),
                color: "violet".into(),
            }),
            starters: Some(Vec::new()),
        },
        BotEvent::BotEdited {
            name: None,
            description: None,
            instructions: Some("Answer in Uzbek, briefly.".into()),
            base_model: None,
            avatar: None,
            starters: None,
        },
        BotEvent::KnowledgeAttached {
            model: pdf(0),
            file_name: format!("{}.pdf", "w".repeat(300)),
            bytes: 2_048,
        },
        BotEvent::KnowledgeRemoved { model: pdf(0) },
        BotEvent::KnowledgeAttached {
            model: pdf(1),
            file_name: "walks.pdf".into(),
            bytes: 4_096,
        },
        BotEvent::BotShared,
        BotEvent::BotUnshared,
        BotEvent::BotShared,
    ];
    append(&store, &mut bot, bot_events, me()).await;
    let moderation = vec![
        BotEvent::BotDisabled {
            reason: "r".repeat(700),
        },
        BotEvent::BotEnabled,
        BotEvent::BotDisabled {
            reason: "Impersonates a bank".into(),
        },
    ];
    append(&store, &mut bot, moderation, admin()).await;
    let deleted = vec![
        BotEvent::KnowledgeRemoved { model: pdf(1) },
        BotEvent::BotDeleted,
    ];
    append(&store, &mut bot, deleted, admin()).await;
    for pdf in &mut pdfs {
        append(&store, pdf, vec![ModelEvent::ModelDeleted], me()).await;
    }
    // The owner's bot slots (no projection of their own; the admin's release is audited).
    let mut slots = Stream {
        id: owner.to_string(),
        sequence: 0,
    };
    let earlier = Uuid::now_v7();
    let claims = vec![
        BotOwnerEvent::BotSlotReleased {
            bot: Uuid::now_v7(),
        },
        BotOwnerEvent::BotsCounted {
            bots: vec![earlier],
        },
        BotOwnerEvent::BotSlotClaimed { bot: bot_id },
    ];
    append(&store, &mut slots, claims, me()).await;
    let released = vec![BotOwnerEvent::BotSlotReleased { bot: bot_id }];
    append(&store, &mut slots, released, admin()).await;

    for (n, leaves) in [(0, false), (1, true)] {
        let mut user = Stream::new();
        let user_id = Uuid::parse_str(&user.id).unwrap();
        let me = || Metadata::user(user_id);
        let name = format!("every{n}");
        let account = vec![
            UserEvent::UserRegistered {
                username: name.clone(),
                email: format!("{name}@example.com"),
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA".into(),
                verified: false,
            },
            UserEvent::EmailVerified {
                email: format!("{name}@example.com"),
            },
            UserEvent::PasswordChanged {
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$b3RoZXJzYWx0$b3RoZXI".into(),
                reset: true,
            },
            UserEvent::ProfileUpdated {
                username: Some(format!("{name}_renamed")),
                email: None,
                verified: true,
            },
            UserEvent::CustomInstructionsChanged {
                about: "I teach physics in Samarkand.".into(),
                style: String::new(),
            },
        ];
        append(&store, &mut user, account, me()).await;
        let moderation = vec![
            UserEvent::UserBlocked { reason: None },
            UserEvent::UserUnblocked,
        ];
        append(&store, &mut user, moderation, admin()).await;

        let mut chat = Stream::new();
        let conversation = vec![
            ChatEvent::ChatStarted {
                user_id,
                title: "Every event".into(),
                model: "gpt-4o-mini".into(),
                api_key: None,
            },
            ChatEvent::CustomInstructionsAttached {
                instructions: "I teach physics in Samarkand.".into(),
            },
            ChatEvent::UserMessageAppended {
                text: "Hello".into(),
                model: "GPT-4o-mini".into(),
            },
            ChatEvent::AnswerStarted {
                model: "GPT-4o-mini".into(),
                instance_id: Uuid::nil(),
            },
            ChatEvent::AnswerCompleted(AnswerRecord {
                text: "Hi".into(),
                model: "GPT-4o-mini".into(),
                prompt_tokens: 3,
                completion_tokens: 1,
                finish_reason: None,
                error: None,
                latency_ms: 90,
                ttft_ms: None,
                sources: Vec::new(),
                instructions_version: None,
            }),
            ChatEvent::AnswerRated {
                rank: 2,
                rating: Some(chatbot_factory::chat::events::Rating::Up),
            },
            ChatEvent::AnswerRated {
                rank: 2,
                rating: None,
            },
            ChatEvent::AnswerRated {
                rank: 2,
                rating: Some(chatbot_factory::chat::events::Rating::Down),
            },
            ChatEvent::ChatModelChanged {
                model: "gpt-4o".into(),
            },
            ChatEvent::ChatRenamed {
                title: "Named by the model".into(),
                source: TitleSource::Model,
            },
            ChatEvent::ChatArchived,
            ChatEvent::ChatUnarchived,
            ChatEvent::ChatArchived,
            ChatEvent::UserMessageAppended {
                text: "And a second question".into(),
                model: "gpt-4o".into(),
            },
            ChatEvent::AnswerStarted {
                model: "gpt-4o".into(),
                instance_id: Uuid::nil(),
            },
            ChatEvent::AnswerStopped(AnswerRecord {
                text: "Half an ans".into(),
                model: "gpt-4o".into(),
                ..AnswerRecord::default()
            }),
            // The second question rewritten (rank 3): its answer moves to the earlier versions.
            ChatEvent::PromptEdited {
                rank: 3,
                text: "A better second question".into(),
                model: "gpt-4o".into(),
            },
            ChatEvent::AnswerStarted {
                model: "gpt-4o".into(),
                instance_id: Uuid::nil(),
            },
            ChatEvent::AnswerCompleted(AnswerRecord {
                text: "A better answer".into(),
                model: "gpt-4o".into(),
                ..AnswerRecord::default()
            }),
            // Back on the first version of the second question, continued: its branch returns
            // and the next prompt follows its answer, not the newer one at the same rank.
            ChatEvent::BranchRestored {
                rank: 3,
                version: 1,
            },
            ChatEvent::UserMessageAppended {
                text: "Still there?".into(),
                model: "gpt-4o".into(),
            },
            // Left streaming: its row keeps the instance that was writing it.
            ChatEvent::AnswerStarted {
                model: "gpt-4o".into(),
                instance_id: Uuid::now_v7(),
            },
        ];
        append(&store, &mut chat, conversation, me()).await;
        append(
            &store,
            &mut chat,
            vec![ChatEvent::ChatLimitChanged { limit: None }],
            admin(),
        )
        .await;
        if leaves {
            append(&store, &mut user, vec![UserEvent::UserDeleted], me()).await;
        }
    }
    store.read_all(0, 100_000).await.unwrap().len()
}

#[actix_web::test]
async fn verify_finds_projections_identical_to_a_rebuild_from_the_log() {
    let app = spawn_app().await;
    seed_random_log(&app, 7, 25).await;
    let events = seed_every_other_event_type(&app).await;
    assert!(events >= 200, "only {events} events");
    let report = replay::verify(
        &app.settings.database,
        &app.pool,
        &chatbot_factory::projections(),
    )
    .await
    .expect("verify runs");
    assert!(report.identical(), "{report:#?}");
    assert_eq!(report.events as usize, events);
    let rows = |name: &str| {
        report
            .tables
            .iter()
            .find(|t| t.table == name)
            .unwrap()
            .live_rows
    };
    assert!(rows("chat_history") > 50 && rows("daily_stats") > 1 && rows("audit_log") > 0);
    assert!(rows("bot") > 3, "{report:#?}");
}

/// A log larger than the memory allowed for chat events is folded in passes: everything but the
/// chats' own rows first, then those rows a share of the chats at a time. Only the share passes
/// write `chat` and `chat_history`, so rows missing from a share would show here.
#[actix_web::test]
async fn a_rebuild_in_passes_writes_the_same_rows_as_one_pass() {
    let app = spawn_app().await;
    seed_random_log(&app, 13, 10).await;
    let events = seed_every_other_event_type(&app).await;
    let chat_events: u64 = sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS UNSIGNED) FROM event WHERE stream_type = 'chat'",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(chat_events > 150, "only {chat_events} chat events");
    let in_passes = || chatbot_factory::projections().with_events_per_pass(40);

    let report = replay::verify(&app.settings.database, &app.pool, &in_passes())
        .await
        .expect("verify in passes runs");
    assert!(report.identical(), "{report:#?}");
    assert_eq!(report.events as usize, events);

    // A damaged table is repaired by a replay in passes.
    sqlx::query("DELETE FROM chat_history ORDER BY id DESC LIMIT 3")
        .execute(&app.pool)
        .await
        .unwrap();
    replay::replay(&app.pool, &in_passes())
        .await
        .expect("replay in passes");
    app.assert_projections_match_the_log().await;

    // The same moment rebuilt in one pass and in passes: the same rows in every table.
    let half = events as u64 / 2;
    let url = format!("{}/{}", crate::helpers::server_url(), app.db_name);
    let mut databases = Vec::new();
    for (suffix, projections) in [
        ("one", chatbot_factory::projections()),
        ("passes", in_passes()),
    ] {
        let name = format!("{}_{suffix}", app.db_name);
        let target = chatbot_factory::database::open_migrated(&url, &name)
            .await
            .expect("target database");
        replay::replay_until(
            &app.pool,
            &target,
            &projections,
            replay::Until::Position(half),
        )
        .await
        .expect("point-in-time replay");
        target.close().await;
        databases.push(name);
    }
    let (one, passes) = (&databases[0], &databases[1]);
    for (table, _) in chatbot_factory::projections().tables() {
        let count = |sql: String| {
            let pool = app.pool.clone();
            async move {
                sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                    .fetch_one(&pool)
                    .await
                    .unwrap()
            }
        };
        let rows = count(format!("SELECT COUNT(*) FROM `{one}`.`{table}`")).await;
        let other = count(format!("SELECT COUNT(*) FROM `{passes}`.`{table}`")).await;
        // Identical sets of rows: their union has no row more than either.
        let union = count(format!(
            "SELECT COUNT(*) FROM (SELECT * FROM `{one}`.`{table}` \
             UNION SELECT * FROM `{passes}`.`{table}`) u"
        ))
        .await;
        assert_eq!((rows, union), (other, other), "{table}");
        if table == "chat_history" {
            assert!(rows > 20, "only {rows} messages at position {half}");
        }
    }
    for name in databases {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`")))
            .execute(&app.pool)
            .await
            .unwrap();
    }
}

#[actix_web::test]
async fn verify_notices_a_tampered_projection_and_replay_repairs_it() {
    let app = spawn_app().await;
    seed_random_log(&app, 11, 8).await;
    sqlx::query("UPDATE chat SET title = 'tampered' ORDER BY id LIMIT 1")
        .execute(&app.pool)
        .await
        .unwrap();
    sqlx::query("DELETE FROM chat_history ORDER BY id LIMIT 1")
        .execute(&app.pool)
        .await
        .unwrap();
    let report = replay::verify(
        &app.settings.database,
        &app.pool,
        &chatbot_factory::projections(),
    )
    .await
    .unwrap();
    assert!(!report.identical());
    let chat = report.tables.iter().find(|t| t.table == "chat").unwrap();
    assert!(
        !chat.identical && !chat.sample_differences.is_empty(),
        "{chat:?}"
    );
    let history = report
        .tables
        .iter()
        .find(|t| t.table == "chat_history")
        .unwrap();
    assert_eq!(history.live_rows + 1, history.rebuilt_rows);

    replay::replay(&app.pool, &chatbot_factory::projections())
        .await
        .expect("replay");
    let report = replay::verify(
        &app.settings.database,
        &app.pool,
        &chatbot_factory::projections(),
    )
    .await
    .unwrap();
    assert!(report.identical(), "{report:#?}");
}

#[actix_web::test]
async fn export_writes_jsonl_and_csv_without_password_hashes() {
    let app = spawn_app().await;
    let events = seed_random_log(&app, 3, 3).await;

    let all = export::Filter::default();
    let (written, jsonl) = export::export(&app.pool, &all, ExportFormat::Jsonl, Vec::new())
        .await
        .unwrap();
    assert_eq!(written.events as usize, events);
    let lines: Vec<Value> = String::from_utf8(jsonl)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).expect("json line"))
        .collect();
    assert_eq!(lines.len(), events);
    assert!(
        lines.iter().all(|l| l["position"].is_u64()
            && l["event_type"].is_string()
            && l["actor"].is_string())
    );
    let registered = lines
        .iter()
        .find(|l| l["event_type"] == "UserRegistered")
        .unwrap();
    let payload: Value = serde_json::from_str(registered["payload"].as_str().unwrap()).unwrap();
    assert_eq!(payload["password_hash"], "[redacted]");

    let (_, csv_out) = export::export(&app.pool, &all, ExportFormat::Csv, Vec::new())
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv_out.as_slice());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "position");
    assert_eq!(reader.records().count(), events);
    assert!(!String::from_utf8_lossy(&csv_out).contains("$argon2id$"));

    let future = time::OffsetDateTime::now_utc() + time::Duration::days(3650);
    let since = time::PrimitiveDateTime::new(future.date(), future.time());
    let later = export::Filter {
        since: Some(since),
        ..Default::default()
    };
    assert_eq!(
        export::export(&app.pool, &later, ExportFormat::Jsonl, Vec::new())
            .await
            .unwrap()
            .0
            .events,
        0
    );
}

async fn exported(app: &TestApp, filter: &export::Filter) -> Vec<Value> {
    let (_, out) = export::export(&app.pool, filter, ExportFormat::Jsonl, Vec::new())
        .await
        .unwrap();
    String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[actix_web::test]
async fn exports_filter_by_type_and_position_and_can_hide_what_people_wrote() {
    let app = spawn_app().await;
    seed_random_log(&app, 7, 4).await;
    let all = exported(&app, &export::Filter::default()).await;
    // Incremental: after the middle position, exactly the rest.
    let middle = all[all.len() / 2]["position"].as_u64().unwrap();
    let rest = exported(
        &app,
        &export::Filter {
            after_position: middle,
            ..Default::default()
        },
    )
    .await;
    assert_eq!(rest.len(), all.len() - all.len() / 2 - 1);
    assert!(
        rest.iter()
            .all(|e| e["position"].as_u64().unwrap() > middle)
    );
    // By stream type and event type.
    let chats = exported(
        &app,
        &export::Filter {
            stream_type: Some("chat".into()),
            ..Default::default()
        },
    )
    .await;
    assert!(!chats.is_empty() && chats.iter().all(|e| e["stream_type"] == "chat"));
    let answers = exported(
        &app,
        &export::Filter {
            event_types: vec!["AnswerCompleted".into(), "UserMessageAppended".into()],
            ..Default::default()
        },
    )
    .await;
    let expected = all
        .iter()
        .filter(|e| {
            e["event_type"] == "AnswerCompleted" || e["event_type"] == "UserMessageAppended"
        })
        .count();
    assert_eq!(answers.len(), expected);
    // Redacted: lengths and hashes instead of the texts, everything else kept.
    let redacted = exported(
        &app,
        &export::Filter {
            event_types: vec!["UserMessageAppended".into()],
            redact_content: true,
            ..Default::default()
        },
    )
    .await;
    let plain: Vec<&Value> = all
        .iter()
        .filter(|e| e["event_type"] == "UserMessageAppended")
        .collect();
    assert_eq!(redacted.len(), plain.len());
    for (hidden, shown) in redacted.iter().zip(plain) {
        let hidden: Value = serde_json::from_str(hidden["payload"].as_str().unwrap()).unwrap();
        let shown: Value = serde_json::from_str(shown["payload"].as_str().unwrap()).unwrap();
        let text = shown["text"].as_str().unwrap();
        assert_eq!(hidden["text"]["length"], text.chars().count());
        assert_eq!(hidden["text"]["sha256"].as_str().unwrap().len(), 64);
        assert_eq!(hidden["model"], shown["model"]);
    }
}

#[actix_web::test]
async fn parquet_holds_the_same_events_as_jsonl_with_typed_columns() {
    use arrow_array::{Array, StringArray, TimestampMicrosecondArray, UInt64Array};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let app = spawn_app().await;
    let events = seed_random_log(&app, 11, 5).await;
    let jsonl = exported(&app, &export::Filter::default()).await;
    let file = tempfile::NamedTempFile::new().unwrap();
    let (written, _) = export::export(
        &app.pool,
        &export::Filter::default(),
        ExportFormat::Parquet,
        file.reopen().unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(written.events as usize, events);
    // Read back with the parquet crate's own reader.
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file.path()).unwrap())
            .unwrap()
            .build()
            .unwrap();
    let (mut positions, mut types, mut times) = (Vec::new(), Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.unwrap();
        let column = |name: &str| batch.column(batch.schema().index_of(name).unwrap()).clone();
        let position = column("position");
        let position = position.as_any().downcast_ref::<UInt64Array>().unwrap();
        let kind = column("event_type");
        let kind = kind.as_any().downcast_ref::<StringArray>().unwrap();
        let at = column("recorded_at");
        let at = at
            .as_any()
            .downcast_ref::<TimestampMicrosecondArray>()
            .unwrap();
        for i in 0..batch.num_rows() {
            positions.push(position.value(i));
            types.push(kind.value(i).to_owned());
            times.push(at.value(i));
        }
    }
    let expected_positions: Vec<u64> = jsonl
        .iter()
        .map(|e| e["position"].as_u64().unwrap())
        .collect();
    let expected_types: Vec<String> = jsonl
        .iter()
        .map(|e| e["event_type"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(positions, expected_positions);
    assert_eq!(types, expected_types);
    // recorded_at is a real UTC timestamp, equal to the JSONL's text.
    let first = time::OffsetDateTime::parse(
        jsonl[0]["recorded_at"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert_eq!(times[0], (first.unix_timestamp_nanos() / 1_000) as i64);
    // An independent reader, when the machine has one (`.ci/run` installs pyarrow from PyPI).
    let pyarrow = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys, pyarrow.parquet as pq\n\
             t = pq.read_table(sys.argv[1])\n\
             print(t.schema.field('recorded_at').type)\n\
             print(','.join(str(p) for p in t.column('position').to_pylist()))",
            file.path().to_str().unwrap(),
        ])
        .output();
    match pyarrow {
        Ok(out) if out.status.success() => {
            let text = String::from_utf8_lossy(&out.stdout);
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("timestamp[us, tz=UTC]"));
            let read: Vec<u64> = lines
                .next()
                .unwrap_or_default()
                .split(',')
                .map(|p| p.parse().unwrap())
                .collect();
            assert_eq!(read, expected_positions, "pyarrow reads the same events");
        }
        _ => eprintln!("pyarrow not installed: the parquet crate's reader checked the file alone"),
    }
}

#[actix_web::test]
async fn flattened_parquet_has_one_typed_column_per_payload_field() {
    use arrow_array::{Array, Int64Array, StringArray};
    use arrow_schema::DataType;
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    let app = spawn_app().await;
    seed_random_log(&app, 17, 4).await;
    let only_answers = export::Filter {
        event_types: vec!["AnswerCompleted".into()],
        ..Default::default()
    };
    let jsonl = exported(&app, &only_answers).await;
    assert!(!jsonl.is_empty());
    let file = tempfile::NamedTempFile::new().unwrap();
    let flattened = export::Filter {
        flatten_payload: true,
        ..only_answers
    };
    export::export(
        &app.pool,
        &flattened,
        ExportFormat::Parquet,
        file.reopen().unwrap(),
    )
    .await
    .unwrap();
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file.path()).unwrap())
            .unwrap()
            .build()
            .unwrap();
    let (mut texts, mut tokens) = (Vec::new(), Vec::new());
    for batch in reader {
        let batch = batch.unwrap();
        let schema = batch.schema();
        let field = |name: &str| schema.field_with_name(name).unwrap().data_type().clone();
        assert_eq!(field("payload_text"), DataType::Utf8);
        assert_eq!(field("payload_completion_tokens"), DataType::Int64);
        assert_eq!(field("payload"), DataType::Utf8, "the whole payload stays");
        let column = |name: &str| batch.column(schema.index_of(name).unwrap()).clone();
        let text = column("payload_text");
        let text = text.as_any().downcast_ref::<StringArray>().unwrap();
        let completion = column("payload_completion_tokens");
        let completion = completion.as_any().downcast_ref::<Int64Array>().unwrap();
        for i in 0..batch.num_rows() {
            texts.push(text.value(i).to_owned());
            tokens.push(completion.value(i));
        }
    }
    let payloads: Vec<Value> = jsonl
        .iter()
        .map(|e| serde_json::from_str(e["payload"].as_str().unwrap()).unwrap())
        .collect();
    let expected_texts: Vec<String> = payloads
        .iter()
        .map(|p| p["text"].as_str().unwrap().to_owned())
        .collect();
    let expected_tokens: Vec<i64> = payloads
        .iter()
        .map(|p| p["completion_tokens"].as_i64().unwrap())
        .collect();
    assert_eq!(texts, expected_texts);
    assert_eq!(tokens, expected_tokens);
}
