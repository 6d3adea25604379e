//! PDF models: the admin turns one PDF into a model users can pick. Each model is an aggregate
//! (`model/<uuid>` stream) and an actor that owns its LanceDB table.
pub mod aggregate;
pub mod events;
pub mod projection;
