//! `audit_log`: every event an admin caused, of any stream, with secrets removed.
use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use crate::events::{Projection, ProjectionError, RecordedEvent};
use crate::rebuild::{AuditRow, Tables, write_row};

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
    match row(event) {
        Some(row) => write_row(conn, None, Some(&row)).await,
        None => Ok(()),
    }
}

/// The same row, folded in memory for a rebuild (`crate::rebuild`).
pub fn fold(tables: &mut Tables, event: &RecordedEvent) {
    tables.audit.extend(row(event));
}

/// The audit row of an event an admin caused (none for anyone else's).
fn row(event: &RecordedEvent) -> Option<AuditRow> {
    let metadata = event.metadata();
    let admin = metadata.admin_name()?;
    Some(AuditRow {
        position: event.position,
        actor: admin.to_owned(),
        action: event.event_type.clone(),
        stream_type: event.stream_type.clone(),
        stream_id: event.stream_id.clone(),
        details: event.redacted_payload().to_string(),
        date: event.recorded_at,
    })
}
