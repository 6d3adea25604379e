//! Answers left "streaming" by an app process that died (crash, restart) are saved as failed,
//! so no chat stays stuck. Each instance beats every sixth of the window (at most every 10 s);
//! an answer whose instance has not beaten for the window (`INSTANCE_DEAD_AFTER_SECS`, a minute
//! by default) is abandoned.
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
use crate::store::instances;

pub fn spawn(
    pool: MySqlPool,
    chats: Chats,
    clock: SharedClock,
    instance_id: Uuid,
    dead_after: time::Duration,
) {
    let beat = Duration::from_secs((dead_after.whole_seconds() / 6).clamp(1, 10) as u64);
    actix_web::rt::spawn(async move {
        let mut ticker = tokio::time::interval(beat);
        loop {
            ticker.tick().await;
            if let Err(error) =
                beat_and_recover(&pool, &chats, &clock, instance_id, dead_after).await
            {
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
    dead_after: time::Duration,
) -> Result<usize, sqlx::Error> {
    let now = clock.now_utc();
    instances::heartbeat(pool, &instance_id.to_string(), now).await?;
    let abandoned = instances::abandoned_answers(pool, now - dead_after).await?;
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
