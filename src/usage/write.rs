//! The SQL sink of what a group's events count (`Counts`): a few statements per group, whatever
//! the number of events (a rebuild's sink is `fold.rs`).
use sqlx::mysql::MySqlArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, MySql, MySqlConnection};
use time::{Date, PrimitiveDateTime};

use super::counters::{ChatUse, Counter, Counts, DAILY_COLUMNS, ModelUsage, OwnerUse, UserDay};

/// Bound where a row has no time: a derived table's column takes its nullability from the
/// first row's value, so a NULL in a later row would be refused (MariaDB: "cannot be null").
const NO_TIME: PrimitiveDateTime = time::macros::datetime!(1000-01-01 0:00);

impl Counts {
    /// Writes every count: a few statements, whatever the number of events.
    pub(super) async fn write(mut self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        for day in self.opened_days(conn).await? {
            self.bump(day, Counter::ActiveUsers);
        }
        add_rows(conn, &self.users.rows).await?;
        add_rows(conn, &self.daily.rows).await?;
        add_rows(conn, &self.models.rows).await?;
        self.write_keys(conn).await?;
        update_joined(conn, "chat", &self.chats.rows).await?;
        update_joined(conn, "`user`", &self.owners.rows).await
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

/// A row of counts for a table of counters: added to the row with the same key, or a new row.
trait Added {
    const TABLE: &'static str;
    const KEYS: &'static [&'static str];
    const COUNTERS: &'static [&'static str];
    /// The key's values, then the counters', in `KEYS` and `COUNTERS` order.
    fn bind<'q>(&self, query: Query<'q, MySql, MySqlArguments>)
    -> Query<'q, MySql, MySqlArguments>;
}

impl Added for ((Date, String), UserDay) {
    const TABLE: &'static str = "daily_user_activity";
    const KEYS: &'static [&'static str] = &["day", "user_id"];
    const COUNTERS: &'static [&'static str] = &["prompts", "prompt_tokens", "completion_tokens"];

    fn bind<'q>(
        &self,
        query: Query<'q, MySql, MySqlArguments>,
    ) -> Query<'q, MySql, MySqlArguments> {
        let ((day, user_id), row) = self;
        query
            .bind(*day)
            .bind(user_id.clone())
            .bind(row.prompts)
            .bind(row.prompt_tokens)
            .bind(row.completion_tokens)
    }
}

impl Added for (Date, [u64; DAILY_COLUMNS.len()]) {
    const TABLE: &'static str = "daily_stats";
    const KEYS: &'static [&'static str] = &["day"];
    const COUNTERS: &'static [&'static str] = &DAILY_COLUMNS;

    fn bind<'q>(
        &self,
        query: Query<'q, MySql, MySqlArguments>,
    ) -> Query<'q, MySql, MySqlArguments> {
        let (day, counts) = self;
        counts
            .iter()
            .fold(query.bind(*day), |query, count| query.bind(*count))
    }
}

impl Added for ((Date, String), ModelUsage) {
    const TABLE: &'static str = "daily_model_stats";
    const KEYS: &'static [&'static str] = &["day", "model"];
    const COUNTERS: &'static [&'static str] =
        &["prompts", "answers", "prompt_tokens", "completion_tokens"];

    fn bind<'q>(
        &self,
        query: Query<'q, MySql, MySqlArguments>,
    ) -> Query<'q, MySql, MySqlArguments> {
        let ((day, model), usage) = self;
        query
            .bind(*day)
            .bind(model.clone())
            .bind(usage.prompts)
            .bind(usage.answers)
            .bind(usage.prompt_tokens)
            .bind(usage.completion_tokens)
    }
}

/// One `INSERT … ON DUPLICATE KEY UPDATE c = c + VALUES(c)` for every row: each row's counts are
/// added to the row with its key, or make it.
async fn add_rows<R: Added>(conn: &mut MySqlConnection, rows: &[R]) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = R::KEYS.iter().chain(R::COUNTERS).copied().collect();
    let updates: Vec<String> = R::COUNTERS
        .iter()
        .map(|c| format!("{c} = {c} + VALUES({c})"))
        .collect();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES {} ON DUPLICATE KEY UPDATE {}",
        R::TABLE,
        columns.join(", "),
        placeholders(rows.len(), columns.len()),
        updates.join(", ")
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for row in rows {
        query = row.bind(query);
    }
    query.execute(conn).await.map(drop)
}

/// Counters added to the rows of a table other features own, by id.
trait Joined {
    /// The derived table's columns after `id`.
    const COLUMNS: &'static [&'static str];
    /// How the row `t` takes the counts `d`.
    const SET: &'static str;
    fn bind<'q>(&self, query: Query<'q, MySql, MySqlArguments>)
    -> Query<'q, MySql, MySqlArguments>;
}

impl Joined for ChatUse {
    const COLUMNS: &'static [&'static str] = &[
        "prompts",
        "prompt_tokens",
        "completion_tokens",
        "updated_at",
        "version",
    ];
    const SET: &'static str = "t.prompts = t.prompts + d.prompts, \
        t.prompt_tokens = t.prompt_tokens + d.prompt_tokens, \
        t.completion_tokens = t.completion_tokens + d.completion_tokens, \
        t.updated_at = GREATEST(t.updated_at, d.updated_at), t.version = GREATEST(t.version, d.version)";

    fn bind<'q>(
        &self,
        query: Query<'q, MySql, MySqlArguments>,
    ) -> Query<'q, MySql, MySqlArguments> {
        query
            .bind(self.prompts)
            .bind(self.prompt_tokens)
            .bind(self.completion_tokens)
            .bind(self.updated_at.unwrap_or(NO_TIME))
            .bind(self.version)
    }
}

impl Joined for OwnerUse {
    const COLUMNS: &'static [&'static str] = &[
        "prompts",
        "prompt_tokens",
        "completion_tokens",
        "prompted",
        "last_active",
    ];
    const SET: &'static str = "t.prompts = t.prompts + d.prompts, \
        t.prompt_tokens = t.prompt_tokens + d.prompt_tokens, \
        t.completion_tokens = t.completion_tokens + d.completion_tokens, \
        t.last_active = IF(d.prompted, \
        GREATEST(COALESCE(t.last_active, d.last_active), d.last_active), t.last_active)";

    fn bind<'q>(
        &self,
        query: Query<'q, MySql, MySqlArguments>,
    ) -> Query<'q, MySql, MySqlArguments> {
        query
            .bind(self.prompts)
            .bind(self.prompt_tokens)
            .bind(self.completion_tokens)
            .bind(self.last_active.is_some())
            .bind(self.last_active.unwrap_or(NO_TIME))
    }
}

/// One statement for every row counted: a row that is gone (deleted meanwhile) is left alone,
/// as an `UPDATE … WHERE id = ?` per event would.
async fn update_joined<R: Joined>(
    conn: &mut MySqlConnection,
    table: &str,
    rows: &[(String, R)],
) -> Result<(), sqlx::Error> {
    if rows.is_empty() {
        return Ok(());
    }
    let columns: Vec<&str> = std::iter::once("id")
        .chain(R::COLUMNS.iter().copied())
        .collect();
    let sql = format!(
        "UPDATE {table} t JOIN ({}) d ON t.id = d.id SET {}",
        derived_table(rows.len(), &columns),
        R::SET
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (id, row) in rows {
        query = row.bind(query.bind(id.as_str()));
    }
    query.execute(conn).await.map(drop)
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
