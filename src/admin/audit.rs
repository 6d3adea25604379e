//! `audit_log`: every event an admin caused, of any stream, with secrets removed.
use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use crate::events::{Projection, ProjectionError, RecordedEvent};

pub struct AuditProjection;

impl Projection for AuditProjection {
    fn name(&self) -> &'static str {
        "audit"
    }

    fn tables(&self) -> &'static [(&'static str, &'static str)] {
        &[("audit_log", "position")]
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move { Ok(apply(conn, event).await?) })
    }
}

async fn apply(conn: &mut MySqlConnection, event: &RecordedEvent) -> Result<(), sqlx::Error> {
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
    .bind(event.redacted_payload().to_string())
    .bind(event.recorded_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// The same row, folded in memory for a rebuild (`crate::rebuild`).
pub fn fold(tables: &mut crate::rebuild::Tables, event: &RecordedEvent) {
    let metadata = event.metadata();
    let Some(admin) = metadata.admin_name() else {
        return;
    };
    tables.audit.push(crate::rebuild::AuditRow {
        position: event.position,
        actor: admin.to_owned(),
        action: event.event_type.clone(),
        stream_type: event.stream_type.clone(),
        stream_id: event.stream_id.clone(),
        details: event.redacted_payload().to_string(),
        date: event.recorded_at,
    });
}
