//! Finding the passages of a model's table that answer a question.
//!
//! Every phrasing of the question (the user's words; a standalone rewrite in the document's
//! language and its keywords when a chat model made them) is embedded as a query and searched
//! hybrid (vectors + BM25, fused by LanceDB). The candidates of all phrasings are pooled and
//! ranked again by one scorer: the closest any phrasing came to the passage (cosine of the
//! multilingual embeddings, which bridges paraphrase and language), plus a share of the pooled
//! reciprocal ranks (which keeps exact words, names and numbers that BM25 found), minus a
//! penalty for a table of contents or an index (they name every topic and answer none).
use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::knowledge::chunk::{Chunk, PassageKind};
use crate::knowledge::vectors::{Hit, VectorError, VectorStore};
use crate::llm::LlmError;
use crate::llm::embed::Embedder;

/// Candidates each phrasing brings from the hybrid search (after LanceDB's fusion).
pub const CANDIDATES: usize = 30;
/// Reciprocal-rank constant (the usual 60).
const RRF_K: f32 = 60.0;
/// Weight of the pooled reciprocal rank (scaled to 0..1) next to the cosine.
const RANK_WEIGHT: f32 = 0.08;
/// Taken off a contents or index passage's score.
const LIST_PENALTY: f32 = 0.06;

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

/// The text a passage is embedded as: its section path (headings say what a passage is about
/// when its own words do not), then its words.
pub fn passage_text(chunk: &Chunk) -> String {
    if chunk.section.is_empty() {
        chunk.text.clone()
    } else {
        format!("{}\n{}", chunk.section, chunk.text)
    }
}

/// The `keep` best passages of `table` for `phrasings` (the user's question first; empty or
/// repeated phrasings are skipped).
pub async fn search(
    store: &VectorStore,
    table: &str,
    embedder: &dyn Embedder,
    phrasings: &[String],
    keep: usize,
) -> Result<Retrieved, RetrievalError> {
    let started = Instant::now();
    let mut distinct: Vec<String> = Vec::new();
    for phrasing in phrasings {
        let phrasing = phrasing.trim();
        if !phrasing.is_empty() && !distinct.iter().any(|d| d.eq_ignore_ascii_case(phrasing)) {
            distinct.push(phrasing.to_owned());
        }
    }
    if distinct.is_empty() {
        return Ok(Retrieved::default());
    }
    let vectors = embedder.embed_queries(distinct.clone()).await?;
    let embed_time = started.elapsed();
    let searches = distinct
        .iter()
        .zip(&vectors)
        .map(|(text, vector)| store.hybrid_search(table, text, vector, CANDIDATES, CANDIDATES));
    let lists = futures::future::try_join_all(searches).await?;
    let hits = rank(&vectors, lists, keep);
    Ok(Retrieved {
        hits,
        embed_time,
        search_time: started.elapsed() - embed_time,
    })
}

/// Pools the ranked lists of every phrasing and keeps the `keep` best by one score.
fn rank(queries: &[Vec<f32>], lists: Vec<Vec<Hit>>, keep: usize) -> Vec<Hit> {
    let mut pooled: HashMap<u64, (Hit, f32)> = HashMap::new();
    for list in lists {
        for (rank, hit) in list.into_iter().enumerate() {
            let reciprocal = 1.0 / (RRF_K + rank as f32 + 1.0);
            pooled
                .entry(hit.id)
                .and_modify(|(_, sum)| *sum += reciprocal)
                .or_insert((hit, reciprocal));
        }
    }
    let best_rank = pooled.values().map(|(_, r)| *r).fold(0.0, f32::max);
    let mut scored: Vec<Hit> = pooled
        .into_values()
        .map(|(mut hit, reciprocal)| {
            let closest = queries
                .iter()
                .map(|q| cosine(q, &hit.vector))
                .fold(f32::MIN, f32::max)
                .max(0.0);
            let rank_share = if best_rank > 0.0 {
                reciprocal / best_rank
            } else {
                0.0
            };
            let penalty = match hit.kind {
                PassageKind::Body => 0.0,
                PassageKind::Contents | PassageKind::Index => LIST_PENALTY,
            };
            hit.score = closest + RANK_WEIGHT * rank_share - penalty;
            hit
        })
        .collect();
    scored.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    scored.truncate(keep);
    for hit in &mut scored {
        hit.vector = Vec::new();
    }
    scored
}

/// Cosine of two vectors (0 when either is missing or of another length).
fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norms =
        a.iter().map(|x| x * x).sum::<f32>().sqrt() * b.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norms > f32::EPSILON {
        dot / norms
    } else {
        0.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(id: u64, kind: PassageKind, vector: [f32; 2]) -> Hit {
        Hit {
            id,
            page: id as u32,
            chunk: id as u32,
            text: format!("passage {id}"),
            section: String::new(),
            kind,
            score: 0.0,
            vector: vector.to_vec(),
        }
    }

    #[test]
    fn the_passage_closest_to_any_phrasing_wins_and_appears_once() {
        // The user's words point at 1, the rewrite at 2; 2 is the closer match of all.
        let queries = vec![vec![1.0, 0.2], vec![0.0, 1.0]];
        let lists = vec![
            vec![
                hit(1, PassageKind::Body, [1.0, 0.3]),
                hit(2, PassageKind::Body, [0.05, 1.0]),
            ],
            vec![
                hit(2, PassageKind::Body, [0.05, 1.0]),
                hit(3, PassageKind::Body, [0.7, 0.7]),
            ],
        ];
        let ranked = rank(&queries, lists, 6);
        let ids: Vec<u64> = ranked.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![2, 1, 3]);
        assert!(ranked.iter().all(|h| h.vector.is_empty()));
    }

    #[test]
    fn a_table_of_contents_ranks_below_an_equally_close_page() {
        let queries = vec![vec![1.0, 0.0]];
        let lists = vec![vec![
            hit(7, PassageKind::Contents, [1.0, 0.0]),
            hit(8, PassageKind::Body, [0.99, 0.05]),
        ]];
        let ranked = rank(&queries, lists, 1);
        assert_eq!(ranked[0].id, 8);
    }

    #[test]
    fn a_passage_is_embedded_under_its_headings() {
        let chunk = Chunk {
            page: 3,
            index: 0,
            text: "Press the red button.".into(),
            section: "2 Printing > 2.1 Paper jams".into(),
            kind: PassageKind::Body,
        };
        assert_eq!(
            passage_text(&chunk),
            "2 Printing > 2.1 Paper jams\nPress the red button."
        );
    }
}
