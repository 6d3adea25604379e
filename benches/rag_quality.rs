//! Retrieval quality of PDF models (issue 27): do paraphrased questions in English, Uzbek and
//! Russian find the page that answers them in four real manuals (`benches/rag_quality/`)?
//!
//! Each PDF goes through the product's own path (extract → chunk → local embedder → LanceDB
//! table, as `pdf_models::ingest` does), then every question of `questions.tsv` through
//! `knowledge::retrieval::search` for 6 passages. Printed: hit@1, hit@6 and MRR overall, per
//! language, per kind and per PDF; ingestion and question times; the CPU.
//!
//!   cargo bench --bench rag_quality -- [--ci] [--fresh] [--verbose] [--json out.json]
//!
//! `--ci` runs only the `ci=1` questions on the pages around them (what the CI test runs);
//! `--fresh` re-embeds instead of reusing the tables cached in `target/rag_quality/`;
//! `LOCAL_EMBEDDING_MODEL` picks the embedder (multilingual-e5-small, all-minilm-l6-v2) and
//! `MODEL_CACHE_DIR` where its weights are.
#[path = "rag_quality/eval.rs"]
mod eval;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chatbot_factory::knowledge::bridge::Bridge;
use chatbot_factory::llm::embed::Embedder;
use chatbot_factory::llm::local::{LocalEmbeddingModel, LocalEmbeddings};
use eval::{Outcome, Score};

struct Args {
    ci: bool,
    fresh: bool,
    verbose: bool,
    json: Option<PathBuf>,
}

fn args() -> Args {
    let mut args = Args {
        ci: false,
        fresh: false,
        verbose: false,
        json: None,
    };
    let mut given = std::env::args().skip(1);
    while let Some(arg) = given.next() {
        match arg.as_str() {
            "--ci" => args.ci = true,
            "--fresh" => args.fresh = true,
            "--verbose" | "-v" => args.verbose = true,
            "--json" => args.json = given.next().map(PathBuf::from),
            _ => {} // `cargo bench` adds `--bench`
        }
    }
    args
}

fn model_cache_dir() -> PathBuf {
    std::env::var_os("MODEL_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/chatbot-factory/models")
        })
}

/// `target/rag_quality`, found from this executable (`target/<profile>/deps/rag_quality-…`).
fn tables_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.ancestors().nth(3).map(|t| t.to_path_buf()))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("rag_quality")
}

#[derive(serde::Serialize)]
struct Ingestion {
    pdf: String,
    pages: usize,
    chunks: usize,
    read_s: f64,
    embed_s: f64,
    cached: bool,
}

#[derive(serde::Serialize)]
struct Report {
    cpu: String,
    embedder: String,
    subset: &'static str,
    overall: Score,
    by_lang: BTreeMap<String, Score>,
    by_kind: BTreeMap<String, Score>,
    by_pdf: BTreeMap<String, Score>,
    ingestion: Vec<Ingestion>,
    question_p50_ms: f64,
    question_p95_ms: f64,
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = args();
    let which = std::env::var("LOCAL_EMBEDDING_MODEL")
        .ok()
        .and_then(|name| LocalEmbeddingModel::from_name(&name))
        .unwrap_or_default();
    println!("Retrieval quality (issue 27)");
    println!("  CPU: {}", eval::cpu());
    println!("  embedder: {} (local)", which.name());
    let started = Instant::now();
    let cache = model_cache_dir();
    let embedder: Arc<dyn Embedder> = Arc::new(
        tokio::task::spawn_blocking(move || LocalEmbeddings::load(&cache, which))
            .await
            .expect("the loading thread")
            .expect("the embedder loads"),
    );
    println!("  loaded in {:.1} s", started.elapsed().as_secs_f64());
    let started = Instant::now();
    let bridge = Bridge::default();
    bridge
        .means(embedder.as_ref())
        .await
        .expect("the bridge sentences are embedded");
    println!(
        "  language means in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let questions = eval::load_questions(&eval::corpus_dir().join("questions.tsv"));
    let questions: Vec<_> = questions.into_iter().filter(|q| !args.ci || q.ci).collect();
    let mut pdfs: Vec<String> = questions.iter().map(|q| q.pdf.clone()).collect();
    pdfs.sort();
    pdfs.dedup();

    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut ingestion = Vec::new();
    for pdf in &pdfs {
        let asked: Vec<_> = questions.iter().filter(|q| &q.pdf == pdf).collect();
        let only = args.ci.then(|| eval::pages_around(&asked, eval::CI_RADIUS));
        let built = eval::build(
            &eval::corpus_dir().join("pdfs").join(pdf),
            only.as_ref(),
            embedder.as_ref(),
            which.name(),
            &tables_dir(),
            args.fresh,
        )
        .await;
        println!(
            "  {pdf}: {} pages, {} chunks; read {:.1} s, embedded {}",
            built.pages,
            built.chunks,
            built.read_time.as_secs_f64(),
            if built.cached {
                "(cached table)".to_owned()
            } else {
                format!(
                    "{:.1} s ({:.1} chunks/s)",
                    built.embed_time.as_secs_f64(),
                    built.chunks as f64 / built.embed_time.as_secs_f64().max(1e-9)
                )
            }
        );
        ingestion.push(Ingestion {
            pdf: pdf.clone(),
            pages: built.pages,
            chunks: built.chunks,
            read_s: built.read_time.as_secs_f64(),
            embed_s: built.embed_time.as_secs_f64(),
            cached: built.cached,
        });
        for question in asked {
            outcomes.push(eval::ask(&built, embedder.as_ref(), &bridge, question).await);
        }
    }

    let times: Vec<Duration> = outcomes.iter().map(|o| o.time).collect();
    let report = Report {
        cpu: eval::cpu(),
        embedder: which.name().to_owned(),
        subset: if args.ci { "ci" } else { "all" },
        overall: eval::score(&outcomes),
        by_lang: eval::score_by(&outcomes, |q| q.lang.clone()),
        by_kind: eval::score_by(&outcomes, |q| q.kind.clone()),
        by_pdf: eval::score_by(&outcomes, |q| q.pdf.clone()),
        ingestion,
        question_p50_ms: eval::quantile_ms(&times, 0.5),
        question_p95_ms: eval::quantile_ms(&times, 0.95),
    };
    print_report(&report);
    if args.verbose {
        print_misses(&outcomes);
    }
    if let Some(path) = &args.json {
        let json = serde_json::to_string_pretty(&report).expect("the report serialises");
        std::fs::write(path, json).expect("the JSON file is written");
        println!("\nWrote {}", path.display());
    }
}

fn print_report(report: &Report) {
    println!(
        "\n{:<34} {:>4} {:>7} {:>7} {:>7}",
        "questions", "n", "hit@1", "hit@6", "MRR"
    );
    let row = |name: &str, s: &Score| {
        println!(
            "{:<34} {:>4} {:>6.1}% {:>6.1}% {:>7.3}",
            name,
            s.n,
            s.hit1 * 100.0,
            s.hit6 * 100.0,
            s.mrr
        )
    };
    row("all", &report.overall);
    for (title, groups) in [
        ("language", &report.by_lang),
        ("kind", &report.by_kind),
        ("pdf", &report.by_pdf),
    ] {
        for (name, score) in groups {
            row(&format!("{title} {name}"), score);
        }
    }
    println!(
        "\nquestion time (embed + search): p50 {:.1} ms, p95 {:.1} ms",
        report.question_p50_ms, report.question_p95_ms
    );
}

fn print_misses(outcomes: &[Outcome]) {
    println!("\nMisses (not in the first {}):", eval::KEEP);
    for o in outcomes.iter().filter(|o| o.rank.is_none()) {
        let q = &o.question;
        println!(
            "  [{} {} {}] {} | expected {:?}, got {:?}",
            q.pdf, q.lang, q.kind, q.text, q.pages, o.returned
        );
    }
}
