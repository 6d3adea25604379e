//! `audit_log`: every event an admin caused, with secrets removed.
use serde_json::Value;
use sqlx::MySqlConnection;

use crate::events::RecordedEvent;

pub async fn apply(conn: &mut MySqlConnection, event: &RecordedEvent) -> Result<(), sqlx::Error> {
    let metadata = event.metadata();
    let Some(admin) = metadata.admin_name() else {
        return Ok(());
    };
    sqlx::query(
        "INSERT INTO audit_log (position, actor, action, stream_type, stream_id, details, date) \
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(event.position)
    .bind(admin)
    .bind(&event.event_type)
    .bind(&event.stream_type)
    .bind(&event.stream_id)
    .bind(redacted(&event.payload.0).to_string())
    .bind(event.recorded_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The payload without password hashes (also used by `export-events`).
pub fn redacted(payload: &Value) -> Value {
    let mut payload = payload.clone();
    if let Some(object) = payload.as_object_mut() {
        object.remove("type");
        if object.contains_key("password_hash") {
            object.insert("password_hash".into(), Value::String("[redacted]".into()));
        }
    }
    payload
}
