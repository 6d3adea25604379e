//! Chat turns under load: N users in parallel, each sending prompts one after another into its
//! own chat, against the test OpenAI-compatible upstream. Every turn goes the whole way: CSRF,
//! session, actor, event log + projections, upstream stream, SSE to the client, answer saved.
//!
//! Reports turns per second and the app's time-to-first-token overhead: the time until the
//! first `delta` reaches the client minus the upstream's own time to its first token. The same
//! load then goes through the OpenAI-compatible API (`/v1/chat/completions`, streamed, one
//! personal key per user, each turn continuing its API chat with `X-Chat-Id`), side by side.
//!
//! Each level also reports what a turn costs: CPU milliseconds of this process (the app, the
//! test upstream and this client, all in one) and of the MariaDB server, commits and statements
//! the server ran per turn, appends per commit (group commit), and this process's memory.
//!
//! `cargo bench --bench chat_turns` (release build; needs MariaDB like the tests);
//! `BENCH_USERS=50` for 50 concurrent clients, or a list (`BENCH_USERS=10,50,200,1000`) for
//! one level after another with the same users; `BENCH_PATHS=web` or `api` for one path only.
#[path = "support/cpu.rs"]
mod cpu;
#[path = "support/memory.rs"]
mod memory;
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

/// One streamed `/v1/chat/completions` call: returns the chat (from `X-Chat-Id`) and the time
/// to the first chunk with text.
async fn one_api_turn(
    app: &helpers::TestApp,
    client: &reqwest::Client,
    key: &str,
    chat: Option<&str>,
    text: &str,
) -> (String, Duration) {
    let started = Instant::now();
    let mut request = client
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(key)
        .json(&json!({ "model": "gpt-4o-mini", "stream": true,
                       "messages": [{ "role": "user", "content": text }] }));
    if let Some(chat) = chat {
        request = request.header("X-Chat-Id", chat);
    }
    let response = request.send().await.expect("request");
    assert_eq!(response.status(), 200, "API call refused");
    let id = response.headers()["x-chat-id"]
        .to_str()
        .expect("chat id")
        .to_owned();
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    let mut first_token = None;
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        if first_token.is_none() && seen.contains("\"content\":\"You") {
            first_token = Some(started.elapsed());
        }
    }
    assert!(
        seen.contains("data: [DONE]") && !seen.contains("\"error\""),
        "turn failed: {seen}"
    );
    (id, first_token.expect("a first token"))
}

/// A personal key made on the profile page, as its owner does.
async fn api_key(app: &helpers::TestApp, client: &reqwest::Client) -> String {
    let response = app
        .post_form_with(
            client,
            "/profile/api-keys",
            &[("name", "bench"), ("expires", "never")],
        )
        .await;
    let html = if response.status() == 303 {
        let to = helpers::location(&response);
        app.get_with(client, &to).await.text().await.expect("page")
    } else {
        response.text().await.expect("page")
    };
    let start = html.find("cbf-").expect("the key is shown once");
    html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect()
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

struct User {
    client: reqwest::Client,
    token: String,
    key: String,
    /// A plain HTTP client (no cookies), kept alive like the browser's, for the API.
    api: reqwest::Client,
}

#[actix_web::main]
async fn main() {
    let app = helpers::spawn_app_with(&[
        ("CHAT_MAX_PROMPTS", "1000"),
        ("RATE_LIMIT_PROMPTS_PER_MINUTE", "0"),
        ("RUST_LOG", "error"),
    ])
    .await;
    let delay = setting("BENCH_DELAY_MS", CHUNK_DELAY_MS as usize) as u64;
    app.upstream.set_default_delay(delay);
    let levels: Vec<usize> = std::env::var("BENCH_USERS")
        .ok()
        .map(|v| v.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .filter(|levels: &Vec<usize>| !levels.is_empty())
        .unwrap_or_else(|| vec![USERS]);
    let user_count = levels.iter().copied().max().unwrap_or(USERS);
    let turns = setting("BENCH_TURNS", TURNS);
    println!("{}", cpu_model());
    let paths = std::env::var("BENCH_PATHS").unwrap_or_else(|_| "web,api".into());
    let mut users = Vec::new();
    for i in 0..user_count {
        let client = helpers::client();
        let name = format!("bench{i}");
        app.verified_user_with(&client, &name, helpers::PASSWORD)
            .await;
        app.login_with(&client, &name, helpers::PASSWORD).await;
        let token = app.csrf_token_with(&client).await;
        let key = if paths.contains("api") {
            api_key(&app, &client).await
        } else {
            String::new()
        };
        let api = reqwest::Client::new();
        users.push(User {
            client,
            token,
            key,
            api,
        });
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
    let database = cpu::database_pid();
    for (path, level) in ["web", "api"]
        .into_iter()
        .filter(|p| paths.contains(p))
        .flat_map(|path| levels.iter().map(move |level| (path, *level)))
    {
        let before = Costs::now(&app, database.as_deref()).await;
        eprintln!("{path}: {level} users start");
        let started = Instant::now();
        let runs = users[..level].iter().enumerate().map(|(i, user)| {
            let app = &app;
            async move {
                let mut chat: Option<String> = None;
                let mut ttfts = Vec::new();
                for turn in 0..turns {
                    let text = format!("user {i} turn {turn} says hello");
                    let (id, ttft) = if path == "web" {
                        one_turn(app, &user.client, &user.token, chat.as_deref(), &text).await
                    } else {
                        one_api_turn(app, &user.api, &user.key, chat.as_deref(), &text).await
                    };
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
        let after = Costs::now(&app, database.as_deref()).await;
        report(path, level, turns, delay, &ttfts, elapsed);
        after.since(&before).report(ttfts.len());
    }
}

/// The CPU model and whether it has AVX2 / AVX-512 (every figure is read against it).
fn cpu_model() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let line = |key: &str| {
        info.lines()
            .find(|l| l.starts_with(key))
            .and_then(|l| l.split_once(':'))
            .map_or(String::new(), |(_, v)| v.trim().to_owned())
    };
    let flags = line("flags");
    let has = |flag: &str| flags.split(' ').any(|f| f == flag);
    format!(
        "CPU: {} ({} cores, avx2 {}, avx512f {})",
        line("model name"),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        has("avx2"),
        has("avx512f")
    )
}

/// Counters read before and after a level: CPU seconds, the app's appends and commits, and
/// the server's statements and commits.
struct Costs {
    cpu: cpu::Sample,
    appends: u64,
    commits: u64,
    statements: u64,
    prepares: u64,
    server_commits: u64,
}

impl Costs {
    async fn now(app: &helpers::TestApp, database: Option<&str>) -> Costs {
        let status = |name: &'static str| async move {
            let sql = format!("SHOW GLOBAL STATUS LIKE '{name}'");
            let row: (String, String) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .fetch_one(&app.pool)
                .await
                .expect("server status");
            row.1.parse::<u64>().unwrap_or(0)
        };
        Costs {
            cpu: cpu::sample(database),
            appends: chatbot_factory::events::append_counts().0,
            commits: chatbot_factory::events::commit_count(),
            statements: status("Questions").await,
            prepares: status("Com_stmt_prepare").await,
            server_commits: status("Com_commit").await,
        }
    }

    fn since(&self, before: &Costs) -> Costs {
        Costs {
            cpu: cpu::Sample {
                app: self.cpu.app - before.cpu.app,
                database: self.cpu.database - before.cpu.database,
            },
            appends: self.appends - before.appends,
            commits: self.commits - before.commits,
            statements: self.statements - before.statements,
            prepares: self.prepares - before.prepares,
            server_commits: self.server_commits - before.server_commits,
        }
    }

    fn report(&self, turns: usize) {
        let per_turn = |x: f64| x / turns as f64;
        println!(
            "  CPU per turn: this process (app + upstream + client) {:.2} ms, MariaDB {:.2} ms",
            per_turn(self.cpu.app * 1000.0),
            per_turn(self.cpu.database * 1000.0)
        );
        println!(
            "  per turn: {:.1} statements ({:.1} of them prepared anew), {:.2} commits on the \
             server; {:.1} appends, {:.2} append transactions ({:.1} appends per commit)",
            per_turn(self.statements as f64),
            per_turn(self.prepares as f64),
            per_turn(self.server_commits as f64),
            per_turn(self.appends as f64),
            per_turn(self.commits as f64),
            self.appends as f64 / self.commits.max(1) as f64
        );
        let (rss, peak) = memory::rss_mb();
        println!("  memory: RSS {rss:.0} MB, peak {peak:.0} MB");
    }
}

fn report(
    path: &str,
    users: usize,
    turns: usize,
    delay: u64,
    ttfts: &[Duration],
    elapsed: Duration,
) {
    let upstream_ttft = 2.0 * delay as f64;
    let mut overhead: Vec<f64> = ttfts
        .iter()
        .map(|t| t.as_secs_f64() * 1000.0 - upstream_ttft)
        .collect();
    overhead.sort_by(f64::total_cmp);
    println!(
        "{path} chat turns: {users} users x {turns} turns = {} turns in {:.2} s",
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
