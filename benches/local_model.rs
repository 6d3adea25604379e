//! The embedded offline model on this machine: weight check (warm start), load time, time to
//! first token, tokens per second, memory with the model loaded, embeddings per second.
//!
//! `cargo bench --bench local_model` (release build; fetches the weights once if needed).
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::time::Instant;

use chatbot_factory::llm::local::{
    EngineMessage, EngineRole, GenerationParams, LocalChatModel, LocalEmbedder,
    ensure_chat_weights, ensure_embedding_weights,
};

fn rss_mb() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|kb| kb.parse::<f64>().ok())
            .map_or(0.0, |kb| kb / 1024.0)
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn cache_dir() -> PathBuf {
    std::env::var_os("MODEL_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/chatbot-factory/models")
        })
}

fn main() {
    let cache = cache_dir();
    let threads = std::env::var("CANDLE_NUM_THREADS").unwrap_or_else(|_| "(candle default)".into());
    println!(
        "local model bench, CANDLE_NUM_THREADS={threads}, cache {}",
        cache.display()
    );

    let started = Instant::now();
    let gguf = ensure_chat_weights(&cache, &mut |_| {}).expect("chat weights");
    println!(
        "  weights ready (checksum verified): {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let mut model = LocalChatModel::load(&gguf).expect("model loads");
    println!("  model load: {:.2} s", started.elapsed().as_secs_f64());
    let (rss, _) = rss_mb();
    println!("  RSS with the model loaded: {rss:.0} MB");

    let messages = vec![
        EngineMessage {
            role: EngineRole::System,
            content: "You are a helpful assistant.".into(),
        },
        EngineMessage {
            role: EngineRole::User,
            content: "Write a short paragraph about Tashkent.".into(),
        },
    ];
    let params = GenerationParams {
        max_new_tokens: 100,
        temperature: 0.0,
        ..Default::default()
    };
    for run in 1..=3 {
        let started = Instant::now();
        let mut first = None;
        let generation = model
            .generate(&messages, &params, &mut |_| {
                first.get_or_insert_with(|| started.elapsed());
                ControlFlow::Continue(())
            })
            .expect("generation");
        let total = started.elapsed();
        let ttft = first.unwrap_or(total);
        let decode = total.saturating_sub(ttft).as_secs_f64();
        let rate = f64::from(generation.completion_tokens.saturating_sub(1)) / decode.max(1e-9);
        println!(
            "  run {run}: prompt {} tokens, answer {} tokens, time to first token {:.0} ms, {:.1} tokens/s",
            generation.prompt_tokens,
            generation.completion_tokens,
            ttft.as_secs_f64() * 1000.0,
            rate
        );
    }
    let (rss, peak) = rss_mb();
    println!("  RSS after generating: {rss:.0} MB (peak {peak:.0} MB)");

    let dir = ensure_embedding_weights(&cache, &mut |_| {}).expect("embedding weights");
    let started = Instant::now();
    let embedder = LocalEmbedder::load(&dir).expect("embedder loads");
    println!("  embedder load: {:.2} s", started.elapsed().as_secs_f64());
    let sentences: Vec<String> = (0..256)
        .map(|i| format!("Sentence number {i} about the Silk Road and its cities."))
        .collect();
    let refs: Vec<&str> = sentences.iter().map(String::as_str).collect();
    let started = Instant::now();
    for batch in refs.chunks(32) {
        embedder.embed(batch).expect("embeddings");
    }
    println!(
        "  embeddings: {:.0} sentences/s (batches of 32)",
        refs.len() as f64 / started.elapsed().as_secs_f64()
    );
}
