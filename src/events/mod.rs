//! The event log and its projections (see docs/ARCHITECTURE.md).
pub mod export;
mod model;
pub mod projections;
pub mod replay;
mod store;

pub use model::{DomainEvent, Metadata, RecordedEvent};
pub use store::{AppendError, EventStore, read_all};
