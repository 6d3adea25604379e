//! `projection.rs`'s `bot` rows, folded in memory for a rebuild (`crate::rebuild`): the bot's
//! state is its aggregate's own `apply`, and the row is written from it.
use std::collections::HashMap;

use super::aggregate::Bot;
use super::events::BotEvent;
use super::projection::{FILE_NAME_MAX_CHARS, REASON_MAX_CHARS, starters_json, truncate};
use crate::events::{Aggregate, RecordedEvent};
use crate::rebuild::{BotRow, Tables};

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

fn row_of(
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
