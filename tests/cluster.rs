//! Scale-out as `docs/SCALING.md` describes it, with real parts: a 3-node MariaDB Galera cluster
//! of the test's own, nginx with the document's configuration, and two instances of the real
//! binary, each on its own node, sharing `FILES_DIR`. While people chat through nginx, node 1
//! (instance A's) is killed with `kill -9`, then instance A; both come back. Nothing a person
//! saw accepted or answered may be lost or doubled, no request may fail with 500, every node
//! must hold the same gapless log, and `replay --verify` must agree on each. Then the
//! instances must agree with each other: a block, a live follow and a stop across them.
//! `cargo test --test cluster -- --nocapture` prints the figures; the `#[ignore]`d
//! `measure_one_instance_on_plain_mariadb` gives the same load's figures on one plain server.
#![allow(dead_code)] // the shared upstream has helpers this test does not use

#[path = "cluster/across.rs"]
mod across;
#[path = "cluster/checks.rs"]
mod checks;
#[path = "cluster/galera.rs"]
mod galera;
#[path = "cluster/instance.rs"]
mod instance;
#[path = "cluster/load.rs"]
mod load;
#[path = "cluster/nginx.rs"]
mod nginx;
#[path = "cluster/support.rs"]
mod support;
#[path = "api/upstream.rs"]
mod upstream;

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use galera::Cluster;
use instance::Instance;
use load::{Attempt, Figures, Load};
use nginx::Nginx;
use support::{ms, none_left, tail, wait_for};
use upstream::TestUpstream;

const USERS: usize = 24;
/// The steady phase whose figures are printed (after a warm-up).
const STEADY: Duration = Duration::from_secs(15);
/// Each answer piece comes this long after the previous one (an answer is ~16 pieces).
const UPSTREAM_DELAY_MS: u64 = 20;
/// The database name every instance uses.
const DATABASE: &str = "cbf_cluster";
/// How long the work a phase waits for may stop moving before the test gives up.
const STALL: Duration = Duration::from_secs(60);
/// Instances silent this long are dead: small, so a dead one's answers are settled within the
/// test, but above two waits that make a live instance look silent. An instance whose node died
/// keeps its finished answers in the spool only after the pool's 5 s wait for a connection; and
/// while Galera evicts a killed node (`evs.suspect_timeout`, 5 s) every commit waits, heartbeats
/// too. (At 5 s the other instance failed answers that were kept in the spool, and an instance
/// whose heartbeat waited failed its own live answers as "the server restarted".)
const DEAD_AFTER_SECS: &str = "12";

/// The settings every instance shares (docs/SCALING.md's table); each adds its own
/// `BIND_ADDR`, `INSTANCE_URL` and `DATABASE_URL`.
fn shared_settings(upstream: &str, files: &Path, public_url: &str) -> HashMap<String, String> {
    let (secret, files) = ("s".repeat(64), files.display().to_string());
    [
        ("PUBLIC_URL", public_url),
        ("SESSION_SECRET", secret.as_str()),
        ("FILES_DIR", files.as_str()),
        ("TRUST_PROXY", "true"),
        ("TRUSTED_PROXIES", "127.0.0.1/32"),
        ("INSTANCE_DEAD_AFTER_SECS", DEAD_AFTER_SECS),
        ("ADMIN_USERNAME", "admin"),
        ("ADMIN_PASSWORD", "admin-password-for-tests"),
        ("ADMIN_EMAIL", "admin@example.com"),
        ("OPENAI_API_KEY", upstream::API_KEY),
        ("OPENAI_BASE_URL", upstream),
        ("OPENAI_MODELS", "gpt-4o-mini,gpt-4o"),
        ("LOCAL_MODEL", "off"),
        ("EMAIL_VERIFICATION", "off"),
        ("CHAT_MODEL_TITLES", "off"),
        ("CHAT_MAX_PROMPTS", "1000"),
        ("DAILY_PROMPT_QUOTA", "0"),
        ("RATE_LIMIT_LOGIN_PER_IP", "100000"),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT", "100000"),
        ("RATE_LIMIT_REGISTER_PER_IP", "100000"),
        ("RATE_LIMIT_PROMPTS_PER_MINUTE", "0"),
        // Certification conflicts and retried transactions are logged at info: counted below.
        (
            "RUST_LOG",
            "warn,chatbot_factory::events::aggregate=info,chatbot_factory::database=info",
        ),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn database_url(cluster: &Cluster, n: usize) -> String {
    format!("{}/{DATABASE}", cluster.url(n))
}

fn on_database(shared: &HashMap<String, String>, server: &str) -> HashMap<String, String> {
    let mut values = shared.clone();
    values.insert("DATABASE_URL".into(), format!("{server}/{DATABASE}"));
    values
}

/// Everything outside the database: the upstream stand-in, a shared files folder.
struct Stage {
    upstream: TestUpstream,
    root: tempfile::TempDir,
}

impl Stage {
    fn new() -> Stage {
        let _ = rustls::crypto::ring::default_provider().install_default();
        Stage {
            upstream: TestUpstream::start(),
            root: tempfile::tempdir().expect("a folder for the instances"),
        }
    }

    fn shared_files(&self) -> std::path::PathBuf {
        self.root.path().join("shared-files")
    }

    fn settings(&self, public_url: &str) -> HashMap<String, String> {
        shared_settings(&self.upstream.base_url(), &self.shared_files(), public_url)
    }

    fn spooled(&self) -> usize {
        std::fs::read_dir(self.shared_files().join("answer-spool")).map_or(0, |entries| {
            entries
                .filter_map(Result::ok)
                .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
                .count()
        })
    }
}

/// The figures of the steady phase: people chat through nginx for a warm-up, then `STEADY`.
async fn steady_phase(load: &Load) -> (Instant, Instant) {
    wait_for("the first turn of every person", STALL, || async {
        load.completed() >= USERS
    })
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let from = Instant::now();
    tokio::time::sleep(STEADY).await;
    (from, Instant::now())
}

/// A phase done: said at once (the test is long) and kept for the summary.
fn note(phases: &mut Vec<(String, Duration)>, phase: (String, Duration)) {
    eprintln!("… {}: {:.1} s", phase.0, phase.1.as_secs_f64());
    phases.push(phase);
}

fn print_figures(what: &str, figures: &Figures) {
    eprintln!(
        "{what}: {USERS} people through nginx, upstream {UPSTREAM_DELAY_MS} ms a piece: {} turns in \
         {:.0} s = {:.1} turns/s, first token p50 {:.0} ms, p99 {:.0} ms",
        figures.turns,
        figures.seconds,
        figures.per_second(),
        ms(figures.p50),
        ms(figures.p99)
    );
}

fn cpu() -> String {
    let info = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = info
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |m| m.trim_start_matches([' ', '\t', ':']));
    let flags = info.lines().find(|l| l.starts_with("flags")).unwrap_or("");
    let simd = if flags.contains("avx512f") {
        "AVX-512"
    } else if flags.contains("avx2") {
        "AVX2"
    } else {
        "no AVX2"
    };
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    format!("{model}, {simd}, {cores} cores")
}

/// How the people fared: statuses, retries, failures.
struct Tally {
    accepted: usize,
    completed: usize,
    statuses: HashMap<String, usize>,
    saving: usize,
    broken: usize,
    hung: usize,
}

impl Tally {
    fn of(attempts: &[Attempt]) -> Tally {
        let mut statuses: HashMap<String, usize> = HashMap::new();
        for attempt in attempts {
            let key = attempt
                .status
                .map_or("no response".to_owned(), |s| s.to_string());
            *statuses.entry(key).or_default() += 1;
        }
        Tally {
            accepted: attempts.iter().filter(|a| a.accepted.is_some()).count(),
            completed: attempts.iter().filter(|a| a.completed()).count(),
            statuses,
            saving: attempts.iter().filter(|a| a.saving.is_some()).count(),
            broken: attempts
                .iter()
                .filter(|a| a.accepted.is_some() && a.done.is_none())
                .count(),
            hung: attempts.iter().filter(|a| a.hung).count(),
        }
    }
}

#[actix_web::test]
async fn two_instances_on_galera_lose_nothing_when_a_node_and_an_instance_die() {
    let began = Instant::now();
    let mut failures: Vec<String> = Vec::new();
    let stage = Stage::new();
    let mut cluster = Cluster::galera(3).await;
    let cluster_took = began.elapsed();

    // nginx first (it names the instances' ports), then the instances.
    let (port_a, port_b) = (support::free_port(), support::free_port());
    let nginx = Nginx::start(&[
        &format!("127.0.0.1:{port_a}"),
        &format!("127.0.0.1:{port_b}"),
    ])
    .await;
    let shared = stage.settings(&nginx.address);
    let mut a = Instance::new(
        "A",
        stage.root.path().join("a"),
        port_a,
        &on_database(&shared, &cluster.url(0)),
    );
    let mut b = Instance::new(
        "B",
        stage.root.path().join("b"),
        port_b,
        &on_database(&shared, &cluster.url(1)),
    );
    // Both at once, as after a deployment: the migrations must still run once.
    let (a_took, b_took) = futures::future::join(a.start(), b.start()).await;
    let people = load::register(&nginx.address, "person", USERS).await;
    let ready = began.elapsed();
    eprintln!(
        "cluster test on {}: 3 Galera nodes synced in {:.1} s, A started in {:.1} s, B in {:.1} s, \
         {USERS} people registered through nginx; ready after {:.1} s",
        cpu(),
        cluster_took.as_secs_f64(),
        a_took.as_secs_f64(),
        b_took.as_secs_f64(),
        ready.as_secs_f64()
    );

    stage.upstream.set_default_delay(UPSTREAM_DELAY_MS);
    let load = Arc::new(Load::default());
    let load_began = Instant::now();
    let traffic = load::run(load.clone(), nginx.address.clone(), people);
    let spool_most = std::sync::atomic::AtomicUsize::new(0);
    let mut appends = Appends::default();
    let faults = async {
        let mut phases: Vec<(String, Duration)> = Vec::new();
        let (from, to) = steady_phase(&load).await;
        // 1. Instance A's node dies (what A appended is read first: kill -9 takes it).
        appends.add(a.appends().await);
        let (started, killed_at) = (Instant::now(), utc_now());
        cluster.kill9(0);
        let before = load.completed();
        let refused = wait_for("A answers 503 without its node", STALL, || async {
            a.health().await == Some(503)
        })
        .await?;
        cluster.wait_size(1, 2, STALL).await?;
        wait_for("20 turns through B after node 1 died", STALL, || async {
            spool_most.fetch_max(stage.spooled(), std::sync::atomic::Ordering::SeqCst);
            load.completed() >= before + 20
        })
        .await?;
        note(
            &mut phases,
            (
                format!(
                    "node 1 killed {:.1} s into the load ({killed_at} UTC): A's /healthz said 503 \
                     after {:.1} s; 20 turns through B",
                    (started - load_began).as_secs_f64(),
                    refused.as_secs_f64()
                ),
                started.elapsed(),
            ),
        );
        // 2. Instance A dies too (with what its dead node left it: answers kept in the spool).
        let (started, killed_at) = (Instant::now(), utc_now());
        a.kill9();
        let before = load.completed();
        wait_for("20 turns through B after A died", STALL, || async {
            load.completed() >= before + 20
        })
        .await?;
        none_left(
            "A's kept answers saved from the shared spool",
            STALL,
            || async { stage.spooled() },
        )
        .await?;
        note(
            &mut phases,
            (
                format!(
                    "A killed {:.1} s into the load ({killed_at} UTC): 20 turns through B, the \
                 shared spool emptied",
                    (started - load_began).as_secs_f64()
                ),
                started.elapsed(),
            ),
        );
        // 3. Both come back: the node recovers its position and catches up, then A starts.
        let started = Instant::now();
        let position = cluster.rejoin(0).await;
        let node_back = started.elapsed();
        a.start().await;
        let a_back = Instant::now();
        let a_address = a.host_port();
        let since = epoch_seconds();
        wait_for(
            "nginx passes A 10 prompts answered 200 again",
            STALL,
            || async {
                nginx
                    .access_log()
                    .iter()
                    .filter(|l| {
                        l.at >= since
                            && l.method == "POST"
                            && l.status == 200
                            && l.upstreams.ends_with(&a_address)
                    })
                    .count()
                    >= 10
            },
        )
        .await?;
        note(
            &mut phases,
            (
                format!(
                    "node 1 back ({}, synced after {:.1} s), A started, 10 prompts through A in {:.1} s",
                    position.map_or("full state transfer".to_owned(), |p| format!(
                        "recovered {p}, missed writes by IST"
                    )),
                    node_back.as_secs_f64(),
                    a_back.elapsed().as_secs_f64()
                ),
                started.elapsed(),
            ),
        );
        Ok::<_, String>((from, to, phases))
    };
    // The people stop when the faults are over, or when a step failed.
    let faults = async {
        let outcome = faults.await;
        load.stop();
        outcome
    };
    let ((), outcome) = futures::future::join(traffic, faults).await;
    let (steady_from, steady_to, mut phases) = match outcome {
        Ok(done) => done,
        Err(error) => panic!(
            "{error}\nA:\n{}\nB:\n{}\nnginx:\n{}",
            tail(&a.log(), 30),
            tail(&b.log(), 30),
            tail(&nginx.error_log(), 20)
        ),
    };
    let attempts = load.attempts();
    let steady = Figures::of(&attempts, steady_from, steady_to);

    // Nothing left streaming (a killed instance's answers are settled by the others).
    let started = Instant::now();
    let settled = none_left("no answer left streaming", STALL, || async {
        checks::streaming(&format!("{}/{DATABASE}", cluster.url(1)))
            .await
            .unwrap_or(usize::MAX)
    })
    .await;
    let settled_once = settled.is_ok();
    if let Err(error) = settled {
        failures.push(error);
    }
    note(
        &mut phases,
        (
            "load stopped, every answer settled".to_owned(),
            started.elapsed(),
        ),
    );

    // Instances that agree (through their own addresses).
    let started = Instant::now();
    stage.upstream.set_default_delay(100);
    let across = across_instances(&nginx.address, &a.address(), &b.address(), &cluster).await;
    for result in across {
        match result {
            Ok(said) => eprintln!("across instances: {said}"),
            Err(error) => failures.push(format!("across instances: {error}")),
        }
    }
    stage.upstream.set_default_delay(0);
    note(
        &mut phases,
        (
            "block, follow and stop across instances".to_owned(),
            started.elapsed(),
        ),
    );

    // Every node: the same log, the prompts once, the answers whole; replay agrees.
    let started = Instant::now();
    // (Once is enough to wait for an answer stuck for good.)
    if settled_once
        && let Err(error) = none_left("no answer left streaming", STALL, || async {
            checks::streaming(&format!("{}/{DATABASE}", cluster.url(1)))
                .await
                .unwrap_or(usize::MAX)
        })
        .await
    {
        failures.push(error);
    }
    let mut views = Vec::new();
    for n in 0..3 {
        let name = format!("node {}", n + 1);
        match checks::read(&name, &format!("{}/{DATABASE}", cluster.url(n))).await {
            Ok(view) => views.push(view),
            Err(error) => failures.push(error),
        }
    }
    if views.len() == 3 {
        checks::same_gapless_log(&views, &mut failures);
        for (n, view) in views.iter().enumerate() {
            checks::prompts_once(&attempts, view, &mut failures);
            let wrong = checks::answers_complete(&attempts, view, &mut failures);
            for attempt in wrong.iter().take(if n == 0 { 2 } else { 0 }) {
                let chat = attempt.chat.clone().unwrap_or_default();
                let events = checks::chat_events(&database_url(&cluster, 1), &chat).await;
                failures.push(format!(
                    "chat {chat} ({:?} sent {:.1} s into the load, ended after {:.1} s): \n{events}",
                    attempt.text,
                    (attempt.sent - load_began).as_secs_f64(),
                    (attempt.ended - attempt.sent).as_secs_f64()
                ));
            }
            if view.streaming > 0 {
                failures.push(format!(
                    "{}: {} answers streaming",
                    view.name, view.streaming
                ));
            }
        }
    }
    for n in 0..3 {
        let verify = checks::replay_verify(&cluster.url(n), DATABASE, stage.root.path()).await;
        if !verify.contains("All projections are identical") {
            failures.push(format!("replay --verify on node {}: {verify}", n + 1));
        }
    }
    note(
        &mut phases,
        (
            "checks on every node, replay --verify ×3".to_owned(),
            started.elapsed(),
        ),
    );

    // No 500 anywhere: what the people saw, and what nginx passed on.
    let tally = Tally::of(&attempts);
    let logged = nginx.access_log();
    let server_errors: Vec<String> = logged
        .iter()
        .filter(|l| l.status == 500 || l.upstream_statuses.contains("500"))
        .map(|l| {
            let via = l.upstreams.replace(&a.host_port(), "A");
            format!(
                "{} {} via {}",
                l.method,
                l.uri,
                via.replace(&b.host_port(), "B")
            )
        })
        .collect();
    if !server_errors.is_empty() {
        failures.push(format!(
            "{} requests answered 500, e.g. {:?}",
            server_errors.len(),
            &server_errors[..server_errors.len().min(3)]
        ));
    }
    let unexpected: Vec<&Attempt> = attempts
        .iter()
        .filter(|t| !matches!(t.status, None | Some(200 | 409 | 502 | 503)))
        .collect();
    if !unexpected.is_empty() {
        failures.push(format!(
            "{} prompts got a status a person should not see, e.g. {:?}",
            unexpected.len(),
            unexpected
                .iter()
                .take(3)
                .map(|t| (t.status, t.error.clone()))
                .collect::<Vec<_>>()
        ));
    }
    if tally.hung > 0 {
        failures.push(format!("{} prompts hung for 2 minutes", tally.hung));
    }
    let passed_on = logged.iter().filter(|l| l.upstreams.contains(',')).count();
    let retries =
        |log: &str| log.matches("deciding again").count() + log.matches("lost a race").count();
    let (a_log, b_log) = (a.log(), b.log());
    appends.add(a.appends().await);
    appends.add(b.appends().await);

    print_figures("Galera, 2 instances on 3 nodes, steady", &steady);
    eprintln!(
        "under the faults: {} prompts sent, {} accepted, {} answers complete, {} kept as saving \
         (at most {} spooled at once), {} streams cut by the instance's death; statuses {:?}; \
         nginx passed {passed_on} requests on to the other instance; {appends}; logged retries of a \
         transaction or decision: A {}, B {}",
        attempts.len(),
        tally.accepted,
        tally.completed,
        tally.saving,
        spool_most.load(std::sync::atomic::Ordering::SeqCst),
        tally.broken,
        tally.statuses,
        retries(&a_log),
        retries(&b_log),
    );
    for (what, took) in &phases {
        eprintln!("phase: {what}: {:.1} s", took.as_secs_f64());
    }
    eprintln!("the whole test: {:.1} s", began.elapsed().as_secs_f64());
    let panics = a_log.matches("panicked").count() + b_log.matches("panicked").count();
    if panics > 0 {
        failures.push(format!("{panics} panics in the instances' logs"));
    }
    let kept = if failures.is_empty() {
        String::new()
    } else {
        keep_logs(&[
            ("a.log", a_log.clone()),
            ("b.log", b_log.clone()),
            ("nginx-error.log", nginx.error_log()),
            ("node1.log", cluster.log(0)),
            ("node2.log", cluster.log(1)),
            ("node3.log", cluster.log(2)),
        ])
    };
    assert!(
        failures.is_empty(),
        "{} failures:\n- {}\nA's errors:\n{}\nB's errors:\n{}\n{kept}",
        failures.len(),
        failures.join("\n- "),
        errors(&a_log),
        errors(&b_log)
    );
}

/// Appends committed and commit races lost, summed over the instances' lives (`/healthz`).
#[derive(Default)]
struct Appends {
    committed: u64,
    lost_races: u64,
    unread: usize,
}

impl Appends {
    fn add(&mut self, read: Option<(u64, u64)>) {
        match read {
            Some((committed, lost)) => {
                self.committed += committed;
                self.lost_races += lost;
            }
            None => self.unread += 1,
        }
    }
}

impl std::fmt::Display for Appends {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let share = self.lost_races as f64 / (self.committed.max(1)) as f64;
        write!(
            f,
            "{} appends committed, {} lost a commit race and were decided again ({:.2}%)",
            self.committed,
            self.lost_races,
            share * 100.0
        )?;
        if self.unread > 0 {
            write!(f, " ({} counts could not be read)", self.unread)?;
        }
        Ok(())
    }
}

/// The block, follow and stop checks, each with a person of its own.
async fn across_instances(
    nginx: &str,
    a: &str,
    b: &str,
    cluster: &Cluster,
) -> Vec<Result<String, String>> {
    let blocked = load::register_one(nginx, "blockeduser".to_owned()).await;
    let follower = load::register_one(nginx, "followeruser".to_owned()).await;
    let stopper = load::register_one(nginx, "stopperuser".to_owned()).await;
    let user_id = match user_id(cluster, "blockeduser").await {
        Ok(id) => id,
        Err(error) => return vec![Err(error)],
    };
    vec![
        across::block(&blocked, &user_id, a, b).await,
        across::follow(&follower, a, b).await,
        across::stop(&stopper, a, b).await,
    ]
}

async fn user_id(cluster: &Cluster, username: &str) -> Result<String, String> {
    let mut conn = checks::connect(&format!("{}/{DATABASE}", cluster.url(1))).await?;
    sqlx::query_scalar("SELECT id FROM `user` WHERE username = ?")
        .bind(username)
        .fetch_one(&mut conn)
        .await
        .map_err(|e| format!("user {username}: {e}"))
}

/// Keeps the logs of a failed run under the target folder (the temporary folders go).
fn keep_logs(logs: &[(&str, String)]) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cluster-logs");
    let _ = std::fs::remove_dir_all(&dir);
    if std::fs::create_dir_all(&dir).is_err() {
        return String::new();
    }
    for (name, log) in logs {
        let _ = std::fs::write(dir.join(name), log);
    }
    format!("Logs kept in {}", dir.display())
}

/// An instance's ERROR lines (at most 12), for a failure message.
fn errors(log: &str) -> String {
    log.lines()
        .filter(|l| l.contains("ERROR") || l.contains("panicked"))
        .take(12)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The time of day in UTC to the millisecond, as the instances' logs write it.
fn utc_now() -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{:02}:{:02}:{:02}.{:03}",
        now.hour(),
        now.minute(),
        now.second(),
        now.millisecond()
    )
}

/// Now, as nginx's `$msec` counts.
fn epoch_seconds() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The same steady load through nginx against one instance on one plain MariaDB server, for
/// comparison with the cluster's figures (`cargo test --test cluster -- --ignored --nocapture`).
#[actix_web::test]
#[ignore = "a measurement: run with --ignored"]
async fn measure_one_instance_on_plain_mariadb() {
    let stage = Stage::new();
    let database = Cluster::plain().await;
    let port = support::free_port();
    let nginx = Nginx::start(&[&format!("127.0.0.1:{port}")]).await;
    let mut one = Instance::new(
        "one",
        stage.root.path().join("one"),
        port,
        &on_database(&stage.settings(&nginx.address), &database.url(0)),
    );
    one.start().await;
    let people = load::register(&nginx.address, "person", USERS).await;
    stage.upstream.set_default_delay(UPSTREAM_DELAY_MS);
    let load = Arc::new(Load::default());
    let traffic = load::run(load.clone(), nginx.address.clone(), people);
    let measured = async {
        let window = steady_phase(&load).await;
        load.stop();
        window
    };
    let ((), (from, to)) = futures::future::join(traffic, measured).await;
    let attempts = load.attempts();
    print_figures(
        &format!("plain MariaDB, 1 instance, steady, on {}", cpu()),
        &Figures::of(&attempts, from, to),
    );
    let mut appends = Appends::default();
    appends.add(one.appends().await);
    eprintln!("plain MariaDB: {appends}");
    let tally = Tally::of(&attempts);
    assert!(
        tally.statuses.keys().all(|status| status == "200"),
        "{:?}",
        tally.statuses
    );
}
