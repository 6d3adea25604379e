//! What every model actor shares: where PDFs and vectors live, the embedder (loaded on first
//! use: the local model is fetched once with pip) and the limits of an upload.
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::OnceCell;
use uuid::Uuid;

use super::slots::ReadingSlots;
use crate::configuration::Settings;
use crate::knowledge::PdfLimits;
use crate::knowledge::bridge::Bridge;
use crate::knowledge::vectors::VectorStore;
use crate::llm::LlmError;
use crate::llm::embed::{Embedder, OpenAiEmbedder};
use crate::llm::local::{LocalEmbeddingModel, LocalEmbeddings};
use crate::llm::openai::OpenAiBackend;

/// Which embedder makes the vectors (stored with each model: queries must use the same one).
#[derive(Clone)]
enum EmbedderSource {
    Local {
        cache_dir: PathBuf,
        model: LocalEmbeddingModel,
    },
    OpenAi {
        backend: Arc<OpenAiBackend>,
        model: String,
        dimension: usize,
    },
}

#[derive(Clone)]
pub struct Knowledge {
    files_dir: PathBuf,
    pub vectors: VectorStore,
    source: EmbedderSource,
    embedder: Arc<OnceCell<Arc<dyn Embedder>>>,
    /// Each language's mean question vector under the embedder, for cross-language questions.
    pub bridge: Bridge,
    pub limits: PdfLimits,
    /// How many PDFs this instance reads at a time (the others wait in line).
    pub slots: ReadingSlots,
    /// PDF_QUESTION_REWRITE: whether a question in another language is rewritten first.
    pub rewrite_questions: bool,
}

impl Knowledge {
    pub fn new(settings: &Settings, vectors: VectorStore) -> Self {
        let openai = settings
            .knowledge
            .embedding_model
            .as_ref()
            .and_then(|model| {
                let backend = OpenAiBackend::from_settings(&settings.llm)?.ok()?;
                Some(EmbedderSource::OpenAi {
                    backend: Arc::new(backend),
                    model: model.clone(),
                    dimension: settings.knowledge.embedding_dimension,
                })
            });
        let source = openai.unwrap_or_else(|| EmbedderSource::Local {
            cache_dir: settings.llm.model_cache_dir.clone(),
            model: settings.knowledge.local_embedding_model,
        });
        Knowledge {
            files_dir: settings.server.files_dir.clone(),
            vectors,
            source,
            embedder: Arc::default(),
            bridge: Bridge::default(),
            limits: PdfLimits {
                max_pages: settings.knowledge.max_pages,
                max_bytes: settings.server.model_pdf_max_bytes,
                ..PdfLimits::default()
            },
            slots: ReadingSlots::new(settings.knowledge.readings_at_once),
            rewrite_questions: settings.knowledge.rewrite_questions,
        }
    }

    /// Names the embedder in `IngestionCompleted`.
    pub fn embedder_id(&self) -> String {
        match &self.source {
            EmbedderSource::Local { model, .. } => format!("local:{}", model.name()),
            EmbedderSource::OpenAi { model, .. } => format!("openai:{model}"),
        }
    }

    /// The embedder, loaded on first use (never on the async runtime's threads).
    pub async fn embedder(&self) -> Result<Arc<dyn Embedder>, LlmError> {
        let source = self.source.clone();
        let embedder = self
            .embedder
            .get_or_try_init(|| async move {
                match source {
                    EmbedderSource::Local { cache_dir, model } => {
                        let loaded = crate::telemetry::spawn_blocking_with_tracing(move || {
                            LocalEmbeddings::load(&cache_dir, model)
                        })
                        .await
                        .map_err(|e| LlmError::Unavailable(e.to_string()))?
                        .map_err(|e| LlmError::Unavailable(e.to_string()))?;
                        Ok::<Arc<dyn Embedder>, LlmError>(Arc::new(loaded))
                    }
                    EmbedderSource::OpenAi {
                        backend,
                        model,
                        dimension,
                    } => Ok(Arc::new(OpenAiEmbedder::new(
                        backend.client().clone(),
                        &model,
                        dimension,
                    )) as Arc<dyn Embedder>),
                }
            })
            .await?;
        Ok(embedder.clone())
    }

    /// `FILES_DIR/models/<id>`: the model's own folder.
    pub fn folder(&self, id: Uuid) -> PathBuf {
        self.files_dir.join("models").join(id.to_string())
    }

    /// `FILES_DIR/models/<id>/source.pdf` (never a name the browser chose).
    pub fn source_path(&self, id: Uuid) -> PathBuf {
        self.folder(id).join("source.pdf")
    }

    /// The path stored in `ModelCreated`, relative to `FILES_DIR`.
    pub fn relative_source_path(id: Uuid) -> String {
        format!("models/{id}/source.pdf")
    }

    /// The LanceDB table of a model.
    pub fn table_name(id: Uuid) -> String {
        format!("model_{}", id.simple())
    }
}
