//! Admin decisions about a user: block (with an optional reason shown at login), unblock, and
//! the daily prompt quota. Blocking ends the user's sessions at once.
use super::aggregate::UserCommand;
use super::service::{AccountError, Accounts};
use crate::events::Metadata;
use crate::store::sessions;

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
        sessions::delete_for_user(&self.pool, user_id).await?;
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
