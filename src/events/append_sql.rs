//! The statements of one append inside a group's transaction: the checkpoint's lock and move,
//! and the insert of a stream's events with its optimistic-concurrency check.
use sqlx::{MySql, MySqlConnection, QueryBuilder, Row};

use super::model::RecordedEvent;
use super::projection::unique_key;
use super::store::{AppendError, CHECKPOINT, EVENT_COLUMNS};

/// Locks the inline checkpoint and moves it past `count` positions in one statement (the new
/// position comes back as the statement's `LAST_INSERT_ID`); returns the position before them.
pub(super) async fn take_positions(
    conn: &mut MySqlConnection,
    count: u64,
) -> Result<u64, sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE projection_checkpoint SET position = LAST_INSERT_ID(position + ?) WHERE name = ?",
    )
    .bind(count)
    .bind(CHECKPOINT)
    .execute(conn)
    .await?;
    if moved.rows_affected() != 1 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(moved.last_insert_id() - count)
}

/// Locks the inline checkpoint and reads where it is (on Galera, which moves it at the end:
/// `advance_checkpoint`).
pub(super) async fn lock_checkpoint(conn: &mut MySqlConnection) -> Result<u64, sqlx::Error> {
    let row = sqlx::query("SELECT position FROM projection_checkpoint WHERE name = ? FOR UPDATE")
        .bind(CHECKPOINT)
        .fetch_one(&mut *conn)
        .await?;
    row.try_get("position")
}

/// Moves the inline checkpoint from `from` (read under lock at the start) to `to`; `false` when
/// it is no longer at `from`: the transaction that locked it was aborted meanwhile (Galera) and
/// these statements are not that transaction any more.
pub(super) async fn advance_checkpoint(
    conn: &mut MySqlConnection,
    from: u64,
    to: u64,
) -> Result<bool, sqlx::Error> {
    let moved = sqlx::query(
        "UPDATE projection_checkpoint SET position = ? WHERE name = ? AND position = ?",
    )
    .bind(to)
    .bind(CHECKPOINT)
    .bind(from)
    .execute(conn)
    .await?;
    Ok(moved.rows_affected() == 1)
}

/// Inserts one append's events in one statement. The unique key `uq_event_stream_sequence` is
/// the optimistic-concurrency check for a stream that moved on; a stream that has not got as far
/// as `expected` (a caller ahead of the log) is caught by reading its last sequence first, which
/// is needed only when `known` (a sequence the stream had reached) is below `expected`.
pub(super) async fn insert_events(
    conn: &mut MySqlConnection,
    events: &[RecordedEvent],
    expected: u64,
    known: Option<u64>,
) -> Result<(), AppendError> {
    let first = &events[0];
    check_ahead(conn, first, expected, known).await?;
    match insert(conn, events).await {
        Ok(()) => Ok(()),
        Err(error) => Err(conflict_or(conn, error, first, expected).await),
    }
}

/// A caller ahead of the log (`expected` beyond what the stream reached) is refused: read only
/// when `known` (a sequence the stream had reached) is below `expected`.
pub(super) async fn check_ahead(
    conn: &mut MySqlConnection,
    first: &RecordedEvent,
    expected: u64,
    known: Option<u64>,
) -> Result<(), AppendError> {
    if expected > known.unwrap_or(0) {
        let actual = last_sequence(conn, first).await?;
        if actual != expected {
            return Err(conflict(first, expected, actual));
        }
    }
    Ok(())
}

/// The events of several appends in one statement. A duplicate key does not say whose append
/// it was: the caller then inserts append by append (`insert_events`) to tell.
pub(super) async fn insert<'e>(
    conn: &mut MySqlConnection,
    events: impl IntoIterator<Item = &'e RecordedEvent>,
) -> Result<(), sqlx::Error> {
    let mut query: QueryBuilder<MySql> =
        QueryBuilder::new(format!("INSERT INTO event ({EVENT_COLUMNS}) "));
    query.push_values(events, |mut row, event| {
        row.push_bind(event.position)
            .push_bind(&event.stream_type)
            .push_bind(&event.stream_id)
            .push_bind(event.sequence)
            .push_bind(&event.event_type)
            .push_bind(event.event_version)
            .push_bind(&event.payload)
            .push_bind(&event.metadata)
            .push_bind(event.recorded_at);
    });
    query.build().execute(conn).await.map(drop)
}

/// A duplicate `(stream, sequence)` means another writer got there first.
async fn conflict_or(
    conn: &mut MySqlConnection,
    error: sqlx::Error,
    first: &RecordedEvent,
    expected: u64,
) -> AppendError {
    match unique_key(&error) {
        Some(key) if key == "uq_event_stream_sequence" => moved_on(conn, first, expected).await,
        // The position was taken meanwhile (another node's append applied here).
        Some(key) if key == "PRIMARY" => AppendError::LostRace {
            stream_type: first.stream_type.clone(),
            stream_id: first.stream_id.clone(),
        },
        _ => AppendError::Database(error),
    }
}

/// The stream is not at `expected`: a `Conflict` that says where it is (read only now, on the
/// way of a refusal).
async fn moved_on(conn: &mut MySqlConnection, first: &RecordedEvent, expected: u64) -> AppendError {
    match last_sequence(conn, first).await {
        Ok(actual) => conflict(first, expected, actual),
        Err(error) => AppendError::Database(error),
    }
}

fn conflict(first: &RecordedEvent, expected: u64, actual: u64) -> AppendError {
    AppendError::Conflict {
        stream_type: first.stream_type.clone(),
        stream_id: first.stream_id.clone(),
        expected,
        actual,
    }
}

async fn last_sequence(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
) -> Result<u64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT CAST(COALESCE(MAX(sequence), 0) AS UNSIGNED) FROM event \
         WHERE stream_type = ? AND stream_id = ?",
    )
    .bind(&event.stream_type)
    .bind(&event.stream_id)
    .fetch_one(conn)
    .await
}
