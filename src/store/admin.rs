//! The admin's lists: users and chats, filtered, sorted and paginated in SQL, plus the audit log.
use serde::Serialize;
use sqlx::{MySql, MySqlPool, QueryBuilder};
use time::{Date, PrimitiveDateTime};

use super::{fulltext_terms, like_pattern};

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct UserListRow {
    pub id: String,
    pub username: String,
    pub email: String,
    #[serde(with = "crate::store::iso")]
    pub date: PrimitiveDateTime,
    #[serde(with = "crate::store::iso::option")]
    pub last_active: Option<PrimitiveDateTime>,
    pub verified: bool,
    pub blocked: bool,
    pub chats: u32,
    pub prompts: u32,
    pub tokens: u64,
}

/// Columns the user list may be sorted by (anything else sorts by join date).
fn user_sort_column(sort: &str) -> &'static str {
    match sort {
        "username" => "username",
        "last_active" => "last_active",
        "chats" => "chats",
        "prompts" => "prompts",
        "tokens" => "tokens",
        "status" => "blocked",
        _ => "date",
    }
}

pub struct Page {
    pub number: u32,
    pub size: u32,
}

impl Page {
    fn offset(&self) -> u64 {
        u64::from(self.number.max(1) - 1) * u64::from(self.size)
    }
}

pub async fn users(
    pool: &MySqlPool,
    search: &str,
    sort: &str,
    descending: bool,
    page: &Page,
) -> Result<(Vec<UserListRow>, u64), sqlx::Error> {
    let filter = |builder: &mut QueryBuilder<MySql>| {
        if !search.is_empty() {
            builder
                .push(" WHERE (username LIKE ")
                .push_bind(like_pattern(search))
                .push(" OR email LIKE ")
                .push_bind(like_pattern(search))
                .push(")");
        }
    };
    let mut count = QueryBuilder::new("SELECT COUNT(*) FROM `user`");
    filter(&mut count);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut query = QueryBuilder::new(
        "SELECT id, username, email, date, last_active, verified, blocked, chats, prompts, \
         prompt_tokens + completion_tokens AS tokens FROM `user`",
    );
    filter(&mut query);
    let direction = if descending { "DESC" } else { "ASC" };
    query.push(format!(
        " ORDER BY {} {direction}, id {direction} LIMIT ",
        user_sort_column(sort)
    ));
    query
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset());
    Ok((query.build_query_as().fetch_all(pool).await?, total as u64))
}

#[derive(Clone, Debug, Serialize, sqlx::FromRow)]
pub struct ChatListRow {
    pub id: String,
    pub user_id: String,
    pub username: Option<String>,
    pub title: String,
    pub model: String,
    pub prompts: u32,
    pub prompt_limit: Option<u32>,
    pub tokens: u64,
    #[serde(with = "crate::store::iso")]
    pub date: PrimitiveDateTime,
    #[serde(with = "crate::store::iso")]
    pub updated_at: PrimitiveDateTime,
}

#[derive(Clone, Debug, Default)]
pub struct ChatFilter {
    pub user: String,
    pub model: String,
    pub from: Option<Date>,
    pub to: Option<Date>,
    /// `active` (under its limit) or `at_limit`.
    pub status: String,
    pub search: String,
}

fn push_chat_filter(builder: &mut QueryBuilder<MySql>, filter: &ChatFilter, default_limit: u32) {
    builder.push(" WHERE 1 = 1");
    if !filter.user.is_empty() {
        builder
            .push(" AND (u.username = ")
            .push_bind(filter.user.clone())
            .push(" OR c.user_id = ")
            .push_bind(filter.user.clone())
            .push(")");
    }
    if !filter.model.is_empty() {
        builder
            .push(" AND c.model = ")
            .push_bind(filter.model.clone());
    }
    if let Some(from) = filter.from {
        builder
            .push(" AND c.updated_at >= ")
            .push_bind(from.midnight());
    }
    if let Some(to) = filter.to.and_then(|d| d.next_day()) {
        builder
            .push(" AND c.updated_at < ")
            .push_bind(to.midnight());
    }
    match filter.status.as_str() {
        "at_limit" => {
            builder
                .push(" AND c.prompts >= COALESCE(c.prompt_limit, ")
                .push_bind(default_limit)
                .push(")");
        }
        "active" => {
            builder
                .push(" AND c.prompts < COALESCE(c.prompt_limit, ")
                .push_bind(default_limit)
                .push(")");
        }
        _ => {}
    }
    if !filter.search.is_empty() {
        builder
            .push(" AND (c.title LIKE ")
            .push_bind(like_pattern(&filter.search))
            .push(" OR c.id IN (SELECT chat_id FROM chat_history WHERE ");
        match fulltext_terms(&filter.search) {
            Some(terms) => builder
                .push("MATCH(content) AGAINST(")
                .push_bind(terms)
                .push(" IN BOOLEAN MODE)"),
            None => builder
                .push("content LIKE ")
                .push_bind(like_pattern(&filter.search)),
        };
        builder.push("))");
    }
}

pub async fn chats(
    pool: &MySqlPool,
    filter: &ChatFilter,
    default_limit: u32,
    page: &Page,
) -> Result<(Vec<ChatListRow>, u64), sqlx::Error> {
    let mut count =
        QueryBuilder::new("SELECT COUNT(*) FROM chat c LEFT JOIN `user` u ON u.id = c.user_id");
    push_chat_filter(&mut count, filter, default_limit);
    let total: i64 = count.build_query_scalar().fetch_one(pool).await?;
    let mut query = QueryBuilder::new(
        "SELECT c.id, c.user_id, u.username, c.title, c.model, c.prompts, c.prompt_limit, \
         c.prompt_tokens + c.completion_tokens AS tokens, c.date, c.updated_at \
         FROM chat c LEFT JOIN `user` u ON u.id = c.user_id",
    );
    push_chat_filter(&mut query, filter, default_limit);
    query
        .push(" ORDER BY c.updated_at DESC, c.id DESC LIMIT ")
        .push_bind(page.size)
        .push(" OFFSET ")
        .push_bind(page.offset());
    Ok((query.build_query_as().fetch_all(pool).await?, total as u64))
}

#[derive(Clone, Debug, PartialEq, Serialize, sqlx::FromRow)]
pub struct AuditRow {
    pub position: u64,
    pub actor: String,
    pub action: String,
    pub stream_type: String,
    pub stream_id: String,
    pub details: String,
    #[serde(with = "crate::store::iso")]
    pub date: PrimitiveDateTime,
}

pub async fn audit(pool: &MySqlPool, page: &Page) -> Result<(Vec<AuditRow>, u64), sqlx::Error> {
    let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(pool)
        .await?;
    let rows = sqlx::query_as(
        "SELECT position, actor, action, stream_type, stream_id, details, date FROM audit_log \
         ORDER BY position DESC LIMIT ? OFFSET ?",
    )
    .bind(page.size)
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    Ok((rows, total as u64))
}

/// How much one bot was used: chats it answered in, answers, tokens.
#[derive(Clone, Debug, Default, Serialize, sqlx::FromRow)]
pub struct BotUsageRow {
    pub model: String,
    pub chats: i64,
    pub answers: i64,
    pub tokens: i64,
}

/// Every bot's usage, from the answers it wrote (`bot:<uuid>` in `chat_history.model`).
pub async fn bot_usage(pool: &MySqlPool) -> Result<Vec<BotUsageRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT model, CAST(COUNT(DISTINCT chat_id) AS SIGNED) AS chats, \
         CAST(COUNT(*) AS SIGNED) AS answers, \
         CAST(COALESCE(SUM(COALESCE(prompt_tokens, 0) + COALESCE(completion_tokens, 0)), 0) AS SIGNED) AS tokens \
         FROM chat_history WHERE role = 'assistant' AND model LIKE 'bot:%' GROUP BY model",
    )
    .fetch_all(pool)
    .await
}

/// Usernames by id, for the lists that name owners.
pub async fn usernames(pool: &MySqlPool) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as("SELECT id, username FROM `user`")
        .fetch_all(pool)
        .await
}

/// What the admin's chat page shows of one chat: prompts in the branch shown, and the prompts
/// and answers set aside (by Regenerate or an edited prompt), which the page lists too.
#[derive(Clone, Copy, Debug, Default, serde::Serialize, sqlx::FromRow)]
pub struct ShownCounts {
    pub branch_prompts: i64,
    pub aside_prompts: i64,
    pub aside_answers: i64,
}

pub async fn shown_counts(pool: &MySqlPool, chat_id: &str) -> Result<ShownCounts, sqlx::Error> {
    sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM chat_history WHERE chat_id = ? AND role = 'user') AS branch_prompts, \
         (SELECT COUNT(*) FROM answer_version WHERE chat_id = ? AND role = 'user') AS aside_prompts, \
         (SELECT COUNT(*) FROM answer_version WHERE chat_id = ? AND role = 'assistant') AS aside_answers",
    )
    .bind(chat_id)
    .bind(chat_id)
    .bind(chat_id)
    .fetch_one(pool)
    .await
}
