//! The retrieval-quality yardstick shared by `benches/rag_quality.rs` and the CI test
//! `tests/api/retrieval_quality.rs`: the questions of `questions.tsv`, a PDF read, chunked,
//! embedded and written to LanceDB exactly as ingestion does it (`pdf_models::ingest`), and
//! each question scored by where its answer page comes in `knowledge::retrieval::search`.
#![allow(dead_code)] // each includer uses part of it

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chatbot_factory::knowledge::bridge::Bridge;
use chatbot_factory::knowledge::retrieval::{self, passage_text};
use chatbot_factory::knowledge::vectors::{ChunkRow, VectorStore};
use chatbot_factory::knowledge::{ChunkConfig, PdfLimits, chunk_pages, extract_pages};
use chatbot_factory::llm::embed::Embedder;
use sha2::{Digest, Sha256};

/// Passages a question gets, as a PDF model's answer does.
pub const KEEP: usize = 6;
/// Pages kept either side of each answer page in the CI subset (`--ci`, the CI test): few
/// enough to embed within CI's budget, enough to put wrong pages next to the right ones.
pub const CI_RADIUS: u32 = 1;
/// Texts embedded per call, as ingestion does.
const EMBED_BATCH: usize = 32;

pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/rag_quality")
}

#[derive(Clone, Debug)]
pub struct Question {
    pub pdf: String,
    /// The PDF pages (1-based) that hold the answer; a hit on any of them counts.
    pub pages: Vec<u32>,
    pub lang: String,
    pub kind: String,
    pub text: String,
    pub ci: bool,
}

/// Reads `questions.tsv` (header `pdf page lang kind question ci`; `page` may be `12|13`).
pub fn load_questions(path: &Path) -> Vec<Question> {
    let text = std::fs::read_to_string(path).expect("questions.tsv is readable");
    text.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let cells: Vec<&str> = line.split('\t').collect();
            assert_eq!(cells.len(), 6, "six tab-separated cells: {line}");
            Question {
                pdf: cells[0].to_owned(),
                pages: cells[1]
                    .split('|')
                    .map(|p| p.trim().parse().expect("a page number"))
                    .collect(),
                lang: cells[2].to_owned(),
                kind: cells[3].to_owned(),
                text: cells[4].to_owned(),
                ci: cells[5].trim() == "1",
            }
        })
        .collect()
}

/// The pages of each question's answer and `radius` pages either side: a smaller document
/// that still has neighbours to confuse the search (the CI subset).
pub fn pages_around(questions: &[&Question], radius: u32) -> BTreeSet<u32> {
    questions
        .iter()
        .flat_map(|q| q.pages.iter())
        .flat_map(|&p| p.saturating_sub(radius).max(1)..=p + radius)
        .collect()
}

/// A PDF's table, ready to be searched.
pub struct Built {
    pub store: VectorStore,
    pub table: String,
    pub pages: usize,
    pub chunks: usize,
    pub read_time: Duration,
    /// Zero when the table was already cached.
    pub embed_time: Duration,
    pub cached: bool,
}

/// Reads `pdf` with the product's extractor (only `only` pages, if given), chunks it, and
/// embeds and writes the table under `cache_root/<embedder>/<pdf sha256 prefix>/`, named after
/// the hash of the embedded texts: a later run with the same texts and embedder only searches.
pub async fn build(
    pdf: &Path,
    only: Option<&BTreeSet<u32>>,
    embedder: &dyn Embedder,
    embedder_id: &str,
    cache_root: &Path,
    fresh: bool,
) -> Built {
    let started = Instant::now();
    let bytes = std::fs::read(pdf).expect("the PDF is readable");
    let mut pages = extract_pages(pdf, PdfLimits::default())
        .await
        .unwrap_or_else(|e| panic!("{} is read: {e}", pdf.display()));
    if let Some(only) = only {
        pages.retain(|p| only.contains(&p.page));
    }
    let chunks = chunk_pages(&pages, ChunkConfig::default());
    let read_time = started.elapsed();
    let texts: Vec<String> = chunks.iter().map(passage_text).collect();

    let mut hasher = Sha256::new();
    for (chunk, text) in chunks.iter().zip(&texts) {
        hasher.update(chunk.page.to_le_bytes());
        hasher.update(chunk.kind.as_str());
        hasher.update(text.as_bytes());
        hasher.update([0]);
    }
    let table = format!("t_{}", &hex::encode(hasher.finalize())[..16]);
    let dir = cache_root
        .join(embedder_id)
        .join(&hex::encode(Sha256::digest(bytes))[..16]);
    let store = VectorStore::open(&dir)
        .await
        .expect("the LanceDB folder opens");
    let cached = !fresh && store.row_count(&table).await.ok().flatten() == Some(chunks.len());
    let mut embed_time = Duration::ZERO;
    if !cached {
        let started = Instant::now();
        let mut rows = Vec::with_capacity(chunks.len());
        for (batch, batch_texts) in chunks.chunks(EMBED_BATCH).zip(texts.chunks(EMBED_BATCH)) {
            let vectors = embedder
                .embed(batch_texts.to_vec())
                .await
                .expect("the passages are embedded");
            rows.extend(
                batch
                    .iter()
                    .zip(vectors)
                    .map(|(chunk, vector)| ChunkRow::of(chunk, vector)),
            );
        }
        store
            .create_table(&table, rows, embedder.dimension())
            .await
            .expect("the table is written");
        embed_time = started.elapsed();
    }
    Built {
        store,
        table,
        pages: pages.len(),
        chunks: chunks.len(),
        read_time,
        embed_time,
        cached,
    }
}

/// What one question got.
#[derive(Clone, Debug)]
pub struct Outcome {
    pub question: Question,
    /// Pages of the passages returned, best first.
    pub returned: Vec<u32>,
    /// 1-based rank of the first passage on an answer page, within the first `KEEP`.
    pub rank: Option<usize>,
    pub time: Duration,
}

pub async fn ask(
    built: &Built,
    embedder: &dyn Embedder,
    bridge: &Bridge,
    question: &Question,
) -> Outcome {
    let found = retrieval::search_with(
        &built.store,
        &built.table,
        embedder,
        Some(bridge),
        std::slice::from_ref(&question.text),
        KEEP,
        ranking(),
    )
    .await
    .expect("the search runs");
    let returned: Vec<u32> = found.hits.iter().map(|h| h.page).collect();
    let rank = returned
        .iter()
        .take(KEEP)
        .position(|p| question.pages.contains(p))
        .map(|i| i + 1);
    Outcome {
        question: question.clone(),
        returned,
        rank,
        time: found.embed_time + found.search_time,
    }
}

/// hit@1, hit@6 and mean reciprocal rank of some outcomes.
#[derive(Clone, Copy, Debug, Default, serde::Serialize)]
pub struct Score {
    pub n: usize,
    pub hit1: f64,
    pub hit6: f64,
    pub mrr: f64,
}

pub fn score<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Score {
    let (mut n, mut hit1, mut hit6, mut rr) = (0usize, 0usize, 0usize, 0.0f64);
    for outcome in outcomes {
        n += 1;
        if let Some(rank) = outcome.rank {
            hit6 += 1;
            hit1 += usize::from(rank == 1);
            rr += 1.0 / rank as f64;
        }
    }
    let share = |k: f64| if n == 0 { 0.0 } else { k / n as f64 };
    Score {
        n,
        hit1: share(hit1 as f64),
        hit6: share(hit6 as f64),
        mrr: share(rr),
    }
}

/// Scores grouped by `key` (language, kind, PDF), in key order.
pub fn score_by(
    outcomes: &[Outcome],
    key: impl Fn(&Question) -> String,
) -> BTreeMap<String, Score> {
    let mut groups: BTreeMap<String, Vec<&Outcome>> = BTreeMap::new();
    for outcome in outcomes {
        groups
            .entry(key(&outcome.question))
            .or_default()
            .push(outcome);
    }
    groups.into_iter().map(|(k, v)| (k, score(v))).collect()
}

/// The `q`-quantile (0..=1) of some durations, in milliseconds.
pub fn quantile_ms(times: &[Duration], q: f64) -> f64 {
    if times.is_empty() {
        return 0.0;
    }
    let mut ms: Vec<f64> = times.iter().map(|t| t.as_secs_f64() * 1000.0).collect();
    ms.sort_by(f64::total_cmp);
    let at = ((ms.len() - 1) as f64 * q).round() as usize;
    ms[at]
}

/// The CPU's model name and whether it has AVX2 and AVX-512 (timings depend on them).
pub fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_once(':'))
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let flags = field("flags");
    let has = |f: &str| flags.split_whitespace().any(|x| x == f);
    format!(
        "{} ({} cores; avx2 {}, avx512f {})",
        field("model name"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        if has("avx2") { "yes" } else { "no" },
        if has("avx512f") { "yes" } else { "no" },
    )
}

/// The product's ranking, with any of `RQ_VECTOR`, `RQ_TEXT`, `RQ_BRIDGE`, `RQ_CROSSED`,
/// `RQ_LIST` (weights) and
/// `RQ_PER_PAGE` set in the environment tried instead (for tuning; the CI test sets none).
pub fn ranking() -> retrieval::Ranking {
    let default = retrieval::Ranking::default();
    let var = |name: &str| std::env::var(name).ok().and_then(|v| v.parse::<f32>().ok());
    retrieval::Ranking {
        vector_weight: var("RQ_VECTOR").unwrap_or(default.vector_weight),
        text_weight: var("RQ_TEXT").unwrap_or(default.text_weight),
        bridge_weight: var("RQ_BRIDGE").unwrap_or(default.bridge_weight),
        crossed_weight: var("RQ_CROSSED").unwrap_or(default.crossed_weight),
        bridge_strength: var("RQ_STRENGTH").unwrap_or(default.bridge_strength),
        list_weight: var("RQ_LIST").unwrap_or(default.list_weight),
        per_page: var("RQ_PER_PAGE").map_or(default.per_page, |n| n as usize),
    }
}
