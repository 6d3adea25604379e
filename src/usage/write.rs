//! The SQL sink of what a group's events count (`Counts`): a few statements per group, whatever
//! the number of events (a rebuild's sink is `fold.rs`).
use sqlx::mysql::MySqlArguments;
use sqlx::query::Query;
use sqlx::{AssertSqlSafe, MySql, MySqlConnection};
use time::{Date, PrimitiveDateTime};

use super::active::ActiveDays;
use super::counters::{ChatUse, Counter, Counts, DAILY_COLUMNS, ModelUsage, OwnerUse, UserDay};
use crate::database::values::{derived_table, placeholders};

/// Bound where a row has no time: a derived table's column takes its nullability from the
/// first row's value, so a NULL in a later row would be refused (MariaDB: "cannot be null").
const NO_TIME: PrimitiveDateTime = time::macros::datetime!(1000-01-01 0:00);

type Sql<'q> = Query<'q, MySql, MySqlArguments>;

impl Counts {
    /// Writes every count: a few statements, whatever the number of events.
    pub(super) async fn write(
        mut self,
        conn: &mut MySqlConnection,
        active: &ActiveDays,
    ) -> Result<(), sqlx::Error> {
        for day in self.opened_days(conn, active).await? {
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
    /// newly active user): asked of the table only for the rows `active` does not know.
    async fn opened_days(
        &self,
        conn: &mut MySqlConnection,
        active: &ActiveDays,
    ) -> Result<Vec<Date>, sqlx::Error> {
        let opened: Vec<&(Date, String)> = self
            .users
            .rows
            .iter()
            .filter(|((day, user_id), row)| row.opened_by_prompt && !active.has(*day, user_id))
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
        active.remember(&existing);
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
    fn bind<'q>(&self, query: Sql<'q>) -> Sql<'q>;
}

impl Added for ((Date, String), UserDay) {
    const TABLE: &'static str = "daily_user_activity";
    const KEYS: &'static [&'static str] = &["day", "user_id"];
    const COUNTERS: &'static [&'static str] = &["prompts", "prompt_tokens", "completion_tokens"];

    fn bind<'q>(&self, query: Sql<'q>) -> Sql<'q> {
        let (key, row) = self;
        bind_user_day(query, key)
            .bind(row.prompts)
            .bind(row.prompt_tokens)
            .bind(row.completion_tokens)
    }
}

impl Added for (Date, [u64; DAILY_COLUMNS.len()]) {
    const TABLE: &'static str = "daily_stats";
    const KEYS: &'static [&'static str] = &["day"];
    const COUNTERS: &'static [&'static str] = &DAILY_COLUMNS;

    fn bind<'q>(&self, query: Sql<'q>) -> Sql<'q> {
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

    fn bind<'q>(&self, query: Sql<'q>) -> Sql<'q> {
        let ((day, model), usage) = self;
        let query = query.bind(*day).bind(model.clone());
        query
            .bind(usage.prompts)
            .bind(usage.answers)
            .bind(usage.prompt_tokens)
            .bind(usage.completion_tokens)
    }
}

fn bind_user_day<'q>(query: Sql<'q>, (day, user_id): &(Date, String)) -> Sql<'q> {
    query.bind(*day).bind(user_id.clone())
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

/// The counters a turn adds to a chat's row and to its owner's.
const ADDED: [&str; 3] = ["prompts", "prompt_tokens", "completion_tokens"];

/// Counts added to the row of a table other features own, by id: `ADDED`, and the columns a turn
/// moves forward.
trait Joined {
    /// `ADDED`'s values.
    fn added(&self) -> [u64; 3];
    /// The derived table's other columns.
    const MOVED: &'static [&'static str];
    /// How the row `t` takes them from `d`.
    const MOVES: &'static str;
    fn bind_moved<'q>(&self, query: Sql<'q>) -> Sql<'q>;
}

impl Joined for ChatUse {
    fn added(&self) -> [u64; 3] {
        [self.prompts, self.prompt_tokens, self.completion_tokens]
    }
    const MOVED: &'static [&'static str] = &["updated_at", "version"];
    const MOVES: &'static str = "t.updated_at = GREATEST(t.updated_at, d.updated_at), t.version = GREATEST(t.version, d.version)";

    fn bind_moved<'q>(&self, query: Sql<'q>) -> Sql<'q> {
        query
            .bind(self.updated_at.unwrap_or(NO_TIME))
            .bind(self.version)
    }
}

impl Joined for OwnerUse {
    fn added(&self) -> [u64; 3] {
        [self.prompts, self.prompt_tokens, self.completion_tokens]
    }
    const MOVED: &'static [&'static str] = &["prompted", "last_active"];
    const MOVES: &'static str = "t.last_active = IF(d.prompted, \
        GREATEST(COALESCE(t.last_active, d.last_active), d.last_active), t.last_active)";

    fn bind_moved<'q>(&self, query: Sql<'q>) -> Sql<'q> {
        query
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
        .chain(ADDED)
        .chain(R::MOVED.iter().copied())
        .collect();
    let added: Vec<String> = ADDED
        .iter()
        .map(|c| format!("t.{c} = t.{c} + d.{c}"))
        .collect();
    let sql = format!(
        "UPDATE {table} t JOIN ({}) d ON t.id = d.id SET {}, {}",
        derived_table(rows.len(), &columns),
        added.join(", "),
        R::MOVES
    );
    let mut query = sqlx::query(AssertSqlSafe(sql));
    for (id, row) in rows {
        let with_added = row
            .added()
            .into_iter()
            .fold(query.bind(id.clone()), |query, count| query.bind(count));
        query = row.bind_moved(with_added);
    }
    query.execute(conn).await.map(drop)
}
