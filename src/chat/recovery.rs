//! No chat stays stuck behind an answer nobody will save. At every beat (a sixth of the window,
//! at most every 10 s; the first at start-up) each instance writes its heartbeat (with its
//! INSTANCE_URL, where the others forward requests about its answers), then:
//! 1. saves the answers other processes left in the spool (`spool.rs`: a process that ended
//!    while the database was down), before it settles anything as failed;
//! 2. saves as failed the answers left "streaming" by an instance that has not beaten for the
//!    window (`INSTANCE_DEAD_AFTER_SECS`, a minute by default: a crash, a `kill -9`), unless a
//!    spooled copy still waits for them;
//! 3. settles its own answers left "streaming" with no turn behind them (`SettleLeftover`).
use std::collections::HashSet;
use std::time::Duration;

use sqlx::MySqlPool;
use url::Url;
use uuid::Uuid;

use super::Chats;
use super::actor::{ChatError, Execute, SettleLeftover};
use super::aggregate::{AnswerOutcome, ChatCommand};
use super::events::AnswerRecord;
use crate::clock::SharedClock;
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::store::instances;

/// This app process as the other instances see it.
#[derive(Clone, Debug)]
pub struct Instance {
    pub id: Uuid,
    /// Where it listens (INSTANCE_URL, with the port bound).
    pub address: Url,
}

pub fn spawn(
    pool: MySqlPool,
    chats: Chats,
    clock: SharedClock,
    instance: Instance,
    dead_after: time::Duration,
) {
    let beat = Duration::from_secs((dead_after.whole_seconds() / 6).clamp(1, 10) as u64);
    let (id, address) = (instance.id, instance.address.to_string());
    actix_web::rt::spawn(async move {
        let mut ticker = tokio::time::interval(beat);
        loop {
            ticker.tick().await;
            let beaten =
                instances::heartbeat_at(&pool, &id.to_string(), &address, clock.now_utc()).await;
            let recovered = match beaten {
                Ok(()) => recover(&pool, &chats, &clock, id, dead_after).await,
                Err(error) => Err(error),
            };
            if let Err(error) = recovered {
                tracing::warn!(%error, "Recovering abandoned answers failed");
            }
        }
    });
}

/// A heartbeat (the address as it was), then the recovery.
pub async fn beat_and_recover(
    pool: &MySqlPool,
    chats: &Chats,
    clock: &SharedClock,
    instance_id: Uuid,
    dead_after: time::Duration,
) -> Result<usize, sqlx::Error> {
    instances::heartbeat(pool, &instance_id.to_string(), clock.now_utc()).await?;
    recover(pool, chats, clock, instance_id, dead_after).await
}

/// Saves spooled answers and settles the abandoned and leftover ones; returns how many answers
/// of dead instances it found.
async fn recover(
    pool: &MySqlPool,
    chats: &Chats,
    clock: &SharedClock,
    instance_id: Uuid,
    dead_after: time::Duration,
) -> Result<usize, sqlx::Error> {
    let now = clock.now_utc();
    let still_kept = save_spooled(chats, instance_id).await;
    let abandoned =
        instances::abandoned_answers(pool, &instance_id.to_string(), now - dead_after).await?;
    for chat_id in &abandoned {
        let Ok(id) = Uuid::parse_str(chat_id) else {
            continue;
        };
        if still_kept.contains(&id) {
            tracing::info!(%chat_id, "An abandoned answer waits in the spool; not failing it");
            continue;
        }
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
    for chat_id in instances::streaming_answers_of(pool, &instance_id.to_string()).await? {
        let Ok(id) = Uuid::parse_str(&chat_id) else {
            continue;
        };
        match chats.send(id, SettleLeftover).await {
            Ok(Ok(true)) => tracing::warn!(%chat_id, "Settled an answer no turn was writing"),
            Ok(Ok(false)) => {}
            Ok(Err(error)) => {
                tracing::info!(%chat_id, %error, "Could not settle a leftover answer")
            }
            Err(error) => tracing::warn!(%chat_id, %error, "Could not reach the chat's actor"),
        }
    }
    instances::forget_before(pool, now - time::Duration::days(1)).await?;
    Ok(abandoned.len())
}

/// Saves the spooled answers of other processes (this one's own actors retry theirs); returns
/// the chats whose answers still wait.
async fn save_spooled(chats: &Chats, instance_id: Uuid) -> HashSet<Uuid> {
    let spool = &chats.deps().spool;
    let waiting = match spool.waiting().await {
        Ok(waiting) => waiting,
        Err(error) => {
            tracing::error!(%error, "The answer spool cannot be read");
            return HashSet::new();
        }
    };
    let mut still_kept = HashSet::new();
    for answer in waiting {
        let chat_id = answer.chat_id;
        if answer.instance_id == instance_id {
            still_kept.insert(chat_id);
            continue;
        }
        let save = Execute {
            command: answer.command(),
            metadata: Metadata::system(),
        };
        let settled = match chats.send(chat_id, save).await {
            Ok(Ok(events)) => {
                tracing::warn!(%chat_id, saved = !events.is_empty(), "Saved a spooled answer");
                true
            }
            Ok(Err(ChatError::Rule(rule))) => {
                tracing::warn!(%chat_id, %rule, "A spooled answer has no place to go");
                true
            }
            Ok(Err(error)) => {
                tracing::info!(%chat_id, %error, "A spooled answer cannot be saved yet");
                false
            }
            Err(error) => {
                tracing::warn!(%chat_id, %error, "Could not reach the chat's actor");
                false
            }
        };
        if !settled {
            still_kept.insert(chat_id);
        } else if let Err(error) = spool.forget(chat_id, answer.started).await {
            tracing::warn!(%chat_id, %error, "Could not remove a saved answer from the spool");
        }
    }
    still_kept
}
