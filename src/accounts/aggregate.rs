//! The user aggregate: an account as its `user` stream describes it (`apply`), and the rules for
//! changing it (`handle`). No I/O: `Accounts` hashes passwords, checks tokens and mails, then
//! sends a command through the repository.
use super::events::UserEvent;
use crate::events::Aggregate;

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
}

/// The longest block reason kept (longer ones are cut).
const MAX_REASON_CHARS: usize = 500;

impl User {
    pub fn exists(&self) -> bool {
        self.sequence > 0 && !self.deleted
    }
}

impl Aggregate for User {
    type Event = UserEvent;
    type Command = UserCommand;
    type Error = UserRuleError;

    fn apply(&mut self, event: &UserEvent) {
        self.sequence += 1;
        match event {
            UserEvent::UserRegistered {
                username,
                email,
                password_hash,
                verified,
            } => {
                self.username = username.clone();
                self.email = email.clone();
                self.password_hash = password_hash.clone();
                self.verified = *verified;
            }
            UserEvent::EmailVerified { .. } => self.verified = true,
            UserEvent::PasswordChanged { password_hash, .. } => {
                self.password_hash = password_hash.clone();
            }
            UserEvent::ProfileUpdated {
                username,
                email,
                verified,
            } => {
                if let Some(username) = username {
                    self.username = username.clone();
                }
                if let Some(email) = email {
                    self.email = email.clone();
                }
                self.verified = *verified;
            }
            UserEvent::UserLoggedIn => {}
            UserEvent::UserBlocked { reason } => {
                self.blocked = true;
                self.block_reason = reason.clone();
            }
            UserEvent::UserUnblocked => {
                self.blocked = false;
                self.block_reason = None;
            }
            UserEvent::DailyQuotaChanged { prompts } => self.daily_quota = *prompts,
            UserEvent::CustomInstructionsChanged { about, style } => {
                self.custom_about = about.clone();
                self.custom_style = style.clone();
            }
            UserEvent::UserDeleted => self.deleted = true,
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
            UserCommand::Block { reason } => vec![UserEvent::UserBlocked {
                reason: clean_reason(reason),
            }],
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

fn clean_reason(reason: Option<String>) -> Option<String> {
    reason
        .map(|r| r.trim().chars().take(MAX_REASON_CHARS).collect::<String>())
        .filter(|r| !r.is_empty())
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
