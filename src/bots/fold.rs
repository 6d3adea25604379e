//! `projection.rs`'s `bot` rows, folded in memory for a rebuild (`crate::rebuild`).
use super::events::BotEvent;
use super::projection::{FILE_NAME_MAX_CHARS, REASON_MAX_CHARS, starters_json, truncate};
use crate::events::RecordedEvent;
use crate::rebuild::{BotRow, Tables};

pub fn apply(tables: &mut Tables, event: &RecordedEvent, payload: &BotEvent) {
    let id = event.stream_id.as_str();
    let at = event.recorded_at;
    if let BotEvent::BotCreated {
        owner,
        name,
        description,
        instructions,
        base_model,
        avatar,
        starters,
    } = payload
    {
        let row = BotRow {
            id: id.to_owned(),
            owner: owner.to_string(),
            name: name.clone(),
            description: description.clone(),
            instructions: instructions.clone(),
            instructions_version: 1,
            base_model: base_model.clone(),
            emoji: avatar.emoji.clone(),
            color: avatar.color.clone(),
            starters: starters_json(starters),
            knowledge_model: None,
            knowledge_file: None,
            knowledge_bytes: None,
            shared: false,
            disabled_reason: None,
            deleted: false,
            created_at: at,
            updated_at: at,
        };
        tables.bots.insert(id.to_owned(), row);
        return;
    }
    let Some(bot) = tables.bot_mut(id) else {
        return;
    };
    bot.updated_at = at;
    match payload {
        BotEvent::BotEdited {
            name,
            description,
            instructions,
            base_model,
            avatar,
            starters,
        } => {
            if let Some(name) = name {
                bot.name = name.clone();
            }
            if let Some(description) = description {
                bot.description = description.clone();
            }
            if let Some(instructions) = instructions {
                bot.instructions = instructions.clone();
                bot.instructions_version += 1;
            }
            if let Some(base_model) = base_model {
                bot.base_model = base_model.clone();
            }
            if let Some(avatar) = avatar {
                bot.emoji = avatar.emoji.clone();
                bot.color = avatar.color.clone();
            }
            if let Some(starters) = starters {
                bot.starters = starters_json(starters);
            }
        }
        BotEvent::KnowledgeAttached {
            model,
            file_name,
            bytes,
        } => {
            bot.knowledge_model = Some(model.to_string());
            bot.knowledge_file = Some(truncate(file_name, FILE_NAME_MAX_CHARS));
            bot.knowledge_bytes = Some(*bytes);
        }
        BotEvent::KnowledgeRemoved { .. } => {
            bot.knowledge_model = None;
            bot.knowledge_file = None;
            bot.knowledge_bytes = None;
        }
        BotEvent::BotShared => bot.shared = true,
        BotEvent::BotUnshared => bot.shared = false,
        BotEvent::BotDisabled { reason } => {
            bot.disabled_reason = Some(truncate(reason, REASON_MAX_CHARS));
        }
        BotEvent::BotEnabled => bot.disabled_reason = None,
        BotEvent::BotDeleted => {
            bot.deleted = true;
            bot.shared = false;
        }
        BotEvent::BotCreated { .. } => {}
    }
}
