//! Projections: the read models, updated inside the append transaction.
//!
//! Each feature owns its projections (the tables they write and how an event becomes rows) and
//! registers them at start-up; this module only knows the trait. Business rules live in the
//! aggregates. Every value written comes from the event (ids, `recorded_at`, `position`), so a
//! replay of the log produces identical tables.
use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use super::model::{DomainEvent, RecordedEvent};

pub trait Projection: Send + Sync + 'static {
    /// For logs and reports.
    fn name(&self) -> &'static str;

    /// The tables this projection writes, each with its primary key (columns joined by ", "),
    /// in the order a replay may clear them.
    fn tables(&self) -> &'static [(&'static str, &'static str)];

    /// Turns one recorded event into rows (an event of another stream type is ignored).
    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>>;

    /// A collector that takes this projection's events over a whole transaction in place of
    /// `apply` (none: `apply` runs for each event).
    fn collector(&self) -> Option<Box<dyn Collector>> {
        None
    }
}

/// What one event of a stream type does to a projection's rows (a feature's `apply`).
pub type Project<E> = for<'a> fn(
    &'a mut MySqlConnection,
    &'a RecordedEvent,
    &'a E,
) -> BoxFuture<'a, Result<(), sqlx::Error>>;

/// The projection of one stream type's events: each is decoded and handed to `project`; the
/// events of other streams pass by. A feature declares its own as a constant.
pub struct StreamProjection<E> {
    pub name: &'static str,
    /// As `Projection::tables`.
    pub tables: &'static [(&'static str, &'static str)],
    pub project: Project<E>,
    /// Makes the collector that takes this projection's events over a group commit in place of
    /// `project` (`Projection::collector`), if it has one.
    pub collect: Option<fn() -> Box<dyn Collector>>,
}

impl<E: DomainEvent + 'static> Projection for StreamProjection<E> {
    fn name(&self) -> &'static str {
        self.name
    }

    fn tables(&self) -> &'static [(&'static str, &'static str)] {
        self.tables
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            if let Some(payload) = event.decode_for::<E>()? {
                (self.project)(conn, event, &payload).await?;
            }
            Ok(())
        })
    }

    fn collector(&self) -> Option<Box<dyn Collector>> {
        self.collect.map(|collector| collector())
    }
}

/// A projection's writes put aside over one transaction (a group commit's appends) and written
/// at its end in a few statements: counters become one upsert per table instead of one per
/// event. The rows it leaves are the ones `apply` would leave event by event.
pub trait Collector: Send {
    /// Takes one event in (`conn` serves the reads that collecting needs).
    fn add<'a>(
        &'a mut self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>>;

    /// Writes everything taken in.
    fn write<'a>(
        self: Box<Self>,
        conn: &'a mut MySqlConnection,
    ) -> BoxFuture<'a, Result<(), ProjectionError>>;
}

/// The collectors of one transaction, one per projection that has one (`Projections::batch`).
pub struct Batch {
    collectors: Vec<Option<Box<dyn Collector>>>,
}

/// Every projection at once, folded in memory for a rebuild: the rows the projections' `apply`
/// would leave are computed from the whole log first, then written in large batches (a few
/// statements per thousand rows instead of a few per event). `replay --verify` proves the rows
/// are the same.
pub trait Fold: Send + Sync + 'static {
    /// Applies one event to the rows in memory.
    fn fold(&mut self, event: &RecordedEvent) -> Result<(), ProjectionError>;

    /// Writes every row into empty tables named like the projection tables with `suffix`
    /// appended (a rebuild's staging tables); returns how many rows.
    fn write<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        suffix: &'a str,
    ) -> BoxFuture<'a, Result<u64, sqlx::Error>>;
}

/// What one pass of a rebuild folds. A log whose per-stream events would not fit in memory at
/// once is folded in passes: first everything else (`Shared`), then the per-stream rows of a
/// share of the streams per pass (`Streams`), so memory stays bounded whatever the log's size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FoldScope {
    /// Every row, in one pass.
    All,
    /// Every row but those that depend on their own stream alone.
    Shared,
    /// Only the rows that depend on their own stream alone, of the streams the pass is given.
    Streams,
}

impl FoldScope {
    /// It folds the rows that depend on their own stream alone (a chat's rows).
    pub fn own_rows(self) -> bool {
        self != FoldScope::Shared
    }

    /// It folds the rows several streams change (an owner's counters, usage, the audit log).
    pub fn shared(self) -> bool {
        self != FoldScope::Streams
    }
}

/// The streams whose rows depend on their own events alone (a chat's rows and messages): a large
/// log folds them a share at a time.
#[derive(Clone, Copy, Debug)]
pub struct PerStream {
    pub stream_type: &'static str,
    /// How many of their events one pass folds at most (about 600 bytes of memory each).
    pub events_per_pass: u64,
}

/// The projections registered at start-up, applied in registration order (a projection may read
/// the rows of one registered before it), and how to fold them all for a rebuild.
#[derive(Clone)]
pub struct Projections {
    live: Arc<[Box<dyn Projection>]>,
    fold: fn(FoldScope) -> Box<dyn Fold>,
    per_stream: PerStream,
}

impl Projections {
    pub fn new(
        projections: Vec<Box<dyn Projection>>,
        fold: fn(FoldScope) -> Box<dyn Fold>,
        per_stream: PerStream,
    ) -> Self {
        Projections {
            live: projections.into(),
            fold,
            per_stream,
        }
    }

    /// The same projections, rebuilt with at most `events` per-stream events in memory at once.
    pub fn with_events_per_pass(mut self, events: u64) -> Self {
        self.per_stream.events_per_pass = events.max(1);
        self
    }

    /// An empty fold of what `scope` covers, for a rebuild.
    pub fn fold(&self, scope: FoldScope) -> Box<dyn Fold> {
        (self.fold)(scope)
    }

    pub fn per_stream(&self) -> PerStream {
        self.per_stream
    }

    /// An empty batch for one transaction: its events go through `apply`, then `finish`.
    pub fn batch(&self) -> Batch {
        Batch {
            collectors: self.live.iter().map(|p| p.collector()).collect(),
        }
    }

    /// Projects `event`: written now, or collected into `batch`.
    pub async fn apply(
        &self,
        conn: &mut MySqlConnection,
        event: &RecordedEvent,
        batch: &mut Batch,
    ) -> Result<(), ProjectionError> {
        for (projection, collector) in self.live.iter().zip(batch.collectors.iter_mut()) {
            match collector {
                Some(collector) => collector.add(conn, event).await?,
                None => projection.apply(conn, event).await?,
            }
        }
        Ok(())
    }

    /// Writes what `batch` collected (before the transaction commits).
    pub async fn finish(
        &self,
        conn: &mut MySqlConnection,
        batch: Batch,
    ) -> Result<(), ProjectionError> {
        for collector in batch.collectors.into_iter().flatten() {
            collector.write(conn).await?;
        }
        Ok(())
    }

    /// Every projection table with its primary key, once (two projections may share a table).
    pub fn tables(&self) -> Vec<(&'static str, &'static str)> {
        let mut tables: Vec<(&'static str, &'static str)> = Vec::new();
        for table in self.live.iter().flat_map(|p| p.tables().iter().copied()) {
            if !tables.contains(&table) {
                tables.push(table);
            }
        }
        tables
    }

    pub fn names(&self) -> Vec<&'static str> {
        self.live.iter().map(|p| p.name()).collect()
    }
}

impl RecordedEvent {
    /// The payload as `E` if this event belongs to `E`'s stream type, for projections.
    pub fn decode_for<E: DomainEvent>(&self) -> Result<Option<E>, ProjectionError> {
        if self.stream_type != E::STREAM_TYPE {
            return Ok(None);
        }
        self.decode()
            .map(Some)
            .map_err(|source| ProjectionError::Decode {
                position: self.position,
                source,
            })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("unique key {0} would be violated")]
    Unique(String),
    #[error("event {position} cannot be decoded: {source}")]
    Decode {
        position: u64,
        source: serde_json::Error,
    },
    #[error("projection update failed: {0}")]
    Database(sqlx::Error),
    #[error("no {table} row {key} for the event to change")]
    Missing { table: &'static str, key: String },
}

impl From<sqlx::Error> for ProjectionError {
    fn from(error: sqlx::Error) -> Self {
        match unique_key(&error) {
            Some(key) => ProjectionError::Unique(key),
            None => ProjectionError::Database(error),
        }
    }
}

/// The name of the violated unique key, on MariaDB (`'uq_x'`) and MySQL 8 (`'table.uq_x'`).
pub fn unique_key(error: &sqlx::Error) -> Option<String> {
    let db = error.as_database_error()?;
    if !db.is_unique_violation() {
        return None;
    }
    let message = db.message();
    let key = message.rsplit_once("for key '")?.1.trim_end_matches('\'');
    Some(key.rsplit('.').next().unwrap_or(key).to_owned())
}
