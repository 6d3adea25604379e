//! Signing up and proving the e-mail address.
use super::aggregate::UserCommand;
use super::password;
use super::service::{AccountError, Accounts, FieldErrors};
use super::tokens::{self, Purpose};
use crate::domain::{EmailAddress, NewPassword, Username};
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::store::tokens as token_rows;
use crate::store::users::{self, UserRow};

pub struct Registration<'a> {
    pub username: &'a str,
    pub email: &'a str,
    pub password: &'a str,
    pub password_confirm: &'a str,
}

impl Accounts {
    /// Signs up; the verification link leads on to `next` (a local path the caller checked).
    #[tracing::instrument(name = "Registering a user", skip_all)]
    pub async fn register(
        &self,
        form: Registration<'_>,
        lang: Lang,
        next: Option<&str>,
    ) -> Result<UserRow, AccountError> {
        let mut errors = FieldErrors::new();
        let username = Username::parse(form.username)
            .map_err(|m| errors.insert("username", m))
            .ok();
        let email = EmailAddress::parse(form.email)
            .map_err(|m| errors.insert("email", m))
            .ok();
        let password = NewPassword::parse(form.password, &[form.username, form.email])
            .map_err(|m| errors.insert("password", m))
            .ok();
        if form.password != form.password_confirm {
            errors.insert("password_confirm", Msg::new("password-mismatch"));
        }
        let (Some(username), Some(email), Some(password)) = (username, email, password) else {
            return Err(AccountError::Fields(errors));
        };
        if !errors.is_empty() {
            return Err(AccountError::Fields(errors));
        }
        self.ensure_free(username.as_str(), email.as_str(), None)
            .await?;
        let password_hash = password::hash(password.secret()).await?;
        let verified = !self.rules.verification_required;
        let command = UserCommand::Register {
            username: username.as_str().to_owned(),
            email: email.as_str().to_owned(),
            password_hash,
            verified,
        };
        let id = self.create_user(command).await?.to_string();
        if !verified {
            self.send_verification(&id, username.as_str(), email.as_str(), lang, next)
                .await?;
        }
        let user = users::find(&self.pool, &id).await?;
        user.ok_or_else(|| {
            AccountError::App(crate::error::AppError::unexpected(anyhow::anyhow!(
                "user vanished"
            )))
        })
    }

    /// Uses a verification link.
    #[tracing::instrument(name = "Verifying an e-mail address", skip_all)]
    pub async fn verify_email(&self, token: &str) -> Result<UserRow, AccountError> {
        let row = tokens::consume(&self.pool, &self.clock, token, Purpose::Verify)
            .await
            .map_err(|e| {
                e.message()
                    .map(AccountError::Refused)
                    .unwrap_or_else(|| AccountError::App(crate::error::AppError::unexpected(e)))
            })?;
        let command = UserCommand::VerifyEmail {
            email: row.email.clone(),
        };
        self.change_user(&row.user_id, Metadata::user(&row.user_id), command)
            .await?;
        // The address is proven: no other verification link stays usable.
        token_rows::revoke_unused(
            &self.pool,
            &row.user_id,
            Purpose::Verify.as_str(),
            self.clock.now_utc(),
        )
        .await?;
        let user = users::find(&self.pool, &row.user_id).await?;
        user.ok_or(AccountError::Refused(Msg::new("token-invalid")))
    }

    /// "Resend the e-mail", at most once per cooldown.
    pub async fn resend_verification(
        &self,
        user: &UserRow,
        lang: Lang,
    ) -> Result<(), AccountError> {
        if user.verified {
            return Ok(());
        }
        if let Some(last) =
            token_rows::last_sent(&self.pool, &user.id, Purpose::Verify.as_str()).await?
        {
            let wait = last + self.rules.resend_cooldown - self.clock.now_utc();
            if wait.is_positive() {
                let seconds = wait.whole_seconds().max(1);
                return Err(AccountError::Refused(
                    Msg::new("verify-resend-wait").arg("seconds", seconds),
                ));
            }
        }
        self.send_verification(&user.id, &user.username, &user.email, lang, None)
            .await
    }
}
