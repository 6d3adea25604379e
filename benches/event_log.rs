//! The event log at analysts' scale: 1,000,000 events (users chatting: a chat is `ChatStarted`
//! and three prompts with their answers) written straight into the log, then `export-events` as
//! JSON lines and Parquet, and the replays: one event at a time as the app applies them (a
//! sample), then `replay`, `replay --verify` and `replay --until` of the whole log folded in
//! memory (events/s and peak RSS of each; the goal is ≥ 50,000 events/s).
//!
//! `cargo bench --bench event_log` (needs MariaDB like the tests); `EVENTS=N` for another size.
mod support;

#[path = "support/memory.rs"]
mod memory;

// The tests' harness (`helpers` reaches the others as `crate::smtp` and `crate::upstream`).
#[allow(unused_imports)]
use support::{helpers, smtp, upstream};

use memory::{reset_peak, rss_mb};

use std::io::Write;
use std::time::Instant;

use chatbot_factory::accounts::events::UserEvent;
use chatbot_factory::chat::events::{AnswerRecord, ChatEvent};
use chatbot_factory::database;
use chatbot_factory::events::export::{self, ExportFormat};
use chatbot_factory::events::replay;
use chatbot_factory::events::{DomainEvent, Metadata};
use chatbot_factory::rebuild::EVENTS_PER_PASS;
use secrecy::ExposeSecret;
use sqlx::MySqlPool;

/// A chat: started, then three prompts, each answered.
const EVENTS_PER_CHAT: usize = 10;
const CHATS_PER_USER: usize = 20;
const ROWS_PER_INSERT: usize = 2_000;

struct Row {
    stream_type: &'static str,
    stream_id: String,
    sequence: u64,
    event_type: &'static str,
    payload: String,
    metadata: String,
}

fn row<E: DomainEvent>(stream_id: &str, sequence: u64, event: &E, metadata: &Metadata) -> Row {
    Row {
        stream_type: E::STREAM_TYPE,
        stream_id: stream_id.to_owned(),
        sequence,
        event_type: event.event_type(),
        payload: serde_json::to_string(event).expect("payload"),
        metadata: serde_json::to_string(metadata).expect("metadata"),
    }
}

/// The events of one user: registered, then `CHATS_PER_USER` chats.
fn user_events(n: usize) -> Vec<Row> {
    let user = uuid::Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n as u128);
    let actor = Metadata::user(user);
    let mut rows = vec![row(
        &user.to_string(),
        1,
        &UserEvent::UserRegistered {
            username: format!("user{n}"),
            email: format!("user{n}@example.uz"),
            password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
            verified: true,
        },
        &actor,
    )];
    for c in 0..CHATS_PER_USER {
        let chat = uuid::Uuid::from_u128(
            0x0190_0000_0000_7000_9000_0000_0000_0000 + (n * CHATS_PER_USER + c) as u128,
        )
        .to_string();
        let model = if c % 3 == 0 { "gpt-4o" } else { "gpt-4o-mini" };
        let mut events = vec![ChatEvent::ChatStarted {
            user_id: user,
            title: format!("Plans for Samarkand, part {c}"),
            model: model.into(),
            api_key: None,
        }];
        for turn in 0..3 {
            events.push(ChatEvent::UserMessageAppended {
                text: format!("Question {turn}: what should I see in Samarkand on day {turn}?"),
                model: model.into(),
            });
            events.push(ChatEvent::AnswerStarted {
                model: model.into(),
                instance_id: uuid::Uuid::nil(),
            });
            events.push(ChatEvent::AnswerCompleted(AnswerRecord {
                text: "Registan in the morning, Shah-i-Zinda after lunch, the bazaar at dusk."
                    .repeat(3),
                model: model.into(),
                prompt_tokens: 120 + turn * 40,
                completion_tokens: 60,
                finish_reason: Some("stop".into()),
                error: None,
                latency_ms: 1_800,
                ttft_ms: Some(240),
                sources: Vec::new(),
                instructions_version: None,
            }));
        }
        for (i, event) in events.iter().enumerate() {
            rows.push(row(&chat, i as u64 + 1, event, &actor));
        }
    }
    rows
}

/// Writes about `target` events (whole users) straight into the log, after its last position.
async fn seed(pool: &MySqlPool, target: usize) -> u64 {
    let started = Instant::now();
    // After what the app itself wrote at start (the site's settings and models).
    let mut position: u64 =
        sqlx::query_scalar("SELECT CAST(COALESCE(MAX(position), 0) AS UNSIGNED) FROM event")
            .fetch_one(pool)
            .await
            .expect("last position");
    let first = position;
    let mut pending: Vec<Row> = Vec::new();
    let per_user = 1 + CHATS_PER_USER * EVENTS_PER_CHAT;
    for user in 0..target.div_ceil(per_user) {
        pending.extend(user_events(user));
        if pending.len() >= ROWS_PER_INSERT {
            position = insert(pool, position, std::mem::take(&mut pending)).await;
        }
    }
    position = insert(pool, position, pending).await;
    sqlx::query("UPDATE projection_checkpoint SET position = ?")
        .bind(position)
        .execute(pool)
        .await
        .expect("checkpoint");
    println!(
        "  seeded {} events in {:.1} s",
        position - first,
        started.elapsed().as_secs_f64()
    );
    position
}

async fn insert(pool: &MySqlPool, mut position: u64, rows: Vec<Row>) -> u64 {
    if rows.is_empty() {
        return position;
    }
    let mut query = sqlx::QueryBuilder::new(
        "INSERT INTO event (position, stream_type, stream_id, sequence, event_type, event_version, payload, metadata, recorded_at) ",
    );
    query.push_values(rows, |mut values, row| {
        position += 1;
        values
            .push_bind(position)
            .push_bind(row.stream_type)
            .push_bind(row.stream_id)
            .push_bind(row.sequence)
            .push_bind(row.event_type)
            .push_bind(1u32)
            .push_bind(row.payload)
            .push_bind(row.metadata)
            .push("NOW(6) - INTERVAL 1 DAY");
    });
    query.build().execute(pool).await.expect("insert events");
    position
}

/// Counts bytes and drops them.
struct Counter(u64);

impl Write for Counter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[actix_web::main]
async fn main() {
    let target: usize = std::env::var("EVENTS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(1_000_000);
    println!("event log bench: {target} events");
    let app = helpers::spawn_app_with(&[("RUST_LOG", "error")]).await;
    let events = seed(&app.pool, target).await;
    let (rss, _) = rss_mb();
    println!("  RSS after seeding: {rss:.0} MB");

    let all = export::Filter::default();
    reset_peak();
    let started = Instant::now();
    let (written, bytes) = export::export(&app.pool, &all, ExportFormat::Jsonl, Counter(0))
        .await
        .expect("jsonl export");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  export JSON lines: {} events in {seconds:.1} s = {:.0} events/s, {:.0} MB written, peak RSS {:.0} MB",
        written.events,
        written.events as f64 / seconds,
        bytes.0 as f64 / 1e6,
        rss_mb().1
    );

    let file = tempfile::NamedTempFile::new().expect("temp file");
    reset_peak();
    let started = Instant::now();
    let (written, _) = export::export(
        &app.pool,
        &all,
        ExportFormat::Parquet,
        file.reopen().expect("reopen"),
    )
    .await
    .expect("parquet export");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  export Parquet: {} events in {seconds:.1} s = {:.0} events/s, {:.0} MB file, peak RSS {:.0} MB",
        written.events,
        written.events as f64 / seconds,
        std::fs::metadata(file.path()).map_or(0, |m| m.len()) as f64 / 1e6,
        rss_mb().1
    );

    replays(&app, events).await;
}

/// The per-event path (what every append costs) on a sample, then the in-memory rebuild of the
/// whole log: `replay` in place, `replay --verify`, and `replay --until` of half the log into
/// another database.
async fn replays(app: &helpers::TestApp, events: u64) {
    let projections = chatbot_factory::projections();
    let url = app.settings.database.url.expose_secret().to_owned();

    let sample = 20_000.min(events);
    let per_event_db = format!("{}_per_event", app.db_name);
    let scratch = database::create_migrated(&url, &per_event_db)
        .await
        .expect("scratch database");
    let log = chatbot_factory::events::read_all(&app.pool, 0, sample as u32)
        .await
        .expect("read the log");
    let started = Instant::now();
    let mut tx = scratch.begin().await.expect("transaction");
    for event in &log {
        // One append at a time: its collected counters are written with it.
        let mut batch = projections.batch();
        projections
            .apply(&mut tx, event, &mut batch)
            .await
            .expect("apply");
        projections.finish(&mut tx, batch).await.expect("apply");
    }
    tx.commit().await.expect("commit");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  per event (each append's projection statements), first {sample} events: {:.0} events/s",
        sample as f64 / seconds
    );
    scratch.close().await;
    database::drop_database(&url, &per_event_db)
        .await
        .expect("drop");

    // One pass holds every chat's rows; passes bound the memory at the cost of reading the log
    // once more per share of the chats. Smallest first: memory the allocator keeps after a
    // larger run would count in the next run's peak.
    let pass_sizes = [
        ("in passes of 100,000 chat events", 100_000),
        ("in passes of 500,000 chat events", 500_000),
        (
            "in passes of the default REPLAY_EVENTS_PER_PASS",
            EVENTS_PER_PASS,
        ),
    ];
    for (how, events_per_pass) in pass_sizes {
        reset_peak();
        let started = Instant::now();
        let applied = replay::replay(
            &app.pool,
            &projections.clone().with_events_per_pass(events_per_pass),
        )
        .await
        .expect("replay");
        let seconds = started.elapsed().as_secs_f64();
        println!(
            "  replay (in place) of {applied} events {how}: {seconds:.1} s = {:.0} events/s, peak RSS {:.0} MB",
            applied as f64 / seconds,
            rss_mb().1
        );
    }

    reset_peak();
    let started = Instant::now();
    let report = replay::verify(&app.settings.database, &app.pool, &projections)
        .await
        .expect("verify");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  replay --verify of {} events: {seconds:.1} s = {:.0} events/s, identical: {}, peak RSS {:.0} MB",
        report.events,
        report.events as f64 / seconds,
        report.identical(),
        rss_mb().1
    );

    let until_db = format!("{}_until", app.db_name);
    let target = database::create_migrated(&url, &until_db)
        .await
        .expect("target database");
    reset_peak();
    let started = Instant::now();
    let applied = replay::replay_until(
        &app.pool,
        &target,
        &projections,
        replay::Until::Position(events / 2),
    )
    .await
    .expect("replay --until");
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "  replay --until (half the log, into another database) of {applied} events: {seconds:.1} s = {:.0} events/s, peak RSS {:.0} MB",
        applied as f64 / seconds,
        rss_mb().1
    );
    target.close().await;
    database::drop_database(&url, &until_db)
        .await
        .expect("drop");
}
