//! PDF models' rows in `model` (kind `pdf`, id `pdf:<uuid>`) from the `model` streams. The rows
//! of upstream and local models belong to `site::projection`; both share the table. A row is a
//! view of the model's aggregate state (`fold::row_of`): live, the state is folded from the
//! stream's earlier events, read inside the append's transaction.
use sqlx::MySqlConnection;

use super::aggregate::PdfModel;
use super::events::ModelEvent;
use super::fold::{row_id, row_of};
use crate::events::{Aggregate, RecordedEvent, StreamProjection, state_before};
use crate::rebuild::{ModelRow, row_by_key, row_count, write_row};

/// PDF models' `model` rows from the `model` streams.
pub const PROJECTION: StreamProjection<ModelEvent> = StreamProjection {
    name: "pdf models",
    tables: &[("model", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
    collect: None,
};

async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ModelEvent,
) -> Result<(), sqlx::Error> {
    let id = row_id(event);
    let before: Option<ModelRow> = row_by_key(conn, &id).await?;
    // A new model goes after every row already in the table.
    let position = match (&before, payload) {
        (None, ModelEvent::ModelCreated { .. }) => {
            u32::try_from(row_count::<ModelRow>(conn).await? + 1).unwrap_or(u32::MAX)
        }
        _ => 0,
    };
    let mut model: PdfModel = state_before(conn, event).await?;
    model.apply(payload);
    match row_of(&id, &model, before.as_ref(), event, payload, position) {
        Some(row) => write_row(conn, before.as_ref(), Some(&row)).await,
        None => Ok(()),
    }
}
