//! Rebuilding projections from the log: `replay` (in place) and `replay --verify` (into a scratch
//! database, then compared table by table with the live projections).
use secrecy::ExposeSecret;
use sqlx::AssertSqlSafe;
use sqlx::mysql::MySqlPool;
use sqlx::{Acquire, MySqlConnection, Row};
use time::PrimitiveDateTime;

use super::model::RecordedEvent;
use super::projection::{Fold, FoldScope, ProjectionError, Projections};
use super::staging::{STAGED, Staging};
use super::store::{CHECKPOINT, Share, set_checkpoint};
use crate::configuration::DatabaseSettings;
use crate::database::{self, DatabaseError};

/// Events per read of the log.
const BATCH: u32 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error(transparent)]
    Setup(#[from] DatabaseError),
    #[error("DATABASE_URL names no database")]
    NoDatabase,
    #[error("the fold of the log stopped: {0}")]
    Fold(String),
}

#[derive(Debug)]
pub struct TableComparison {
    pub table: &'static str,
    pub live_rows: u64,
    pub rebuilt_rows: u64,
    pub identical: bool,
    /// A few primary keys whose rows differ (or exist on one side only).
    pub sample_differences: Vec<String>,
}

#[derive(Debug)]
pub struct VerifyReport {
    pub events: u64,
    pub tables: Vec<TableComparison>,
}

impl VerifyReport {
    pub fn identical(&self) -> bool {
        self.tables.iter().all(|t| t.identical)
    }
}

/// Folds the whole log in memory, writes the new rows into staging tables and swaps them in:
/// readers see the old tables until the new ones are complete, and appends wait on the
/// checkpoint lock until the swap.
pub async fn replay(pool: &MySqlPool, projections: &Projections) -> Result<u64, ReplayError> {
    rebuild(pool, pool, projections, Until::End).await
}

/// How much of the log a replay applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    End,
    /// Events up to and including this global position.
    Position(u64),
    /// Events in position order until the first one recorded after this UTC time (a prefix of
    /// the log, so every stream is cut consistently).
    Time(PrimitiveDateTime),
}

/// Point-in-time replay: every projection as it was at `until`, built into the database
/// `target` (its projection tables replaced), from the log in `source`. The live tables are not
/// touched.
pub async fn replay_until(
    source: &MySqlPool,
    target: &MySqlPool,
    projections: &Projections,
    until: Until,
) -> Result<u64, ReplayError> {
    rebuild(source, target, projections, until).await
}

async fn rebuild(
    source: &MySqlPool,
    target: &MySqlPool,
    projections: &Projections,
    until: Until,
) -> Result<u64, ReplayError> {
    let mut tx = target.begin().await?;
    // Appends wait on this lock until the new tables are in place, so none is lost in between.
    // (An append takes this lock before it touches a projection table, so it holds no lock the
    // swap needs.)
    sqlx::query("SELECT position FROM projection_checkpoint WHERE name = ? FOR UPDATE")
        .bind(CHECKPOINT)
        .execute(&mut *tx)
        .await?;
    let started = std::time::Instant::now();
    let passes = Passes::plan(source, projections).await?;
    let mut conn = target.acquire().await?;
    let tables: Vec<&'static str> = projections.tables().into_iter().map(|(t, _)| t).collect();
    let staging = Staging::create(&mut conn, &tables).await?;
    let filled = match fill(source, projections, until, passes, &staging, &mut conn).await {
        Ok(filled) => filled,
        Err(error) => {
            staging.discard(&mut conn).await;
            return Err(error);
        }
    };
    let indexed = started.elapsed();
    staging.swap(&mut conn).await?;
    set_checkpoint(&mut tx, CHECKPOINT, filled.last_position).await?;
    tx.commit().await?;
    tracing::info!(
        events = filled.events,
        rows = filled.rows,
        passes = passes.shares.map_or(1, |shares| shares + 1),
        fill_ms = indexed.as_millis() as u64,
        swap_ms = (started.elapsed() - indexed).as_millis() as u64,
        "Rebuilt the projections"
    );
    Ok(filled.events)
}

/// How a rebuild reads the log: in one pass, or, when the per-stream events would not fit in
/// memory at once, a pass for everything else and then one per share of those streams.
#[derive(Clone, Copy, Debug)]
struct Passes {
    stream_type: &'static str,
    /// `None` for one pass.
    shares: Option<u32>,
}

impl Passes {
    async fn plan(source: &MySqlPool, projections: &Projections) -> Result<Self, sqlx::Error> {
        let per_stream = projections.per_stream();
        let events = super::store::count_stream_type(source, per_stream.stream_type).await?;
        let shares = events.div_ceil(per_stream.events_per_pass);
        Ok(Passes {
            stream_type: per_stream.stream_type,
            shares: (shares > 1).then(|| u32::try_from(shares).unwrap_or(u32::MAX)),
        })
    }
}

/// What a rebuild wrote.
struct Filled {
    events: u64,
    rows: u64,
    last_position: u64,
}

/// Folds the log and writes the rows into the staging tables in one transaction (InnoDB's bulk
/// load into empty tables), pass by pass, then builds their FULLTEXT indexes.
async fn fill(
    source: &MySqlPool,
    projections: &Projections,
    until: Until,
    passes: Passes,
    staging: &Staging,
    conn: &mut MySqlConnection,
) -> Result<Filled, ReplayError> {
    let started = std::time::Instant::now();
    let mut tx = conn.begin().await?;
    let scope = match passes.shares {
        None => FoldScope::All,
        Some(_) => FoldScope::Shared,
    };
    let folded = fold_log(source, projections.fold(scope), Read::Whole(until)).await?;
    let mut rows = folded.rows.write(&mut tx, STAGED).await?;
    let (events, last_position) = (folded.events, folded.last_position);
    drop(folded);
    for share in 0..passes.shares.unwrap_or(0) {
        let read = Read::Share {
            share: Share {
                stream_type: passes.stream_type,
                shares: passes.shares.unwrap_or(1),
                share,
            },
            last_position,
        };
        let folded = fold_log(source, projections.fold(FoldScope::Streams), read).await?;
        rows += folded.rows.write(&mut tx, STAGED).await?;
    }
    tx.commit().await?;
    let inserted = started.elapsed();
    staging.index(conn).await?;
    tracing::info!(
        rows,
        fold_and_insert_ms = inserted.as_millis() as u64,
        index_ms = (started.elapsed() - inserted).as_millis() as u64,
        "Filled the staging tables"
    );
    Ok(Filled {
        events,
        rows,
        last_position,
    })
}

/// The log folded in memory, up to where the replay stops.
struct Folded {
    rows: Box<dyn Fold>,
    events: u64,
    last_position: u64,
}

/// Which events one pass folds.
#[derive(Clone, Copy, Debug)]
enum Read {
    /// Every event, up to where the replay stops.
    Whole(Until),
    /// The events of one share of the per-stream streams, up to the last position of the pass
    /// that read the whole log.
    Share { share: Share, last_position: u64 },
}

impl Read {
    async fn batch(
        &self,
        source: &MySqlPool,
        after: u64,
    ) -> Result<Vec<RecordedEvent>, sqlx::Error> {
        match *self {
            Read::Whole(_) => super::read_all(source, after, BATCH).await,
            Read::Share {
                share,
                last_position,
            } => super::store::read_share(source, share, after, last_position, BATCH).await,
        }
    }

    fn until(&self) -> Until {
        match *self {
            Read::Whole(until) => until,
            Read::Share { .. } => Until::End,
        }
    }
}

/// Reads the log from `source` in batches while the blocking pool folds them: reading (network
/// and row decoding) and folding (JSON decoding) run on both cores at once.
async fn fold_log(
    source: &MySqlPool,
    mut rows: Box<dyn Fold>,
    read: Read,
) -> Result<Folded, ReplayError> {
    let (sender, mut receiver) = tokio::sync::mpsc::channel::<Vec<RecordedEvent>>(4);
    let folding = crate::telemetry::spawn_blocking_with_tracing(move || {
        let (mut events, mut last_position) = (0, 0);
        while let Some(batch) = receiver.blocking_recv() {
            for event in &batch {
                rows.fold(event)?;
                last_position = event.position;
                events += 1;
            }
        }
        Ok::<_, ProjectionError>(Folded {
            rows,
            events,
            last_position,
        })
    });
    let until = read.until();
    let mut position = 0;
    loop {
        let mut events = read.batch(source, position).await?;
        let Some(last) = events.last() else {
            break;
        };
        position = last.position;
        let past = events.iter().position(|event| until.excludes(event));
        if let Some(first_past) = past {
            events.truncate(first_past);
        }
        // A send fails only when the fold stopped on an error, which the join below returns.
        if sender.send(events).await.is_err() || past.is_some() {
            break;
        }
    }
    drop(sender);
    let folded = folding
        .await
        .map_err(|error| ReplayError::Fold(error.to_string()))??;
    Ok(folded)
}

impl Until {
    /// Whether `event` comes after where the replay stops.
    fn excludes(self, event: &RecordedEvent) -> bool {
        match self {
            Until::End => false,
            Until::Position(last) => event.position > last,
            Until::Time(at) => event.recorded_at > at,
        }
    }
}

/// Rebuilds every projection into a scratch database and compares it with the live one.
pub async fn verify(
    settings: &DatabaseSettings,
    live: &MySqlPool,
    projections: &Projections,
) -> Result<VerifyReport, ReplayError> {
    let url = settings.url.expose_secret();
    let live_db: String = sqlx::query_scalar("SELECT DATABASE()")
        .fetch_one(live)
        .await?;
    let scratch_db = format!(
        "{live_db}_verify_{}",
        crate::configuration::random_string(8).to_lowercase()
    );
    let scratch = database::create_migrated(url, &scratch_db).await?;
    let result = rebuild_and_compare(live, projections, &scratch, &live_db, &scratch_db).await;
    scratch.close().await;
    database::drop_database(url, &scratch_db).await?;
    result
}

async fn rebuild_and_compare(
    live: &MySqlPool,
    projections: &Projections,
    scratch: &MySqlPool,
    live_db: &str,
    scratch_db: &str,
) -> Result<VerifyReport, ReplayError> {
    let events = rebuild(live, scratch, projections, Until::End).await?;
    let mut tables = Vec::new();
    for (table, key) in projections.tables() {
        tables.push(compare_table(live, live_db, scratch_db, table, key).await?);
    }
    Ok(VerifyReport { events, tables })
}

/// A per-row fingerprint over every column, NULLs included.
async fn row_fingerprint(
    pool: &MySqlPool,
    database: &str,
    table: &str,
) -> Result<String, sqlx::Error> {
    let columns: Vec<String> = sqlx::query_scalar(
        "SELECT CAST(COLUMN_NAME AS CHAR) FROM information_schema.COLUMNS \
         WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? ORDER BY ORDINAL_POSITION",
    )
    .bind(database)
    .bind(table)
    .fetch_all(pool)
    .await?;
    let parts: Vec<String> = columns
        .iter()
        .map(|c| format!("COALESCE(CAST(t.`{c}` AS CHAR), '\\\\N')"))
        .collect();
    Ok(format!("MD5(CONCAT_WS(CHAR(31), {}))", parts.join(", ")))
}

async fn compare_table(
    pool: &MySqlPool,
    live_db: &str,
    scratch_db: &str,
    table: &'static str,
    key: &str,
) -> Result<TableComparison, sqlx::Error> {
    let fingerprint = row_fingerprint(pool, live_db, table).await?;
    let summary = |db: &str| {
        format!(
            "SELECT COUNT(*) AS n, \
             CAST(COALESCE(BIT_XOR(CAST(CONV(SUBSTRING({fingerprint}, 1, 16), 16, 10) AS UNSIGNED)), 0) AS UNSIGNED) AS a, \
             CAST(COALESCE(BIT_XOR(CAST(CONV(SUBSTRING({fingerprint}, 17, 16), 16, 10) AS UNSIGNED)), 0) AS UNSIGNED) AS b \
             FROM `{db}`.`{table}` t"
        )
    };
    let live = sqlx::query(AssertSqlSafe(summary(live_db)))
        .fetch_one(pool)
        .await?;
    let rebuilt = sqlx::query(AssertSqlSafe(summary(scratch_db)))
        .fetch_one(pool)
        .await?;
    let count = |row: &sqlx::mysql::MySqlRow| row.try_get::<i64, _>("n").map(|n| n as u64);
    let sums = |row: &sqlx::mysql::MySqlRow| -> Result<(u64, u64), sqlx::Error> {
        Ok((row.try_get("a")?, row.try_get("b")?))
    };
    let identical = count(&live)? == count(&rebuilt)? && sums(&live)? == sums(&rebuilt)?;
    let sample_differences = if identical {
        Vec::new()
    } else {
        differing_keys(pool, live_db, scratch_db, table, key, &fingerprint).await?
    };
    Ok(TableComparison {
        table,
        live_rows: count(&live)?,
        rebuilt_rows: count(&rebuilt)?,
        identical,
        sample_differences,
    })
}

async fn differing_keys(
    pool: &MySqlPool,
    live_db: &str,
    scratch_db: &str,
    table: &str,
    key: &str,
    fingerprint: &str,
) -> Result<Vec<String>, sqlx::Error> {
    let keys: Vec<&str> = key.split(", ").collect();
    let join = keys
        .iter()
        .map(|k| format!("t.`{k}` = o.`{k}`"))
        .collect::<Vec<_>>()
        .join(" AND ");
    let shown = keys
        .iter()
        .map(|k| format!("CAST(t.`{k}` AS CHAR)"))
        .collect::<Vec<_>>()
        .join(", ");
    let other = fingerprint.replace("t.`", "o.`");
    let mut found = Vec::new();
    for (side, mine, theirs) in [
        ("live", live_db, scratch_db),
        ("rebuilt", scratch_db, live_db),
    ] {
        let sql = format!(
            "SELECT CAST(CONCAT_WS(',', {shown}) AS CHAR) FROM `{mine}`.`{table}` t \
             LEFT JOIN `{theirs}`.`{table}` o ON {join} \
             WHERE o.`{first}` IS NULL OR {fingerprint} <> {other} LIMIT 5",
            first = keys[0]
        );
        let rows: Vec<String> = sqlx::query_scalar(AssertSqlSafe(sql))
            .fetch_all(pool)
            .await?;
        found.extend(rows.into_iter().map(|k| format!("{side}: {k}")));
    }
    Ok(found)
}
