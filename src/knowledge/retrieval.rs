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

use crate::knowledge::bridge::Bridge;
use crate::knowledge::chunk::{Chunk, PassageKind};
use crate::knowledge::language::{self, Language, Mix};
use crate::knowledge::vectors::{Hit, VectorError, VectorStore};
use crate::llm::LlmError;
use crate::llm::embed::Embedder;

/// Candidates each phrasing brings from the hybrid search (after LanceDB's fusion).
pub const CANDIDATES: usize = 30;
/// Passages of the vector leg whose language is taken as the document's.
const LANGUAGE_SAMPLE: usize = 8;
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

/// How the legs are weighed and the list is cut.
#[derive(Clone, Copy, Debug)]
pub struct Ranking {
    /// Weight of a vector leg's reciprocal rank.
    pub vector_weight: f32,
    /// Weight of a BM25 leg's reciprocal rank.
    pub text_weight: f32,
    /// Weight of the vector leg of a phrasing moved into the document's language
    /// ([`LanguageMeans::shift`]).
    pub bridge_weight: f32,
    /// Weight of the vector leg, as asked, of a phrasing in another language than the
    /// document (one that was also searched moved into the document's language).
    pub crossed_weight: f32,
    /// How many times the difference of the two languages' means is added in that move.
    pub bridge_strength: f32,
    /// A contents or index passage's score is multiplied by this.
    pub list_weight: f32,
    /// At most this many passages of one page are kept.
    pub per_page: usize,
}

/// Measured with `cargo bench --bench rag_quality` (72 paraphrased questions in three
/// languages over four manuals; `RQ_*` variables there try other values): BM25 at full weight
/// 44% hit@6, at half 46%, without 50% (the set avoids the pages' own words, where BM25 shines);
/// one passage a page first +5 points (two passages of one page are mostly its overlap). Half
/// weight keeps exact names and numbers that only BM25 finds.
impl Default for Ranking {
    fn default() -> Self {
        Ranking {
            vector_weight: 1.0,
            text_weight: 0.75,
            bridge_weight: 1.0,
            crossed_weight: 1.0,
            bridge_strength: 1.0,
            list_weight: LIST_WEIGHT,
            per_page: 1,
        }
    }
}

/// The `keep` best passages of `table` for `phrasings` (the user's question first; empty or
/// repeated phrasings are skipped).
pub async fn search(
    store: &VectorStore,
    table: &str,
    embedder: &dyn Embedder,
    bridge: Option<&Bridge>,
    phrasings: &[String],
    keep: usize,
) -> Result<Retrieved, RetrievalError> {
    let ranking = Ranking::default();
    search_with(store, table, embedder, bridge, phrasings, keep, ranking).await
}

/// [`search`] with another [`Ranking`] (the evaluation tries them).
pub async fn search_with(
    store: &VectorStore,
    table: &str,
    embedder: &dyn Embedder,
    bridge: Option<&Bridge>,
    phrasings: &[String],
    keep: usize,
    ranking: Ranking,
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
    let nearest = futures::future::try_join_all(
        vectors
            .iter()
            .map(|vector| store.nearest(table, vector, CANDIDATES)),
    )
    .await?;
    // Words only match words of the same language: a phrasing in another language than the
    // passages nearest to it would bring BM25's noise (numbers, names, stray tokens).
    let document = nearest
        .first()
        .map(|list| Mix::of(list.iter().take(LANGUAGE_SAMPLE).map(|h| h.text.as_str())))
        .unwrap_or_default();
    let asked: Vec<Option<Language>> = distinct.iter().map(|p| language::guess(p)).collect();
    let searchable = distinct
        .iter()
        .zip(&asked)
        .filter(|(_, asked)| document.shares(**asked))
        .map(|(phrasing, _)| phrasing);
    let matching = futures::future::try_join_all(
        searchable.map(|phrasing| store.matching(table, phrasing, CANDIDATES)),
    )
    .await?;
    // A phrasing in another language than the document is searched again, moved into it.
    let crossing: Vec<Option<Language>> = asked
        .iter()
        .map(|asked| asked.filter(|l| !document.has(*l) && document.main().is_some()))
        .collect();
    let moved = match (bridge, document.main()) {
        (Some(bridge), Some(to)) => {
            let strength = ranking.bridge_strength;
            move_into(bridge, embedder, &vectors, &crossing, to, strength).await
        }
        _ => Vec::new(),
    };
    let bridged = futures::future::try_join_all(
        moved
            .iter()
            .map(|vector| store.nearest(table, vector, CANDIDATES)),
    )
    .await?;
    let vector_legs: Vec<(&Vec<Hit>, f32)> = nearest
        .iter()
        .zip(&crossing)
        .map(|(list, crossing)| {
            let weight = if crossing.is_some() && !bridged.is_empty() {
                ranking.crossed_weight
            } else {
                ranking.vector_weight
            };
            (list, weight)
        })
        .chain(bridged.iter().map(|list| (list, ranking.bridge_weight)))
        .collect();
    let hits = fuse(&vector_legs, &matching, ranking, keep);
    Ok(Retrieved {
        hits,
        embed_time,
        search_time: started.elapsed() - embed_time,
        may_rewrite: false,
    })
}

/// The vectors of the phrasings asked in another language (`from`), moved into `to`; none
/// without the means (an upstream embedder that failed this once: the search goes on with the
/// question as asked, and the next question tries again).
async fn move_into(
    bridge: &Bridge,
    embedder: &dyn Embedder,
    vectors: &[Vec<f32>],
    from: &[Option<Language>],
    to: Language,
    strength: f32,
) -> Vec<Vec<f32>> {
    if from.iter().all(Option::is_none) {
        return Vec::new();
    }
    let means = match bridge.means(embedder).await {
        Ok(means) => means,
        Err(error) => {
            tracing::warn!(%error, "The language means could not be computed");
            return Vec::new();
        }
    };
    vectors
        .iter()
        .zip(from)
        .filter_map(|(vector, from)| from.map(|from| means.shift(vector, from, to, strength)))
        .collect()
}

/// Fuses the ranked lists by weighted reciprocal rank (a passage several lists found rises),
/// weighs contents and index passages down, and keeps the `keep` best with at most `per_page`
/// passages of a page — unless fewer pages were found, when the next passages fill the list.
fn fuse(
    vectors: &[(&Vec<Hit>, f32)],
    matching: &[Vec<Hit>],
    ranking: Ranking,
    keep: usize,
) -> Vec<Hit> {
    let mut pooled: HashMap<u64, Hit> = HashMap::new();
    let legs = vectors
        .iter()
        .copied()
        .chain(matching.iter().map(|list| (list, ranking.text_weight)));
    for (list, weight) in legs {
        for (rank, hit) in list.iter().enumerate() {
            let share = weight / (RRF_K + rank as f32 + 1.0);
            pooled
                .entry(hit.id)
                .and_modify(|pooled| pooled.score += share)
                .or_insert_with(|| Hit {
                    score: share,
                    vector: Vec::new(),
                    ..hit.clone()
                });
        }
    }
    let mut ranked: Vec<Hit> = pooled
        .into_values()
        .map(|mut hit| {
            if hit.kind != PassageKind::Body {
                hit.score *= ranking.list_weight;
            }
            hit
        })
        .collect();
    ranked.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    let mut per_page: HashMap<u32, usize> = HashMap::new();
    let (mut kept, spare): (Vec<Hit>, Vec<Hit>) = ranked.into_iter().partition(|hit| {
        let count = per_page.entry(hit.page).or_default();
        *count += 1;
        *count <= ranking.per_page.max(1)
    });
    kept.truncate(keep);
    let missing = keep.saturating_sub(kept.len());
    kept.extend(spare.into_iter().take(missing));
    kept.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.id.cmp(&b.id)));
    kept
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_passage_a_page_first_and_the_next_ones_only_to_fill_the_list() {
        let mut hits: Vec<Hit> = (0..4)
            .map(|id| hit(id, PassageKind::Body, [1.0, 0.0]))
            .collect();
        // Passages 0 and 1 share page 1; 2 and 3 are pages 2 and 3.
        hits[1].page = hits[0].page;
        let pages = |ranked: &[Hit]| ranked.iter().map(|h| h.id).collect::<Vec<_>>();
        let three = fuse(&[(&hits, 1.0)], &[], Ranking::default(), 3);
        assert_eq!(pages(&three), vec![0, 2, 3]);
        let all = fuse(&[(&hits, 1.0)], &[], Ranking::default(), 6);
        assert_eq!(pages(&all), vec![0, 1, 2, 3]);
    }

    fn vector_legs(lists: &[Vec<Hit>]) -> Vec<(&Vec<Hit>, f32)> {
        lists.iter().map(|list| (list, 1.0)).collect()
    }

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
        let ranked = fuse(&vector_legs(&lists), &[], Ranking::default(), 6);
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
        let ranked = fuse(&vector_legs(&lists), &[], Ranking::default(), 1);
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
