//! PDF models: the admin turns one PDF into a model users can pick. Each model is an aggregate
//! (`model/<uuid>` stream) projected into `model` and folded by the catalog; its `ModelActor`
//! owns its LanceDB table (ingestion, retrieval) and `PdfBackend` answers with it (see
//! docs/ARCHITECTURE.md).
pub mod actor;
pub mod aggregate;
pub mod backend;
pub mod events;
pub mod fold;
mod ingest;
pub mod messages;
pub mod projection;
pub mod rewrite;
pub mod runtime;
pub mod service;
pub mod slots;

pub use actor::{ModelActor, ModelDeps, ModelError};
pub use runtime::Knowledge;
pub use service::PdfModels;

/// Every PDF model's actor, by model id.
pub type ModelActors = crate::registry::Actors<ModelActor>;
