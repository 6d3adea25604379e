use std::time::Duration;

use chatbot_factory::catalog::Catalog;
use chatbot_factory::chat::Chats;
use chatbot_factory::chat::actor::{ChatDeps, Execute, Snapshot};
use chatbot_factory::chat::aggregate::ChatCommand;
use chatbot_factory::chat::events::TitleSource;
use chatbot_factory::chat::spool::AnswerSpool;
use chatbot_factory::events::{Metadata, Repository};
use uuid::Uuid;

use crate::helpers::{TestApp, eventually, spawn_app};

async fn registry(app: &TestApp, idle: Duration) -> Chats {
    let catalog = Catalog::load(app.store(), Default::default())
        .await
        .expect("the catalog loads");
    Chats::start(ChatDeps {
        repository: Repository::new(app.store()),
        clock: app.clock.clone(),
        idle_timeout: idle,
        instance_id: Uuid::now_v7(),
        catalog,
        system_prompt: "test".into(),
        model_titles: false,
        spool: AnswerSpool::new(&app.settings.server.files_dir),
    })
}

fn start(owner: Uuid) -> Execute {
    Execute {
        command: ChatCommand::Start {
            owner,
            prompt: "hello".into(),
            model: "gpt-4o-mini".into(),
            instance_id: Uuid::nil(),
            instructions: None,
            api: None,
        },
        metadata: Metadata::user(owner),
    }
}

fn rename(i: usize) -> Execute {
    Execute {
        command: ChatCommand::Rename {
            title: format!("title {i}"),
            source: TitleSource::User,
        },
        metadata: Metadata::system(),
    }
}

async fn sequences(app: &TestApp, chat: Uuid) -> Vec<u64> {
    app.store()
        .load("chat", &chat.to_string())
        .await
        .unwrap()
        .iter()
        .map(|e| e.sequence)
        .collect()
}

#[actix_web::test]
async fn twenty_concurrent_commands_to_one_chat_are_serialised() {
    let app = spawn_app().await;
    let chats = registry(&app, Duration::from_secs(60)).await;
    let chat = Uuid::now_v7();
    chats
        .send(chat, start(Uuid::now_v7()))
        .await
        .unwrap()
        .unwrap();
    let sends = (0..20).map(|i| chats.send(chat, rename(i)));
    for result in futures::future::join_all(sends).await {
        result.expect("delivered").expect("applied");
    }
    assert_eq!(sequences(&app, chat).await, (1..=23).collect::<Vec<u64>>());
    // Gapless sequences alone would also come from retries; one actor means none was needed.
    assert_eq!(
        chats.conflicts(),
        0,
        "the actor wrote one command at a time, never racing itself"
    );
}

#[actix_web::test]
async fn two_registries_on_one_database_detect_conflicts_and_retry() {
    let app = spawn_app().await;
    let (first, second) = (
        registry(&app, Duration::from_secs(60)).await,
        registry(&app, Duration::from_secs(60)).await,
    );
    let chat = Uuid::now_v7();
    first
        .send(chat, start(Uuid::now_v7()))
        .await
        .unwrap()
        .unwrap();
    // Both actors load the chat at the same sequence...
    first.send(chat, Snapshot).await.unwrap().unwrap();
    second.send(chat, Snapshot).await.unwrap().unwrap();
    // ...so the second one's next write is stale: it must conflict, reload and retry.
    first.send(chat, rename(0)).await.unwrap().unwrap();
    let recorded = second.send(chat, rename(1)).await.unwrap().unwrap();
    assert_eq!(
        recorded[0].sequence, 5,
        "the retried write landed after the other instance's"
    );
    assert_eq!(second.conflicts(), 1, "the stale write conflicted once");
    // And under load from both sides nothing is lost or duplicated.
    let sends = (0..20).map(|i| {
        if i % 2 == 0 {
            first.send(chat, rename(i))
        } else {
            second.send(chat, rename(i))
        }
    });
    for result in futures::future::join_all(sends).await {
        result.expect("delivered").expect("applied");
    }
    assert_eq!(sequences(&app, chat).await, (1..=25).collect::<Vec<u64>>());
}

#[actix_web::test]
async fn idle_chat_actors_stop_and_restart_on_demand() {
    let app = spawn_app().await;
    let chats = registry(&app, Duration::from_millis(300)).await;
    let chat = Uuid::now_v7();
    chats
        .send(chat, start(Uuid::now_v7()))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(chats.running(), 1);
    // Idle for 300 ms, checked every 300 ms: gone well within a few seconds even on a busy box.
    eventually("the idle actor to stop", || async { chats.running() == 0 }).await;
    let snapshot = chats.send(chat, Snapshot).await.unwrap().unwrap();
    assert_eq!(
        snapshot.sequence, 3,
        "a new actor reloads the chat from the log"
    );
}
