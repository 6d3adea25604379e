//! Events of the `user` stream: one stream per account, keyed by the user's id.
use serde::{Deserialize, Serialize};

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
}

impl DomainEvent for UserEvent {
    const STREAM_TYPE: &'static str = "user";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
