//! The SQL sink of the chat's changes (`changes.rs`): `chat`, `chat_history` and `answer_version`
//! (earlier answers and branches) and the owner's `user.chats`, statement by statement inside the
//! append's transaction (over a group commit, the messages a group appends and the answers it
//! finishes are collected into two statements: `collect.rs`). The counters a turn moves (the
//! chat's and its owner's prompts and tokens, `chat.updated_at`, `user.last_active`) are
//! `usage::UsageProjection`'s, collected over a group commit, as is daily usage.
use sqlx::{AssertSqlSafe, MySqlConnection};

use super::changes::{Change, Field, changes};
use super::collect::{self, ChatRows};
use super::events::ChatEvent;
use super::owners;
use crate::events::{RecordedEvent, StreamProjection};
use crate::rebuild::write_row;

/// `chat`, `chat_history`, `answer_version` and the owner's counters from the `chat` streams:
/// event by event (`apply`), or over a group commit (`collect::ChatRows`).
pub const PROJECTION: StreamProjection<ChatEvent> = StreamProjection {
    name: "chat",
    tables: &[
        ("chat_history", "id"),
        ("answer_version", "id"),
        ("chat", "id"),
    ],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
    collect: Some(|| Box::<ChatRows>::default()),
};

/// The owner of a chat (its row exists from `ChatStarted` until `ChatDeleted`).
async fn owner(conn: &mut MySqlConnection, chat_id: &str) -> Result<String, sqlx::Error> {
    Ok(owner_and_key(conn, chat_id).await?.0)
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

/// Runs `payload`'s changes (`changes.rs`) as statements, inside the append's transaction.
pub async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), sqlx::Error> {
    for change in changes(event, payload) {
        write(conn, event, change).await?;
    }
    Ok(())
}

/// One change, as statements (the messages a group appends and the answers it finishes are
/// collected instead: `collect.rs`).
pub(super) async fn write(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    change: Change,
) -> Result<(), sqlx::Error> {
    let chat_id = event.stream_id.as_str();
    match change {
        Change::Open(row) => write_row(conn, None, Some(&row)).await?,
        Change::OwnerGained(user_id) => {
            sqlx::query("UPDATE `user` SET chats = chats + 1 WHERE id = ?")
                .bind(user_id)
                .execute(conn)
                .await?;
        }
        Change::OwnerLost => {
            let user_id = owner(conn, chat_id).await?;
            sqlx::query("UPDATE `user` SET chats = chats - 1 WHERE id = ? AND chats > 0")
                .bind(&user_id)
                .execute(conn)
                .await?;
        }
        Change::Delete => {
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
                .execute(conn)
                .await?;
            owners::forget(chat_id);
        }
        Change::Set(field) => set(conn, event, field).await?,
        Change::Version => {
            sqlx::query("UPDATE chat SET version = ? WHERE id = ?")
                .bind(event.sequence)
                .bind(chat_id)
                .execute(conn)
                .await?;
        }
        Change::Touch => touch(conn, event).await?,
        Change::Append(message) => collect::append(conn, &[message]).await?,
        Change::Finish(outcome) => collect::finish(conn, &[(chat_id.to_owned(), outcome)]).await?,
        Change::SetAsideFrom(rank) => set_aside_from(conn, chat_id, rank).await?,
        Change::SetAsideLastAnswer => {
            for sql in [
                "INSERT INTO answer_version SELECT * FROM chat_history \
                 WHERE chat_id = ? AND role = 'assistant' ORDER BY `rank` DESC LIMIT 1",
                "DELETE FROM chat_history WHERE chat_id = ? AND role = 'assistant' \
                 ORDER BY `rank` DESC LIMIT 1",
            ] {
                sqlx::query(sql).bind(chat_id).execute(&mut *conn).await?;
            }
        }
        Change::Restore { rank, version } => restore_branch(conn, chat_id, rank, version).await?,
        Change::Rate { rank, rating } => {
            sqlx::query(
                "UPDATE chat_history SET rating = ? WHERE chat_id = ? AND `rank` = ? \
                 AND role = 'assistant'",
            )
            .bind(rating)
            .bind(chat_id)
            .bind(rank)
            .execute(conn)
            .await?;
        }
    }
    Ok(())
}

/// A field of the chat's row, and its version.
async fn set(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    field: Field,
) -> Result<(), sqlx::Error> {
    let query = match field {
        Field::Title { title, source } => {
            sqlx::query("UPDATE chat SET title = ?, title_source = ?, version = ? WHERE id = ?")
                .bind(title)
                .bind(source.as_str())
        }
        Field::Model(model) => {
            sqlx::query("UPDATE chat SET model = ?, version = ? WHERE id = ?").bind(model)
        }
        Field::Limit(limit) => {
            sqlx::query("UPDATE chat SET prompt_limit = ?, version = ? WHERE id = ?").bind(limit)
        }
        Field::Archived(archived) => {
            sqlx::query("UPDATE chat SET archived = ?, version = ? WHERE id = ?").bind(archived)
        }
    };
    query
        .bind(event.sequence)
        .bind(&event.stream_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// `Change::Touch` (to the latest: a turn's own moves are written at the end of its group).
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

/// `Change::Restore`: the chosen version and the newest messages that followed it come back
/// from `answer_version`, one by one.
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
