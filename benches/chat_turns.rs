//! Chat turns under load: N users in parallel, each sending prompts one after another into its
//! own chat, against the test OpenAI-compatible upstream. Every turn goes the whole way: CSRF,
//! session, actor, event log + projections, upstream stream, SSE to the client, answer saved.
//!
//! Reports turns per second and the app's time-to-first-token overhead: the time until the
//! first `delta` reaches the client minus the upstream's own time to its first token.
//!
//! `cargo bench --bench chat_turns` (release build; needs MariaDB like the tests).
mod support;

// The tests' harness (`helpers` reaches the others as `crate::smtp` and `crate::upstream`).
#[allow(unused_imports)]
use support::{helpers, smtp, upstream};

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

/// Override with BENCH_USERS / BENCH_TURNS.
const USERS: usize = 10;
const TURNS: usize = 10;

fn setting(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}
/// The upstream waits this long before each chunk: its first token arrives after two of them
/// (the role chunk, then the first word).
const CHUNK_DELAY_MS: u64 = 10;

async fn one_turn(
    app: &helpers::TestApp,
    client: &reqwest::Client,
    token: &str,
    chat: Option<&str>,
    text: &str,
) -> (String, Duration) {
    let path = chat.map_or_else(
        || "/api/chats".to_owned(),
        |id| format!("/api/chats/{id}/messages"),
    );
    let started = Instant::now();
    let response = client
        .post(app.url(&path))
        .header("x-csrf-token", token)
        .json(&json!({ "prompt": text, "model": "gpt-4o-mini" }))
        .send()
        .await
        .expect("request");
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    let mut first_token = None;
    let mut accepted = None;
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        if accepted.is_none() && seen.contains("event: accepted") {
            accepted = Some(started.elapsed());
        }
        if first_token.is_none() && seen.contains("event: delta") {
            first_token = Some(started.elapsed());
        }
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        eprintln!(
            "accepted after {:?}, first token after {:?}",
            accepted.unwrap_or_default(),
            first_token.unwrap_or_default()
        );
    }
    assert!(
        seen.contains("\"status\":\"complete\""),
        "turn failed: {seen}"
    );
    let id = chat.map(str::to_owned).unwrap_or_else(|| {
        helpers::parse_sse(&seen)[0].1["id"]
            .as_str()
            .expect("chat id")
            .to_owned()
    });
    (id, first_token.expect("a first token"))
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

#[actix_web::main]
async fn main() {
    let app = helpers::spawn_app_with(&[("CHAT_MAX_PROMPTS", "1000"), ("RUST_LOG", "error")]).await;
    let delay = setting("BENCH_DELAY_MS", CHUNK_DELAY_MS as usize) as u64;
    app.upstream.set_default_delay(delay);
    let (user_count, turns) = (setting("BENCH_USERS", USERS), setting("BENCH_TURNS", TURNS));
    let mut users = Vec::new();
    for i in 0..user_count {
        let client = helpers::client();
        app.verified_user_with(&client, &format!("bench{i}"), helpers::PASSWORD)
            .await;
        let token = app.csrf_token_with(&client).await;
        users.push((client, token));
    }
    if std::env::var_os("BENCH_VERBOSE").is_some() {
        for _ in 0..3 {
            let direct = reqwest::Client::new();
            let t = Instant::now();
            let response = direct
                .post(format!("{}/chat/completions", app.upstream.base_url()))
                .bearer_auth(upstream::API_KEY)
                .json(&json!({ "model": "gpt-4o-mini", "stream": true, "messages": [{ "role": "user", "content": "a b c" }] }))
                .send()
                .await
                .unwrap();
            let mut body = response.bytes_stream();
            let mut text = String::new();
            while let Some(chunk) = body.next().await {
                text.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
                if text.contains("\"content\":\"You\"") {
                    break;
                }
            }
            eprintln!("upstream direct: first content after {:?}", t.elapsed());
        }
    }
    let started = Instant::now();
    let runs = users.iter().enumerate().map(|(i, (client, token))| {
        let app = &app;
        async move {
            let mut chat: Option<String> = None;
            let mut ttfts = Vec::new();
            for turn in 0..turns {
                let (id, ttft) = one_turn(
                    app,
                    client,
                    token,
                    chat.as_deref(),
                    &format!("user {i} turn {turn} says hello"),
                )
                .await;
                chat = Some(id);
                ttfts.push(ttft);
            }
            ttfts
        }
    });
    let ttfts: Vec<Duration> = futures::future::join_all(runs)
        .await
        .into_iter()
        .flatten()
        .collect();
    let elapsed = started.elapsed();
    let upstream_ttft = 2.0 * delay as f64;
    let mut overhead: Vec<f64> = ttfts
        .iter()
        .map(|t| t.as_secs_f64() * 1000.0 - upstream_ttft)
        .collect();
    overhead.sort_by(f64::total_cmp);
    println!(
        "chat turns: {user_count} users x {turns} turns = {} turns in {:.2} s",
        ttfts.len(),
        elapsed.as_secs_f64()
    );
    println!(
        "  throughput: {:.1} turns/s (each answer streams 6 chunks, {} ms apart)",
        ttfts.len() as f64 / elapsed.as_secs_f64(),
        delay
    );
    println!(
        "  time-to-first-token overhead (app TTFT - upstream {upstream_ttft} ms): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&overhead, 0.5),
        percentile(&overhead, 0.99)
    );
}
