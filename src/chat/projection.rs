//! `chat`, `chat_history` and `answer_version` (earlier answers and branches) from the `chat`
//! stream, plus the owner's `user.chats`. The counters a turn moves (the chat's and its owner's
//! prompts and tokens, `chat.updated_at`, `user.last_active`) are `usage::UsageProjection`'s,
//! collected over a group commit, as is daily usage.
use sqlx::{AssertSqlSafe, MySqlConnection};

use super::events::{AnswerRecord, ChatEvent};
use super::owners;
use crate::domain::{MessageStatus, Role};
use crate::events::{RecordedEvent, StreamProjection};

/// `chat`, `chat_history`, `answer_version` and the owner's counters from the `chat` streams.
pub const PROJECTION: StreamProjection<ChatEvent> = StreamProjection {
    name: "chat",
    tables: &[
        ("chat_history", "id"),
        ("answer_version", "id"),
        ("chat", "id"),
    ],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
};

/// The owner of a chat (its row exists from `ChatStarted` until `ChatDeleted`).
pub async fn owner(conn: &mut MySqlConnection, chat_id: &str) -> Result<String, sqlx::Error> {
    Ok(owner_and_key(conn, chat_id).await?.0)
}

/// `chat.source`: `api` for a chat an API key started, else `web`.
pub fn source_of(api_key: &Option<uuid::Uuid>) -> &'static str {
    if api_key.is_some() { "api" } else { "web" }
}

/// A chat's owner and the API key that started it (`None` for a web chat), read together.
/// Neither ever changes (and a chat id is never reused), so each chat's pair is read once per
/// process: most events of a turn need it, and it costs a statement inside the append.
pub async fn owner_and_key(
    conn: &mut MySqlConnection,
    chat_id: &str,
) -> Result<(String, Option<String>), sqlx::Error> {
    if let Some(known) = owners::get(chat_id) {
        return Ok(known);
    }
    let found: (String, Option<String>) =
        sqlx::query_as("SELECT user_id, api_key FROM chat WHERE id = ?")
            .bind(chat_id)
            .fetch_one(conn)
            .await?;
    owners::remember(chat_id, &found);
    Ok(found)
}

pub async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), sqlx::Error> {
    let chat_id = event.stream_id.as_str();
    match payload {
        ChatEvent::ChatStarted {
            user_id,
            title,
            model,
            api_key,
        } => {
            sqlx::query(
                "INSERT INTO chat (id, user_id, date, title, title_source, model, updated_at, version, \
                 source, api_key) VALUES (?, ?, ?, ?, 'prompt', ?, ?, ?, ?, ?)",
            )
            .bind(chat_id)
            .bind(user_id.to_string())
            .bind(event.recorded_at)
            .bind(title)
            .bind(model)
            .bind(event.recorded_at)
            .bind(event.sequence)
            .bind(source_of(api_key))
            .bind(api_key.map(|key| key.to_string()))
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE `user` SET chats = chats + 1 WHERE id = ?")
                .bind(user_id.to_string())
                .execute(&mut *conn)
                .await?;
        }
        ChatEvent::UserMessageAppended { text, model }
        | ChatEvent::PromptEdited { text, model, .. } => {
            if let ChatEvent::PromptEdited { rank, .. } = payload {
                // The branch from `rank` on stays readable as earlier versions.
                set_aside_from(conn, chat_id, *rank).await?;
            }
            insert_message(
                conn,
                event,
                Role::User,
                text,
                MessageStatus::Complete,
                Some(model),
                None,
            )
            .await?;
            // The chat's and the user's counters, `updated_at` and `version`: `usage`.
        }
        ChatEvent::AnswerStarted { model, instance_id } => {
            let instance = instance_id.to_string();
            insert_message(
                conn,
                event,
                Role::Assistant,
                "",
                MessageStatus::Streaming,
                Some(model),
                Some(&instance),
            )
            .await?;
            // The chat moved (`updated_at`, `version`): `usage`, with the turn's counters.
        }
        ChatEvent::AnswerCompleted(answer) => {
            finish_answer(conn, event, answer, MessageStatus::Complete).await?
        }
        ChatEvent::AnswerStopped(answer) => {
            finish_answer(conn, event, answer, MessageStatus::Stopped).await?
        }
        ChatEvent::AnswerFailed(answer) => {
            finish_answer(conn, event, answer, MessageStatus::Failed).await?
        }
        ChatEvent::AnswerDiscarded => {
            // The answer leaves the conversation but stays readable as an earlier version.
            sqlx::query(
                "INSERT INTO answer_version SELECT * FROM chat_history \
                 WHERE chat_id = ? AND role = 'assistant' ORDER BY `rank` DESC LIMIT 1",
            )
            .bind(chat_id)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM chat_history WHERE chat_id = ? AND role = 'assistant' ORDER BY `rank` DESC LIMIT 1",
            )
            .bind(chat_id)
            .execute(&mut *conn)
            .await?;
            touch(conn, event).await?;
        }
        ChatEvent::BranchRestored { rank, version } => {
            restore_branch(conn, chat_id, *rank, *version).await?;
            touch(conn, event).await?;
        }
        ChatEvent::ChatRenamed { title, source } => {
            sqlx::query("UPDATE chat SET title = ?, title_source = ?, version = ? WHERE id = ?")
                .bind(title)
                .bind(source.as_str())
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        ChatEvent::ChatModelChanged { model } => {
            sqlx::query("UPDATE chat SET model = ?, version = ? WHERE id = ?")
                .bind(model)
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        ChatEvent::ChatLimitChanged { limit } => {
            sqlx::query("UPDATE chat SET prompt_limit = ?, version = ? WHERE id = ?")
                .bind(limit)
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        ChatEvent::ChatArchived | ChatEvent::ChatUnarchived => {
            sqlx::query("UPDATE chat SET archived = ?, version = ? WHERE id = ?")
                .bind(matches!(payload, ChatEvent::ChatArchived))
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        // Only the chat's actor reads them (they go to the model, not onto a page).
        ChatEvent::CustomInstructionsAttached { .. } | ChatEvent::ClientContextAttached { .. } => {
            sqlx::query("UPDATE chat SET version = ? WHERE id = ?")
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        ChatEvent::AnswerRated { rank, rating } => {
            sqlx::query(
                "UPDATE chat_history SET rating = ? WHERE chat_id = ? AND `rank` = ? AND role = 'assistant'",
            )
            .bind(rating.map(|r| r.as_str()))
            .bind(chat_id)
            .bind(rank)
            .execute(&mut *conn)
            .await?;
            sqlx::query("UPDATE chat SET version = ? WHERE id = ?")
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        ChatEvent::ChatDeleted => {
            let user_id = owner(conn, chat_id).await?;
            for table in ["chat_history", "answer_version"] {
                sqlx::query(AssertSqlSafe(format!(
                    "DELETE FROM {table} WHERE chat_id = ?"
                )))
                .bind(chat_id)
                .execute(&mut *conn)
                .await?;
            }
            sqlx::query("DELETE FROM chat WHERE id = ?")
                .bind(chat_id)
                .execute(&mut *conn)
                .await?;
            owners::forget(chat_id);
            sqlx::query("UPDATE `user` SET chats = chats - 1 WHERE id = ? AND chats > 0")
                .bind(&user_id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

/// Any activity moves the chat up in the sidebar and advances its version (to the latest: a
/// turn's moves are written at the end of its group, `usage`).
async fn touch(conn: &mut MySqlConnection, event: &RecordedEvent) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE chat SET updated_at = GREATEST(updated_at, ?), version = GREATEST(version, ?) \
         WHERE id = ?",
    )
    .bind(event.recorded_at)
    .bind(event.sequence)
    .bind(&event.stream_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The conversation from `rank` on moves to `answer_version`; the `version`-th oldest message
/// at `rank` that followed the message before it comes back, and after it at each rank the
/// newest set-aside message that followed the one before (as `branches::Branches` reads them).
async fn restore_branch(
    conn: &mut MySqlConnection,
    chat_id: &str,
    rank: u32,
    version: u32,
) -> Result<(), sqlx::Error> {
    let parent: Option<u64> = match rank.checked_sub(1).filter(|&above| above > 0) {
        Some(above) => {
            sqlx::query_scalar("SELECT id FROM chat_history WHERE chat_id = ? AND `rank` = ?")
                .bind(chat_id)
                .bind(above)
                .fetch_optional(&mut *conn)
                .await?
        }
        None => None,
    };
    let chosen: Option<u64> = sqlx::query_scalar(
        "SELECT id FROM (SELECT id, parent_id FROM chat_history WHERE chat_id = ? AND `rank` = ? \
         UNION ALL SELECT id, parent_id FROM answer_version WHERE chat_id = ? AND `rank` = ?) v \
         WHERE parent_id <=> ? ORDER BY id LIMIT 1 OFFSET ?",
    )
    .bind(chat_id)
    .bind(rank)
    .bind(chat_id)
    .bind(rank)
    .bind(parent)
    .bind(version.saturating_sub(1))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(mut id) = chosen else {
        return Ok(());
    };
    set_aside_from(conn, chat_id, rank).await?;
    loop {
        for sql in [
            "INSERT INTO chat_history SELECT * FROM answer_version WHERE chat_id = ? AND id = ?",
            "DELETE FROM answer_version WHERE chat_id = ? AND id = ?",
        ] {
            sqlx::query(sql)
                .bind(chat_id)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        let next: Option<u64> = sqlx::query_scalar(
            "SELECT MAX(id) FROM answer_version WHERE chat_id = ? AND parent_id = ?",
        )
        .bind(chat_id)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        match next {
            Some(next) => id = next,
            None => return Ok(()),
        }
    }
}

async fn insert_message(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    role: Role,
    content: &str,
    status: MessageStatus,
    model: Option<&str>,
    instance_id: Option<&str>,
) -> Result<(), sqlx::Error> {
    // It follows the conversation's last message, one rank below it (read in the same
    // statement as the insert).
    sqlx::query(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model, \
         instance_id, parent_id) SELECT ?, ?, ?, ?, ?, COALESCE(MAX(`rank`), 0) + 1, ?, ?, ?, \
         (SELECT id FROM chat_history WHERE chat_id = ? ORDER BY `rank` DESC LIMIT 1) \
         FROM chat_history WHERE chat_id = ?",
    )
    .bind(event.position)
    .bind(&event.stream_id)
    .bind(role.as_str())
    .bind(content)
    .bind(event.recorded_at)
    .bind(status.as_str())
    .bind(model)
    .bind(instance_id)
    .bind(&event.stream_id)
    .bind(&event.stream_id)
    .execute(conn)
    .await?;
    Ok(())
}

async fn finish_answer(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    status: MessageStatus,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE chat_history SET content = ?, status = ?, model = ?, prompt_tokens = ?, \
         completion_tokens = ?, finish_reason = ?, error = ?, latency_ms = ?, ttft_ms = ?, \
         sources = ?, instance_id = NULL WHERE chat_id = ? AND status = 'streaming'",
    )
    .bind(&answer.text)
    .bind(status.as_str())
    .bind(&answer.model)
    .bind(answer.prompt_tokens)
    .bind(answer.completion_tokens)
    .bind(&answer.finish_reason)
    .bind(answer.error.as_deref().map(|e| truncate(e, 500)))
    .bind(answer.latency_ms)
    .bind(answer.ttft_ms)
    .bind(sources_json(&answer.sources))
    .bind(&event.stream_id)
    .execute(conn)
    .await?;
    // The tokens on the chat and its owner, `updated_at` and `version`: `usage`.
    Ok(())
}

pub(super) fn sources_json(sources: &[crate::llm::Source]) -> Option<String> {
    if sources.is_empty() {
        return None;
    }
    serde_json::to_string(sources).ok()
}

pub(super) fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// Moves the conversation's rows from `rank` on to `answer_version` (they stay readable as
/// earlier versions).
async fn set_aside_from(
    conn: &mut MySqlConnection,
    chat_id: &str,
    rank: u32,
) -> Result<(), sqlx::Error> {
    for sql in [
        "INSERT INTO answer_version SELECT * FROM chat_history WHERE chat_id = ? AND `rank` >= ?",
        "DELETE FROM chat_history WHERE chat_id = ? AND `rank` >= ?",
    ] {
        sqlx::query(sql)
            .bind(chat_id)
            .bind(rank)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
