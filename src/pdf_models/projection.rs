//! PDF models' rows in `model` (kind `pdf`, id `pdf:<uuid>`) from the `model` streams. The rows
//! of upstream and local models belong to `site::projection`; both share the table.
use sqlx::MySqlConnection;

use super::events::ModelEvent;
use crate::domain::ModelRef;
use crate::events::{RecordedEvent, StreamProjection};

/// PDF models' `model` rows from the `model` streams.
pub const PROJECTION: StreamProjection<ModelEvent> = StreamProjection {
    name: "pdf models",
    tables: &[("model", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
};

async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ModelEvent,
) -> Result<(), sqlx::Error> {
    let id = format!("{}{}", ModelRef::PDF_PREFIX, event.stream_id);
    let at = event.recorded_at;
    match payload {
        ModelEvent::ModelCreated {
            name,
            description,
            instructions,
            base_model,
            file,
            ..
        } => {
            sqlx::query(
                "INSERT INTO model (id, name, file, vector, date, kind, enabled, is_default, position, \
                 description, instructions, instructions_version, base_model, status, pdf_bytes, \
                 sha256, original_name, updated_at) \
                 SELECT ?, ?, ?, NULL, ?, 'pdf', FALSE, FALSE, COUNT(*) + 1, ?, ?, 1, ?, 'new', ?, ?, ?, ? \
                 FROM model",
            )
            .bind(&id)
            .bind(name)
            .bind(&file.path)
            .bind(at)
            .bind(description)
            .bind(instructions)
            .bind(base_model)
            .bind(file.bytes)
            .bind(&file.sha256)
            .bind(&file.original_name)
            .bind(at)
            .execute(conn)
            .await?;
        }
        ModelEvent::IngestionStarted { .. } => {
            sqlx::query(
                "UPDATE model SET status = 'ingesting', error_code = NULL, error_detail = NULL, \
                 updated_at = ? WHERE id = ?",
            )
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
        ModelEvent::IngestionCompleted {
            pages,
            chunks,
            embedder,
            dimension,
            table,
        } => {
            sqlx::query(
                "UPDATE model SET status = 'ready', pages = ?, chunks = ?, embedder = ?, \
                 dimension = ?, vector = ?, updated_at = ? WHERE id = ?",
            )
            .bind(pages)
            .bind(chunks)
            .bind(embedder)
            .bind(dimension)
            .bind(table)
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
        ModelEvent::IngestionFailed { code, detail } => {
            let detail: String = detail.chars().take(500).collect();
            sqlx::query(
                "UPDATE model SET status = 'failed', error_code = ?, error_detail = ?, \
                 vector = NULL, pages = NULL, chunks = NULL, updated_at = ? WHERE id = ?",
            )
            .bind(code)
            .bind(detail)
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
        ModelEvent::ModelLaunched | ModelEvent::ModelUnlaunched => {
            let launched = matches!(payload, ModelEvent::ModelLaunched);
            sqlx::query(
                "UPDATE model SET enabled = ?, launched_at = IF(?, ?, launched_at), updated_at = ? \
                 WHERE id = ?",
            )
            .bind(launched)
            .bind(launched)
            .bind(at)
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
        ModelEvent::ModelEdited {
            name,
            description,
            instructions,
        } => {
            sqlx::query(
                "UPDATE model SET name = COALESCE(?, name), description = COALESCE(?, description), \
                 instructions = COALESCE(?, instructions), \
                 instructions_version = instructions_version + IF(? IS NULL, 0, 1), \
                 updated_at = ? WHERE id = ?",
            )
            .bind(name)
            .bind(description)
            .bind(instructions)
            .bind(instructions)
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
        ModelEvent::ModelDeleted => {
            sqlx::query(
                "UPDATE model SET status = 'deleted', enabled = FALSE, updated_at = ? WHERE id = ?",
            )
            .bind(at)
            .bind(&id)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}
