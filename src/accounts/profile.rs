//! Editing and deleting one's own account.
use secrecy::SecretString;

use super::aggregate::UserCommand;
use super::password;
use super::service::{AccountError, Accounts, FieldErrors};
use crate::domain::{EmailAddress, Username};
use crate::events::Metadata;
use crate::i18n::{Lang, Msg};
use crate::store::users::{self, UserRow};
use crate::store::{sessions, tokens as token_rows};

/// The longest custom instruction field, in characters (as chatgpt.com).
pub const CUSTOM_INSTRUCTIONS_MAX_CHARS: usize = 1500;

impl Accounts {
    /// Renames and/or changes the e-mail address; a new address must be verified again.
    #[tracing::instrument(name = "Updating a profile", skip_all)]
    pub async fn update_profile(
        &self,
        user: &UserRow,
        username: &str,
        email: &str,
        lang: Lang,
    ) -> Result<UserRow, AccountError> {
        let mut errors = FieldErrors::new();
        let username = Username::parse(username)
            .map_err(|m| errors.insert("username", m))
            .ok();
        let email = EmailAddress::parse(email)
            .map_err(|m| errors.insert("email", m))
            .ok();
        let (Some(username), Some(email)) = (username, email) else {
            return Err(AccountError::Fields(errors));
        };
        self.ensure_free(username.as_str(), email.as_str(), Some(&user.id))
            .await?;
        let command = UserCommand::UpdateProfile {
            username: username.as_str().to_owned(),
            email: email.as_str().to_owned(),
            verification_required: self.rules.verification_required,
        };
        let recorded = self
            .change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        let updated = users::find(&self.pool, &user.id)
            .await?
            .ok_or(crate::error::AppError::NotFound)?;
        if updated.email != user.email {
            // Links mailed to the old address (reset, verification) must not act on the new one.
            token_rows::revoke_all(&self.pool, &user.id, self.clock.now_utc()).await?;
        }
        if !recorded.is_empty() && updated.email != user.email && !updated.verified {
            self.send_verification(&updated.id, &updated.username, &updated.email, lang, None)
                .await?;
        }
        Ok(updated)
    }

    /// Saves the custom instructions (each at most `CUSTOM_INSTRUCTIONS_MAX_CHARS`, trimmed);
    /// new chats carry them.
    #[tracing::instrument(name = "Saving custom instructions", skip_all)]
    pub async fn set_custom_instructions(
        &self,
        user: &UserRow,
        about: &str,
        style: &str,
    ) -> Result<(), AccountError> {
        let mut errors = FieldErrors::new();
        let (about, style) = (about.trim(), style.trim());
        for (field, text) in [("about", about), ("style", style)] {
            if text.chars().count() > CUSTOM_INSTRUCTIONS_MAX_CHARS {
                errors.insert(
                    field,
                    Msg::new("custom-instructions-too-long")
                        .arg("max", CUSTOM_INSTRUCTIONS_MAX_CHARS),
                );
            }
        }
        if !errors.is_empty() {
            return Err(AccountError::Fields(errors));
        }
        let command = UserCommand::SetCustomInstructions {
            about: about.to_owned(),
            style: style.to_owned(),
        };
        self.change_user(&user.id, Metadata::user(&user.id), command)
            .await?;
        Ok(())
    }

    /// Checks the password, then the caller deletes the chats; see `finish_deletion`.
    pub async fn confirm_password(
        &self,
        user: &UserRow,
        password: &str,
    ) -> Result<(), AccountError> {
        if password::verify(
            SecretString::from(password.to_owned()),
            Some(user.password.clone()),
        )
        .await?
        {
            Ok(())
        } else {
            Err(AccountError::field(
                "password",
                Msg::new("password-current-wrong"),
            ))
        }
    }

    /// Records the deletion (the username and e-mail become free) and ends every session.
    #[tracing::instrument(name = "Deleting an account", skip_all)]
    pub async fn finish_deletion(&self, user: &UserRow) -> Result<(), AccountError> {
        self.change_user(&user.id, Metadata::user(&user.id), UserCommand::Delete)
            .await?;
        sessions::delete_for_user(&self.pool, &user.id).await?;
        token_rows::delete_for_user(&self.pool, &user.id).await?;
        Ok(())
    }
}
