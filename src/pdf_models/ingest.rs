//! Ingestion: the PDF on disk → page texts (lopdf, blocking pool) → chunks → vectors (the
//! embedder, in batches) → a fresh LanceDB table with its full-text index. The table is ready
//! only when this returns `Ok`; on any failure it is dropped, so a half table is never served.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::aggregate::Index;
use super::messages::{Progress, Stage};
use super::runtime::Knowledge;
use crate::knowledge::retrieval;
use crate::knowledge::vectors::ChunkRow;
use crate::knowledge::{ChunkConfig, Exhausted, PdfError, chunk_pages, extract_pages_until};

/// Texts embedded per call.
const EMBED_BATCH: usize = 32;

/// Why ingestion stopped: a stable code (translated as `pdf-<code>`) and detail for the admin.
#[derive(Clone, Debug, PartialEq)]
pub struct Failure {
    pub code: String,
    pub detail: String,
}

impl Failure {
    fn new(code: &str, detail: impl ToString) -> Self {
        Failure {
            code: code.to_owned(),
            detail: detail.to_string(),
        }
    }

    pub fn cancelled() -> Self {
        Failure::new("cancelled", "the ingestion was stopped")
    }
}

pub type SharedProgress = Arc<Mutex<Progress>>;

fn report(progress: &SharedProgress, stage: Stage, done: usize, total: usize) {
    set(
        progress,
        Progress {
            stage,
            done: done as u32,
            total: total as u32,
            ..Progress::default()
        },
    );
}

fn set(progress: &SharedProgress, value: Progress) {
    *progress.lock().unwrap_or_else(|p| p.into_inner()) = value;
}

/// The time the remaining passages take at the pace of those done so far (none before the
/// first batch is back).
pub fn seconds_left(elapsed: Duration, done: usize, total: usize) -> Option<u32> {
    if done == 0 {
        return None;
    }
    let left = total.saturating_sub(done) as f64;
    Some((elapsed.as_secs_f64() * left / done as f64).ceil() as u32)
}

pub async fn run(
    knowledge: Knowledge,
    id: Uuid,
    progress: SharedProgress,
    cancel: CancellationToken,
) -> Result<Index, Failure> {
    let table = Knowledge::table_name(id);
    let result = build(&knowledge, id, &table, &progress, &cancel).await;
    if result.is_err()
        && let Err(error) = knowledge.vectors.drop_table(&table).await
    {
        tracing::warn!(%id, %error, "Could not drop the table of a failed ingestion");
    }
    result
}

async fn build(
    knowledge: &Knowledge,
    id: Uuid,
    table: &str,
    progress: &SharedProgress,
    cancel: &CancellationToken,
) -> Result<Index, Failure> {
    // Held until the table is written: a reading and its embedding count as one.
    let _slot = knowledge
        .slots
        .take(id, cancel, |ahead| {
            report(progress, Stage::Waiting, ahead, 0)
        })
        .await
        .ok_or_else(Failure::cancelled)?;
    report(progress, Stage::Reading, 0, 0);
    let path = knowledge.source_path(id);
    let pages = extract_pages_until(&path, knowledge.limits, cancel)
        .await
        .map_err(|e| Failure::new(e.code(), e))?;
    let page_count = pages.len();
    let chunks = tokio::task::spawn_blocking(move || chunk_pages(&pages, ChunkConfig::default()))
        .await
        .map_err(|e| Failure::new("internal", e))?;
    if chunks.is_empty() {
        return Err(Failure::new("no_text", "no page has text"));
    }
    // Every chunk is embedded (hours on the local model, money with OpenAI's): the setting
    // that bounds the pages bounds the chunks too.
    let max_chunks = knowledge.limits.max_chunks();
    if chunks.len() > max_chunks {
        let error = PdfError::TooMuchContent(Exhausted::Chunks);
        tracing::warn!(%id, chunks = chunks.len(), max_chunks, "Too many chunks to embed");
        return Err(Failure::new(error.code(), error));
    }
    let embedder = knowledge
        .embedder()
        .await
        .map_err(|e| Failure::new("embedder", e))?;
    let total = chunks.len();
    let pages = page_count as u32;
    let mut rows = Vec::with_capacity(total);
    let started = Instant::now();
    for batch in chunks.chunks(EMBED_BATCH) {
        if cancel.is_cancelled() {
            return Err(Failure::cancelled());
        }
        let embedding = Progress {
            stage: Stage::Embedding,
            done: rows.len() as u32,
            total: total as u32,
            pages,
            seconds_left: seconds_left(started.elapsed(), rows.len(), total),
            embedding_since: Some(started),
        };
        set(progress, embedding);
        let texts = batch.iter().map(retrieval::passage_text).collect();
        let vectors = embedder
            .embed(texts)
            .await
            .map_err(|e| Failure::new("embedder", e))?;
        for (chunk, vector) in batch.iter().zip(vectors) {
            rows.push(ChunkRow::of(chunk, vector));
        }
    }
    if cancel.is_cancelled() {
        return Err(Failure::cancelled());
    }
    let indexing = Progress {
        stage: Stage::Indexing,
        done: total as u32,
        total: total as u32,
        pages,
        ..Progress::default()
    };
    set(progress, indexing);
    let dimension = embedder.dimension();
    knowledge
        .vectors
        .create_table(table, rows, dimension)
        .await
        .map_err(|e| Failure::new("vectors", e))?;
    Ok(Index {
        pages: page_count as u32,
        chunks: total as u32,
        embedder: knowledge.embedder_id(),
        dimension: dimension as u32,
        table: table.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_time_left_follows_the_pace_so_far() {
        assert_eq!(seconds_left(Duration::from_secs(10), 0, 100), None);
        assert_eq!(seconds_left(Duration::from_secs(10), 32, 128), Some(30));
        assert_eq!(seconds_left(Duration::from_secs(3), 128, 128), Some(0));
    }
}
