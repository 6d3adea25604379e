//! People chatting through nginx, as they would in a browser: each keeps a chat page open (one
//! CSRF token), sends a prompt, reads the streamed answer to its end, and sends the next. A
//! refused (503, 409, 502) or failed request is sent again after a moment, as a person presses
//! the button again; every try has its own text, so the log shows which ones were taken.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;

use super::support::{client, csrf_token, parse_sse, percentile, post_form};

pub const PASSWORD: &str = "quiet-lantern-orbit-77";

/// Longer than any answer may take, even one that waits for its save: past it, the try counts
/// as hung (which the test does not accept).
const ATTEMPT_LIMIT: Duration = Duration::from_secs(120);

/// A person's chat gets this many turns, then the person starts a new one.
const TURNS_PER_CHAT: usize = 10;

/// One prompt sent, and what its sender saw.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub person: usize,
    pub text: String,
    pub sent: Instant,
    pub ended: Instant,
    /// None: no response (the connection failed).
    pub status: Option<u16>,
    pub error: Option<String>,
    pub chat: Option<String>,
    /// `accepted`: (user message id, answer id), both the position of their event.
    pub accepted: Option<(u64, u64)>,
    pub first_token: Option<Duration>,
    /// The text of a finished answer the app said it was still saving.
    pub saving: Option<String>,
    /// `done`: (status, text).
    pub done: Option<(String, String)>,
    pub hung: bool,
}

impl Attempt {
    pub fn completed(&self) -> bool {
        self.done
            .as_ref()
            .is_some_and(|(status, _)| status == "complete")
    }
}

/// The load's shared state: a stop switch, a count of completed turns, every try.
#[derive(Default)]
pub struct Load {
    stopped: AtomicBool,
    completed: AtomicUsize,
    attempts: Mutex<Vec<Attempt>>,
}

impl Load {
    pub fn completed(&self) -> usize {
        self.completed.load(Ordering::SeqCst)
    }

    /// Each person finishes the turn in hand and sends no more.
    pub fn stop(&self) {
        self.stopped.store(true, Ordering::SeqCst);
    }

    fn stopped(&self) -> bool {
        self.stopped.load(Ordering::SeqCst)
    }

    pub fn attempts(&self) -> Vec<Attempt> {
        self.attempts.lock().expect("attempts").clone()
    }

    fn record(&self, attempt: Attempt) {
        if attempt.completed() {
            self.completed.fetch_add(1, Ordering::SeqCst);
        }
        self.attempts.lock().expect("attempts").push(attempt);
    }
}

/// Registers `count` people through `base` (e-mail verification is off: each is logged in).
pub async fn register(base: &str, prefix: &str, count: usize) -> Vec<reqwest::Client> {
    let mut people = Vec::new();
    for batch in (0..count).collect::<Vec<_>>().chunks(4) {
        let made = futures::future::join_all(
            batch
                .iter()
                .map(|n| register_one(base, format!("{prefix}{n}"))),
        )
        .await;
        people.extend(made);
    }
    people
}

pub async fn register_one(base: &str, name: String) -> reqwest::Client {
    let browser = client();
    let email = format!("{name}@example.com");
    let fields = [
        ("username", name.as_str()),
        ("email", email.as_str()),
        ("password", PASSWORD),
        ("password_confirm", PASSWORD),
    ];
    let response = post_form(&browser, base, "/register", &fields)
        .await
        .expect("registration sent");
    assert_eq!(response.status(), 303, "registration of {name}");
    browser
}

/// Every person chats through `base` until `load.stop()`.
pub async fn run(load: Arc<Load>, base: String, people: Vec<reqwest::Client>) {
    futures::future::join_all(
        people
            .into_iter()
            .enumerate()
            .map(|(n, browser)| person(n, base.clone(), browser, load.clone())),
    )
    .await;
}

async fn person(n: usize, base: String, browser: reqwest::Client, load: Arc<Load>) {
    let (mut turn, mut tries, mut in_chat) = (1, 0, 0);
    let mut chat: Option<String> = None;
    let mut token: Option<String> = None;
    while !load.stopped() {
        let Some(current) = token.clone() else {
            match csrf_token(&browser, &base).await {
                Ok(fresh) => token = Some(fresh),
                Err(_) => tokio::time::sleep(Duration::from_millis(300)).await,
            }
            continue;
        };
        tries += 1;
        let text = format!(
            "user {n} turn {turn} try {tries}: tell me about the Registan square in Samarkand"
        );
        let attempt = prompt(n, &browser, &base, &current, chat.as_deref(), text).await;
        let (accepted, status) = (attempt.accepted.is_some(), attempt.status);
        if accepted && chat.is_none() {
            chat.clone_from(&attempt.chat);
        }
        load.record(attempt);
        if accepted {
            // The turn is the app's now, whatever became of its answer: the next one.
            (turn, tries, in_chat) = (turn + 1, 0, in_chat + 1);
            if in_chat == TURNS_PER_CHAT {
                (chat, in_chat) = (None, 0);
            }
            continue;
        }
        let pause = match status {
            // A form's token refused (or the account blocked): a reload gets a fresh one.
            Some(403) => {
                token = None;
                1000
            }
            // Logged out: nothing more to do for this person (the test reports it).
            Some(401) => return,
            // The chat is gone (the test reports it): a person starts another one.
            Some(404) => {
                (chat, in_chat) = (None, 0);
                300
            }
            Some(503) => 500,
            _ => 300,
        };
        tokio::time::sleep(Duration::from_millis(pause)).await;
    }
}

/// Sends one prompt (a new chat when `chat` is None) and reads its answer stream to the end.
async fn prompt(
    person: usize,
    browser: &reqwest::Client,
    base: &str,
    token: &str,
    chat: Option<&str>,
    text: String,
) -> Attempt {
    let path = chat.map_or_else(
        || "/api/chats".to_owned(),
        |id| format!("/api/chats/{id}/messages"),
    );
    let sent = Instant::now();
    let mut attempt = Attempt {
        person,
        text,
        sent,
        ended: sent,
        status: None,
        error: None,
        chat: chat.map(str::to_owned),
        accepted: None,
        first_token: None,
        saving: None,
        done: None,
        hung: false,
    };
    let deadline = tokio::time::Instant::from_std(sent + ATTEMPT_LIMIT);
    let request = browser
        .post(format!("{base}{path}"))
        .header("x-csrf-token", token)
        .json(&json!({ "prompt": attempt.text, "model": "gpt-4o-mini" }))
        .send();
    let response = match tokio::time::timeout_at(deadline, request).await {
        Err(_) => {
            attempt.hung = true;
            attempt.ended = Instant::now();
            return attempt;
        }
        Ok(Err(error)) => {
            attempt.error = Some(error.to_string());
            attempt.ended = Instant::now();
            return attempt;
        }
        Ok(Ok(response)) => response,
    };
    let status = response.status().as_u16();
    attempt.status = Some(status);
    if status != 200 {
        let body = response.text().await.unwrap_or_default();
        attempt.error = Some(body.chars().take(300).collect());
        attempt.ended = Instant::now();
        return attempt;
    }
    let mut body = response.bytes_stream();
    let mut raw = String::new();
    loop {
        match tokio::time::timeout_at(deadline, body.next()).await {
            Err(_) => {
                attempt.hung = true;
                break;
            }
            Ok(None) => break,
            // A killed instance ends the stream: what was read is what the person saw.
            Ok(Some(Err(error))) => {
                attempt.error = Some(error.to_string());
                break;
            }
            Ok(Some(Ok(chunk))) => raw.push_str(&String::from_utf8_lossy(&chunk)),
        }
        if attempt.first_token.is_none() && raw.contains("event: delta") {
            attempt.first_token = Some(sent.elapsed());
        }
    }
    attempt.ended = Instant::now();
    for (name, data) in parse_sse(&raw) {
        let text = || data["text"].as_str().unwrap_or_default().to_owned();
        match name.as_str() {
            "chat" => attempt.chat = data["id"].as_str().map(str::to_owned),
            "accepted" => {
                attempt.accepted = data["user_message_id"]
                    .as_u64()
                    .zip(data["answer_id"].as_u64());
            }
            "saving" => attempt.saving = Some(text()),
            "done" => {
                let status = data["status"].as_str().unwrap_or_default().to_owned();
                attempt.done = Some((status, text()));
            }
            _ => {}
        }
    }
    attempt
}

/// Turns completed and first-token times in a window of the load.
pub struct Figures {
    pub turns: usize,
    pub seconds: f64,
    pub p50: Duration,
    pub p99: Duration,
}

impl Figures {
    pub fn of(attempts: &[Attempt], from: Instant, to: Instant) -> Figures {
        let turns = attempts
            .iter()
            .filter(|a| a.completed() && a.ended >= from && a.ended <= to)
            .count();
        let mut firsts: Vec<Duration> = attempts
            .iter()
            .filter(|a| a.completed() && a.sent >= from && a.ended <= to)
            .filter_map(|a| a.first_token)
            .collect();
        firsts.sort();
        Figures {
            turns,
            seconds: (to - from).as_secs_f64(),
            p50: percentile(&firsts, 0.5),
            p99: percentile(&firsts, 0.99),
        }
    }

    pub fn per_second(&self) -> f64 {
        self.turns as f64 / self.seconds
    }
}
