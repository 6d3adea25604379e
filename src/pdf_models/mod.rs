//! PDF models: the admin turns one PDF into a model users can pick. Each model is an aggregate
//! (`model/<uuid>` stream) projected into `model` and folded by the catalog; the actor that owns
//! its LanceDB table (ingestion, retrieval) comes next (see docs/ARCHITECTURE.md).
pub mod aggregate;
pub mod events;
pub mod projection;
