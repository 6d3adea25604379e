//! Personal API keys: create (the secret is returned once, only its hash is recorded), list,
//! revoke one's own; the admin lists and revokes any. Each change is a command to the owner's
//! user aggregate, which holds the rules (name, how many, expiry, blocked accounts).
use time::Duration;
use uuid::Uuid;

use super::aggregate::UserCommand;
use super::api_keys::{hash_secret, new_secret, visible_prefix};
use super::events::KeyRevoker;
use super::service::{AccountError, Accounts};
use crate::error::AppError;
use crate::events::Metadata;
use crate::store::api_keys::{self, ApiKeyRow, OwnedApiKeyRow};
use crate::store::users::UserRow;

/// How long a new key lasts: the choices the profile's form offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyLifetime {
    Never,
    Days(u16),
}

impl KeyLifetime {
    /// The lifetimes offered, as the form sends them.
    pub const CHOICES: [&'static str; 4] = ["never", "30", "90", "365"];

    /// One of `CHOICES`; anything else is `None`.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "never" | "" => Some(KeyLifetime::Never),
            "30" => Some(KeyLifetime::Days(30)),
            "90" => Some(KeyLifetime::Days(90)),
            "365" => Some(KeyLifetime::Days(365)),
            _ => None,
        }
    }
}

/// A key just made: the whole secret (shown once, never stored) and its row.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    pub secret: String,
    pub key: ApiKeyRow,
}

impl Accounts {
    /// Makes a key for `user`; the secret is in the result and nowhere else.
    #[tracing::instrument(name = "Creating an API key", skip_all, fields(user = %user.id))]
    pub async fn create_api_key(
        &self,
        user: &UserRow,
        name: &str,
        lifetime: KeyLifetime,
    ) -> Result<NewApiKey, AccountError> {
        let secret = new_secret();
        let key_id = Uuid::now_v7();
        let now = self.clock.now();
        // Whole seconds: the expiry reads the same in the event, the table and the page.
        let expires_at = match lifetime {
            KeyLifetime::Never => None,
            KeyLifetime::Days(days) => {
                let at = now + Duration::days(i64::from(days));
                Some(at.replace_nanosecond(0).unwrap_or(at))
            }
        };
        let command = UserCommand::CreateApiKey {
            key_id,
            name: name.to_owned(),
            prefix: visible_prefix(&secret),
            secret_hash: hash_secret(&secret),
            expires_at,
            now,
        };
        self.change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        let key = api_keys::by_id(&self.pool, &key_id.to_string())
            .await?
            .ok_or_else(|| {
                AppError::unexpected(anyhow::anyhow!("API key {key_id} not projected"))
            })?;
        Ok(NewApiKey { secret, key })
    }

    /// The user's keys, newest first, revoked ones included.
    pub async fn api_keys_of(&self, user: &UserRow) -> Result<Vec<ApiKeyRow>, AccountError> {
        Ok(api_keys::for_user(&self.pool, &user.id).await?)
    }

    /// Revokes one of the user's own keys (a key of someone else, or none: `NotFound`).
    #[tracing::instrument(name = "Revoking an API key", skip_all, fields(user = %user.id, %key_id))]
    pub async fn revoke_own_api_key(
        &self,
        user: &UserRow,
        key_id: Uuid,
    ) -> Result<(), AccountError> {
        let command = UserCommand::RevokeApiKey {
            key_id,
            by: KeyRevoker::User,
        };
        self.change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        Ok(())
    }

    /// Every key of every user, newest first (`limit` from `offset`), and how many there are.
    pub async fn all_api_keys(
        &self,
        limit: u32,
        offset: u64,
    ) -> Result<(Vec<OwnedApiKeyRow>, u64), AccountError> {
        Ok(api_keys::all(&self.pool, limit, offset).await?)
    }

    /// The admin revokes any key (an unknown one: `NotFound`).
    #[tracing::instrument(name = "Revoking an API key (admin)", skip(self))]
    pub async fn revoke_api_key_as_admin(
        &self,
        key_id: Uuid,
        admin: &str,
    ) -> Result<(), AccountError> {
        let key = api_keys::by_id(&self.pool, &key_id.to_string())
            .await?
            .ok_or(AppError::NotFound)?;
        let command = UserCommand::RevokeApiKey {
            key_id,
            by: KeyRevoker::Admin,
        };
        self.change_user(&key.user_id, Metadata::admin(admin), command)
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::KeyLifetime;

    #[test]
    fn only_the_offered_lifetimes_parse() {
        assert_eq!(KeyLifetime::parse("never"), Some(KeyLifetime::Never));
        assert_eq!(KeyLifetime::parse("90"), Some(KeyLifetime::Days(90)));
        for choice in KeyLifetime::CHOICES {
            assert!(KeyLifetime::parse(choice).is_some());
        }
        assert_eq!(KeyLifetime::parse("7"), None);
        assert_eq!(KeyLifetime::parse("-30"), None);
    }
}
