//! Chats: the aggregate, its events, and the actors that own each chat.
pub mod actor;
pub mod aggregate;
mod answer;
pub mod blocked;
pub mod branches;
pub mod changes;
mod collect;
pub mod events;
pub mod fold;
pub mod forward;
mod instructions;
pub mod live;
mod messages;
mod owners;
pub mod projection;
pub mod recovery;
pub mod service;
pub mod spool;
pub mod title;
mod turn;

use crate::registry::Actors;

/// The chat actors of this process: one per open chat, started on demand.
pub type Chats = Actors<actor::ChatActor>;

impl Actors<actor::ChatActor> {
    /// How many chat writes lost a race with another writer and were decided again.
    pub fn conflicts(&self) -> u64 {
        self.deps().repository.conflicts()
    }
}
