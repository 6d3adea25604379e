//! Projections: the read models, updated inside the append transaction.
//!
//! Each function only turns an event into rows; business rules live in the aggregates. Every
//! value written comes from the event (ids, `recorded_at`, `position`), so a replay of the log
//! produces identical tables.
mod audit;
pub use audit::redacted as audit_redacted;
mod chat;
mod site;
mod stats;
mod user;

use sqlx::MySqlConnection;

use super::model::RecordedEvent;
use crate::accounts::events::UserEvent;
use crate::chat::events::ChatEvent;
use crate::events::DomainEvent;
use crate::site::events::SiteEvent;

/// Every projection table with its primary key, in the order replay clears them.
pub const TABLES: &[(&str, &str)] = &[
    ("chat_history", "id"),
    ("chat", "id"),
    ("user", "id"),
    ("setting", "name"),
    ("model", "id"),
    ("daily_stats", "day"),
    ("daily_user_activity", "day, user_id"),
    ("daily_model_stats", "day, model"),
    ("audit_log", "position"),
];

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("unique key {0} would be violated")]
    Unique(String),
    #[error("event {position} cannot be decoded: {source}")]
    Decode {
        position: u64,
        source: serde_json::Error,
    },
    #[error("projection update failed: {0}")]
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ProjectionError {
    fn from(error: sqlx::Error) -> Self {
        match unique_key(&error) {
            Some(key) => ProjectionError::Unique(key),
            None => ProjectionError::Database(error),
        }
    }
}

/// The name of the violated unique key, on MariaDB (`'uq_x'`) and MySQL 8 (`'table.uq_x'`).
pub fn unique_key(error: &sqlx::Error) -> Option<String> {
    let db = error.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    let message = db.message();
    let key = message.rsplit_once("for key '")?.1.trim_end_matches('\'');
    Some(key.rsplit('.').next().unwrap_or(key).to_owned())
}

pub async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
) -> Result<(), ProjectionError> {
    let decode_error = |source| ProjectionError::Decode {
        position: event.position,
        source,
    };
    match event.stream_type.as_str() {
        ChatEvent::STREAM_TYPE => {
            chat::apply(conn, event, &event.decode().map_err(decode_error)?).await?
        }
        UserEvent::STREAM_TYPE => {
            user::apply(conn, event, &event.decode().map_err(decode_error)?).await?
        }
        SiteEvent::STREAM_TYPE => {
            site::apply(conn, event, &event.decode().map_err(decode_error)?).await?
        }
        other => tracing::warn!(stream_type = other, "No projection for this stream type"),
    }
    audit::apply(conn, event).await?;
    Ok(())
}
