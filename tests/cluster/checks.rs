//! What every node must hold after the faults: the same gapless log, each prompt a person saw
//! accepted exactly once, each answer a person saw complete (or kept as "saving") complete with
//! its text, nothing left streaming, and tables that `replay --verify` rebuilds identically.
use std::collections::HashMap;
use std::path::Path;

use sqlx::{Connection, MySqlConnection};

use super::load::Attempt;

/// What one node holds.
pub struct NodeView {
    pub name: String,
    /// (position, stream/sequence/type/payload digest), in position order.
    pub events: Vec<(u64, String)>,
    /// Prompt text → positions of its `UserMessageAppended` events.
    pub prompts: HashMap<String, Vec<u64>>,
    /// Answer id → (content, status).
    pub answers: HashMap<u64, (String, String)>,
    pub streaming: usize,
}

/// A connection that sees every transaction the cluster committed before the read (Galera
/// applies other nodes' writes asynchronously; `wsrep_sync_wait` waits for them).
pub async fn connect(url: &str) -> Result<MySqlConnection, String> {
    let mut conn = MySqlConnection::connect(url)
        .await
        .map_err(|e| format!("{url}: {e}"))?;
    let galera: Option<(String, String)> = sqlx::query_as("SHOW VARIABLES LIKE 'wsrep_on'")
        .fetch_optional(&mut conn)
        .await
        .map_err(|e| e.to_string())?;
    if galera.is_some_and(|(_, on)| on == "ON") {
        sqlx::query("SET SESSION wsrep_sync_wait = 1")
            .execute(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    }
    Ok(conn)
}

pub async fn streaming(url: &str) -> Result<usize, String> {
    let mut conn = connect(url).await?;
    let count: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM chat_history WHERE status = 'streaming'")
            .fetch_one(&mut conn)
            .await
            .map_err(|e| e.to_string())?;
    let _ = conn.close().await;
    Ok(count as usize)
}

pub async fn read(name: &str, url: &str) -> Result<NodeView, String> {
    let mut conn = connect(url).await?;
    let failed = |e: sqlx::Error| format!("{name}: {e}");
    let events: Vec<(u64, String)> = sqlx::query_as(
        "SELECT position, CONCAT_WS('|', stream_type, stream_id, sequence, event_type, MD5(payload)) \
         FROM event ORDER BY position",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(failed)?;
    let rows: Vec<(u64, Option<String>)> = sqlx::query_as(
        "SELECT position, JSON_UNQUOTE(JSON_EXTRACT(payload, '$.text')) FROM event \
         WHERE event_type = 'UserMessageAppended'",
    )
    .fetch_all(&mut conn)
    .await
    .map_err(failed)?;
    let mut prompts: HashMap<String, Vec<u64>> = HashMap::new();
    for (position, text) in rows {
        prompts
            .entry(text.unwrap_or_default())
            .or_default()
            .push(position);
    }
    let answers: Vec<(u64, String, String)> =
        sqlx::query_as("SELECT id, content, status FROM chat_history WHERE role = 'assistant'")
            .fetch_all(&mut conn)
            .await
            .map_err(failed)?;
    let streaming = answers.iter().filter(|(_, _, s)| s == "streaming").count();
    let _ = conn.close().await;
    Ok(NodeView {
        name: name.to_owned(),
        events,
        prompts,
        answers: answers
            .into_iter()
            .map(|(id, content, status)| (id, (content, status)))
            .collect(),
        streaming,
    })
}

/// The log is gapless (positions 1..=n) on the first node, and every node holds the same one.
pub fn same_gapless_log(views: &[NodeView], failures: &mut Vec<String>) {
    let first = &views[0];
    let holes = first
        .events
        .iter()
        .enumerate()
        .filter(|(n, (position, _))| *position != *n as u64 + 1)
        .count();
    if holes > 0 {
        failures.push(format!(
            "{}: positions are not 1..={} ({holes} out of place)",
            first.name,
            first.events.len()
        ));
    }
    for other in &views[1..] {
        if other.events != first.events {
            let differ = first
                .events
                .iter()
                .zip(&other.events)
                .position(|(a, b)| a != b);
            failures.push(format!(
                "{} holds another log than {}: {} and {} events, first difference at index {differ:?}",
                other.name,
                first.name,
                other.events.len(),
                first.events.len()
            ));
        }
    }
}

/// Each prompt a person saw accepted is in the log once, at the position the app announced;
/// no prompt of the load is in it twice (each try has its own text).
pub fn prompts_once(attempts: &[Attempt], view: &NodeView, failures: &mut Vec<String>) {
    let mut missing = Vec::new();
    for attempt in attempts {
        let Some((user_message, _)) = attempt.accepted else {
            continue;
        };
        match view.prompts.get(&attempt.text).map(Vec::as_slice) {
            Some([position]) if *position == user_message => {}
            other => missing.push(format!("{:?} → {other:?}", attempt.text)),
        }
    }
    if !missing.is_empty() {
        failures.push(format!(
            "{}: {} accepted prompts not in the log exactly once where announced, e.g. {:?}",
            view.name,
            missing.len(),
            &missing[..missing.len().min(3)]
        ));
    }
    let twice: Vec<&String> = view
        .prompts
        .iter()
        .filter(|(text, positions)| text.starts_with("user ") && positions.len() > 1)
        .map(|(text, _)| text)
        .collect();
    if !twice.is_empty() {
        failures.push(format!(
            "{}: {} prompts recorded twice, e.g. {:?}",
            view.name,
            twice.len(),
            &twice[..twice.len().min(3)]
        ));
    }
}

/// Each answer a person saw complete, or saw finished and kept for saving, is complete on the
/// node with the text the person saw. Returns the tries whose answer is not.
pub fn answers_complete<'a>(
    attempts: &'a [Attempt],
    view: &NodeView,
    failures: &mut Vec<String>,
) -> Vec<&'a Attempt> {
    let mut wrong = Vec::new();
    let mut said = Vec::new();
    for attempt in attempts {
        let Some((_, answer)) = attempt.accepted else {
            continue;
        };
        let (seen, how) = match (&attempt.done, &attempt.saving) {
            (Some((status, text)), _) if status == "complete" => (text, "complete"),
            (None, Some(text)) => (text, "kept as saving"),
            _ => continue,
        };
        let saved = view.answers.get(&answer);
        if saved.is_none_or(|(content, status)| content != seen || status != "complete") {
            said.push(format!(
                "answer {answer}: saw {seen:?} {how}, node has {saved:?}"
            ));
            wrong.push(attempt);
        }
    }
    if !said.is_empty() {
        failures.push(format!(
            "{}: {} answers seen complete (or saving) are not complete with that text, e.g. {:?}",
            view.name,
            said.len(),
            &said[..said.len().min(3)]
        ));
    }
    wrong
}

/// A chat's events, one a line (for a failure message).
pub async fn chat_events(url: &str, chat: &str) -> String {
    let Ok(mut conn) = connect(url).await else {
        return format!("{url}: unreachable");
    };
    let rows: Vec<(u64, u64, String, String, String)> = sqlx::query_as(
        "SELECT position, sequence, event_type, CAST(recorded_at AS CHAR), \
         LEFT(CONCAT(payload, ' ', metadata), 300) FROM event WHERE stream_id = ? ORDER BY sequence",
    )
    .bind(chat)
    .fetch_all(&mut conn)
    .await
    .unwrap_or_default();
    let _ = conn.close().await;
    rows.iter()
        .map(|(position, sequence, kind, at, payload)| {
            format!("  {position} #{sequence} {kind} {at} {payload}")
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// `chatbot-factory replay --verify` against `database` on the server `url`.
pub async fn replay_verify(url: &str, database: &str, dir: &Path) -> String {
    let output = tokio::process::Command::new(env!("CARGO_BIN_EXE_chatbot-factory"))
        .args(["replay", "--verify"])
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("DATABASE_URL", format!("{url}/{database}"))
        .env("ADMIN_PASSWORD", "admin-password-for-tests")
        .env("SESSION_SECRET", "s".repeat(64))
        .env("RUST_LOG", "error")
        .output()
        .await
        .expect("replay runs");
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}
