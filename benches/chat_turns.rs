//! Chat turns under load: N users in parallel, each sending prompts one after another into its
//! own chat, against the test OpenAI-compatible upstream. Every turn goes the whole way: CSRF,
//! session, actor, event log + projections, upstream stream, SSE to the client, answer saved.
//!
//! Reports turns per second and the app's time-to-first-token overhead: the time until the
//! first `delta` reaches the client minus the upstream's own time to its first token; and the
//! whole turn's overhead: from the request to the end of the stream (the answer saved) minus the
//! upstream's whole answer. The same
//! load then goes through the OpenAI-compatible API (`/v1/chat/completions`, streamed, one
//! personal key per user, each turn continuing its API chat with `X-Chat-Id`), side by side.
//!
//! The app runs alone in this process; the clients and the test upstream run in a second one
//! (this binary again, `BENCH_ROLE=load`), so each level reports what a turn costs the app
//! itself: CPU milliseconds of the app, of the MariaDB server and of the load process, commits
//! and statements the server ran per turn, appends per commit (group commit), and the app's
//! memory.
//!
//! `cargo bench --bench chat_turns` (release build; needs MariaDB like the tests). A cold release
//! build takes over an hour on two cores; beside a warm test build, the app's own code alone can
//! be optimised in minutes (dependencies are already at opt-level 3 in the test profile):
//! `cargo test --bench chat_turns --no-run --config 'profile.dev.package.chatbot-factory.opt-level=3'
//! --config 'profile.dev.package.chatbot-factory.overflow-checks=false'`, then run the printed
//! binary with `--bench` (debug assertions stay on: rust-embed's derive needs them to match its
//! crate's).
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

use std::sync::Arc;

use futures::StreamExt;
use reqwest::cookie::{CookieStore, Jar};
use serde::{Deserialize, Serialize};
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
/// The upstream's pace: chunk k of an answer leaves it k times this long after the request (its
/// first token after two: the role chunk, then the first word). On the clock, not a sleep after
/// each chunk, so its own late wake-ups under load are not counted as the app's overhead.
const CHUNK_DELAY_MS: u64 = 10;
/// The test upstream answers "You said: user {i} turn {t} says hello": a role chunk, then each of
/// its 8 words, chunk k at k × `CHUNK_DELAY_MS` (first word after 2 delays, the whole answer
/// after 9).
const ANSWER_CHUNKS: u64 = 9;

/// One turn on the chat page's API: returns the chat and the time to the first `delta`.
async fn one_turn(
    base: &str,
    client: &reqwest::Client,
    token: &str,
    chat: Option<&str>,
    text: &str,
) -> (String, Duration, Duration) {
    let path = chat.map_or_else(
        || "/api/chats".to_owned(),
        |id| format!("/api/chats/{id}/messages"),
    );
    let started = Instant::now();
    let response = client
        .post(format!("{base}{path}"))
        .header("x-csrf-token", token)
        .json(&json!({ "prompt": text, "model": "gpt-4o-mini" }))
        .send()
        .await
        .expect("request");
    let mut body = response.bytes_stream();
    let mut seen = String::new();
    let mut first_token = None;
    while let Some(chunk) = body.next().await {
        seen.push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        if first_token.is_none() && seen.contains("event: delta") {
            first_token = Some(started.elapsed());
        }
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
    (id, first_token.expect("a first token"), started.elapsed())
}

/// One streamed `/v1/chat/completions` call: returns the chat (from `X-Chat-Id`) and the time
/// to the first chunk with text.
async fn one_api_turn(
    base: &str,
    client: &reqwest::Client,
    key: &str,
    chat: Option<&str>,
    text: &str,
) -> (String, Duration, Duration) {
    let started = Instant::now();
    let mut request = client
        .post(format!("{base}/v1/chat/completions"))
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
    (id, first_token.expect("a first token"), started.elapsed())
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

/// A user as the load process needs it: the logged-in browser's cookies and CSRF token, and a
/// personal API key.
#[derive(Clone, Serialize, Deserialize)]
struct User {
    cookies: String,
    token: String,
    key: String,
}

/// What the app asks of the load process for one level.
#[derive(Serialize, Deserialize)]
struct Level {
    app: String,
    path: String,
    turns: usize,
    users: Vec<User>,
}

/// What the load process measured over one level.
#[derive(Serialize, Deserialize)]
struct Measured {
    ttfts_ms: Vec<f64>,
    /// Each turn from its request to the end of its answer's stream (`done`: saved).
    turns_ms: Vec<f64>,
    elapsed_s: f64,
}

fn main() {
    // As the product's binary does first.
    chatbot_factory::allocator::return_large_allocations_to_the_system();
    if std::env::var("BENCH_ROLE").is_ok_and(|role| role == "load") {
        actix_web::rt::System::new().block_on(load::run());
    } else {
        actix_web::rt::System::new().block_on(run_app());
    }
}

/// The app's process: starts the load process, the app against its upstream, makes the users,
/// then has the load process run each level while it counts what the app spends.
async fn run_app() {
    let mut load = load::Process::start();
    let upstream = load.upstream().await;
    let app = helpers::spawn_app_with(&[
        ("CHAT_MAX_PROMPTS", "1000"),
        ("RATE_LIMIT_PROMPTS_PER_MINUTE", "0"),
        ("RUST_LOG", "error"),
        ("OPENAI_BASE_URL", upstream.as_str()),
    ])
    .await;
    let delay = setting("BENCH_DELAY_MS", CHUNK_DELAY_MS as usize) as u64;
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
    let url = reqwest::Url::parse(&app.address).expect("app url");
    for i in 0..user_count {
        let jar = Arc::new(Jar::default());
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .cookie_provider(jar.clone())
            .build()
            .expect("client");
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
        let cookies = jar
            .cookies(&url)
            .and_then(|value| value.to_str().ok().map(str::to_owned))
            .expect("a session cookie");
        users.push(User {
            cookies,
            token,
            key,
        });
    }
    let database = cpu::database_pid();
    for (path, level) in ["web", "api"]
        .into_iter()
        .filter(|p| paths.contains(p))
        .flat_map(|path| levels.iter().map(move |level| (path, *level)))
    {
        let before = Costs::now(&app, database.as_deref(), &load.pid).await;
        eprintln!("{path}: {level} users start");
        let measured = load
            .run(&Level {
                app: app.address.clone(),
                path: path.to_owned(),
                turns,
                users: users[..level].to_vec(),
            })
            .await;
        let after = Costs::now(&app, database.as_deref(), &load.pid).await;
        report(path, level, turns, delay, &measured);
        after.since(&before).report(measured.ttfts_ms.len());
    }
}

/// The clients and the test upstream, in a process of their own.
mod load {
    use super::*;

    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, Lines};
    use tokio::process::{Child, ChildStdin, ChildStdout};

    /// The load process as the app's process sees it: this binary again, told its levels on
    /// stdin (one JSON line each) and answering on stdout.
    pub struct Process {
        pub pid: String,
        input: ChildStdin,
        output: Lines<BufReader<ChildStdout>>,
        _child: Child,
    }

    impl Process {
        pub fn start() -> Process {
            let mut child = tokio::process::Command::new(std::env::current_exe().expect("exe"))
                .env("BENCH_ROLE", "load")
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .kill_on_drop(true)
                .spawn()
                .expect("the load process starts");
            Process {
                pid: child.id().expect("pid").to_string(),
                input: child.stdin.take().expect("stdin"),
                output: BufReader::new(child.stdout.take().expect("stdout")).lines(),
                _child: child,
            }
        }

        async fn line(&mut self) -> String {
            self.output
                .next_line()
                .await
                .expect("the load process answers")
                .expect("the load process is alive")
        }

        /// The test upstream's base URL, the first thing the load process says.
        pub async fn upstream(&mut self) -> String {
            self.line().await
        }

        pub async fn run(&mut self, level: &Level) -> Measured {
            let mut line = serde_json::to_vec(level).expect("level");
            line.push(b'\n');
            self.input
                .write_all(&line)
                .await
                .expect("to the load process");
            serde_json::from_str(&self.line().await).expect("measured")
        }
    }

    /// The load process: starts the upstream, says where it is, then runs each level it is
    /// told until its input ends.
    pub async fn run() {
        // As the app does at start (reqwest is built without a crypto provider of its own).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let upstream = upstream::TestUpstream::start();
        upstream.set_default_delay(setting("BENCH_DELAY_MS", CHUNK_DELAY_MS as usize) as u64);
        println!("{}", upstream.base_url());
        let mut input = BufReader::new(tokio::io::stdin()).lines();
        while let Some(line) = input.next_line().await.expect("stdin") {
            let level: Level = serde_json::from_str(&line).expect("a level");
            let measured = level.run().await;
            println!("{}", serde_json::to_string(&measured).expect("json"));
        }
    }

    impl Level {
        async fn run(&self) -> Measured {
            let url = reqwest::Url::parse(&self.app).expect("app url");
            let clients: Vec<reqwest::Client> = self
                .users
                .iter()
                .map(|user| {
                    let client =
                        reqwest::Client::builder().pool_idle_timeout(Duration::from_secs(3));
                    // The browser sends its session; an API client only its key.
                    let client = if self.path == "web" {
                        let jar = Jar::default();
                        for cookie in user.cookies.split("; ") {
                            jar.add_cookie_str(cookie, &url);
                        }
                        client.cookie_provider(Arc::new(jar))
                    } else {
                        client
                    };
                    client.build().expect("client")
                })
                .collect();
            let started = Instant::now();
            let runs =
                self.users
                    .iter()
                    .zip(&clients)
                    .enumerate()
                    .map(|(i, (user, client))| async move {
                        let mut chat: Option<String> = None;
                        let mut times = Vec::new();
                        for turn in 0..self.turns {
                            let text = format!("user {i} turn {turn} says hello");
                            let (id, ttft, whole) = if self.path == "web" {
                                one_turn(&self.app, client, &user.token, chat.as_deref(), &text)
                                    .await
                            } else {
                                one_api_turn(&self.app, client, &user.key, chat.as_deref(), &text)
                                    .await
                            };
                            chat = Some(id);
                            times.push((ttft.as_secs_f64() * 1000.0, whole.as_secs_f64() * 1000.0));
                        }
                        times
                    });
            let (ttfts_ms, turns_ms) = futures::future::join_all(runs)
                .await
                .into_iter()
                .flatten()
                .unzip();
            Measured {
                ttfts_ms,
                turns_ms,
                elapsed_s: started.elapsed().as_secs_f64(),
            }
        }
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
    load: f64,
    appends: u64,
    commits: u64,
    statements: u64,
    prepares: u64,
    /// The pool's connection checks (`COM_PING`, counted by the server as an admin command).
    pings: u64,
    server_commits: u64,
}

impl Costs {
    async fn now(app: &helpers::TestApp, database: Option<&str>, load: &str) -> Costs {
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
            load: cpu::cpu_seconds(load),
            appends: chatbot_factory::events::append_counts().0,
            commits: chatbot_factory::events::commit_count(),
            statements: status("Questions").await,
            prepares: status("Com_stmt_prepare").await,
            pings: status("Com_admin_commands").await,
            server_commits: status("Com_commit").await,
        }
    }

    fn since(&self, before: &Costs) -> Costs {
        Costs {
            cpu: cpu::Sample {
                app: self.cpu.app - before.cpu.app,
                database: self.cpu.database - before.cpu.database,
                switches: self.cpu.switches.saturating_sub(before.cpu.switches),
            },
            load: self.load - before.load,
            appends: self.appends - before.appends,
            commits: self.commits - before.commits,
            statements: self.statements - before.statements,
            prepares: self.prepares - before.prepares,
            pings: self.pings - before.pings,
            server_commits: self.server_commits - before.server_commits,
        }
    }

    fn report(&self, turns: usize) {
        let per_turn = |x: f64| x / turns as f64;
        println!(
            "  CPU per turn: app {:.2} ms, MariaDB {:.2} ms (load process: clients + upstream \
             {:.2} ms)",
            per_turn(self.cpu.app * 1000.0),
            per_turn(self.cpu.database * 1000.0),
            per_turn(self.load * 1000.0)
        );
        println!(
            "  per turn: {:.1} statements ({:.1} of them prepared anew), {:.1} pings, {:.2} commits \
             on the server; {:.1} appends, {:.2} append transactions ({:.1} appends per commit)",
            per_turn(self.statements as f64),
            per_turn(self.prepares as f64),
            per_turn(self.pings as f64),
            per_turn(self.server_commits as f64),
            per_turn(self.appends as f64),
            per_turn(self.commits as f64),
            self.appends as f64 / self.commits.max(1) as f64
        );
        println!(
            "  app context switches per turn: {:.1}",
            per_turn(self.cpu.switches as f64)
        );
        let (rss, peak) = memory::rss_mb();
        println!("  app memory: RSS {rss:.0} MB, peak {peak:.0} MB");
    }
}

fn report(path: &str, users: usize, turns: usize, delay: u64, measured: &Measured) {
    let upstream_ttft = 2.0 * delay as f64;
    let mut overhead: Vec<f64> = measured
        .ttfts_ms
        .iter()
        .map(|t| t - upstream_ttft)
        .collect();
    overhead.sort_by(f64::total_cmp);
    let count = measured.ttfts_ms.len();
    println!(
        "{path} chat turns: {users} users x {turns} turns = {count} turns in {:.2} s",
        measured.elapsed_s
    );
    println!(
        "  throughput: {:.1} turns/s (each answer streams {ANSWER_CHUNKS} chunks, {} ms apart: \
         at most {:.0} turns/s with no overhead)",
        count as f64 / measured.elapsed_s,
        delay,
        users as f64 * 1000.0 / (ANSWER_CHUNKS * delay.max(1)) as f64
    );
    println!(
        "  time-to-first-token overhead (app TTFT - upstream {upstream_ttft} ms): p50 {:.1} ms, p99 {:.1} ms",
        percentile(&overhead, 0.5),
        percentile(&overhead, 0.99)
    );
    // What a turn takes beyond its upstream answer.
    let upstream_answer = (ANSWER_CHUNKS * delay) as f64;
    let mut beyond: Vec<f64> = measured
        .turns_ms
        .iter()
        .map(|t| t - upstream_answer)
        .collect();
    beyond.sort_by(f64::total_cmp);
    println!(
        "  whole-turn overhead (request to saved answer - upstream {upstream_answer} ms): p50 {:.1} \
         ms, p99 {:.1} ms",
        percentile(&beyond, 0.5),
        percentile(&beyond, 0.99)
    );
}
