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

/// The projections registered at start-up, applied in registration order (a projection may read
/// the rows of one registered before it), and how to fold them all for a rebuild.
#[derive(Clone)]
pub struct Projections {
    live: Arc<[Box<dyn Projection>]>,
    fold: fn() -> Box<dyn Fold>,
}

impl Projections {
    pub fn new(projections: Vec<Box<dyn Projection>>, fold: fn() -> Box<dyn Fold>) -> Self {
        Projections {
            live: projections.into(),
            fold,
        }
    }

    /// An empty fold of every projection, for a rebuild.
    pub fn fold(&self) -> Box<dyn Fold> {
        (self.fold)()
    }

    pub async fn apply(
        &self,
        conn: &mut MySqlConnection,
        event: &RecordedEvent,
    ) -> Result<(), ProjectionError> {
        for projection in self.live.iter() {
            projection.apply(conn, event).await?;
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
