//! Device sessions for actix-session, kept in MySQL: they survive restarts, are shared by every
//! app instance and can be revoked (logout, password change, block).
//!
//! A session is valid while it is used at least once per idle window (48 h by default) and for
//! at most its absolute lifetime (30 days); an admin's within 8 hours (`ADMIN_SESSION_IDLE_HOURS`). Using it slides the window, but the last-seen time
//! is written back at most once a minute, not on every request.
use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use sqlx::MySqlPool;
use time::Duration;

use crate::clock::SharedClock;
use crate::configuration::SessionSettings;
use crate::store::sessions::{self, SessionRow};

/// Keys in the session state that the store mirrors into columns, for revocation.
pub const USER_KEY: &str = "user_id";
pub const ADMIN_KEY: &str = "admin_id";
/// Set instead of the user when the admin blocked them (see `accounts::current`).
pub const BLOCKED_KEY: &str = "blocked_user_id";

#[derive(Clone)]
pub struct MySqlSessionStore {
    pool: MySqlPool,
    clock: SharedClock,
    idle: Duration,
    /// An admin's session ends sooner when left alone.
    admin_idle: Duration,
    max_age: Duration,
    touch_every: Duration,
}

impl MySqlSessionStore {
    pub fn new(pool: MySqlPool, clock: SharedClock, settings: &SessionSettings) -> Self {
        MySqlSessionStore {
            pool,
            clock,
            idle: Duration::hours(settings.idle_hours),
            admin_idle: Duration::hours(settings.admin_idle_hours.min(settings.idle_hours)),
            max_age: Duration::days(settings.max_days),
            touch_every: Duration::seconds(settings.touch_interval_secs),
        }
    }
}

fn load_error(error: sqlx::Error) -> LoadError {
    if crate::error::database_unreachable(&error) {
        tracing::warn!(%error, "Session store cannot reach the database");
        LoadError::Other(anyhow::anyhow!(crate::error::DATABASE_UNREACHABLE))
    } else {
        LoadError::Other(error.into())
    }
}

/// The database keeps only a hash of the key in the cookie.
pub fn key_hash(key: &str) -> String {
    hex::encode(Sha256::digest(key.as_bytes()))
}

fn new_key() -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(64)
        .map(char::from)
        .collect()
}

/// The JSON-encoded value of `key` in the state, decoded.
fn state_value<T: serde::de::DeserializeOwned>(
    state: &HashMap<String, String>,
    key: &str,
) -> Option<T> {
    state
        .get(key)
        .and_then(|raw| serde_json::from_str(raw).ok())
}

fn row_for(id: String, state: &HashMap<String, String>) -> Result<SessionRow, serde_json::Error> {
    Ok(SessionRow {
        id,
        user_id: state_value::<String>(state, USER_KEY),
        admin_id: state_value::<u32>(state, ADMIN_KEY),
        state: serde_json::to_string(state)?,
    })
}

impl SessionStore for MySqlSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = key_hash(session_key.as_ref());
        let Some(found) = sessions::find(&self.pool, &id).await.map_err(load_error)? else {
            return Ok(None);
        };
        let now = self.clock.now_utc();
        let idle = if found.admin_id.is_some() {
            self.admin_idle
        } else {
            self.idle
        };
        if now - found.last_seen_at > idle || now - found.created_at > self.max_age {
            sessions::delete(&self.pool, &id)
                .await
                .map_err(load_error)?;
            return Ok(None);
        }
        if now - found.last_seen_at >= self.touch_every {
            sessions::touch(&self.pool, &id, now)
                .await
                .map_err(load_error)?;
        }
        serde_json::from_str(&found.state)
            .map(Some)
            .map_err(|e| LoadError::Deserialization(e.into()))
    }

    async fn save(
        &self,
        state: HashMap<String, String>,
        _: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        let key = new_key();
        let row =
            row_for(key_hash(&key), &state).map_err(|e| SaveError::Serialization(e.into()))?;
        sessions::insert(&self.pool, &row, self.clock.now_utc())
            .await
            .map_err(|e| SaveError::Other(e.into()))?;
        SessionKey::try_from(key).map_err(|e| SaveError::Other(e.into()))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        state: HashMap<String, String>,
        ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        let row = row_for(key_hash(session_key.as_ref()), &state)
            .map_err(|e| UpdateError::Serialization(e.into()))?;
        let updated = sessions::update(&self.pool, &row, self.clock.now_utc())
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        if updated {
            return Ok(session_key);
        }
        // Revoked meanwhile: never resurrect it; start a fresh, anonymous session instead.
        let anonymous: HashMap<String, String> = state
            .into_iter()
            .filter(|(k, _)| k != USER_KEY && k != ADMIN_KEY)
            .collect();
        self.save(anonymous, ttl)
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!(e.to_string())))
    }

    async fn update_ttl(&self, _: &SessionKey, _: &CookieDuration) -> Result<(), anyhow::Error> {
        // Sliding happens in `load`, at most once per `touch_every`.
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        sessions::delete(&self.pool, &key_hash(session_key.as_ref())).await?;
        Ok(())
    }
}
