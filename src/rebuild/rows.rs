//! One struct per projection table, field for field in the table's column order (those that the
//! read side declares already are its own, re-exported here). A rebuild keeps
//! them in memory while it folds the log, then writes them in batches (`write.rs`). Where a
//! projection's `INSERT` names only some columns, the fold fills the others with the column's
//! SQL default.
use time::{Date, PrimitiveDateTime};

// Tables whose one row type is the read side's (`store/`).
pub use crate::store::admin::AuditRow;
pub use crate::store::api_keys::ApiKeyRow;
pub use crate::store::chats::{ChatRow, MessageRow};
pub use crate::store::site::ModelRow;
pub use crate::store::users::UserRow;

/// A row of `bot`.
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct BotRow {
    pub id: String,
    pub owner: String,
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub instructions_version: u32,
    pub base_model: String,
    pub emoji: String,
    pub color: String,
    /// A JSON array of strings.
    pub starters: String,
    pub knowledge_model: Option<String>,
    pub knowledge_file: Option<String>,
    pub knowledge_bytes: Option<u64>,
    pub shared: bool,
    pub disabled_reason: Option<String>,
    pub deleted: bool,
    pub created_at: PrimitiveDateTime,
    pub updated_at: PrimitiveDateTime,
}

/// A row of `daily_stats`.
#[derive(Clone, Debug)]
pub struct DailyStatsRow {
    pub day: Date,
    pub new_users: u32,
    pub active_users: u32,
    pub chats: u32,
    pub prompts: u32,
    pub answers: u32,
    pub failed_answers: u32,
    pub stopped_answers: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub api_prompts: u32,
    pub refused_prompts: u32,
}

/// A row of `daily_user_activity`.
#[derive(Clone, Debug)]
pub struct DailyUserRow {
    pub day: Date,
    pub user_id: String,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A row of `daily_model_stats`.
#[derive(Clone, Debug)]
pub struct DailyModelRow {
    pub day: Date,
    /// As first written (the key compares it the way the column's collation does).
    pub model: String,
    pub prompts: u32,
    pub answers: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

impl DailyStatsRow {
    /// A new day: every counter at its column default, 0.
    pub fn new(day: Date) -> Self {
        DailyStatsRow {
            day,
            new_users: 0,
            active_users: 0,
            chats: 0,
            prompts: 0,
            answers: 0,
            failed_answers: 0,
            stopped_answers: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            api_prompts: 0,
            refused_prompts: 0,
        }
    }
}

impl DailyUserRow {
    pub fn new(day: Date, user_id: &str) -> Self {
        DailyUserRow {
            day,
            user_id: user_id.to_owned(),
            prompts: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
        }
    }
}

impl DailyModelRow {
    pub fn new(day: Date, model: &str) -> Self {
        DailyModelRow {
            day,
            model: model.to_owned(),
            prompts: 0,
            answers: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
        }
    }
}
