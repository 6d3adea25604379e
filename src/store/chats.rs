//! The `chat` and `chat_history` projections, read side.
use sqlx::AssertSqlSafe;
use sqlx::MySqlPool;
use time::PrimitiveDateTime;

use crate::domain::{MessageStatus, Role};

/// A row of `chat`: the one row type of the table (reads, and the rebuild's fold).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow, serde::Serialize)]
pub struct ChatRow {
    pub id: String,
    pub user_id: String,
    #[serde(with = "crate::store::iso")]
    pub date: PrimitiveDateTime,
    pub title: String,
    /// Who named it: `prompt`, `model` or `user`.
    pub title_source: String,
    pub model: String,
    pub prompts: u32,
    pub prompt_limit: Option<u32>,
    pub prompt_tokens: u64,
    pub completion_tokens: u64,
    #[serde(with = "crate::store::iso")]
    pub updated_at: PrimitiveDateTime,
    /// The chat stream's sequence the row reflects.
    pub version: u64,
    /// Out of the sidebar, still readable (Settings lists them).
    pub archived: bool,
    /// `web`, or `api` for a chat an API call started (not in the sidebar).
    pub source: String,
    /// The API key that started it.
    #[serde(skip)]
    pub api_key: Option<String>,
}

impl ChatRow {
    pub fn is_api(&self) -> bool {
        self.source == "api"
    }
}

const CHAT_COLUMNS: &str = "id, user_id, date, title, title_source, model, prompts, prompt_limit, \
    prompt_tokens, completion_tokens, updated_at, version, archived, source, api_key";

/// Which of a user's chats a list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shelf {
    /// The sidebar: the web chats not archived.
    Sidebar,
    Archived,
    /// The chats API calls started.
    Api,
    All,
}

impl Shelf {
    fn condition(self) -> &'static str {
        match self {
            Shelf::Sidebar => " AND archived = 0 AND source = 'web'",
            Shelf::Archived => " AND archived = 1",
            Shelf::Api => " AND source = 'api'",
            Shelf::All => "",
        }
    }
}

pub async fn find(pool: &MySqlPool, id: &str) -> Result<Option<ChatRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {CHAT_COLUMNS} FROM chat WHERE id = ?"
    )))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// The place (`rank`) of an answer in its chat, by the message's id.
pub async fn answer_rank(
    pool: &MySqlPool,
    chat_id: &str,
    message_id: u64,
) -> Result<Option<u32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT `rank` FROM chat_history WHERE chat_id = ? AND id = ? AND role = 'assistant'",
    )
    .bind(chat_id)
    .bind(message_id)
    .fetch_optional(pool)
    .await
}

/// The place of the prompt `message_id` in its chat (a prompt being edited).
pub async fn prompt_rank(
    pool: &MySqlPool,
    chat_id: &str,
    message_id: u64,
) -> Result<Option<u32>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT `rank` FROM chat_history WHERE chat_id = ? AND id = ? AND role = 'user'",
    )
    .bind(chat_id)
    .bind(message_id)
    .fetch_optional(pool)
    .await
}

/// A user's chats, most recently active first, `limit` at a time (keyset pagination on
/// `(updated_at, id)`, so a sidebar with 10,000 chats stays fast) on one `shelf`.
pub async fn list_for_user(
    pool: &MySqlPool,
    user_id: &str,
    shelf: Shelf,
    before: Option<(PrimitiveDateTime, String)>,
    limit: u32,
) -> Result<Vec<ChatRow>, sqlx::Error> {
    let only = shelf.condition();
    match before {
        None => sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {CHAT_COLUMNS} FROM chat WHERE user_id = ?{only} ORDER BY updated_at DESC, id DESC LIMIT ?"
        )))
        .bind(user_id)
        .bind(limit)
        .fetch_all(pool)
        .await,
        // Keyset paging as a deferred join: the inner query reads only the index
        // (user_id, archived, updated_at, id), so the optimizer takes the range from the cursor
        // down (50 rows read for page 100); asked for whole rows, it walks the user's chats
        // from the newest instead (5,000 rows read).
        Some((updated_at, id)) => sqlx::query_as(AssertSqlSafe(format!(
            "SELECT c.id, c.user_id, c.date, c.title, c.title_source, c.model, c.prompts, \
             c.prompt_limit, c.prompt_tokens, c.completion_tokens, c.updated_at, c.version, \
             c.archived, c.source, c.api_key FROM chat c JOIN (SELECT id FROM chat WHERE user_id = ?{only} AND updated_at <= ? \
               AND (updated_at < ? OR id < ?) ORDER BY updated_at DESC, id DESC LIMIT ?) page \
             ON page.id = c.id ORDER BY c.updated_at DESC, c.id DESC",
        )))
        .bind(user_id)
        .bind(updated_at)
        .bind(updated_at)
        .bind(id)
        .bind(limit)
        .fetch_all(pool)
        .await,
    }
}

pub async fn ids_for_user(pool: &MySqlPool, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT id FROM chat WHERE user_id = ?")
        .bind(user_id)
        .fetch_all(pool)
        .await
}

/// A row of `chat_history` (and of `answer_version`, which has the same columns): the one row
/// type of both (reads, and the rebuild's fold).
#[derive(Clone, Debug, PartialEq, sqlx::FromRow)]
pub struct MessageRow {
    pub id: u64,
    pub chat_id: String,
    #[sqlx(try_from = "String")]
    pub role: Role,
    pub content: String,
    pub date: PrimitiveDateTime,
    pub rank: u32,
    #[sqlx(try_from = "String")]
    pub status: MessageStatus,
    pub model: Option<String>,
    pub prompt_tokens: Option<u32>,
    pub completion_tokens: Option<u32>,
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    pub latency_ms: Option<u64>,
    pub ttft_ms: Option<u64>,
    pub instance_id: Option<String>,
    /// JSON list of `llm::Source` (PDF models' answers only).
    pub sources: Option<String>,
    /// The user's thumbs: "up", "down" or none.
    pub rating: Option<String>,
    /// The message it followed (none for a first prompt).
    pub parent_id: Option<u64>,
}

impl MessageRow {
    /// The passages the answer cites (empty unless a PDF model wrote it).
    pub fn sources(&self) -> Vec<crate::llm::Source> {
        self.sources
            .as_deref()
            .and_then(|json| serde_json::from_str(json).ok())
            .unwrap_or_default()
    }
}

const MESSAGE_COLUMNS: &str = "id, chat_id, role, content, date, `rank`, status, model, \
    prompt_tokens, completion_tokens, finish_reason, error, latency_ms, ttft_ms, instance_id, \
    sources, rating, parent_id";

/// The last `limit` messages before `before_rank` (all the latest when `None`), oldest first.
pub async fn messages(
    pool: &MySqlPool,
    chat_id: &str,
    before_rank: Option<u32>,
    limit: u32,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    let mut rows: Vec<MessageRow> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_history WHERE chat_id = ? AND `rank` < ? ORDER BY `rank` DESC LIMIT ?"
    )))
    .bind(chat_id)
    .bind(before_rank.unwrap_or(u32::MAX))
    .bind(limit)
    .fetch_all(pool)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// The id, rank and parent of every message in a chat's conversation (to place the set-aside
/// ones).
pub async fn message_places(
    pool: &MySqlPool,
    chat_id: &str,
) -> Result<Vec<(u64, u32, Option<u64>)>, sqlx::Error> {
    sqlx::query_as("SELECT id, `rank`, parent_id FROM chat_history WHERE chat_id = ?")
        .bind(chat_id)
        .fetch_all(pool)
        .await
}

/// The messages of a chat set aside by Regenerate or an edited prompt, by rank, oldest first.
pub async fn answer_versions(
    pool: &MySqlPool,
    chat_id: &str,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM answer_version WHERE chat_id = ? ORDER BY `rank`, id"
    )))
    .bind(chat_id)
    .fetch_all(pool)
    .await
}

/// Up to `limit` messages after `after_rank`, oldest first (exports read long chats in pages).
pub async fn messages_after(
    pool: &MySqlPool,
    chat_id: &str,
    after_rank: u32,
    limit: u32,
) -> Result<Vec<MessageRow>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {MESSAGE_COLUMNS} FROM chat_history WHERE chat_id = ? AND `rank` > ? ORDER BY `rank` LIMIT ?"
    )))
    .bind(chat_id)
    .bind(after_rank)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// A user's chats whose title or messages contain `query` (full-text for words of 5+ letters,
/// LIKE otherwise).
pub async fn search_for_user(
    pool: &MySqlPool,
    user_id: &str,
    query: &str,
    limit: u32,
) -> Result<Vec<ChatRow>, sqlx::Error> {
    let like = super::like_pattern(query);
    let (content_match, content_value) = match super::fulltext_terms(query) {
        Some(terms) => ("MATCH(h.content) AGAINST(? IN BOOLEAN MODE)", terms),
        None => ("h.content LIKE ?", like.clone()),
    };
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {CHAT_COLUMNS} FROM chat WHERE user_id = ? AND (title LIKE ? OR id IN \
         (SELECT h.chat_id FROM chat_history h JOIN chat c ON c.id = h.chat_id \
          WHERE c.user_id = ? AND {content_match})) ORDER BY updated_at DESC, id DESC LIMIT ?"
    )))
    .bind(user_id)
    .bind(&like)
    .bind(user_id)
    .bind(content_value)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Chats of a user with an answer being written (to stop them when the user is blocked).
pub async fn streaming_for_user(
    pool: &MySqlPool,
    user_id: &str,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT h.chat_id FROM chat_history h JOIN chat c ON c.id = h.chat_id \
         WHERE c.user_id = ? AND h.status = 'streaming'",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}

/// The bots (`bot:<id>` models) a user has chats with: shared bots they use show in their lists.
pub async fn bots_used_by(pool: &MySqlPool, user_id: &str) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT DISTINCT model FROM chat WHERE user_id = ? AND model LIKE 'bot:%' LIMIT 100",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await
}
