//! Refused prompts become `PromptRefused` events in the user's stream, so the dashboard's
//! "Refused" figure comes from the log (and `replay` rebuilds it). A user whose prompts keep
//! being refused is recorded at most `PER_MINUTE` times a minute: a script cannot fill the log.
use sqlx::MySqlPool;

use crate::accounts::aggregate::{User, UserCommand};
use crate::accounts::events::Refusal;
use crate::accounts::rate_limit::RateLimiter;
use crate::clock::SharedClock;
use crate::events::{EventStore, Metadata, Repository};

const PER_MINUTE: u32 = 20;

#[derive(Clone)]
pub struct Refusals {
    users: Repository<User>,
    limiter: RateLimiter,
}

impl Refusals {
    pub fn new(store: EventStore, pool: MySqlPool, clock: SharedClock) -> Self {
        Refusals {
            users: Repository::new(store),
            limiter: RateLimiter::new(pool, clock, 1),
        }
    }

    /// Records the refusal; the request is refused whatever happens here (a failure is logged).
    pub async fn record(&self, user_id: &str, reason: Refusal, model: &str) {
        match self
            .limiter
            .over(&format!("refused:user:{user_id}"), PER_MINUTE)
            .await
        {
            Ok(None) => {}
            Ok(Some(_)) => return,
            Err(error) => {
                tracing::warn!(%error, "Could not count a refused prompt");
                return;
            }
        }
        let command = UserCommand::RecordRefusal {
            reason,
            model: model.to_owned(),
        };
        let metadata = Metadata::user(user_id);
        if let Err(error) = self.users.execute(user_id, command, &metadata).await {
            tracing::warn!(%error, user_id, "Could not record a refused prompt");
        }
    }
}
