//! Bots' rows in `bot` from the `bot` streams (one row per bot, id = the stream id). A deleted
//! bot keeps its row with `deleted` set: its chats still name it.
//!
//! A bot's row is a view of its aggregate's state (`fold::row_of`): a rebuild keeps each bot's
//! state as it folds the log (`fold.rs`); live, the state is folded from the stream's earlier
//! events, read inside the append's transaction. The aggregate's `apply` is the one place that
//! says what a bot's event changes.
use sqlx::MySqlConnection;

use super::aggregate::Bot;
use super::events::BotEvent;
use super::fold::row_of;
use crate::events::{Aggregate, RecordedEvent, StreamProjection, state_before};
use crate::rebuild::{BotRow, row_by_key, write_row};

/// `bot` rows from the `bot` streams.
pub const PROJECTION: StreamProjection<BotEvent> = StreamProjection {
    name: "bots",
    tables: &[("bot", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
    collect: None,
};

async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &BotEvent,
) -> Result<(), sqlx::Error> {
    let id = event.stream_id.as_str();
    let before: Option<BotRow> = row_by_key(conn, id).await?;
    let created_at = match &before {
        Some(row) => row.created_at,
        None if matches!(payload, BotEvent::BotCreated { .. }) => event.recorded_at,
        // No row is changed for a bot that was never created.
        None => return Ok(()),
    };
    let mut bot: Bot = state_before(conn, event).await?;
    bot.apply(payload);
    let row = row_of(id, &bot, created_at, event.recorded_at);
    write_row(conn, before.as_ref(), Some(&row)).await
}
