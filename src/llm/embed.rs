//! Text embeddings for PDF models (RAG): one `Embedder` interface, with OpenAI's embeddings API
//! when a key is set and the local MiniLM model otherwise. Every vector is L2-normalised.
use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::embeddings::{CreateEmbeddingRequest, EmbeddingInput};
use futures::future::BoxFuture;

use super::LlmError;
use super::openai::map_error;

pub trait Embedder: Send + Sync + 'static {
    fn dimension(&self) -> usize;

    /// One unit vector per passage of a document, in order.
    fn embed(&self, texts: Vec<String>) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>>;

    /// One unit vector per question, in order. Models trained with instructions (E5's
    /// `query: ` / `passage: `) embed questions differently from the passages they look for.
    fn embed_queries(
        &self,
        texts: Vec<String>,
    ) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>> {
        self.embed(texts)
    }
}

pub fn normalise(mut vector: Vec<f32>) -> Vec<f32> {
    let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt();
    if norm > f32::EPSILON {
        vector.iter_mut().for_each(|v| *v /= norm);
    }
    vector
}

pub struct OpenAiEmbedder {
    client: Client<OpenAIConfig>,
    model: String,
    dimension: usize,
}

impl OpenAiEmbedder {
    pub fn new(client: Client<OpenAIConfig>, model: &str, dimension: usize) -> Self {
        OpenAiEmbedder {
            client,
            model: model.to_owned(),
            dimension,
        }
    }
}

impl Embedder for OpenAiEmbedder {
    fn dimension(&self) -> usize {
        self.dimension
    }

    fn embed(&self, texts: Vec<String>) -> BoxFuture<'static, Result<Vec<Vec<f32>>, LlmError>> {
        let (client, model, dimension) = (self.client.clone(), self.model.clone(), self.dimension);
        Box::pin(async move {
            let request = CreateEmbeddingRequest {
                model,
                input: EmbeddingInput::StringArray(texts),
                encoding_format: None,
                user: None,
                dimensions: None,
            };
            let mut response = client
                .embeddings()
                .create(request)
                .await
                .map_err(map_error)?;
            response.data.sort_by_key(|e| e.index);
            let vectors: Vec<Vec<f32>> = response
                .data
                .into_iter()
                .map(|e| normalise(e.embedding))
                .collect();
            if let Some(wrong) = vectors.iter().find(|v| v.len() != dimension) {
                return Err(LlmError::Upstream {
                    status: 200,
                    message: format!("expected {dimension} dimensions, got {}", wrong.len()),
                });
            }
            Ok(vectors)
        })
    }
}
