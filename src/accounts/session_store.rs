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
use crate::store::sessions::{self, LoadedSession, SessionRow};

/// Keys in the session state that the store mirrors into columns, for revocation.
pub const USER_KEY: &str = "user_id";
pub const ADMIN_KEY: &str = "admin_id";
/// Set (never stored) when the database could not be reached to load the session.
pub const DATABASE_DOWN_KEY: &str = "database_unreachable";
/// Set instead of the user when the admin blocked them (see `accounts::current`).
pub const BLOCKED_KEY: &str = "blocked_user_id";
/// Set (never stored) to the session's user row and their prompts today (`(UserRow,
/// PromptsOn)`), read with the session in one query, so the login check (`accounts::current`)
/// and the daily quota need no read of their own.
pub const LOADED_USER_KEY: &str = "loaded_user";

/// What `load` adds to a session's state and `save`/`update` leave out.
fn transient(key: &str) -> bool {
    key == DATABASE_DOWN_KEY || key == LOADED_USER_KEY
}

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

/// actix-session turns a store error into an opaque 500 that no middleware can rewrite: when
/// the database cannot be reached, `load` hands out a state holding only `DATABASE_DOWN_KEY`,
/// and the login check answers 503 with `Retry-After` (see `accounts::current`).
fn database_down() -> HashMap<String, String> {
    HashMap::from([(DATABASE_DOWN_KEY.to_owned(), "true".to_owned())])
}

fn load_error(error: sqlx::Error) -> Result<Option<HashMap<String, String>>, LoadError> {
    if crate::error::database_unreachable(&error) {
        tracing::warn!(%error, "Session store cannot reach the database");
        Ok(Some(database_down()))
    } else {
        Err(LoadError::Other(error.into()))
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
    let kept: HashMap<&String, &String> = state.iter().filter(|(key, _)| !transient(key)).collect();
    Ok(SessionRow {
        id,
        user_id: state_value::<String>(state, USER_KEY),
        admin_id: state_value::<u32>(state, ADMIN_KEY),
        state: serde_json::to_string(&kept)?,
    })
}

impl SessionStore for MySqlSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let id = key_hash(session_key.as_ref());
        let today = self.clock.now_utc().date();
        let found = match sessions::find(&self.pool, &id, today).await {
            Ok(found) => found,
            Err(error) => return load_error(error),
        };
        let Some(LoadedSession {
            session: found,
            user,
        }) = found
        else {
            return Ok(None);
        };
        let now = self.clock.now_utc();
        let idle = if found.admin_id.is_some() {
            self.admin_idle
        } else {
            self.idle
        };
        if now - found.last_seen_at > idle || now - found.created_at > self.max_age {
            if let Err(error) = sessions::delete(&self.pool, &id).await {
                return load_error(error);
            }
            return Ok(None);
        }
        if now - found.last_seen_at >= self.touch_every
            && let Err(error) = sessions::touch(&self.pool, &id, now).await
        {
            return load_error(error);
        }
        let mut state: HashMap<String, String> =
            serde_json::from_str(&found.state).map_err(|e| LoadError::Deserialization(e.into()))?;
        if let Some(user) = user {
            let user = serde_json::to_string(&user).map_err(|e| LoadError::Other(e.into()))?;
            state.insert(LOADED_USER_KEY.to_owned(), user);
        }
        Ok(Some(state))
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
        let updated = match sessions::update(&self.pool, &row, self.clock.now_utc()).await {
            Ok(updated) => updated,
            // The change is lost (the request itself already answered); the device keeps its
            // session rather than getting an opaque 500.
            Err(error) if crate::error::database_unreachable(&error) => {
                tracing::warn!(%error, "A session change was not saved: database unreachable");
                return Ok(session_key);
            }
            Err(error) => return Err(UpdateError::Other(error.into())),
        };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_load_adds_is_never_stored() {
        let state = HashMap::from([
            (USER_KEY.to_owned(), "\"u1\"".to_owned()),
            (
                LOADED_USER_KEY.to_owned(),
                "{\"password\":\"$argon2id$…\"}".to_owned(),
            ),
            (DATABASE_DOWN_KEY.to_owned(), "true".to_owned()),
        ]);
        let row = row_for("id".into(), &state).expect("a row");
        assert_eq!(row.user_id.as_deref(), Some("u1"));
        let stored: HashMap<String, String> = serde_json::from_str(&row.state).expect("json");
        assert_eq!(stored.keys().collect::<Vec<_>>(), vec![USER_KEY]);
    }
}
