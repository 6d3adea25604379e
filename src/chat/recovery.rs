//! Answers left "streaming" by an app process that died (crash, restart) are saved as failed,
//! so no chat stays stuck. Each instance beats every 10 s; an answer whose instance has not
//! beaten for a minute is abandoned.
use std::time::Duration;

use sqlx::MySqlPool;
use uuid::Uuid;

use super::Chats;
use super::actor::Execute;
use super::aggregate::{AnswerOutcome, ChatCommand};
use super::events::AnswerRecord;
use crate::clock::SharedClock;
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::store::instances::{self, DEAD_AFTER};

const BEAT: Duration = Duration::from_secs(10);

pub fn spawn(pool: MySqlPool, chats: Chats, clock: SharedClock, instance_id: Uuid) {
    actix_web::rt::spawn(async move {
        let mut ticker = tokio::time::interval(BEAT);
        loop {
            ticker.tick().await;
            if let Err(error) = beat_and_recover(&pool, &chats, &clock, instance_id).await {
                tracing::warn!(%error, "Recovering abandoned answers failed");
            }
        }
    });
}

pub async fn beat_and_recover(
    pool: &MySqlPool,
    chats: &Chats,
    clock: &SharedClock,
    instance_id: Uuid,
) -> Result<usize, sqlx::Error> {
    let now = clock.now_utc();
    instances::heartbeat(pool, &instance_id.to_string(), now).await?;
    let abandoned = instances::abandoned_answers(pool, now - DEAD_AFTER).await?;
    for chat_id in &abandoned {
        let Ok(id) = Uuid::parse_str(chat_id) else {
            continue;
        };
        let record = AnswerRecord {
            error: Some(Msg::new("llm-interrupted-restart").translate(Lang::En)),
            finish_reason: Some("interrupted".into()),
            ..Default::default()
        };
        let command = Execute {
            command: ChatCommand::FinishAnswer(AnswerOutcome::Failed(record)),
            metadata: Metadata::system(),
        };
        match chats.send(id, command).await {
            Ok(Ok(_)) => tracing::warn!(%chat_id, "Saved an abandoned answer as failed"),
            Ok(Err(error)) => tracing::info!(%chat_id, %error, "Abandoned answer already settled"),
            Err(error) => tracing::warn!(%chat_id, %error, "Could not reach the chat's actor"),
        }
    }
    instances::forget_before(pool, now - time::Duration::days(1)).await?;
    Ok(abandoned.len())
}
