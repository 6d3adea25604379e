//! Forgotten passwords (a mailed single-use link) and changing a known password. Both end
//! every other session of the user.
use secrecy::SecretString;

use super::aggregate::UserCommand;
use super::password;
use super::service::{AccountError, Accounts, FieldErrors};
use super::tokens::{self, Purpose};
use crate::domain::{EmailAddress, NewPassword};
use crate::error::AppError;
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::mail::Email;
use crate::store::users::{self, UserRow};
use crate::store::{sessions, tokens as token_rows};

impl Accounts {
    /// Mails a reset link if the address belongs to someone. The caller answers the same way
    /// either way; the work runs in the background so the timing does not tell either.
    pub fn request_password_reset(&self, email: &str, lang: Lang) {
        let accounts = self.clone();
        let email = email.to_owned();
        tokio::spawn(async move {
            if let Err(error) = accounts.send_reset_link(&email, lang).await {
                tracing::error!(%error, "Password reset could not be prepared");
            }
        });
    }

    async fn send_reset_link(&self, email: &str, lang: Lang) -> Result<(), sqlx::Error> {
        let Ok(email) = EmailAddress::parse(email) else {
            return Ok(());
        };
        let Some(user) = users::find_by_email(&self.pool, email.as_str()).await? else {
            tracing::info!("Password reset asked for an unknown address");
            return Ok(());
        };
        let token = tokens::issue(
            &self.pool,
            &self.clock,
            &user.id,
            &user.email,
            Purpose::Reset,
            self.rules.reset_lifetime,
        )
        .await?;
        let body = Msg::new("email-reset-body")
            .arg("name", &user.username)
            .arg("link", self.link("/reset", &token, None))
            .arg("minutes", self.rules.reset_lifetime.whole_minutes());
        self.deliver(Email {
            to: user.email,
            subject: Msg::new("email-reset-subject").translate(lang),
            text: body.translate(lang),
        });
        Ok(())
    }

    /// Whether a reset link can still be used (to show its form or a clear error).
    pub async fn check_reset_token(&self, token: &str) -> Result<(), AccountError> {
        self.reset_target(token).await.map(|_| ())
    }

    /// The user a reset link is for: only while the account still has the address the link
    /// was mailed to (that mailbox may no longer be the owner's).
    async fn reset_target(&self, token: &str) -> Result<UserRow, AccountError> {
        let row = tokens::peek(&self.pool, &self.clock, token, Purpose::Reset)
            .await
            .map_err(token_error)?;
        users::find(&self.pool, &row.user_id)
            .await?
            .filter(|user| user.email == row.email)
            .ok_or(AccountError::Refused(Msg::new("token-invalid")))
    }

    #[tracing::instrument(name = "Resetting a password", skip_all)]
    pub async fn reset_password(
        &self,
        token: &str,
        new: &str,
        confirm: &str,
    ) -> Result<UserRow, AccountError> {
        let user = self.reset_target(token).await?;
        let password = parse_new_password(new, confirm, &user)?;
        tokens::consume(&self.pool, &self.clock, token, Purpose::Reset)
            .await
            .map_err(token_error)?;
        let hash = password::hash(password.secret()).await?;
        let command = UserCommand::ChangePassword {
            password_hash: hash,
            reset: true,
        };
        self.change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        token_rows::revoke_all(&self.pool, &user.id, self.clock.now_utc()).await?;
        sessions::delete_for_user(&self.pool, &user.id).await?;
        Ok(user)
    }

    /// Changes a password after checking the current one. Every session of the user ends;
    /// the caller renews the current device's session.
    #[tracing::instrument(name = "Changing a password", skip_all)]
    pub async fn change_password(
        &self,
        user: &UserRow,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> Result<(), AccountError> {
        if !password::verify(
            SecretString::from(current.to_owned()),
            Some(user.password.clone()),
        )
        .await?
        {
            return Err(AccountError::field(
                "current_password",
                Msg::new("password-current-wrong"),
            ));
        }
        let password = parse_new_password(new, confirm, user)?;
        let hash = password::hash(password.secret()).await?;
        let command = UserCommand::ChangePassword {
            password_hash: hash,
            reset: false,
        };
        self.change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        token_rows::revoke_all(&self.pool, &user.id, self.clock.now_utc()).await?;
        sessions::delete_for_user(&self.pool, &user.id).await?;
        Ok(())
    }
}

fn parse_new_password(
    new: &str,
    confirm: &str,
    user: &UserRow,
) -> Result<NewPassword, AccountError> {
    let mut errors = FieldErrors::new();
    let password = NewPassword::parse(new, &[&user.username, &user.email])
        .map_err(|m| errors.insert("password", m))
        .ok();
    if new != confirm {
        errors.insert("password_confirm", Msg::new("password-mismatch"));
    }
    match password {
        Some(password) if errors.is_empty() => Ok(password),
        _ => Err(AccountError::Fields(errors)),
    }
}

fn token_error(error: tokens::TokenError) -> AccountError {
    match error.message() {
        Some(msg) => AccountError::Refused(msg),
        None => AccountError::App(AppError::unexpected(error)),
    }
}
