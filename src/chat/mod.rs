//! Chats: the aggregate, its events, and the actors that own each chat.
pub mod actor;
pub mod aggregate;
mod answer;
pub mod events;
pub mod live;
pub mod recovery;
pub mod registry;
pub mod service;
mod title;
mod turn;

pub use registry::Chats;
