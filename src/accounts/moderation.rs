//! Admin decisions about a user: block (with an optional reason shown at login), unblock, and
//! the daily prompt quota. Blocking ends the user's sessions at once (each remembers whose it
//! was, so an open page is told why).
use super::aggregate::UserCommand;
use super::service::{AccountError, Accounts};
use super::session_store::BLOCKED_KEY;
use crate::events::Metadata;
use crate::store::sessions;

/// The state of a session whose user was blocked: only who it was (actix-session keeps each
/// value JSON-encoded).
fn blocked_session_state(user_id: &str) -> String {
    let value = serde_json::Value::String(user_id.to_owned()).to_string();
    let state = std::collections::HashMap::from([(BLOCKED_KEY, value)]);
    serde_json::to_string(&state).unwrap_or_default()
}

impl Accounts {
    #[tracing::instrument(name = "Blocking a user", skip(self))]
    pub async fn block(
        &self,
        user_id: &str,
        reason: Option<String>,
        admin: &str,
    ) -> Result<(), AccountError> {
        self.change_user(
            user_id,
            Metadata::admin(admin),
            UserCommand::Block { reason },
        )
        .await?;
        // Out at once: the sessions no longer hold the user, only a note to tell them why.
        sessions::mark_blocked(&self.pool, user_id, &blocked_session_state(user_id)).await?;
        Ok(())
    }

    #[tracing::instrument(name = "Unblocking a user", skip(self))]
    pub async fn unblock(&self, user_id: &str, admin: &str) -> Result<(), AccountError> {
        self.change_user(user_id, Metadata::admin(admin), UserCommand::Unblock)
            .await?;
        Ok(())
    }

    pub async fn set_daily_quota(
        &self,
        user_id: &str,
        prompts: u32,
        admin: &str,
    ) -> Result<(), AccountError> {
        let command = UserCommand::SetDailyQuota { prompts };
        self.change_user(user_id, Metadata::admin(admin), command)
            .await?;
        Ok(())
    }
}
