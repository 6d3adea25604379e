//! The chat's rows over a group commit (`events::Collector`): the messages a group's events add to
//! chats go in with one statement and the answers they finish are written with one more, at the
//! group's end (a turn's three row changes, a group's dozens, become two statements). Any other
//! change is written at once, after everything collected before it. The rows left are the ones
//! the changes leave one by one: within a chat the order is kept (a message appended after an
//! answer finished is written after it), and chats share no rows.
use futures::future::BoxFuture;
use sqlx::{AssertSqlSafe, MySqlConnection};

use super::changes::{Change, Outcome, changes};
use super::events::ChatEvent;
use super::projection::write;
use crate::database::values::derived_table;
use crate::domain::MessageStatus;
use crate::events::{Collector, ProjectionError, RecordedEvent};
use crate::rebuild::MessageRow;

/// What a group's chat events changed that is written at its end.
#[derive(Default)]
pub(super) struct ChatRows {
    /// Messages to append, in the order of their events (a chat may have several).
    appends: Vec<MessageRow>,
    /// The outcome of the answer each chat is writing (one per chat at most).
    finishes: Vec<(String, Outcome)>,
}

impl Collector for ChatRows {
    fn add<'a>(
        &'a mut self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            if let Some(payload) = event.decode_for::<ChatEvent>()? {
                for change in changes(event, &payload) {
                    self.take(conn, event, change).await?;
                }
            }
            Ok(())
        })
    }

    fn write<'a>(
        mut self: Box<Self>,
        conn: &'a mut MySqlConnection,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move { Ok(self.flush(conn).await?) })
    }
}

impl ChatRows {
    async fn take(
        &mut self,
        conn: &mut MySqlConnection,
        event: &RecordedEvent,
        change: Change,
    ) -> Result<(), sqlx::Error> {
        match change {
            // Appends are written before finishes: one after a finish of its chat waits for it.
            Change::Append(message) => {
                if self.finishing(&message.chat_id) {
                    self.flush(conn).await?;
                }
                self.appends.push(message);
            }
            Change::Finish(outcome) => {
                if self.finishing(&event.stream_id) {
                    self.flush(conn).await?;
                }
                self.finishes.push((event.stream_id.clone(), outcome));
            }
            other => {
                self.flush(conn).await?;
                write(conn, event, other).await?;
            }
        }
        Ok(())
    }

    fn finishing(&self, chat_id: &str) -> bool {
        self.finishes.iter().any(|(chat, _)| chat == chat_id)
    }

    /// Writes what was collected: the appends, then the finishes.
    async fn flush(&mut self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        append(conn, &std::mem::take(&mut self.appends)).await?;
        finish(conn, &std::mem::take(&mut self.finishes)).await
    }
}

/// The columns of `append`'s table of values: a message, `n` (its place among the messages the
/// statement appends to its chat, from 1) and `before_id` (the one before it there, if any).
const APPENDED: [&str; 10] = [
    "id",
    "chat_id",
    "role",
    "content",
    "date",
    "status",
    "model",
    "instance_id",
    "n",
    "before_id",
];

/// Each message after its conversation's last, in one statement: its `rank` one more than the
/// last's (or than the message before it here), that message its parent. The chat's rows are
/// read as they were before the statement (the server buffers an `INSERT … SELECT` that reads
/// its own table). The last message is found from the end of the chat's `(chat_id, rank)` index
/// (`ORDER BY … DESC LIMIT 1`; a correlated `MAX` reads every message of the chat).
pub(super) async fn append(
    conn: &mut MySqlConnection,
    messages: &[MessageRow],
) -> Result<(), sqlx::Error> {
    if messages.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model, \
         instance_id, parent_id) \
         SELECT d.id, d.chat_id, d.role, d.content, d.date, \
         COALESCE((SELECT h.`rank` FROM chat_history h WHERE h.chat_id = d.chat_id \
         ORDER BY h.`rank` DESC LIMIT 1), 0) + d.n, d.status, d.model, d.instance_id, \
         IF(d.n = 1, (SELECT h.id FROM chat_history h WHERE h.chat_id = d.chat_id \
         ORDER BY h.`rank` DESC LIMIT 1), d.before_id) \
         FROM ({}) d",
        derived_table(messages.len(), &APPENDED)
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (index, message) in messages.iter().enumerate() {
        let mut before = messages[..index]
            .iter()
            .filter(|earlier| earlier.chat_id == message.chat_id);
        let n = before.clone().count() + 1;
        query = query
            .bind(message.id)
            .bind(&message.chat_id)
            .bind(message.role.as_str())
            .bind(&message.content)
            .bind(message.date)
            .bind(message.status.as_str())
            .bind(&message.model)
            .bind(&message.instance_id)
            .bind(n as u64)
            .bind(before.next_back().map(|earlier| earlier.id));
    }
    query.execute(conn).await.map(drop)
}

/// The columns of `finish`'s table of values: a chat and its answer's outcome.
const FINISHED: [&str; 11] = [
    "chat_id",
    "content",
    "status",
    "model",
    "prompt_tokens",
    "completion_tokens",
    "finish_reason",
    "error",
    "latency_ms",
    "ttft_ms",
    "sources",
];

/// The answer each chat is writing (its `streaming` message) gets its outcome, in one statement.
pub(super) async fn finish(
    conn: &mut MySqlConnection,
    outcomes: &[(String, Outcome)],
) -> Result<(), sqlx::Error> {
    if outcomes.is_empty() {
        return Ok(());
    }
    let set: Vec<String> = FINISHED[1..]
        .iter()
        .map(|column| format!("h.{column} = d.{column}"))
        .collect();
    let sql = format!(
        "UPDATE ({}) d STRAIGHT_JOIN chat_history h ON h.status = ? AND h.chat_id = d.chat_id \
         SET {}, h.instance_id = NULL",
        derived_table(outcomes.len(), &FINISHED),
        set.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (chat_id, outcome) in outcomes {
        query = query
            .bind(chat_id)
            .bind(&outcome.content)
            .bind(outcome.status.as_str())
            .bind(&outcome.model)
            .bind(outcome.prompt_tokens)
            .bind(outcome.completion_tokens)
            .bind(&outcome.finish_reason)
            .bind(&outcome.error)
            .bind(outcome.latency_ms)
            .bind(outcome.ttft_ms)
            .bind(&outcome.sources);
    }
    query
        .bind(MessageStatus::Streaming.as_str())
        .execute(conn)
        .await
        .map(drop)
}
