//! Rows in memory, and their two sinks. A rebuild folds the whole log into `Tables` (each feature
//! brings its fold) and writes the rows in large batches (`write.rs`): replaying one event at a
//! time costs a few statements per event (~1,000 events/s); a fold costs microseconds per event
//! and a handful of statements per thousand rows. Live, a fold is also the projection: the rows
//! an event names are read, folded and written back (`live.rs`).
//!
//! `replay --verify` compares the live tables with a rebuild, table by table (for the chat's rows
//! and usage, whose changes two sinks run, it proves the sinks agree), and the tests run it after
//! real use of the app.
mod live;
mod rows;
mod write;

#[cfg(test)]
pub use write::TABLES;

use std::collections::{BTreeMap, HashMap};

use sqlx::MySqlConnection;
use time::Date;

pub use live::{Reads, fold_live, row_by_key, row_count, write_row};
pub use rows::{
    ApiKeyRow, AuditRow, BotRow, ChatRow, DailyModelRow, DailyStatsRow, DailyUserRow, MessageRow,
    ModelRow, UserRow,
};

use crate::events::{FoldScope, ProjectionError};

/// One chat's rows: the `chat` row, its messages in rank order (`chat_history`) and the answers
/// a regenerate replaced (`answer_version`).
#[derive(Clone, Debug)]
pub struct ChatState {
    pub row: ChatRow,
    pub messages: Vec<MessageRow>,
    pub earlier: Vec<MessageRow>,
}

/// Chat events one pass of a rebuild folds at most, by default (`REPLAY_EVENTS_PER_PASS`).
pub const EVENTS_PER_PASS: u64 = crate::configuration::ReplaySettings::EVENTS_PER_PASS;

/// Every projection table's rows (those `scope` covers).
#[derive(Clone, Debug)]
pub struct Tables {
    pub scope: FoldScope,
    pub users: HashMap<String, UserRow>,
    /// The `api_key` rows by key id.
    pub api_keys: HashMap<String, ApiKeyRow>,
    /// The chats' own rows (`FoldScope::Streams`' share of them).
    pub chats: HashMap<String, ChatState>,
    /// Each chat's owner, while the chat exists.
    pub owners: HashMap<String, String>,
    /// The API key that started a chat, while the chat exists (API chats only).
    pub chat_keys: HashMap<String, String>,
    pub settings: BTreeMap<String, String>,
    /// In insertion order (a new model's `position` counts the rows before it).
    pub models: Vec<ModelRow>,
    /// By id (the `bot` stream's id).
    pub bots: HashMap<String, BotRow>,
    pub daily: BTreeMap<Date, DailyStatsRow>,
    pub daily_users: HashMap<(Date, String), DailyUserRow>,
    /// Keyed by `collation_key` of the model's name, as the table's primary key compares it.
    pub daily_models: HashMap<(Date, String), DailyModelRow>,
    pub audit: Vec<AuditRow>,
}

impl Tables {
    pub fn new(scope: FoldScope) -> Self {
        Tables {
            scope,
            users: HashMap::new(),
            api_keys: HashMap::new(),
            chats: HashMap::new(),
            owners: HashMap::new(),
            chat_keys: HashMap::new(),
            settings: BTreeMap::new(),
            models: Vec::new(),
            bots: HashMap::new(),
            daily: BTreeMap::new(),
            daily_users: HashMap::new(),
            daily_models: HashMap::new(),
            audit: Vec::new(),
        }
    }

    /// Writes every row into empty tables named like the projection tables with `suffix`
    /// appended (a rebuild's staging tables); returns how many rows.
    pub async fn write(
        &self,
        conn: &mut MySqlConnection,
        suffix: &str,
    ) -> Result<u64, sqlx::Error> {
        write::all(self, conn, suffix).await
    }

    pub fn user_mut(&mut self, id: &str) -> Option<&mut UserRow> {
        self.users.get_mut(id)
    }

    /// The owner of a chat (read from its `chat` row in SQL: `chat::projection::owner_and_key`).
    pub fn owner(&self, chat_id: &str) -> Result<String, ProjectionError> {
        self.owners
            .get(chat_id)
            .cloned()
            .ok_or_else(|| missing("chat", chat_id))
    }

    /// The `model` row with this id, compared as the column's collation does.
    pub fn model_mut(&mut self, id: &str) -> Option<&mut ModelRow> {
        let key = collation_key(id);
        self.models
            .iter_mut()
            .find(|model| collation_key(&model.id) == key)
    }

    pub fn day(&mut self, day: Date) -> &mut DailyStatsRow {
        self.daily
            .entry(day)
            .or_insert_with(|| DailyStatsRow::new(day))
    }
}

/// How a `utf8mb4_unicode_ci` key compares: case-insensitive, trailing spaces ignored.
pub fn collation_key(text: &str) -> String {
    text.trim_end_matches(' ').to_lowercase()
}

pub(crate) fn missing(table: &'static str, key: &str) -> ProjectionError {
    ProjectionError::Missing {
        table,
        key: key.to_owned(),
    }
}
