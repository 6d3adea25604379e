//! Events of the `user` stream: one stream per account, keyed by the user's id.
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::events::DomainEvent;

/// The variant name is the stored `event_type` (serde's tag and strum derive it alike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum UserEvent {
    UserRegistered {
        username: String,
        email: String,
        password_hash: String,
        verified: bool,
    },
    EmailVerified {
        email: String,
    },
    PasswordChanged {
        password_hash: String,
        reset: bool,
    },
    /// Only the changed fields are set; a new e-mail is unverified unless verification is off.
    ProfileUpdated {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        username: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        verified: bool,
    },
    UserLoggedIn,
    UserBlocked {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<String>,
    },
    UserUnblocked,
    /// Prompts a day across all chats; 0 = the site default (`DAILY_PROMPT_QUOTA`).
    DailyQuotaChanged {
        prompts: u32,
    },
    /// The user's custom instructions (both empty = none); new chats carry them.
    CustomInstructionsChanged {
        about: String,
        style: String,
    },
    UserDeleted,
    /// A personal API key: only the SHA-256 of its secret is kept (the secret is shown once).
    ApiKeyCreated {
        key_id: Uuid,
        name: String,
        /// The secret's visible start (`cbf-` and 8 more characters).
        prefix: String,
        /// Hex SHA-256 of the whole secret.
        secret_hash: String,
        #[serde(
            default,
            skip_serializing_if = "Option::is_none",
            with = "time::serde::rfc3339::option"
        )]
        expires_at: Option<OffsetDateTime>,
    },
    ApiKeyRevoked {
        key_id: Uuid,
        by: KeyRevoker,
    },
    /// A prompt the site refused before any model was asked (the dashboard counts them).
    PromptRefused {
        reason: Refusal,
        /// The model the prompt asked for.
        model: String,
    },
}

/// Why a prompt was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum Refusal {
    /// A model the user's picker does not offer (unknown, disabled, not launched).
    UnknownModel,
    /// The chat's prompt limit was reached.
    ChatLimit,
    /// The user's daily prompt quota was used up.
    DailyQuota,
}

/// Who ended a key: its owner, the admin, or the account's block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum KeyRevoker {
    User,
    Admin,
    Blocked,
}

impl KeyRevoker {
    /// As `api_key.revoked_by` keeps it.
    pub fn as_str(self) -> &'static str {
        self.into()
    }
}

impl DomainEvent for UserEvent {
    const STREAM_TYPE: &'static str = "user";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
