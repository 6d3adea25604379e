//! Usage aggregated per UTC day (`daily_stats`, `daily_user_activity`, `daily_model_stats`) and
//! per API key, so the dashboard reads a few rows per day instead of scanning messages. What a
//! transaction's events count is collected first (`Counts`) and written with one upsert per
//! table: a group commit of many turns costs a few statements, not a few per event.
use std::collections::HashMap;
use std::hash::Hash;

use sqlx::{AssertSqlSafe, MySqlConnection};
use time::{Date, PrimitiveDateTime};

/// Columns of `daily_stats` that events increment, in `DAILY_COLUMNS`' order.
#[derive(Clone, Copy, Debug)]
pub(super) enum Counter {
    NewUsers,
    ActiveUsers,
    Chats,
    Prompts,
    Answers,
    FailedAnswers,
    StoppedAnswers,
    ApiPrompts,
    RefusedPrompts,
}

const DAILY_COLUMNS: [&str; 11] = [
    "new_users",
    "active_users",
    "chats",
    "prompts",
    "answers",
    "failed_answers",
    "stopped_answers",
    "api_prompts",
    "refused_prompts",
    "prompt_tokens",
    "completion_tokens",
];
const PROMPT_TOKENS: usize = 9;
const COMPLETION_TOKENS: usize = 10;

/// Rows in the order they were first counted, so each is created with the key that the first
/// event wrote (as writing event by event would, under a case-insensitive collation too).
struct Rows<K, V> {
    index: HashMap<K, usize>,
    rows: Vec<(K, V)>,
}

impl<K, V> Default for Rows<K, V> {
    fn default() -> Self {
        Rows {
            index: HashMap::new(),
            rows: Vec::new(),
        }
    }
}

impl<K: Eq + Hash + Clone, V: Default> Rows<K, V> {
    /// The row of `key`, and whether this made it.
    fn entry(&mut self, key: K) -> (&mut V, bool) {
        match self.index.get(&key) {
            Some(&i) => (&mut self.rows[i].1, false),
            None => {
                self.index.insert(key.clone(), self.rows.len());
                self.rows.push((key, V::default()));
                let last = self.rows.len() - 1;
                (&mut self.rows[last].1, true)
            }
        }
    }
}

#[derive(Default)]
struct UserDay {
    prompts: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    /// Its first count was a prompt: if the day had no row yet, the user became active.
    opened_by_prompt: bool,
}

/// One model's prompts or answers with their tokens.
#[derive(Default)]
pub(super) struct ModelUsage {
    pub(super) prompts: u64,
    pub(super) answers: u64,
    pub(super) prompt_tokens: u64,
    pub(super) completion_tokens: u64,
}

#[derive(Default)]
struct KeyUse {
    prompts: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    last_used_at: Option<PrimitiveDateTime>,
}

/// A chat's own counters (`chat.prompts`, its tokens), when it last moved and its version.
#[derive(Default)]
struct ChatUse {
    prompts: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    updated_at: Option<PrimitiveDateTime>,
    version: u64,
}

/// A user's own counters (`user.prompts`, tokens) and when they last prompted.
#[derive(Default)]
struct OwnerUse {
    prompts: u64,
    prompt_tokens: u64,
    completion_tokens: u64,
    last_active: Option<PrimitiveDateTime>,
}

/// What a transaction's events count, until written.
#[derive(Default)]
pub(super) struct Counts {
    daily: Rows<Date, [u64; DAILY_COLUMNS.len()]>,
    users: Rows<(Date, String), UserDay>,
    models: Rows<(Date, String), ModelUsage>,
    keys: Rows<String, KeyUse>,
    chats: Rows<String, ChatUse>,
    owners: Rows<String, OwnerUse>,
}

/// Bound where a row has no time: a derived table's column takes its nullability from the
/// first row's value, so a NULL in a later row would be refused (MariaDB: "cannot be null").
const NO_TIME: PrimitiveDateTime = time::macros::datetime!(1000-01-01 0:00);

impl Counts {
    pub(super) fn bump(&mut self, day: Date, counter: Counter) {
        self.daily.entry(day).0[counter as usize] += 1;
    }

    /// An answer ended: its `counter` and its tokens.
    pub(super) fn answer(&mut self, day: Date, counter: Counter, prompt: u32, completion: u32) {
        let row = self.daily.entry(day).0;
        row[counter as usize] += 1;
        row[PROMPT_TOKENS] += u64::from(prompt);
        row[COMPLETION_TOKENS] += u64::from(completion);
    }

    /// A prompt for the user's day; the first one of the day makes the user active.
    pub(super) fn user_prompt(&mut self, day: Date, user_id: &str) {
        let (row, made) = self.users.entry((day, user_id.to_owned()));
        row.opened_by_prompt |= made;
        row.prompts += 1;
    }

    pub(super) fn user_tokens(&mut self, day: Date, user_id: &str, prompt: u32, completion: u32) {
        let row = self.users.entry((day, user_id.to_owned())).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    pub(super) fn model_usage(&mut self, day: Date, model: &str, usage: ModelUsage) {
        let row = self.models.entry((day, model.to_owned())).0;
        row.prompts += usage.prompts;
        row.answers += usage.answers;
        row.prompt_tokens += usage.prompt_tokens;
        row.completion_tokens += usage.completion_tokens;
    }

    /// A prompt sent with an API key: the key's count and when it was last used.
    pub(super) fn key_prompt(&mut self, key_id: &str, at: PrimitiveDateTime) {
        let row = self.keys.entry(key_id.to_owned()).0;
        row.prompts += 1;
        row.last_used_at = Some(at);
    }

    /// The tokens of an answer to an API call, on its key.
    pub(super) fn key_tokens(&mut self, key_id: &str, prompt: u32, completion: u32) {
        let row = self.keys.entry(key_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    /// The chat moved (a prompt, an answer started or ended): `updated_at` and `version` go to
    /// the latest (`chat_tokens`, `chat_prompt` add to its counters).
    pub(super) fn chat_moved(&mut self, chat_id: &str, at: PrimitiveDateTime, version: u64) {
        let row = self.chats.entry(chat_id.to_owned()).0;
        row.updated_at = row.updated_at.max(Some(at));
        row.version = row.version.max(version);
    }

    pub(super) fn chat_prompt(&mut self, chat_id: &str) {
        self.chats.entry(chat_id.to_owned()).0.prompts += 1;
    }

    pub(super) fn chat_tokens(&mut self, chat_id: &str, prompt: u32, completion: u32) {
        let row = self.chats.entry(chat_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    /// A prompt of the user's: their count, and they were active then.
    pub(super) fn owner_prompt(&mut self, user_id: &str, at: PrimitiveDateTime) {
        let row = self.owners.entry(user_id.to_owned()).0;
        row.prompts += 1;
        row.last_active = row.last_active.max(Some(at));
    }

    pub(super) fn owner_tokens(&mut self, user_id: &str, prompt: u32, completion: u32) {
        let row = self.owners.entry(user_id.to_owned()).0;
        row.prompt_tokens += u64::from(prompt);
        row.completion_tokens += u64::from(completion);
    }

    /// Writes every count: a few statements, whatever the number of events.
    pub(super) async fn write(mut self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        for day in self.opened_days(conn).await? {
            self.bump(day, Counter::ActiveUsers);
        }
        self.write_users(conn).await?;
        self.write_daily(conn).await?;
        self.write_models(conn).await?;
        self.write_keys(conn).await?;
        self.write_chats(conn).await?;
        self.write_owners(conn).await
    }

    /// One statement for every chat counted: a row that is gone (deleted meanwhile) is left
    /// alone, as an `UPDATE … WHERE id = ?` per event would.
    async fn write_chats(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        if self.chats.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE chat c JOIN ({}) d ON c.id = d.id SET c.prompts = c.prompts + d.prompts, \
             c.prompt_tokens = c.prompt_tokens + d.prompt_tokens, \
             c.completion_tokens = c.completion_tokens + d.completion_tokens, \
             c.updated_at = GREATEST(c.updated_at, d.updated_at), \
             c.version = GREATEST(c.version, d.version)",
            derived_table(
                self.chats.rows.len(),
                &[
                    "id",
                    "prompts",
                    "prompt_tokens",
                    "completion_tokens",
                    "updated_at",
                    "version"
                ]
            )
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (chat_id, row) in &self.chats.rows {
            query = query
                .bind(chat_id.as_str())
                .bind(row.prompts)
                .bind(row.prompt_tokens)
                .bind(row.completion_tokens)
                .bind(row.updated_at.unwrap_or(NO_TIME))
                .bind(row.version);
        }
        query.execute(conn).await.map(drop)
    }

    /// One statement for every user counted (a user deleted meanwhile is left alone).
    async fn write_owners(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        if self.owners.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE `user` u JOIN ({}) d ON u.id = d.id SET u.prompts = u.prompts + d.prompts, \
             u.prompt_tokens = u.prompt_tokens + d.prompt_tokens, \
             u.completion_tokens = u.completion_tokens + d.completion_tokens, \
             u.last_active = IF(d.prompted, \
             GREATEST(COALESCE(u.last_active, d.last_active), d.last_active), u.last_active)",
            derived_table(
                self.owners.rows.len(),
                &[
                    "id",
                    "prompts",
                    "prompt_tokens",
                    "completion_tokens",
                    "prompted",
                    "last_active"
                ]
            )
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (user_id, row) in &self.owners.rows {
            query = query
                .bind(user_id.as_str())
                .bind(row.prompts)
                .bind(row.prompt_tokens)
                .bind(row.completion_tokens)
                .bind(row.last_active.is_some())
                .bind(row.last_active.unwrap_or(NO_TIME));
        }
        query.execute(conn).await.map(drop)
    }

    /// The day of each user-day that a prompt opened and the table did not have yet (one per
    /// newly active user).
    async fn opened_days(&self, conn: &mut MySqlConnection) -> Result<Vec<Date>, sqlx::Error> {
        let opened: Vec<&(Date, String)> = self
            .users
            .rows
            .iter()
            .filter(|(_, row)| row.opened_by_prompt)
            .map(|(key, _)| key)
            .collect();
        if opened.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT day, user_id FROM daily_user_activity WHERE (day, user_id) IN ({})",
            placeholders(opened.len(), 2)
        );
        let mut query = sqlx::query_as::<_, (Date, String)>(AssertSqlSafe(sql));
        for (day, user_id) in &opened {
            query = query.bind(*day).bind(user_id.as_str());
        }
        let existing = query.fetch_all(&mut *conn).await?;
        Ok(opened
            .into_iter()
            .filter(|key| !existing.contains(key))
            .map(|(day, _)| *day)
            .collect())
    }

    async fn write_users(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        if self.users.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO daily_user_activity (day, user_id, prompts, prompt_tokens, completion_tokens) \
             VALUES {} ON DUPLICATE KEY UPDATE prompts = prompts + VALUES(prompts), \
             prompt_tokens = prompt_tokens + VALUES(prompt_tokens), \
             completion_tokens = completion_tokens + VALUES(completion_tokens)",
            placeholders(self.users.rows.len(), 5)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ((day, user_id), row) in &self.users.rows {
            query = query
                .bind(*day)
                .bind(user_id.as_str())
                .bind(row.prompts)
                .bind(row.prompt_tokens)
                .bind(row.completion_tokens);
        }
        query.execute(conn).await.map(drop)
    }

    async fn write_daily(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        if self.daily.rows.is_empty() {
            return Ok(());
        }
        let updates: Vec<String> = DAILY_COLUMNS
            .iter()
            .map(|c| format!("{c} = {c} + VALUES({c})"))
            .collect();
        let sql = format!(
            "INSERT INTO daily_stats (day, {}) VALUES {} ON DUPLICATE KEY UPDATE {}",
            DAILY_COLUMNS.join(", "),
            placeholders(self.daily.rows.len(), 1 + DAILY_COLUMNS.len()),
            updates.join(", ")
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for (day, counts) in &self.daily.rows {
            query = query.bind(*day);
            for count in counts {
                query = query.bind(*count);
            }
        }
        query.execute(conn).await.map(drop)
    }

    async fn write_models(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        if self.models.rows.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "INSERT INTO daily_model_stats (day, model, prompts, answers, prompt_tokens, completion_tokens) \
             VALUES {} ON DUPLICATE KEY UPDATE prompts = prompts + VALUES(prompts), \
             answers = answers + VALUES(answers), prompt_tokens = prompt_tokens + VALUES(prompt_tokens), \
             completion_tokens = completion_tokens + VALUES(completion_tokens)",
            placeholders(self.models.rows.len(), 6)
        );
        let mut query = sqlx::query(AssertSqlSafe(sql));
        for ((day, model), usage) in &self.models.rows {
            query = query
                .bind(*day)
                .bind(model.as_str())
                .bind(usage.prompts)
                .bind(usage.answers)
                .bind(usage.prompt_tokens)
                .bind(usage.completion_tokens);
        }
        query.execute(conn).await.map(drop)
    }

    /// One statement per key (a group rarely has more than a few API keys).
    async fn write_keys(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        for (key_id, row) in &self.keys.rows {
            sqlx::query(
                "UPDATE api_key SET prompts = prompts + ?, prompt_tokens = prompt_tokens + ?, \
                 completion_tokens = completion_tokens + ?, \
                 last_used_at = COALESCE(?, last_used_at) WHERE id = ?",
            )
            .bind(row.prompts)
            .bind(row.prompt_tokens)
            .bind(row.completion_tokens)
            .bind(row.last_used_at)
            .bind(key_id.as_str())
            .execute(&mut *conn)
            .await?;
        }
        Ok(())
    }
}

/// `SELECT ? AS a, ? AS b UNION ALL SELECT ?, ?` for `rows` rows of `columns`: a table of
/// values to join an `UPDATE` with (every row its own values, one statement).
fn derived_table(rows: usize, columns: &[&str]) -> String {
    let named: Vec<String> = columns.iter().map(|c| format!("? AS {c}")).collect();
    let mut selects = vec![format!("SELECT {}", named.join(", "))];
    let row = format!("SELECT {}", vec!["?"; columns.len()].join(", "));
    selects.extend(std::iter::repeat_n(row, rows - 1));
    selects.join(" UNION ALL ")
}

/// `(?, ?), (?, ?)` for `rows` rows of `columns` values.
fn placeholders(rows: usize, columns: usize) -> String {
    let row = format!("({})", vec!["?"; columns].join(", "));
    vec![row; rows].join(", ")
}
