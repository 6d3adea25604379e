//! `setting` and `model` from the `site` stream.
use sqlx::MySqlConnection;

use super::events::SiteEvent;
use crate::events::{RecordedEvent, StreamProjection};

/// `setting` and `model` rows from the `site` stream.
pub const PROJECTION: StreamProjection<SiteEvent> = StreamProjection {
    name: "site",
    tables: &[("setting", "name"), ("model", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
};

async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &SiteEvent,
) -> Result<(), sqlx::Error> {
    match payload {
        SiteEvent::DefaultPromptLimitChanged { limit } => {
            sqlx::query(
                "INSERT INTO setting (name, value) VALUES ('default_prompt_limit', ?) \
                 ON DUPLICATE KEY UPDATE value = VALUES(value)",
            )
            .bind(limit.to_string())
            .execute(conn)
            .await?;
        }
        SiteEvent::ModelAdded { id, name, kind } => {
            sqlx::query(
                "INSERT INTO model (id, name, date, kind, enabled, is_default, position) \
                 SELECT ?, ?, ?, ?, TRUE, FALSE, COUNT(*) + 1 FROM model",
            )
            .bind(id)
            .bind(name)
            .bind(event.recorded_at)
            .bind(kind.as_str())
            .execute(conn)
            .await?;
        }
        SiteEvent::ModelEnabled { id } | SiteEvent::ModelDisabled { id } => {
            let enabled = matches!(payload, SiteEvent::ModelEnabled { .. });
            sqlx::query("UPDATE model SET enabled = ? WHERE id = ?")
                .bind(enabled)
                .bind(id)
                .execute(conn)
                .await?;
        }
        SiteEvent::DefaultModelChosen { id } => {
            sqlx::query("UPDATE model SET is_default = (id = ?)")
                .bind(id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}
