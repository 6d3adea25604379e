//! Bots' `bot` rows: each a view of its bot's aggregate state (`row_of`), so the aggregate's own
//! `apply` is the one place that says what a bot's event changes. A rebuild keeps each bot's
//! state as it folds the log (`apply`); live, `projection.rs` folds it from the stream's earlier
//! events.
use std::collections::HashMap;

use super::aggregate::Bot;
use super::events::BotEvent;
use crate::events::{Aggregate, RecordedEvent};
use crate::rebuild::{BotRow, Tables};

/// `bot.knowledge_file` and `bot.disabled_reason` hold at most this many characters (both are
/// only shown; the edge keeps them shorter).
const FILE_NAME_MAX_CHARS: usize = 255;
const REASON_MAX_CHARS: usize = 500;

/// `states`: each bot as its aggregate folds it (its row is written from this), kept by the
/// rebuild beside the tables.
pub fn apply(
    tables: &mut Tables,
    states: &mut HashMap<String, Bot>,
    event: &RecordedEvent,
    payload: &BotEvent,
) {
    let id = event.stream_id.as_str();
    let created_at = match tables.bots.get(id) {
        Some(row) => row.created_at,
        None if matches!(payload, BotEvent::BotCreated { .. }) => event.recorded_at,
        // The projection updates no row for a bot it never created.
        None => return,
    };
    let bot = states.entry(id.to_owned()).or_default();
    bot.apply(payload);
    let row = row_of(id, bot, created_at, event.recorded_at);
    tables.bots.insert(id.to_owned(), row);
}

/// A bot's row: a view of its aggregate's state (live and in a rebuild alike).
pub(super) fn row_of(
    id: &str,
    bot: &Bot,
    created_at: time::PrimitiveDateTime,
    updated_at: time::PrimitiveDateTime,
) -> BotRow {
    let knowledge = bot.knowledge.as_ref();
    BotRow {
        id: id.to_owned(),
        owner: bot.owner.to_string(),
        name: bot.name.clone(),
        description: bot.description.clone(),
        instructions: bot.instructions.clone(),
        instructions_version: bot.instructions_version,
        base_model: bot.base_model.clone(),
        emoji: bot.avatar.emoji.clone(),
        color: bot.avatar.color.clone(),
        starters: starters_json(&bot.starters),
        knowledge_model: knowledge.map(|k| k.model.to_string()),
        knowledge_file: knowledge.map(|k| truncate(&k.file_name, FILE_NAME_MAX_CHARS)),
        knowledge_bytes: knowledge.map(|k| k.bytes),
        shared: bot.shared,
        disabled_reason: bot
            .disabled
            .as_ref()
            .map(|reason| truncate(reason, REASON_MAX_CHARS)),
        deleted: bot.deleted,
        created_at,
        updated_at,
    }
}

/// `bot.starters`: the starters as a JSON array of strings.
fn starters_json(starters: &[String]) -> String {
    serde_json::Value::from(starters.to_vec()).to_string()
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}
