//! Finding the passages of a model's table that answer a question.
//!
//! Every phrasing of the question (the user's words; a standalone rewrite in the document's
//! language and its keywords when a chat model made them) is embedded as a query and searched
//! hybrid (vectors + BM25, fused by LanceDB). The candidates of all phrasings are pooled by
//! reciprocal rank, and a table of contents or an index counts half (they name every topic and
//! answer none). (A second-stage scorer by the best cosine of any phrasing was tried: without
//! BM25's weight it moved a passage that names the asked word below one that does not.)
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
/// A contents or index passage's score is multiplied by this.
const LIST_WEIGHT: f32 = 0.5;

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
    /// Whether the instance that searched rewrites questions (`PDF_QUESTION_REWRITE`).
    pub may_rewrite: bool,
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
    let hits = rank(lists, keep);
    Ok(Retrieved {
        hits,
        embed_time,
        search_time: started.elapsed() - embed_time,
        may_rewrite: false,
    })
}

/// Pools the ranked lists of every phrasing by reciprocal rank (a passage several phrasings
/// found rises) and keeps the `keep` best; a contents or index passage counts half.
fn rank(lists: Vec<Vec<Hit>>, keep: usize) -> Vec<Hit> {
    let mut pooled: HashMap<u64, Hit> = HashMap::new();
    for list in lists {
        for (rank, hit) in list.into_iter().enumerate() {
            let reciprocal = 1.0 / (RRF_K + rank as f32 + 1.0);
            pooled
                .entry(hit.id)
                .and_modify(|pooled| pooled.score += reciprocal)
                .or_insert(Hit {
                    score: reciprocal,
                    vector: Vec::new(),
                    ..hit
                });
        }
    }
    let mut ranked: Vec<Hit> = pooled
        .into_values()
        .map(|mut hit| {
            if hit.kind != PassageKind::Body {
                hit.score *= LIST_WEIGHT;
            }
            hit
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    ranked.truncate(keep);
    ranked
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
    fn a_passage_found_by_several_phrasings_leads_and_appears_once() {
        // The user's words find 1 then 2, the rewrite 2 then 3: 2, found by both, leads.
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
        let ranked = rank(lists, 6);
        let ids: Vec<u64> = ranked.iter().map(|h| h.id).collect();
        assert_eq!(ids, vec![2, 1, 3]);
        assert!(ranked.iter().all(|h| h.vector.is_empty()));
    }

    #[test]
    fn a_table_of_contents_ranks_below_the_next_page_found() {
        let lists = vec![vec![
            hit(7, PassageKind::Contents, [1.0, 0.0]),
            hit(8, PassageKind::Body, [0.99, 0.05]),
        ]];
        let ranked = rank(lists, 1);
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
