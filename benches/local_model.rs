//! The embedded offline model on this machine: load time, time to first token and prefill speed
//! for prompts of ~30, ~500 and ~1,500 tokens, decode speed at 1 and 2 threads, a follow-up's
//! time to first token with the KV cache kept (in the same chat, and after another chat), memory,
//! and embeddings per second. Prints the CPU model and its SIMD flags with the figures.
//!
//! `cargo bench --bench local_model` (fetches the weights once if needed); `BENCH_THREADS=1,2,1/2`
//! picks llama.cpp's thread counts (writing/reading prompts), `BENCH_BUSY=1` keeps one core busy. The figures of the candle engine it replaced, on the same
//! machine, are in the closing note of the llama.cpp issue and in `../shared/NOTES.md`.
#[path = "support/memory.rs"]
mod memory;

use memory::rss_mb;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chatbot_factory::llm::local::{
    EngineMessage, GenerationParams, LoadOptions, LocalChatModel, LocalEmbedder, Sampling,
    ensure_chat_weights, ensure_embedding_weights,
};

fn cache_dir() -> PathBuf {
    std::env::var_os("MODEL_CACHE_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/chatbot-factory/models")
        })
}

fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let field = |name: &str| {
        info.lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split(':').nth(1))
            .unwrap_or("")
            .trim()
            .to_owned()
    };
    let flags: Vec<String> = field("flags")
        .split_whitespace()
        .filter(|f| f.starts_with("avx") || f.starts_with("amx") || *f == "fma" || *f == "f16c")
        .map(str::to_owned)
        .collect();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!(
        "{} ({cores} cores; {})",
        field("model name"),
        flags.join(" ")
    )
}

/// Prose of about `tokens` tokens, different for every `nonce` from its first word on (so no
/// cache can hold any of it).
fn document(tokens: usize, nonce: usize) -> String {
    let sentences = [
        "Tashkent is the capital of Uzbekistan and its largest city.",
        "The Silk Road brought merchants, scholars and ideas through Samarkand and Bukhara.",
        "Cotton, gold and natural gas are among the country's main exports.",
        "The Amu Darya and the Syr Darya feed what is left of the Aral Sea.",
        "Plov is cooked in a large kazan with rice, carrots, onions and lamb.",
    ];
    let mut text = format!("Document {nonce}. ");
    // About 14 tokens per sentence.
    for i in 0..tokens.div_ceil(14) {
        text.push_str(sentences[(i + nonce) % sentences.len()]);
        text.push(' ');
    }
    text
}

struct Turn {
    prompt_tokens: u32,
    reused: u32,
    answer_tokens: u32,
    ttft: Duration,
    decode_rate: f64,
    text: String,
}

fn turn(model: &mut LocalChatModel, messages: &[EngineMessage], max_new: usize) -> Turn {
    let params = GenerationParams {
        max_new_tokens: max_new,
        max_context_tokens: 6144,
        sampling: Sampling::FIRST_ANSWER,
    };
    let started = Instant::now();
    let mut first = None;
    let mut text = String::new();
    let generation = model
        .generate(messages, &params, &mut |piece| {
            first.get_or_insert_with(|| started.elapsed());
            text.push_str(piece);
            ControlFlow::Continue(())
        })
        .expect("generation");
    let total = started.elapsed();
    let ttft = first.unwrap_or(total);
    let decode = total.saturating_sub(ttft).as_secs_f64();
    Turn {
        prompt_tokens: generation.prompt_tokens,
        reused: generation.reused_tokens,
        answer_tokens: generation.completion_tokens,
        ttft,
        decode_rate: f64::from(generation.completion_tokens.saturating_sub(1)) / decode.max(1e-9),
        text,
    }
}

fn report(label: &str, t: &Turn) {
    let computed = t.prompt_tokens - t.reused;
    println!(
        "    {label}: prompt {} tokens ({} from the cache), first token {:.0} ms (prefill {:.0} tokens/s), answer {} tokens at {:.1} tokens/s",
        t.prompt_tokens,
        t.reused,
        t.ttft.as_secs_f64() * 1000.0,
        f64::from(computed) / t.ttft.as_secs_f64().max(1e-9),
        t.answer_tokens,
        t.decode_rate
    );
}

fn system() -> EngineMessage {
    EngineMessage::system("You are a helpful assistant.")
}

fn llama(gguf: &Path, threads: usize, batch_threads: usize, nonce: &mut usize) {
    let started = Instant::now();
    let options = LoadOptions {
        threads,
        batch_threads,
        cached_chats: 4,
        context_tokens: 6144,
    };
    let mut model = LocalChatModel::load(gguf, &options).expect("model loads");
    println!(
        "  llama.cpp, {threads} thread(s) writing, {batch_threads} reading prompts: load {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let short = vec![
        system(),
        EngineMessage::user("Write a short paragraph about Tashkent."),
    ];
    for run in 1..=2 {
        // The cache would answer a repeat at once: start from an empty one each time.
        *nonce += 1;
        let mut messages = short.clone();
        messages[0].content = format!("{} (run {nonce})", messages[0].content);
        report(
            &format!("~30-token prompt, run {run}"),
            &turn(&mut model, &messages, 100),
        );
    }
    for size in [500, 1500] {
        *nonce += 1;
        let question = format!(
            "{}\n\nUsing only the document above, what is the capital of Uzbekistan?",
            document(size, *nonce)
        );
        let mut messages = vec![system(), EngineMessage::user(question)];
        let first = turn(&mut model, &messages, 60);
        report(&format!("~{size}-token prompt"), &first);
        if size == 1500 {
            messages.push(EngineMessage::assistant(first.text.clone()));
            messages.push(EngineMessage::user("And which rivers feed the Aral Sea?"));
            report("  follow-up, same chat", &turn(&mut model, &messages, 40));
            // Another chat in between: the first one's cache is kept aside and comes back.
            *nonce += 1;
            let other = vec![
                system(),
                EngineMessage::user(format!("{} Summarise this.", document(300, *nonce))),
            ];
            report("  another chat", &turn(&mut model, &other, 20));
            let last = turn(&mut model, &messages, 1);
            messages.push(EngineMessage::assistant(last.text.clone()));
            messages.push(EngineMessage::user("What is plov?"));
            report("  back to the first chat", &turn(&mut model, &messages, 40));
        }
    }
    let (rss, peak) = rss_mb();
    println!("    RSS {rss:.0} MB (peak {peak:.0} MB)");
}

fn embeddings(cache: &Path) {
    let dir = ensure_embedding_weights(cache, &mut |_| {}).expect("embedding weights");
    let started = Instant::now();
    let embedder = LocalEmbedder::load(&dir).expect("embedder loads");
    println!(
        "  embeddings (candle BERT, all-MiniLM-L6-v2): load {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let sentences: Vec<String> = (0..256)
        .map(|i| format!("Sentence number {i} about the Silk Road and its cities."))
        .collect();
    let chunks: Vec<String> = (0..64).map(|i| document(256, i)).collect();
    for (label, texts) in [
        ("sentences", &sentences),
        ("chunks of ~256 tokens", &chunks),
    ] {
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let started = Instant::now();
        for batch in refs.chunks(32) {
            embedder.embed(batch).expect("embeddings");
        }
        println!(
            "    {:.0} {label}/s (batches of 32)",
            refs.len() as f64 / started.elapsed().as_secs_f64()
        );
    }
}

fn main() {
    let cache = cache_dir();
    println!("local model bench on {}", cpu());
    let started = Instant::now();
    let gguf = match std::env::var_os("LOCAL_MODEL_PATH") {
        Some(path) => PathBuf::from(path),
        None => ensure_chat_weights(&cache, &mut |_| {}).expect("chat weights"),
    };
    println!(
        "  weights ready: {} ({:.2} s)",
        gguf.display(),
        started.elapsed().as_secs_f64()
    );
    let mut nonce = 0;
    // BENCH_BUSY=1: another thread keeps one core busy all along, as MariaDB or the web server
    // may (llama.cpp's threads wait for each other, so one slow thread stalls them all).
    let busy = std::env::var("BENCH_BUSY").is_ok_and(|v| v == "1");
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if busy {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut x = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        });
        println!("  (one core kept busy by another thread)");
    }
    // BENCH_THREADS: thread counts, each `N` (writing and reading prompts) or `W/R` (writing on
    // W threads, reading prompts on R); default 1, 2 and 1/2 (the product's default on 2 cores).
    let counts = std::env::var("BENCH_THREADS").unwrap_or_else(|_| "1,2,1/2".into());
    for pair in counts.split(',') {
        let mut parts = pair
            .split('/')
            .filter_map(|n| n.trim().parse::<usize>().ok());
        let Some(threads) = parts.next() else {
            continue;
        };
        let batch_threads = parts.next().unwrap_or(threads);
        llama(&gguf, threads, batch_threads, &mut nonce);
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    embeddings(&cache);
}
