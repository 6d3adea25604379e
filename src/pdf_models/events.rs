//! Events of the `model` stream: one stream per PDF model, keyed by its id.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::DomainEvent;

/// The variant name is the stored `event_type` (serde's tag and strum derive it alike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum ModelEvent {
    ModelCreated {
        name: String,
        description: String,
        /// An extra system prompt for this model (may be empty).
        instructions: String,
        /// The chat model that writes the answers (an upstream id or the local model).
        base_model: String,
        file: SourceFile,
        /// The bot that owns this model as its knowledge (never offered on its own); absent
        /// for the admin's PDF models.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bot: Option<Uuid>,
    },
    /// Reading, chunking and embedding the PDF began (again, after a restart or a lost table),
    /// on the app instance `instance` (absent in events written before instances were named).
    IngestionStarted {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instance: Option<Uuid>,
    },
    IngestionCompleted {
        pages: u32,
        chunks: u32,
        /// Which embedder made the vectors (queries must use the same one).
        embedder: String,
        dimension: u32,
        /// The LanceDB table that holds the chunks.
        table: String,
    },
    IngestionFailed {
        /// A stable reason (`not_pdf`, `encrypted`, `no_text`, ...); the page translates it.
        code: String,
        /// Technical detail for the admin and the logs (English).
        detail: String,
    },
    ModelLaunched,
    ModelUnlaunched,
    /// Only the changed fields are set.
    ModelEdited {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instructions: Option<String>,
    },
    ModelDeleted,
}

/// The uploaded PDF, stored as `FILES_DIR/models/<id>/source.pdf`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceFile {
    /// Relative to `FILES_DIR`.
    pub path: String,
    pub sha256: String,
    pub bytes: u64,
    /// The name the browser sent, for display only (never used as a path).
    pub original_name: String,
}

impl DomainEvent for ModelEvent {
    const STREAM_TYPE: &'static str = "model";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
