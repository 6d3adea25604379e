//! Retrieval quality in CI (issue 27): the `ci=1` questions of `benches/rag_quality` (four
//! English, four Uzbek, four Russian paraphrases about An Introduction to R) through the
//! product's extract → chunk → local embedder → LanceDB → `retrieval::search` path, on the
//! pages around their answers. The full yardstick is `cargo bench --bench rag_quality`.
use std::time::Instant;

use chatbot_factory::knowledge::bridge::Bridge;
use chatbot_factory::llm::local::{LocalEmbeddingModel, LocalEmbeddings};

#[path = "../../benches/rag_quality/eval.rs"]
mod eval;

/// Share of the CI questions whose answer page must be among the 6 passages found: at least
/// 9 of the 12. Measured on 2026-12-06 (AMD EPYC, 2 cores, AVX-512, debug build, at dc6ac32):
/// the default multilingual-e5-small finds 10 of 12 (hit@6 0.833, hit@1 0.42, MRR 0.556; an
/// hour earlier, before the re-ranking changes, 11); all-MiniLM-L6-v2 finds 5 (0.417, the four
/// English ones and one more), so going back to it fails this test.
const MIN_HIT_AT_6: f64 = 0.75;

#[actix_web::test]
async fn paraphrased_questions_in_three_languages_find_their_pages() {
    let _every_core = crate::helpers::CPU_HEAVY.lock().await;
    // Arrange
    let started = Instant::now();
    let which = LocalEmbeddingModel::default();
    let cache = crate::helpers::model_cache_dir();
    let embedder = tokio::task::spawn_blocking(move || LocalEmbeddings::load(&cache, which))
        .await
        .unwrap()
        .expect("the local embedder loads");
    let questions = eval::load_questions(&eval::corpus_dir().join("questions.tsv"));
    let asked: Vec<_> = questions.iter().filter(|q| q.ci).collect();
    assert_eq!(asked.len(), 12, "the CI subset is 12 questions");
    let pdf = asked[0].pdf.clone();
    assert!(
        asked.iter().all(|q| q.pdf == pdf),
        "the CI subset is one PDF"
    );
    let tables = tempfile::tempdir().unwrap();
    let built = eval::build(
        &eval::corpus_dir().join("pdfs").join(&pdf),
        Some(&eval::pages_around(&asked, eval::CI_RADIUS)),
        &embedder,
        which.name(),
        tables.path(),
        true,
    )
    .await;

    let bridge = Bridge::default();

    // Act
    let mut outcomes = Vec::new();
    for question in &asked {
        outcomes.push(eval::ask(&built, &embedder, &bridge, question).await);
    }

    // Assert
    let score = eval::score(&outcomes);
    let misses: Vec<String> = outcomes
        .iter()
        .filter(|o| o.rank.is_none())
        .map(|o| {
            format!(
                "{} (page {:?}, got {:?})",
                o.question.text, o.question.pages, o.returned
            )
        })
        .collect();
    println!(
        "{}: {} pages, {} chunks, read {:.1} s, embedded {:.1} s; hit@1 {:.2}, hit@6 {:.2}, MRR {:.3}; {:.1} s in all; {}",
        which.name(),
        built.pages,
        built.chunks,
        built.read_time.as_secs_f64(),
        built.embed_time.as_secs_f64(),
        score.hit1,
        score.hit6,
        score.mrr,
        started.elapsed().as_secs_f64(),
        eval::cpu()
    );
    assert!(
        score.hit6 >= MIN_HIT_AT_6,
        "hit@6 {:.2} < {MIN_HIT_AT_6}; missed: {misses:#?}",
        score.hit6
    );
}
