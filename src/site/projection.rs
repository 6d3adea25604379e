//! `setting` and `model` from the `site` stream.
use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use super::events::SiteEvent;
use crate::events::{Projection, ProjectionError, RecordedEvent};

pub struct SiteProjection;

impl Projection for SiteProjection {
    fn name(&self) -> &'static str {
        "site"
    }

    fn tables(&self) -> &'static [(&'static str, &'static str)] {
        &[("setting", "name"), ("model", "id")]
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            if let Some(payload) = event.decode_for::<SiteEvent>()? {
                apply(conn, event, &payload).await?;
            }
            Ok(())
        })
    }
}

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
