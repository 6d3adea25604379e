//! The event store: append with optimistic concurrency, load a stream, read the whole log.
//!
//! Every append runs in a transaction that (1) locks the `inline` checkpoint row, which hands
//! out gapless, commit-ordered global positions, (2) inserts the events, whose unique
//! `(stream, sequence)` key refuses a stream that moved on (the stream's last sequence is read
//! first only when this process does not know it reached the expected one), (3) updates every
//! projection and (4) records the new checkpoint. A concurrent writer to the same stream therefore sees a typed `Conflict`, never
//! a half-written state. Appends that arrive while a commit is in flight share the next
//! transaction, each with its own check and result (`group_commit`).
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::AssertSqlSafe;
use sqlx::MySqlConnection;
use sqlx::mysql::MySqlPool;
use tokio::sync::oneshot;

use super::group_commit::{GroupCommit, Request};
use super::model::{DomainEvent, Metadata, RecordedEvent};
use super::projection::{ProjectionError, Projections};
use crate::clock::SharedClock;

#[derive(Debug, thiserror::Error)]
pub enum AppendError {
    #[error(
        "stream {stream_type}/{stream_id} moved on: expected sequence {expected}, found {actual}"
    )]
    Conflict {
        stream_type: String,
        stream_id: String,
        expected: u64,
        actual: u64,
    },
    /// The append lost a commit race it could not see: on a Galera cluster another node's
    /// conflicting commit (the checkpoint row) was certified first, or InnoDB picked it as a
    /// deadlock's victim. Nothing was written; decide again, as after a `Conflict`.
    #[error("stream {stream_type}/{stream_id}: the append lost a commit race; nothing was written")]
    LostRace {
        stream_type: String,
        stream_id: String,
    },
    /// A projection refused the events (a unique username, a missing chat, ...).
    #[error(transparent)]
    Rejected(#[from] ProjectionError),
    #[error("event store failure: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not encode event: {0}")]
    Encode(#[from] serde_json::Error),
    /// The transaction this append shared with others (group commit) failed as a whole.
    #[error(transparent)]
    Group(Arc<AppendError>),
    /// The writer of this append's group stopped before it could say (the server is shutting
    /// down): whether it was recorded is not known.
    #[error("the append was interrupted before its commit was known")]
    Interrupted,
}

impl AppendError {
    /// `self`, or `LostRace` when the database aborted the transaction for a race.
    pub(super) fn or_lost_race(self, stream_type: &str, stream_id: &str) -> AppendError {
        if self.is_lost_race() {
            AppendError::LostRace {
                stream_type: stream_type.into(),
                stream_id: stream_id.into(),
            }
        } else {
            self
        }
    }

    /// Whether the database aborted the transaction for a race (decide again).
    pub(super) fn is_lost_race(&self) -> bool {
        match self {
            AppendError::LostRace { .. } => true,
            AppendError::Database(error) => crate::database::transient(error),
            // A row this very append wrote is gone: on Galera another node's write aborted the
            // transaction between two statements (seen once in the cluster test, without the
            // abort being reported). Nothing of it is kept; do it again.
            AppendError::Rejected(ProjectionError::Database(error)) => {
                crate::database::transient(error) || matches!(error, sqlx::Error::RowNotFound)
            }
            // A position (or a row keyed by one) taken meanwhile: another node's append was
            // applied here between this one's statements.
            AppendError::Rejected(ProjectionError::Unique(key)) => key == "PRIMARY",
            AppendError::Group(error) => error.is_lost_race(),
            _ => false,
        }
    }

    /// Refused for this append's own reasons, the transaction intact: the others of its group
    /// go on without it.
    pub(super) fn is_own_refusal(&self) -> bool {
        match self {
            AppendError::Conflict { .. } | AppendError::Encode(_) => true,
            AppendError::Rejected(ProjectionError::Unique(key)) => key != "PRIMARY",
            AppendError::Rejected(ProjectionError::Decode { .. })
            | AppendError::Rejected(ProjectionError::Missing { .. }) => true,
            _ => false,
        }
    }

    /// The database could not be reached while appending (a restart, the network): nothing
    /// was recorded, the request may be retried (503).
    pub fn database_unreachable(&self) -> bool {
        match self {
            AppendError::Database(error)
            | AppendError::Rejected(ProjectionError::Database(error)) => {
                crate::error::database_unreachable(error)
            }
            AppendError::Group(error) => error.database_unreachable(),
            AppendError::Interrupted => true,
            _ => false,
        }
    }

    /// The name of the unique key that a projection row would have violated.
    pub fn unique_violation(&self) -> Option<&str> {
        match self {
            AppendError::Rejected(ProjectionError::Unique(key)) => Some(key),
            AppendError::Group(error) => error.unique_violation(),
            _ => None,
        }
    }
}

pub const CHECKPOINT: &str = "inline";

/// Appends committed, and appends that lost a commit race, by this process (`/healthz`).
static COMMITTED: AtomicU64 = AtomicU64::new(0);
static LOST_RACES: AtomicU64 = AtomicU64::new(0);

/// How many appends this process committed, and how many lost a commit race (each was decided
/// again; on a Galera cluster, certification conflicts between nodes).
pub fn append_counts() -> (u64, u64) {
    (
        COMMITTED.load(Ordering::Relaxed),
        LOST_RACES.load(Ordering::Relaxed),
    )
}

pub(super) const EVENT_COLUMNS: &str = "position, stream_type, stream_id, sequence, event_type, \
    event_version, payload, metadata, recorded_at";

#[derive(Clone)]
pub struct EventStore {
    pool: MySqlPool,
    clock: SharedClock,
    projections: Projections,
    /// This store's appends waiting for a commit (shared by its clones).
    queue: Arc<GroupCommit>,
}

impl EventStore {
    pub fn new(pool: MySqlPool, clock: SharedClock, projections: Projections) -> Self {
        EventStore {
            clock,
            queue: Arc::new(GroupCommit::start(&pool, &projections)),
            projections,
            pool,
        }
    }

    pub fn projections(&self) -> &Projections {
        &self.projections
    }

    pub fn pool(&self) -> &MySqlPool {
        &self.pool
    }

    /// Transactions this store (and its clones) committed for appends: fewer than the appends
    /// when they shared commits.
    pub fn commits(&self) -> u64 {
        self.queue.commits()
    }

    /// Appends `events` after `expected_sequence` (0 for a new stream), in the next group
    /// commit.
    #[tracing::instrument(name = "Appending events", skip(self, events, metadata), fields(n = events.len()))]
    pub async fn append<E: DomainEvent>(
        &self,
        stream_id: &str,
        expected_sequence: u64,
        events: &[E],
        metadata: &Metadata,
    ) -> Result<Vec<RecordedEvent>, AppendError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let recorded_at = self.clock.now_utc();
        let metadata = serde_json::to_value(metadata)?;
        let events = events
            .iter()
            .zip(1..)
            .map(|(event, i)| {
                Ok(RecordedEvent {
                    // Given by the group's transaction, under the checkpoint lock.
                    position: 0,
                    stream_type: E::STREAM_TYPE.into(),
                    stream_id: stream_id.into(),
                    sequence: expected_sequence + i,
                    event_type: event.event_type().into(),
                    event_version: event.event_version(),
                    payload: sqlx::types::Json(serde_json::to_value(event)?),
                    metadata: sqlx::types::Json(metadata.clone()),
                    recorded_at,
                })
            })
            .collect::<Result<Vec<_>, serde_json::Error>>()?;
        let (reply, result) = oneshot::channel();
        let request = Request {
            events,
            expected_sequence,
            reply,
        };
        self.queue.submit(request);
        match result.await.unwrap_or(Err(AppendError::Interrupted)) {
            Ok(recorded) => {
                COMMITTED.fetch_add(1, Ordering::Relaxed);
                Ok(recorded)
            }
            Err(error) => {
                if matches!(error, AppendError::LostRace { .. }) {
                    LOST_RACES.fetch_add(1, Ordering::Relaxed);
                }
                Err(error)
            }
        }
    }

    /// Every event of one stream, in order.
    pub async fn load(
        &self,
        stream_type: &str,
        stream_id: &str,
    ) -> Result<Vec<RecordedEvent>, sqlx::Error> {
        let events = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE stream_type = ? AND stream_id = ? ORDER BY sequence"
        )))
        .bind(stream_type)
        .bind(stream_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(self.seen(events))
    }

    /// The events of one stream after `sequence` (to catch up after a conflict).
    pub async fn load_after(
        &self,
        stream_type: &str,
        stream_id: &str,
        sequence: u64,
    ) -> Result<Vec<RecordedEvent>, sqlx::Error> {
        let events = sqlx::query_as(AssertSqlSafe(format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE stream_type = ? AND stream_id = ? AND sequence > ? ORDER BY sequence"
        )))
        .bind(stream_type)
        .bind(stream_id)
        .bind(sequence)
        .fetch_all(&self.pool)
        .await?;
        Ok(self.seen(events))
    }

    /// Remembers where a stream read from the log is (its next append needs no read first).
    fn seen(&self, events: Vec<RecordedEvent>) -> Vec<RecordedEvent> {
        if let Some(last) = events.last() {
            self.queue.known.saw(last);
        }
        events
    }

    /// Up to `limit` events of the given stream types after global position `from_position`,
    /// in position order: a catch-up reader that follows only what it folds.
    pub async fn read_types(
        &self,
        stream_types: &[&str],
        from_position: u64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, sqlx::Error> {
        let mut query = sqlx::QueryBuilder::new(format!(
            "SELECT {EVENT_COLUMNS} FROM event WHERE position > "
        ));
        query.push_bind(from_position).push(" AND stream_type IN (");
        let mut types = query.separated(", ");
        for stream_type in stream_types {
            types.push_bind(*stream_type);
        }
        query.push(") ORDER BY position LIMIT ").push_bind(limit);
        query.build_query_as().fetch_all(&self.pool).await
    }

    /// Up to `limit` events after global position `from_position`, for catch-up readers.
    pub async fn read_all(
        &self,
        from_position: u64,
        limit: u32,
    ) -> Result<Vec<RecordedEvent>, sqlx::Error> {
        read_all(&self.pool, from_position, limit).await
    }
}

/// The state of `event`'s aggregate just before it, folded from its stream's earlier events
/// read on `conn`: inside an append's transaction, where the same group's earlier appends are
/// visible (a projection whose rows are a view of the aggregate's state).
pub async fn state_before<A: super::Aggregate>(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
) -> Result<A, sqlx::Error> {
    let earlier: Vec<RecordedEvent> = sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE stream_type = ? AND stream_id = ? AND sequence < ? \
         ORDER BY sequence"
    )))
    .bind(&event.stream_type)
    .bind(&event.stream_id)
    .bind(event.sequence)
    .fetch_all(conn)
    .await?;
    let mut state = A::default();
    for earlier in earlier {
        let payload = earlier
            .decode::<A::Event>()
            .map_err(|error| sqlx::Error::Decode(Box::new(error)))?;
        state.apply(&payload);
    }
    Ok(state)
}

pub async fn read_all(
    pool: &MySqlPool,
    from_position: u64,
    limit: u32,
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE position > ? ORDER BY position LIMIT ?"
    )))
    .bind(from_position)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// One share of a stream type's streams for a rebuild in passes: up to `limit` of their events
/// after `from_position` and up to `last_position`, of the streams whose id hashes to `share`
/// of `shares` (each stream falls in one share, with all its events).
pub(crate) async fn read_share(
    pool: &MySqlPool,
    share: Share,
    from_position: u64,
    last_position: u64,
    limit: u32,
) -> Result<Vec<RecordedEvent>, sqlx::Error> {
    sqlx::query_as(AssertSqlSafe(format!(
        "SELECT {EVENT_COLUMNS} FROM event WHERE position > ? AND position <= ? \
         AND stream_type = ? AND CRC32(stream_id) % ? = ? ORDER BY position LIMIT ?"
    )))
    .bind(from_position)
    .bind(last_position)
    .bind(share.stream_type)
    .bind(share.shares)
    .bind(share.share)
    .bind(limit)
    .fetch_all(pool)
    .await
}

/// Share `share` (counted from 0) of `shares` of the streams of `stream_type`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Share {
    pub stream_type: &'static str,
    pub shares: u32,
    pub share: u32,
}

/// How many events streams of `stream_type` have (for planning a rebuild's passes).
pub(crate) async fn count_stream_type(
    pool: &MySqlPool,
    stream_type: &str,
) -> Result<u64, sqlx::Error> {
    sqlx::query_scalar("SELECT CAST(COUNT(*) AS UNSIGNED) FROM event WHERE stream_type = ?")
        .bind(stream_type)
        .fetch_one(pool)
        .await
}

pub(crate) async fn set_checkpoint(
    conn: &mut MySqlConnection,
    name: &str,
    position: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE projection_checkpoint SET position = ? WHERE name = ?")
        .bind(position)
        .bind(name)
        .execute(conn)
        .await?;
    Ok(())
}
