//! The account's own fields, which the aggregate's state (`aggregate::User`) and the `user` row
//! (`store::users::UserRow`, through `fold.rs`) both keep: what each event changes in them is said
//! once, here (`apply`).
use super::events::UserEvent;

/// Where an account's fields are kept.
pub trait AccountFields {
    fn username(&mut self) -> &mut String;
    fn email(&mut self) -> &mut String;
    fn password_hash(&mut self) -> &mut String;
    fn verified(&mut self) -> &mut bool;
    fn blocked(&mut self) -> &mut bool;
    fn block_reason(&mut self) -> &mut Option<String>;
    /// Prompts a day across all chats; 0 = the site default.
    fn daily_quota(&mut self) -> &mut u32;
    /// Custom instructions (empty texts: none).
    fn set_custom_instructions(&mut self, about: &str, style: &str);
}

/// `AccountFields` for a struct, by naming its fields and saying how it keeps custom instructions
/// (`|this, about, style| …`).
macro_rules! account_fields {
    ($type:ty {
        username: $username:ident,
        email: $email:ident,
        password_hash: $password_hash:ident,
        verified: $verified:ident,
        blocked: $blocked:ident,
        block_reason: $block_reason:ident,
        daily_quota: $daily_quota:ident,
        custom_instructions: $custom:expr $(,)?
    }) => {
        impl $crate::accounts::fields::AccountFields for $type {
            fn username(&mut self) -> &mut String {
                &mut self.$username
            }
            fn email(&mut self) -> &mut String {
                &mut self.$email
            }
            fn password_hash(&mut self) -> &mut String {
                &mut self.$password_hash
            }
            fn verified(&mut self) -> &mut bool {
                &mut self.$verified
            }
            fn blocked(&mut self) -> &mut bool {
                &mut self.$blocked
            }
            fn block_reason(&mut self) -> &mut Option<String> {
                &mut self.$block_reason
            }
            fn daily_quota(&mut self) -> &mut u32 {
                &mut self.$daily_quota
            }
            fn set_custom_instructions(&mut self, about: &str, style: &str) {
                let set: fn(&mut Self, &str, &str) = $custom;
                set(self, about, style);
            }
        }
    };
}
pub(super) use account_fields;

/// What `event` changes in an account's fields (nothing for the events that change none).
pub fn apply(fields: &mut impl AccountFields, event: &UserEvent) {
    match event {
        UserEvent::UserRegistered {
            username,
            email,
            password_hash,
            verified,
        } => {
            *fields.username() = username.clone();
            *fields.email() = email.clone();
            *fields.password_hash() = password_hash.clone();
            *fields.verified() = *verified;
        }
        UserEvent::EmailVerified { .. } => *fields.verified() = true,
        UserEvent::PasswordChanged { password_hash, .. } => {
            *fields.password_hash() = password_hash.clone();
        }
        UserEvent::ProfileUpdated {
            username,
            email,
            verified,
        } => {
            if let Some(username) = username {
                *fields.username() = username.clone();
            }
            if let Some(email) = email {
                *fields.email() = email.clone();
            }
            *fields.verified() = *verified;
        }
        UserEvent::UserBlocked { reason } => {
            *fields.blocked() = true;
            *fields.block_reason() = reason.clone();
        }
        UserEvent::UserUnblocked => {
            *fields.blocked() = false;
            *fields.block_reason() = None;
        }
        UserEvent::DailyQuotaChanged { prompts } => *fields.daily_quota() = *prompts,
        UserEvent::CustomInstructionsChanged { about, style } => {
            fields.set_custom_instructions(about, style);
        }
        UserEvent::UserLoggedIn
        | UserEvent::PromptRefused { .. }
        | UserEvent::UserDeleted
        | UserEvent::ApiKeyCreated { .. }
        | UserEvent::ApiKeyRevoked { .. } => {}
    }
}
