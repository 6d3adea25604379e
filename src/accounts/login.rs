//! Logging in: users by username or e-mail, the admin by the `.env` credentials. A wrong
//! password and an unknown account look the same, and take the same time.
use secrecy::SecretString;

use super::aggregate::UserCommand;
use super::password;
use super::service::{AccountError, Accounts};
use crate::events::Metadata;
use crate::i18n::Msg;
use crate::store::admins::{self, AdminRow};
use crate::store::users::{self, UserRow};

impl Accounts {
    #[tracing::instrument(name = "Logging in", skip_all)]
    pub async fn login(&self, identifier: &str, password: &str) -> Result<UserRow, AccountError> {
        let user = users::find_by_login(&self.pool, identifier.trim()).await?;
        let stored = user.as_ref().map(|u| u.password.clone());
        let valid = password::verify(SecretString::from(password.to_owned()), stored).await?;
        let user = match user {
            Some(user) if valid => user,
            _ => return Err(AccountError::Refused(Msg::new("login-invalid"))),
        };
        // The aggregate refuses a blocked account (with the admin's reason).
        self.change_user(&user.id, Metadata::user(&user.id), UserCommand::RecordLogin)
            .await?;
        Ok(user)
    }

    #[tracing::instrument(name = "Admin logging in", skip_all)]
    pub async fn admin_login(
        &self,
        username: &str,
        password: &str,
    ) -> Result<AdminRow, AccountError> {
        let admin = admins::find_by_username(&self.pool, username.trim()).await?;
        let stored = admin.as_ref().map(|a| a.password.clone());
        let valid = password::verify(SecretString::from(password.to_owned()), stored).await?;
        match admin {
            Some(admin) if valid => Ok(admin),
            _ => Err(AccountError::Refused(Msg::new("login-invalid"))),
        }
    }

    pub async fn find_admin(&self, id: u32) -> Result<Option<AdminRow>, sqlx::Error> {
        admins::find_by_id(&self.pool, id).await
    }
}
