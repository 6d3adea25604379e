//! Every message `ModelActor` answers, in one place (handlers: `actor.rs`).
use actix::prelude::*;

use super::actor::ModelError;
use super::aggregate::{ModelCommand, PdfModel};
use crate::events::{Metadata, RecordedEvent};
use crate::knowledge::retrieval::Retrieved;

/// Runs one command against the model (create, launch, unlaunch, edit).
#[derive(Clone, Message)]
#[rtype(result = "Result<Vec<RecordedEvent>, ModelError>")]
pub struct Execute {
    pub command: ModelCommand,
    pub metadata: Metadata,
}

/// Reads the PDF into a fresh table (again, if it was ready). Returns at once; see `Progress`.
#[derive(Clone, Message)]
#[rtype(result = "Result<(), ModelError>")]
pub struct Ingest {
    pub metadata: Metadata,
    /// The dead instance whose reading this one replaces (see `StartIngestion`).
    pub taking_over: Option<uuid::Uuid>,
}

/// Stops an ingestion, records the deletion, drops the table and removes the PDF's folder.
#[derive(Clone, Message)]
#[rtype(result = "Result<(), ModelError>")]
pub struct Delete {
    pub metadata: Metadata,
}

/// The model's state (loaded if needed).
#[derive(Clone, Message)]
#[rtype(result = "Result<PdfModel, ModelError>")]
pub struct Snapshot;

/// How far the running ingestion is (transient: not an event).
#[derive(Clone, Message)]
#[rtype(result = "Option<Progress>")]
pub struct GetProgress;

/// Where a reading is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    /// Begun, nothing reported yet.
    #[default]
    Starting,
    /// For a free reading slot (`Progress::done` readings are ahead).
    Waiting,
    Reading,
    Embedding,
    Indexing,
    /// Another instance reads it.
    Elsewhere,
}

#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Progress {
    pub stage: Stage,
    pub done: u32,
    pub total: u32,
    /// Pages read (known once the reading stage is over).
    pub pages: u32,
    /// While embedding: the time left at the pace so far (none before the first batch).
    pub seconds_left: Option<u32>,
    /// When embedding began, so the time left follows the clock between batches (a stalled
    /// embedder makes it grow instead of standing still).
    #[serde(skip)]
    pub embedding_since: Option<std::time::Instant>,
}

impl Progress {
    /// The time left as of now.
    pub fn refreshed(mut self) -> Self {
        if let Some(since) = self.embedding_since {
            let done = self.done as usize;
            self.seconds_left =
                super::ingest::seconds_left(since.elapsed(), done, self.total as usize);
        }
        self
    }
}

/// The passages that best answer a question (see `knowledge::retrieval`): `phrasings` are the
/// user's words first, then any rewrites.
#[derive(Clone, Message)]
#[rtype(result = "Result<Retrieved, ModelError>")]
pub struct Search {
    pub phrasings: Vec<String>,
    pub keep: usize,
}
