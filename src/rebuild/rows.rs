//! One struct per projection table, field for field in the table's column order. A rebuild keeps
//! them in memory while it folds the log, then writes them in batches (`write.rs`). Where a
//! projection's `INSERT` names only some columns, the fold fills the others with the column's
//! SQL default.
use time::{Date, PrimitiveDateTime};

/// A row of `user`.
#[derive(Clone, Debug)]
pub struct UserRow {
    pub id: String,
    pub username: String,
    pub password: String,
    pub email: String,
    pub date: PrimitiveDateTime,
    pub verified: bool,
    pub blocked: bool,
    pub block_reason: Option<String>,
    pub daily_prompt_quota: u32,
    pub last_active: Option<PrimitiveDateTime>,
    pub chats: u32,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub version: u64,
    pub custom_about: Option<String>,
    pub custom_style: Option<String>,
}

/// A row of `api_key`.
#[derive(Clone, Debug)]
pub struct ApiKeyRow {
    pub id: String,
    pub user_id: String,
    pub name: String,
    pub prefix: String,
    pub secret_hash: String,
    pub created_at: PrimitiveDateTime,
    pub expires_at: Option<PrimitiveDateTime>,
    pub revoked_at: Option<PrimitiveDateTime>,
    pub revoked_by: Option<String>,
    pub last_used_at: Option<PrimitiveDateTime>,
    pub prompts: u32,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
}

/// A row of `chat`.
#[derive(Clone, Debug)]
pub struct ChatRow {
    pub id: String,
    pub user_id: String,
    pub date: PrimitiveDateTime,
    pub title: String,
    pub title_source: String,
    pub model: String,
    pub prompts: u32,
    pub prompt_limit: Option<u32>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    pub updated_at: PrimitiveDateTime,
    pub version: u64,
    pub archived: bool,
    /// `web` or `api`.
    pub source: String,
    pub api_key: Option<String>,
}

/// A row of `chat_history` (and of `answer_version`, which has the same columns).
#[derive(Clone, Debug)]
pub struct MessageRow {
    pub id: u64,
    pub chat_id: String,
    pub role: &'static str,
    pub content: String,
    pub date: PrimitiveDateTime,
    pub rank: u32,
    pub status: &'static str,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    pub latency_ms: Option<u64>,
    pub ttft_ms: Option<u64>,
    pub instance_id: Option<String>,
    pub sources: Option<String>,
    pub rating: Option<&'static str>,
    /// The message it followed (`None` for a first prompt).
    pub parent_id: Option<u64>,
}

/// A row of `model` (site models and PDF models share the table).
#[derive(Clone, Debug)]
pub struct ModelRow {
    pub id: String,
    pub name: String,
    pub file: Option<String>,
    pub vector: Option<String>,
    pub date: PrimitiveDateTime,
    pub kind: &'static str,
    pub enabled: bool,
    pub is_default: bool,
    pub position: u32,
    pub description: Option<String>,
    pub instructions: Option<String>,
    pub instructions_version: Option<u32>,
    pub base_model: Option<String>,
    pub status: Option<&'static str>,
    pub pages: Option<u32>,
    pub chunks: Option<u32>,
    pub pdf_bytes: Option<u64>,
    pub sha256: Option<String>,
    pub original_name: Option<String>,
    pub embedder: Option<String>,
    pub dimension: Option<u32>,
    pub error_code: Option<String>,
    pub error_detail: Option<String>,
    pub launched_at: Option<PrimitiveDateTime>,
    pub updated_at: Option<PrimitiveDateTime>,
}

/// A row of `bot`.
#[derive(Clone, Debug)]
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

/// A row of `audit_log`.
#[derive(Clone, Debug)]
pub struct AuditRow {
    pub position: u64,
    pub actor: String,
    pub action: String,
    pub stream_type: String,
    pub stream_id: String,
    pub details: String,
    pub date: PrimitiveDateTime,
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
