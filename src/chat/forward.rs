//! Several instances, one writer per answer. An answer streams from the instance whose chat actor
//! started it (`AnswerStarted.instance_id`, kept in `chat_history.instance_id` while it
//! streams); a follow or a stop that lands on another instance is sent on to that owner, found
//! through the heartbeat table, instead of relaying the answer through the log. A forwarded
//! request is never forwarded again, so a disagreement about the owner costs one hop at most.
use sqlx::MySqlPool;
use url::Url;
use uuid::Uuid;

use crate::clock::SharedClock;
use crate::domain::ChatId;
use crate::store::instances;

/// Where a request about a chat's live answer came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Hop {
    /// Straight from a client (or the load balancer): it may be forwarded to the owner.
    First,
    /// Forwarded by another instance: answered here, whatever this instance knows.
    Forwarded,
}

/// Another live instance writing a chat's answer, and where it listens.
#[derive(Clone, Debug)]
pub struct Owner {
    pub instance_id: String,
    pub address: Url,
}

/// Finds the owner of a chat's live answer.
#[derive(Clone)]
pub struct Owners {
    pool: MySqlPool,
    clock: SharedClock,
    /// This instance: its own answers are never forwarded.
    instance_id: Uuid,
    /// An instance silent this long is dead (INSTANCE_DEAD_AFTER_SECS): nothing to forward to.
    dead_after: time::Duration,
}

impl Owners {
    pub fn new(
        pool: MySqlPool,
        clock: SharedClock,
        instance_id: Uuid,
        dead_after: time::Duration,
    ) -> Self {
        Owners {
            pool,
            clock,
            instance_id,
            dead_after,
        }
    }

    /// The other live instance writing the chat's answer, if one is (and said where it listens).
    pub async fn of_answer(&self, chat_id: ChatId) -> Result<Option<Owner>, sqlx::Error> {
        let Some(instance_id) = instances::writing(&self.pool, &chat_id.to_string()).await? else {
            return Ok(None);
        };
        if instance_id == self.instance_id.to_string() {
            return Ok(None);
        }
        let alive_since = self.clock.now_utc() - self.dead_after;
        let Some(address) = instances::address_of(&self.pool, &instance_id, alive_since).await?
        else {
            return Ok(None);
        };
        match Url::parse(&address) {
            Ok(address) => Ok(Some(Owner {
                instance_id,
                address,
            })),
            Err(error) => {
                tracing::warn!(%instance_id, %address, %error, "An instance's address is not a URL");
                Ok(None)
            }
        }
    }
}
