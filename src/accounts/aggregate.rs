//! The user aggregate: an account as its `user` stream describes it (`apply`), and the rules for
//! changing it (`handle`). No I/O: `Accounts` hashes passwords, checks tokens and mails, then
//! sends a command through the repository.
use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use super::events::{KeyRevoker, Refusal, UserEvent};
use super::fields;
use crate::events::Aggregate;

/// Keys an account may hold at once (revoked and expired ones do not count).
pub const MAX_LIVE_API_KEYS: usize = 20;
/// The longest key name, in characters (the name is trimmed first).
pub const MAX_API_KEY_NAME_CHARS: usize = 100;

/// A personal API key as the stream describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiKeyState {
    pub name: String,
    pub expires_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

impl ApiKeyState {
    /// Neither revoked nor expired at `now`.
    pub fn live_at(&self, now: OffsetDateTime) -> bool {
        !self.revoked && self.expires_at.is_none_or(|expiry| expiry > now)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct User {
    pub username: String,
    pub email: String,
    pub password_hash: String,
    pub verified: bool,
    pub blocked: bool,
    pub block_reason: Option<String>,
    /// Prompts a day across all chats; 0 = the site default.
    pub daily_quota: u32,
    /// Custom instructions: what to know about the user, how to answer.
    pub custom_about: String,
    pub custom_style: String,
    pub deleted: bool,
    /// Personal API keys by id (ids are UUID v7: in creation order).
    pub api_keys: BTreeMap<Uuid, ApiKeyState>,
    pub sequence: u64,
}

#[derive(Clone, Debug)]
pub enum UserCommand {
    Register {
        username: String,
        email: String,
        password_hash: String,
        verified: bool,
    },
    /// A verification link for `email` was used.
    VerifyEmail {
        email: String,
    },
    ChangePassword {
        password_hash: String,
        reset: bool,
    },
    /// The wanted name and address (unchanged ones produce nothing); a new address must be
    /// verified again when `verification_required`.
    UpdateProfile {
        username: String,
        email: String,
        verification_required: bool,
    },
    RecordLogin,
    Block {
        reason: Option<String>,
    },
    Unblock,
    SetDailyQuota {
        prompts: u32,
    },
    SetCustomInstructions {
        about: String,
        style: String,
    },
    Delete,
    /// A prompt of the user's was refused (no rule: it is a fact to count).
    RecordRefusal {
        reason: Refusal,
        model: String,
    },
    /// A new personal key; the service made the secret and hashed it. `now` decides which keys
    /// are still live and that the expiry lies ahead.
    CreateApiKey {
        key_id: Uuid,
        name: String,
        prefix: String,
        secret_hash: String,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    },
    RevokeApiKey {
        key_id: Uuid,
        by: KeyRevoker,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum UserRuleError {
    #[error("the account does not exist")]
    NotFound,
    #[error("the account already exists")]
    AlreadyRegistered,
    /// The link was sent to an address the account no longer has.
    #[error("the link was sent to another address")]
    AddressChanged,
    #[error("the account is blocked")]
    Blocked { reason: Option<String> },
    /// No key with this id belongs to the account.
    #[error("no such API key")]
    KeyNotFound,
    #[error("an API key needs a name of 1 to {max} characters")]
    KeyNameInvalid { max: usize },
    #[error("at most {max} API keys may be live at once")]
    TooManyKeys { max: usize },
    #[error("an API key's expiry must lie in the future")]
    KeyExpiryPassed,
}

/// The longest block reason kept (longer ones are cut).
const MAX_REASON_CHARS: usize = 500;

impl User {
    pub fn exists(&self) -> bool {
        self.sequence > 0 && !self.deleted
    }
}

fields::account_fields!(User {
    username: username,
    email: email,
    password_hash: password_hash,
    verified: verified,
    blocked: blocked,
    block_reason: block_reason,
    daily_quota: daily_quota,
    custom_instructions: |user, about, style| {
        user.custom_about = about.to_owned();
        user.custom_style = style.to_owned();
    },
});

impl Aggregate for User {
    type Event = UserEvent;
    type Command = UserCommand;
    type Error = UserRuleError;

    fn apply(&mut self, event: &UserEvent) {
        self.sequence += 1;
        fields::apply(self, event);
        match event {
            UserEvent::UserDeleted => self.deleted = true,
            UserEvent::ApiKeyCreated {
                key_id,
                name,
                expires_at,
                ..
            } => {
                let key = ApiKeyState {
                    name: name.clone(),
                    expires_at: *expires_at,
                    revoked: false,
                };
                self.api_keys.insert(*key_id, key);
            }
            UserEvent::ApiKeyRevoked { key_id, .. } => {
                if let Some(key) = self.api_keys.get_mut(key_id) {
                    key.revoked = true;
                }
            }
            // The account's own fields: `fields::apply`.
            UserEvent::UserRegistered { .. }
            | UserEvent::EmailVerified { .. }
            | UserEvent::PasswordChanged { .. }
            | UserEvent::ProfileUpdated { .. }
            | UserEvent::UserLoggedIn
            | UserEvent::UserBlocked { .. }
            | UserEvent::UserUnblocked
            | UserEvent::DailyQuotaChanged { .. }
            | UserEvent::CustomInstructionsChanged { .. }
            | UserEvent::PromptRefused { .. } => {}
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: UserCommand) -> Result<Vec<UserEvent>, UserRuleError> {
        if let UserCommand::Register {
            username,
            email,
            password_hash,
            verified,
        } = command
        {
            if self.sequence > 0 {
                return Err(UserRuleError::AlreadyRegistered);
            }
            return Ok(vec![UserEvent::UserRegistered {
                username,
                email,
                password_hash,
                verified,
            }]);
        }
        if !self.exists() {
            return Err(UserRuleError::NotFound);
        }
        let events = match command {
            UserCommand::Register { .. } => return Err(UserRuleError::AlreadyRegistered),
            UserCommand::VerifyEmail { email } => {
                if email != self.email {
                    return Err(UserRuleError::AddressChanged);
                }
                if self.verified {
                    Vec::new()
                } else {
                    vec![UserEvent::EmailVerified { email }]
                }
            }
            UserCommand::ChangePassword {
                password_hash,
                reset,
            } => vec![UserEvent::PasswordChanged {
                password_hash,
                reset,
            }],
            UserCommand::UpdateProfile {
                username,
                email,
                verification_required,
            } => self.profile_change(username, email, verification_required),
            UserCommand::RecordLogin => {
                if self.blocked {
                    return Err(UserRuleError::Blocked {
                        reason: self.block_reason.clone(),
                    });
                }
                vec![UserEvent::UserLoggedIn]
            }
            UserCommand::Block { .. } if self.blocked => Vec::new(),
            UserCommand::Block { reason } => {
                let blocked = UserEvent::UserBlocked {
                    reason: clean_reason(reason),
                };
                // A block ends every key at once; unblocking does not bring them back.
                let revoked = self
                    .unrevoked_keys()
                    .map(|key_id| UserEvent::ApiKeyRevoked {
                        key_id,
                        by: KeyRevoker::Blocked,
                    });
                std::iter::once(blocked).chain(revoked).collect()
            }
            UserCommand::Unblock if self.blocked => vec![UserEvent::UserUnblocked],
            UserCommand::Unblock => Vec::new(),
            UserCommand::SetDailyQuota { prompts } if prompts == self.daily_quota => Vec::new(),
            UserCommand::SetDailyQuota { prompts } => {
                vec![UserEvent::DailyQuotaChanged { prompts }]
            }
            UserCommand::SetCustomInstructions { about, style }
                if about == self.custom_about && style == self.custom_style =>
            {
                Vec::new()
            }
            UserCommand::SetCustomInstructions { about, style } => {
                vec![UserEvent::CustomInstructionsChanged { about, style }]
            }
            UserCommand::Delete => vec![UserEvent::UserDeleted],
            UserCommand::RecordRefusal { reason, model } => {
                vec![UserEvent::PromptRefused { reason, model }]
            }
            // The same key twice (a retried request): it exists already.
            UserCommand::CreateApiKey { key_id, .. } if self.api_keys.contains_key(&key_id) => {
                Vec::new()
            }
            UserCommand::CreateApiKey {
                key_id,
                name,
                prefix,
                secret_hash,
                expires_at,
                now,
            } => {
                let name = self.check_new_key(&name, expires_at, now)?;
                vec![UserEvent::ApiKeyCreated {
                    key_id,
                    name,
                    prefix,
                    secret_hash,
                    expires_at,
                }]
            }
            UserCommand::RevokeApiKey { key_id, by } => match self.api_keys.get(&key_id) {
                None => return Err(UserRuleError::KeyNotFound),
                Some(key) if key.revoked => Vec::new(),
                Some(_) => vec![UserEvent::ApiKeyRevoked { key_id, by }],
            },
        };
        Ok(events)
    }
}

impl User {
    fn profile_change(
        &self,
        username: String,
        email: String,
        verification_required: bool,
    ) -> Vec<UserEvent> {
        let new_name = (self.username != username).then_some(username);
        let new_email = (self.email != email).then_some(email);
        if new_name.is_none() && new_email.is_none() {
            return Vec::new();
        }
        let verified = if new_email.is_some() {
            !verification_required
        } else {
            self.verified
        };
        vec![UserEvent::ProfileUpdated {
            username: new_name,
            email: new_email,
            verified,
        }]
    }
}

impl User {
    /// The trimmed name of a key the account may create now.
    fn check_new_key(
        &self,
        name: &str,
        expires_at: Option<OffsetDateTime>,
        now: OffsetDateTime,
    ) -> Result<String, UserRuleError> {
        if self.blocked {
            return Err(UserRuleError::Blocked {
                reason: self.block_reason.clone(),
            });
        }
        let name = name.trim();
        let chars = name.chars().count();
        if chars == 0 || chars > MAX_API_KEY_NAME_CHARS {
            return Err(UserRuleError::KeyNameInvalid {
                max: MAX_API_KEY_NAME_CHARS,
            });
        }
        if expires_at.is_some_and(|expiry| expiry <= now) {
            return Err(UserRuleError::KeyExpiryPassed);
        }
        let live = self.api_keys.values().filter(|k| k.live_at(now)).count();
        if live >= MAX_LIVE_API_KEYS {
            return Err(UserRuleError::TooManyKeys {
                max: MAX_LIVE_API_KEYS,
            });
        }
        Ok(name.to_owned())
    }

    /// Keys not revoked yet (expired ones included), oldest first.
    fn unrevoked_keys(&self) -> impl Iterator<Item = Uuid> + '_ {
        self.api_keys
            .iter()
            .filter(|(_, key)| !key.revoked)
            .map(|(id, _)| *id)
    }
}

fn clean_reason(reason: Option<String>) -> Option<String> {
    reason
        .map(|r| r.trim().chars().take(MAX_REASON_CHARS).collect::<String>())
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
