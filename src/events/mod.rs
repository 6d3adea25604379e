//! The event log and its projections (see docs/ARCHITECTURE.md). This module knows no feature:
//! features bring their aggregates and register their projections.
mod aggregate;
mod append_sql;
pub mod export;
mod group_commit;
mod known;
mod model;
mod parquet;
mod projection;
pub mod replay;
mod staging;
mod store;

pub use aggregate::{Aggregate, Executed, MAX_ATTEMPTS, Repository, RepositoryError};
pub use group_commit::commit_count;
pub use model::{DomainEvent, Metadata, RecordedEvent};
pub use projection::{
    Batch, Collector, Fold, FoldScope, PerStream, Project, Projection, ProjectionError,
    Projections, StreamProjection, unique_key,
};
pub use store::{AppendError, EventStore, append_counts, read_all, state_before};
