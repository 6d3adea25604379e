//! The main admin: seeded from `.env` into the `admin` table at every start, so a changed
//! username or password takes effect at the next start (and ends the sessions of the old one).
use secrecy::{ExposeSecret, SecretString};
use sqlx::MySqlPool;

use super::password;
use crate::clock::SharedClock;
use crate::configuration::AdminSettings;
use crate::store::{admins, sessions};

/// Row 1 is the main admin.
pub const MAIN_ADMIN_ID: u32 = 1;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Hash(#[from] password::HashError),
}

pub async fn seed(
    pool: &MySqlPool,
    settings: &AdminSettings,
    clock: &SharedClock,
) -> Result<(), SeedError> {
    let existing = admins::find_by_id(pool, MAIN_ADMIN_ID).await?;
    let password = SecretString::from(settings.password.expose_secret().to_owned());
    let unchanged = match &existing {
        Some(admin) if admin.username == settings.username && admin.email == settings.email => {
            password::verify(password.clone(), Some(admin.password.clone())).await?
        }
        _ => false,
    };
    if settings.password_score() < 3 {
        tracing::warn!(
            score = settings.password_score(),
            "ADMIN_PASSWORD is weak (zxcvbn score below 3 of 4): choose a long random one"
        );
    }
    if unchanged {
        return Ok(());
    }
    let hash = password::hash(password).await?;
    admins::upsert(
        pool,
        MAIN_ADMIN_ID,
        &settings.username,
        &hash,
        &settings.email,
        clock.now_utc(),
    )
    .await?;
    // A changed password (or name) in `.env` ends every session opened with the old one.
    let ended = sessions::delete_for_admin(pool, MAIN_ADMIN_ID).await?;
    tracing::info!(username = %settings.username, sessions_ended = ended, "Main admin account updated from settings");
    Ok(())
}
