//! Bots' rows in `bot` from the `bot` streams (one row per bot, id = the stream id). A deleted
//! bot keeps its row with `deleted` set: its chats still name it.
use sqlx::MySqlConnection;

use super::events::BotEvent;
use crate::events::{RecordedEvent, StreamProjection};

/// `bot.knowledge_file` and `bot.disabled_reason` hold at most this many characters (both are
/// only shown; the edge keeps them shorter).
pub(super) const FILE_NAME_MAX_CHARS: usize = 255;
pub(super) const REASON_MAX_CHARS: usize = 500;

/// `bot` rows from the `bot` streams.
pub const PROJECTION: StreamProjection<BotEvent> = StreamProjection {
    name: "bots",
    tables: &[("bot", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
};

/// `bot.starters`: the starters as a JSON array of strings.
pub(super) fn starters_json(starters: &[String]) -> String {
    serde_json::Value::from(starters.to_vec()).to_string()
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &BotEvent,
) -> Result<(), sqlx::Error> {
    let id = event.stream_id.as_str();
    let at = event.recorded_at;
    match payload {
        BotEvent::BotCreated {
            owner,
            name,
            description,
            instructions,
            base_model,
            avatar,
            starters,
        } => {
            sqlx::query(
                "INSERT INTO bot (id, owner, name, description, instructions, instructions_version, \
                 base_model, emoji, color, starters, knowledge_model, knowledge_file, \
                 knowledge_bytes, shared, disabled_reason, deleted, created_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, 1, ?, ?, ?, ?, NULL, NULL, NULL, FALSE, NULL, FALSE, ?, ?)",
            )
            .bind(id)
            .bind(owner.to_string())
            .bind(name)
            .bind(description)
            .bind(instructions)
            .bind(base_model)
            .bind(&avatar.emoji)
            .bind(&avatar.color)
            .bind(starters_json(starters))
            .bind(at)
            .bind(at)
            .execute(conn)
            .await?;
        }
        BotEvent::BotEdited {
            name,
            description,
            instructions,
            base_model,
            avatar,
            starters,
        } => {
            sqlx::query(
                "UPDATE bot SET name = COALESCE(?, name), description = COALESCE(?, description), \
                 instructions = COALESCE(?, instructions), \
                 instructions_version = instructions_version + IF(? IS NULL, 0, 1), \
                 base_model = COALESCE(?, base_model), emoji = COALESCE(?, emoji), \
                 color = COALESCE(?, color), starters = COALESCE(?, starters), updated_at = ? \
                 WHERE id = ?",
            )
            .bind(name)
            .bind(description)
            .bind(instructions)
            .bind(instructions)
            .bind(base_model)
            .bind(avatar.as_ref().map(|a| &a.emoji))
            .bind(avatar.as_ref().map(|a| &a.color))
            .bind(starters.as_deref().map(starters_json))
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
        }
        BotEvent::KnowledgeAttached {
            model,
            file_name,
            bytes,
        } => {
            sqlx::query(
                "UPDATE bot SET knowledge_model = ?, knowledge_file = ?, knowledge_bytes = ?, \
                 updated_at = ? WHERE id = ?",
            )
            .bind(model.to_string())
            .bind(truncate(file_name, FILE_NAME_MAX_CHARS))
            .bind(bytes)
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
        }
        // As in the aggregate: whatever the bot knew is gone.
        BotEvent::KnowledgeRemoved { .. } => {
            sqlx::query(
                "UPDATE bot SET knowledge_model = NULL, knowledge_file = NULL, \
                 knowledge_bytes = NULL, updated_at = ? WHERE id = ?",
            )
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
        }
        BotEvent::BotShared | BotEvent::BotUnshared => {
            sqlx::query("UPDATE bot SET shared = ?, updated_at = ? WHERE id = ?")
                .bind(matches!(payload, BotEvent::BotShared))
                .bind(at)
                .bind(id)
                .execute(conn)
                .await?;
        }
        BotEvent::BotDisabled { reason } => {
            sqlx::query("UPDATE bot SET disabled_reason = ?, updated_at = ? WHERE id = ?")
                .bind(truncate(reason, REASON_MAX_CHARS))
                .bind(at)
                .bind(id)
                .execute(conn)
                .await?;
        }
        BotEvent::BotEnabled => {
            sqlx::query("UPDATE bot SET disabled_reason = NULL, updated_at = ? WHERE id = ?")
                .bind(at)
                .bind(id)
                .execute(conn)
                .await?;
        }
        // A deleted bot is no longer shared (as in the aggregate); its row stays.
        BotEvent::BotDeleted => {
            sqlx::query(
                "UPDATE bot SET deleted = TRUE, shared = FALSE, updated_at = ? WHERE id = ?",
            )
            .bind(at)
            .bind(id)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}
