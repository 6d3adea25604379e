//! `Accounts`: the dependencies every account use case shares, and the one way to change a
//! user: a `UserCommand` through the repository (the user aggregate decides, conflicts are
//! decided again).
use std::collections::BTreeMap;

use sqlx::MySqlPool;
use time::Duration;
use url::Url;
use uuid::Uuid;

use super::aggregate::{User, UserCommand, UserRuleError};
use super::tokens::{self, Purpose};
use crate::clock::SharedClock;
use crate::configuration::Settings;
use crate::error::AppError;
use crate::events::{
    AppendError, EventStore, Metadata, RecordedEvent, Repository, RepositoryError,
};
use crate::i18n::{Lang, Msg};
use crate::mail::{Email, Mailer};
use crate::store::users::{self, UserRow};

/// Field name → what is wrong with it, for forms that come back with messages.
pub type FieldErrors = BTreeMap<&'static str, Msg>;

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("invalid fields: {0:?}")]
    Fields(FieldErrors),
    #[error("{}", .0.id)]
    Refused(Msg),
    #[error(transparent)]
    App(#[from] AppError),
}

impl AccountError {
    pub fn field(name: &'static str, msg: Msg) -> Self {
        AccountError::Fields(BTreeMap::from([(name, msg)]))
    }
}

impl From<sqlx::Error> for AccountError {
    fn from(error: sqlx::Error) -> Self {
        AccountError::App(error.into())
    }
}

impl From<super::password::HashError> for AccountError {
    fn from(error: super::password::HashError) -> Self {
        AccountError::App(error.into())
    }
}

/// What the account use cases read from the settings.
#[derive(Clone, Debug)]
pub struct AccountRules {
    pub public_url: Url,
    pub verification_required: bool,
    pub verify_lifetime: Duration,
    pub reset_lifetime: Duration,
    pub resend_cooldown: Duration,
}

impl AccountRules {
    pub fn from_settings(settings: &Settings) -> Self {
        AccountRules {
            public_url: settings.server.public_url.clone(),
            verification_required: settings.email.verification_required,
            verify_lifetime: Duration::hours(settings.email.verify_token_hours),
            reset_lifetime: Duration::minutes(settings.email.reset_token_minutes),
            resend_cooldown: Duration::seconds(settings.email.resend_cooldown_secs),
        }
    }
}

#[derive(Clone)]
pub struct Accounts {
    pub(super) pool: MySqlPool,
    pub(super) users: Repository<User>,
    pub(super) clock: SharedClock,
    pub(super) mailer: Mailer,
    pub(super) rules: AccountRules,
}

impl Accounts {
    pub fn new(
        pool: MySqlPool,
        store: EventStore,
        clock: SharedClock,
        mailer: Mailer,
        rules: AccountRules,
    ) -> Self {
        Accounts {
            pool,
            users: Repository::new(store),
            clock,
            mailer,
            rules,
        }
    }

    pub fn rules(&self) -> &AccountRules {
        &self.rules
    }

    pub async fn find(&self, user_id: &str) -> Result<Option<UserRow>, sqlx::Error> {
        users::find(&self.pool, user_id).await
    }

    /// Decides `command` for the user and appends what the aggregate decided.
    pub async fn change_user(
        &self,
        user_id: &str,
        metadata: Metadata,
        command: UserCommand,
    ) -> Result<Vec<RecordedEvent>, AccountError> {
        let (_, recorded) = self
            .users
            .execute(user_id, command, &metadata)
            .await
            .map_err(user_error)?;
        Ok(recorded)
    }

    /// Starts a new user stream.
    pub async fn create_user(&self, command: UserCommand) -> Result<Uuid, AccountError> {
        let id = Uuid::now_v7();
        self.change_user(&id.to_string(), Metadata::user(id), command)
            .await?;
        Ok(id)
    }

    /// Refuses a username or e-mail another account (not `except`) already uses.
    pub(super) async fn ensure_free(
        &self,
        username: &str,
        email: &str,
        except: Option<&str>,
    ) -> Result<(), AccountError> {
        let (name_taken, email_taken) = users::taken(&self.pool, username, email, except).await?;
        let mut errors = FieldErrors::new();
        if name_taken {
            errors.insert("username", Msg::new("username-taken"));
        }
        if email_taken {
            errors.insert("email", Msg::new("email-taken"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AccountError::Fields(errors))
        }
    }

    pub(super) fn link(&self, path: &str, token: &str, next: Option<&str>) -> String {
        let mut url = self.rules.public_url.clone();
        url.set_path(path);
        let mut query = url.query_pairs_mut();
        query.clear().append_pair("token", token);
        if let Some(next) = next {
            query.append_pair("next", next);
        }
        drop(query);
        url.to_string()
    }

    /// Mails a fresh verification link to the user's current address; the link leads on to
    /// `next` (a local path the caller checked, such as the bot whose share link brought the
    /// person to sign up).
    pub async fn send_verification(
        &self,
        user_id: &str,
        username: &str,
        email: &str,
        lang: Lang,
        next: Option<&str>,
    ) -> Result<(), AccountError> {
        let token = tokens::issue(
            &self.pool,
            &self.clock,
            user_id,
            email,
            Purpose::Verify,
            self.rules.verify_lifetime,
        )
        .await?;
        let body = Msg::new("email-verify-body")
            .arg("name", username)
            .arg("link", self.link("/verify", &token, next))
            .arg("hours", self.rules.verify_lifetime.whole_hours());
        self.deliver(Email {
            to: email.to_owned(),
            subject: Msg::new("email-verify-subject").translate(lang),
            text: body.translate(lang),
        });
        Ok(())
    }

    /// Sends in the background: a slow or failing mail server never holds up a request.
    pub(super) fn deliver(&self, email: Email) {
        let mailer = self.mailer.clone();
        tokio::spawn(async move {
            if let Err(error) = mailer.send(email).await {
                tracing::error!(%error, "E-mail could not be sent");
            }
        });
    }
}

fn user_error(error: RepositoryError<UserRuleError>) -> AccountError {
    match error {
        RepositoryError::Rule(UserRuleError::NotFound | UserRuleError::KeyNotFound) => {
            AccountError::App(AppError::NotFound)
        }
        RepositoryError::Rule(UserRuleError::KeyNameInvalid { max }) => {
            AccountError::field("name", Msg::new("api-key-name-invalid").arg("max", max))
        }
        RepositoryError::Rule(UserRuleError::KeyExpiryPassed) => {
            AccountError::field("expires", Msg::new("api-key-expiry-invalid"))
        }
        RepositoryError::Rule(UserRuleError::TooManyKeys { max }) => {
            AccountError::Refused(Msg::new("api-keys-too-many").arg("max", max))
        }
        RepositoryError::Rule(UserRuleError::AddressChanged) => {
            AccountError::Refused(Msg::new("token-invalid"))
        }
        RepositoryError::Rule(UserRuleError::Blocked { reason }) => {
            AccountError::Refused(match reason {
                Some(reason) => Msg::new("login-blocked-reason").arg("reason", reason),
                None => Msg::new("login-blocked"),
            })
        }
        RepositoryError::Contention { .. } => {
            AccountError::App(AppError::Conflict(Msg::new("error-busy-retry")))
        }
        RepositoryError::Store(error) => unique_to_fields(error),
        RepositoryError::Load(error) => AccountError::App(error.into()),
        other => AccountError::App(AppError::unexpected(other)),
    }
}

/// A projection's unique key names the form field that is taken.
pub fn unique_to_fields(error: AppendError) -> AccountError {
    match error.unique_violation() {
        Some("uq_user_username") => AccountError::field("username", Msg::new("username-taken")),
        Some("uq_user_email") => AccountError::field("email", Msg::new("email-taken")),
        _ if error.database_unreachable() => AccountError::App(AppError::Busy {
            retry_after_secs: 5,
        }),
        _ => AccountError::App(AppError::unexpected(error)),
    }
}
