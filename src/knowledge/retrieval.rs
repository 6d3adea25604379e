//! Finding the passages of a model's table that answer a question: every phrasing of the
//! question (the user's words, and a rewrite when a chat model made one) is embedded and
//! searched hybrid (vectors + BM25); the candidates of all phrasings are pooled and ranked
//! again before the best few are kept.
use std::time::{Duration, Instant};

use crate::knowledge::vectors::{Hit, VectorError, VectorStore};
use crate::llm::LlmError;
use crate::llm::embed::Embedder;

/// Candidates each phrasing brings from each side of the hybrid search.
pub const CANDIDATES: usize = 30;

#[derive(Debug, thiserror::Error)]
pub enum RetrievalError {
    #[error(transparent)]
    Vectors(#[from] VectorError),
    #[error(transparent)]
    Embedder(#[from] LlmError),
}

/// The passages found and what finding them cost.
#[derive(Clone, Debug, Default)]
pub struct Retrieved {
    pub hits: Vec<Hit>,
    /// Embedding the phrasings.
    pub embed_time: Duration,
    /// Searching and ranking.
    pub search_time: Duration,
}

/// The `keep` best passages of `table` for `phrasings` (the user's question first).
pub async fn search(
    store: &VectorStore,
    table: &str,
    embedder: &dyn Embedder,
    phrasings: &[String],
    keep: usize,
) -> Result<Retrieved, RetrievalError> {
    let started = Instant::now();
    let Some(question) = phrasings.first() else {
        return Ok(Retrieved::default());
    };
    let mut vectors = embedder.embed_queries(vec![question.clone()]).await?;
    let embed_time = started.elapsed();
    let vector = vectors.pop().unwrap_or_default();
    let hits = store
        .hybrid_search(table, question, &vector, CANDIDATES, keep)
        .await?;
    Ok(Retrieved {
        hits,
        embed_time,
        search_time: started.elapsed() - embed_time,
    })
}
