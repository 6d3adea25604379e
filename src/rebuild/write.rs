//! Writes a rebuild's rows with multi-row `INSERT`s: up to `MAX_ROWS` rows or about
//! `MAX_BYTES` of text per statement (well under MariaDB's default 16 MB `max_allowed_packet`
//! and the 65,535 placeholders of one statement).
use sqlx::query_builder::Separated;
use sqlx::{Encode, MySql, MySqlConnection, QueryBuilder, Type};

use super::{ApiKeyRow, ModelRow, Tables, UserRow};
use super::{AuditRow, BotRow, ChatRow, DailyModelRow, DailyStatsRow, DailyUserRow, MessageRow};
use crate::events::FoldScope;

const MAX_ROWS: usize = 1_000;
const MAX_BYTES: usize = 4 << 20;

/// Every table `all` writes (a test compares them with the registered projections' tables).
#[cfg(test)]
pub const TABLES: &[&str] = &[
    "user",
    "api_key",
    "chat",
    "chat_history",
    "answer_version",
    "setting",
    "model",
    "bot",
    "daily_stats",
    "daily_user_activity",
    "daily_model_stats",
    "audit_log",
];

type Values<'q> = Separated<'q, MySql, &'static str>;

/// Where a row's values go, one bind per column in `Insert::COLUMNS`' order: the values of an
/// `INSERT` (`Values`), or the `SET` list of an `UPDATE` (`live::SetList`).
pub trait Bind {
    fn push_bind<T: Encode<'static, MySql> + Type<MySql>>(&mut self, value: T) -> &mut Self;
}

impl Bind for Values<'_> {
    fn push_bind<T: Encode<'static, MySql> + Type<MySql>>(&mut self, value: T) -> &mut Self {
        Separated::push_bind(self, value)
    }
}

/// One row of a table, as the values of an `INSERT` (a rebuild's batches, and the rows a live
/// fold changed: `live.rs`).
pub trait Insert {
    /// The columns `push` binds, in order; the first is the primary key where `Keyed`.
    const COLUMNS: &'static str;
    fn push<B: Bind>(&self, values: &mut B);
    /// The bytes of text this row sends (to keep statements under the packet limit).
    fn text_bytes(&self) -> usize {
        0
    }
}

/// Writes every row of `tables` into empty tables named like the projections' with `suffix`
/// (a rebuild's staging tables); returns how many rows were written.
pub(super) async fn all(
    tables: &Tables,
    conn: &mut MySqlConnection,
    suffix: &str,
) -> Result<u64, sqlx::Error> {
    // The rows come from a consistent log into new, empty tables: InnoDB may skip checking
    // unique secondary keys row by row and, in one transaction into an empty table, build the
    // indexes by sorting instead of row by row (the rest of the session checks as usual).
    // Not on a Galera node: its write sets rely on the unique keys being checked.
    let relax = !crate::database::is_galera(&mut *conn).await?;
    if relax {
        sqlx::query("SET SESSION unique_checks = 0, foreign_key_checks = 0")
            .execute(&mut *conn)
            .await?;
    }
    let written = insert_all(
        tables,
        &mut Target {
            conn: &mut *conn,
            suffix,
        },
    )
    .await;
    if relax {
        sqlx::query("SET SESSION unique_checks = 1, foreign_key_checks = 1")
            .execute(&mut *conn)
            .await?;
    }
    written
}

/// Where rows go: a connection and the suffix of the tables.
struct Target<'c> {
    conn: &'c mut MySqlConnection,
    suffix: &'c str,
}

async fn insert_all(tables: &Tables, target: &mut Target<'_>) -> Result<u64, sqlx::Error> {
    let mut rows = 0;
    if tables.scope != FoldScope::Shared {
        rows += insert(target, "chat", tables.chats.values().map(|c| &c.row)).await?;
        let messages = tables.chats.values().flat_map(|c| &c.messages);
        rows += insert(target, "chat_history", messages).await?;
        let earlier = tables.chats.values().flat_map(|c| &c.earlier);
        rows += insert(target, "answer_version", earlier).await?;
    }
    if tables.scope == FoldScope::Streams {
        return Ok(rows);
    }
    rows += insert(target, "user", tables.users.values()).await?;
    rows += insert(target, "api_key", tables.api_keys.values()).await?;
    let settings: Vec<(&String, &String)> = tables.settings.iter().collect();
    rows += insert(target, "setting", settings.iter()).await?;
    rows += insert(target, "model", tables.models.iter()).await?;
    rows += insert(target, "bot", tables.bots.values()).await?;
    rows += insert(target, "daily_stats", tables.daily.values()).await?;
    rows += insert(target, "daily_user_activity", tables.daily_users.values()).await?;
    rows += insert(target, "daily_model_stats", tables.daily_models.values()).await?;
    rows += insert(target, "audit_log", tables.audit.iter()).await?;
    Ok(rows)
}

async fn insert<'r, R: Insert + 'r>(
    target: &mut Target<'_>,
    table: &'static str,
    rows: impl Iterator<Item = &'r R>,
) -> Result<u64, sqlx::Error> {
    let mut written = 0;
    let mut batch: Vec<&R> = Vec::with_capacity(MAX_ROWS);
    let mut bytes = 0;
    for row in rows {
        bytes += row.text_bytes();
        batch.push(row);
        if batch.len() == MAX_ROWS || bytes >= MAX_BYTES {
            written += insert_batch(target, table, &batch).await?;
            batch.clear();
            bytes = 0;
        }
    }
    if !batch.is_empty() {
        written += insert_batch(target, table, &batch).await?;
    }
    Ok(written)
}

async fn insert_batch<R: Insert>(
    target: &mut Target<'_>,
    table: &'static str,
    batch: &[&R],
) -> Result<u64, sqlx::Error> {
    let mut query: QueryBuilder<MySql> = QueryBuilder::new(format!(
        "INSERT INTO `{table}{}` ({}) ",
        target.suffix,
        R::COLUMNS
    ));
    query.push_values(batch, |mut values, row| row.push(&mut values));
    Ok(query
        .build()
        .execute(&mut *target.conn)
        .await?
        .rows_affected())
}

impl Insert for UserRow {
    const COLUMNS: &'static str = "id, username, password, email, date, verified, blocked, \
        block_reason, daily_prompt_quota, last_active, chats, prompts, prompt_tokens, \
        completion_tokens, version, custom_about, custom_style";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(&self.id)
            .push_bind(&self.username)
            .push_bind(&self.password)
            .push_bind(&self.email)
            .push_bind(self.date)
            .push_bind(self.verified)
            .push_bind(self.blocked)
            .push_bind(&self.block_reason)
            .push_bind(self.daily_prompt_quota)
            .push_bind(self.last_active)
            .push_bind(self.chats)
            .push_bind(self.prompts)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens)
            .push_bind(self.version)
            .push_bind(&self.custom_about)
            .push_bind(&self.custom_style);
    }

    fn text_bytes(&self) -> usize {
        self.custom_about.as_ref().map_or(0, String::len)
            + self.custom_style.as_ref().map_or(0, String::len)
            + 512
    }
}

impl Insert for ApiKeyRow {
    const COLUMNS: &'static str = "id, user_id, name, prefix, secret_hash, created_at, \
        expires_at, revoked_at, revoked_by, last_used_at, prompts, prompt_tokens, \
        completion_tokens";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(&self.id)
            .push_bind(&self.user_id)
            .push_bind(&self.name)
            .push_bind(&self.prefix)
            .push_bind(&self.secret_hash)
            .push_bind(self.created_at)
            .push_bind(self.expires_at)
            .push_bind(self.revoked_at)
            .push_bind(&self.revoked_by)
            .push_bind(self.last_used_at)
            .push_bind(self.prompts)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens);
    }

    fn text_bytes(&self) -> usize {
        self.name.len() + 512
    }
}

impl Insert for ChatRow {
    const COLUMNS: &'static str = "id, user_id, date, title, title_source, model, prompts, \
        prompt_limit, prompt_tokens, completion_tokens, updated_at, version, archived, source, api_key";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(&self.id)
            .push_bind(&self.user_id)
            .push_bind(self.date)
            .push_bind(&self.title)
            .push_bind(&self.title_source)
            .push_bind(&self.model)
            .push_bind(self.prompts)
            .push_bind(self.prompt_limit)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens)
            .push_bind(self.updated_at)
            .push_bind(self.version)
            .push_bind(self.archived)
            .push_bind(&self.source)
            .push_bind(&self.api_key);
    }
}

impl Insert for MessageRow {
    const COLUMNS: &'static str = "id, chat_id, role, content, date, `rank`, status, model, \
        prompt_tokens, completion_tokens, finish_reason, error, latency_ms, ttft_ms, instance_id, \
        sources, rating, parent_id";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(self.id)
            .push_bind(&self.chat_id)
            .push_bind(self.role.as_str())
            .push_bind(&self.content)
            .push_bind(self.date)
            .push_bind(self.rank)
            .push_bind(self.status.as_str())
            .push_bind(&self.model)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens)
            .push_bind(&self.finish_reason)
            .push_bind(&self.error)
            .push_bind(self.latency_ms)
            .push_bind(self.ttft_ms)
            .push_bind(&self.instance_id)
            .push_bind(&self.sources)
            .push_bind(&self.rating)
            .push_bind(self.parent_id);
    }

    fn text_bytes(&self) -> usize {
        self.content.len() + self.sources.as_ref().map_or(0, String::len) + 256
    }
}

impl Insert for (&String, &String) {
    const COLUMNS: &'static str = "name, value";

    fn push<B: Bind>(&self, values: &mut B) {
        values.push_bind(self.0).push_bind(self.1);
    }
}

impl Insert for ModelRow {
    const COLUMNS: &'static str = "id, name, file, vector, date, kind, enabled, is_default, \
        position, description, instructions, instructions_version, base_model, status, pages, \
        chunks, pdf_bytes, sha256, original_name, embedder, dimension, error_code, error_detail, \
        launched_at, updated_at";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(&self.id)
            .push_bind(&self.name)
            .push_bind(&self.file)
            .push_bind(&self.vector)
            .push_bind(self.date)
            .push_bind(self.kind.as_str())
            .push_bind(self.enabled)
            .push_bind(self.is_default)
            .push_bind(self.position)
            .push_bind(&self.description)
            .push_bind(&self.instructions)
            .push_bind(self.instructions_version)
            .push_bind(&self.base_model)
            .push_bind(&self.status)
            .push_bind(self.pages)
            .push_bind(self.chunks)
            .push_bind(self.pdf_bytes)
            .push_bind(&self.sha256)
            .push_bind(&self.original_name)
            .push_bind(&self.embedder)
            .push_bind(self.dimension)
            .push_bind(&self.error_code)
            .push_bind(&self.error_detail)
            .push_bind(self.launched_at)
            .push_bind(self.updated_at);
    }

    fn text_bytes(&self) -> usize {
        self.description.as_ref().map_or(0, String::len)
            + self.instructions.as_ref().map_or(0, String::len)
            + 1024
    }
}

impl Insert for BotRow {
    const COLUMNS: &'static str = "id, owner, name, description, instructions, \
        instructions_version, base_model, emoji, color, starters, knowledge_model, knowledge_file, \
        knowledge_bytes, shared, disabled_reason, deleted, created_at, updated_at";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(&self.id)
            .push_bind(&self.owner)
            .push_bind(&self.name)
            .push_bind(&self.description)
            .push_bind(&self.instructions)
            .push_bind(self.instructions_version)
            .push_bind(&self.base_model)
            .push_bind(&self.emoji)
            .push_bind(&self.color)
            .push_bind(&self.starters)
            .push_bind(&self.knowledge_model)
            .push_bind(&self.knowledge_file)
            .push_bind(self.knowledge_bytes)
            .push_bind(self.shared)
            .push_bind(&self.disabled_reason)
            .push_bind(self.deleted)
            .push_bind(self.created_at)
            .push_bind(self.updated_at);
    }

    fn text_bytes(&self) -> usize {
        self.description.len()
            + self.instructions.len()
            + self.starters.len()
            + self.disabled_reason.as_ref().map_or(0, String::len)
            + 1024
    }
}

impl Insert for DailyStatsRow {
    const COLUMNS: &'static str = "day, new_users, active_users, chats, prompts, answers, \
        failed_answers, stopped_answers, prompt_tokens, completion_tokens, api_prompts, \
        refused_prompts";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(self.day)
            .push_bind(self.new_users)
            .push_bind(self.active_users)
            .push_bind(self.chats)
            .push_bind(self.prompts)
            .push_bind(self.answers)
            .push_bind(self.failed_answers)
            .push_bind(self.stopped_answers)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens)
            .push_bind(self.api_prompts)
            .push_bind(self.refused_prompts);
    }
}

impl Insert for DailyUserRow {
    const COLUMNS: &'static str = "day, user_id, prompts, prompt_tokens, completion_tokens";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(self.day)
            .push_bind(&self.user_id)
            .push_bind(self.prompts)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens);
    }
}

impl Insert for DailyModelRow {
    const COLUMNS: &'static str = "day, model, prompts, answers, prompt_tokens, completion_tokens";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(self.day)
            .push_bind(&self.model)
            .push_bind(self.prompts)
            .push_bind(self.answers)
            .push_bind(self.prompt_tokens)
            .push_bind(self.completion_tokens);
    }
}

impl Insert for AuditRow {
    const COLUMNS: &'static str = "position, actor, action, stream_type, stream_id, details, date";

    fn push<B: Bind>(&self, values: &mut B) {
        values
            .push_bind(self.position)
            .push_bind(&self.actor)
            .push_bind(&self.action)
            .push_bind(&self.stream_type)
            .push_bind(&self.stream_id)
            .push_bind(&self.details)
            .push_bind(self.date);
    }

    fn text_bytes(&self) -> usize {
        self.details.len() + 256
    }
}
