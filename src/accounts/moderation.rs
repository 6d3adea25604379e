//! Admin decisions about a user: block (with an optional reason shown at login), unblock, and
//! the daily prompt quota. Blocking ends the user's sessions at once.
use super::events::UserEvent;
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
        let reason = reason
            .map(|r| r.trim().chars().take(500).collect::<String>())
            .filter(|r| !r.is_empty());
        self.change_user(user_id, Metadata::admin(admin), |user| {
            Ok(if user.blocked {
                Vec::new()
            } else {
                vec![UserEvent::UserBlocked {
                    reason: reason.clone(),
                }]
            })
        })
        .await?;
        sessions::delete_for_user(&self.pool, user_id).await?;
        Ok(())
    }

    #[tracing::instrument(name = "Unblocking a user", skip(self))]
    pub async fn unblock(&self, user_id: &str, admin: &str) -> Result<(), AccountError> {
        self.change_user(user_id, Metadata::admin(admin), |user| {
            Ok(if user.blocked {
                vec![UserEvent::UserUnblocked]
            } else {
                Vec::new()
            })
        })
        .await?;
        Ok(())
    }

    pub async fn set_daily_quota(
        &self,
        user_id: &str,
        prompts: u32,
        admin: &str,
    ) -> Result<(), AccountError> {
        self.change_user(user_id, Metadata::admin(admin), |user| {
            Ok(if user.daily_prompt_quota == prompts {
                Vec::new()
            } else {
                vec![UserEvent::DailyQuotaChanged { prompts }]
            })
        })
        .await?;
        Ok(())
    }
}
