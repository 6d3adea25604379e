//! Instances that agree, checked through their own addresses (not nginx): a block made on A
//! refuses the user on B within a second and stops the user's answer streaming on B; an answer
//! streaming on A is followed live and stopped through B. Each check returns what it measured,
//! or what went wrong.
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::BoxStream;
use serde_json::json;

use super::support::{csrf_token, parse_sse, post_form};

/// An answer long enough to act on while it streams (about 40 pieces).
pub const LONG_PROMPT: &str = "please describe Tashkent Samarkand Bukhara Khiva Namangan Andijan \
     Fergana Nukus Termez Karshi Jizzakh Navoi Gulistan Urgench Margilan Kokand Chirchiq Angren \
     Almalyk Bekabad Denau Shahrisabz Kitab Muynak Zarafshan Uchkuduk Gazli Kagan Vobkent \
     Gijduvan and their markets";

/// An answer stream read as far as the check wants.
pub struct Live {
    body: BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    pub raw: String,
}

impl Live {
    pub async fn open(response: reqwest::Response) -> Result<Live, String> {
        let status = response.status().as_u16();
        if status != 200 {
            let body = response.text().await.unwrap_or_default();
            return Err(format!("status {status}: {body}"));
        }
        Ok(Live {
            body: response.bytes_stream().boxed(),
            raw: String::new(),
        })
    }

    /// Reads until `needle` arrived, for at most `within`.
    pub async fn until(&mut self, needle: &str, within: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        while !self.raw.contains(needle) {
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Err(_) => return Err(format!("no {needle:?} within {within:?}: {}", self.raw)),
                Ok(None) => {
                    return Err(format!("the stream ended before {needle:?}: {}", self.raw));
                }
                Ok(Some(Err(e))) => return Err(format!("the stream broke: {e}")),
                Ok(Some(Ok(chunk))) => self.raw.push_str(&String::from_utf8_lossy(&chunk)),
            }
        }
        Ok(())
    }

    /// Reads to the end (at most `within`) and returns `done`.
    pub async fn done(&mut self, within: Duration) -> Result<serde_json::Value, String> {
        self.until("event: done", within).await?;
        // The frame may still be arriving.
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some((_, done)) = parse_sse(&self.raw).into_iter().find(|(n, _)| n == "done") {
                return Ok(done);
            }
            match tokio::time::timeout_at(deadline, self.body.next()).await {
                Ok(Some(Ok(chunk))) => self.raw.push_str(&String::from_utf8_lossy(&chunk)),
                _ => return Err(format!("no whole done event: {}", self.raw)),
            }
        }
    }

    pub fn chat_id(&self) -> Option<String> {
        parse_sse(&self.raw)
            .into_iter()
            .find(|(n, _)| n == "chat")
            .and_then(|(_, v)| v["id"].as_str().map(str::to_owned))
    }

    pub fn text(&self) -> String {
        parse_sse(&self.raw)
            .iter()
            .filter(|(n, _)| n == "delta")
            .map(|(_, v)| v["text"].as_str().unwrap_or_default().to_owned())
            .collect()
    }
}

/// Sends the first prompt of a new chat through `base` and returns its stream once the first
/// piece of the answer arrived.
pub async fn start_answer(browser: &reqwest::Client, base: &str) -> Result<Live, String> {
    let token = csrf_token(browser, base).await?;
    let response = browser
        .post(format!("{base}/api/chats"))
        .header("x-csrf-token", token)
        .json(&json!({ "prompt": LONG_PROMPT, "model": "gpt-4o-mini" }))
        .send()
        .await
        .map_err(|e| format!("prompt: {e}"))?;
    let mut live = Live::open(response).await?;
    live.until("event: delta", Duration::from_secs(30)).await?;
    Ok(live)
}

/// The admin, logged in through `base`.
pub async fn admin(base: &str) -> Result<reqwest::Client, String> {
    let admin = super::support::client();
    let fields = [
        ("username", "admin"),
        ("password", "admin-password-for-tests"),
    ];
    let response = post_form(&admin, base, "/admin/login", &fields).await?;
    if response.status() != 303 {
        return Err(format!("admin login: {}", response.status()));
    }
    Ok(admin)
}

/// A user whose answer streams on B is blocked through A: the user's next request to B is
/// refused within a second, and the answer streaming on B stops.
pub async fn block(
    user: &reqwest::Client,
    user_id: &str,
    a: &str,
    b: &str,
) -> Result<String, String> {
    let mut live = start_answer(user, b).await?;
    let admin = admin(a).await?;
    let blocked_at = Instant::now();
    let response = post_form(
        &admin,
        a,
        &format!("/admin/users/{user_id}/block"),
        &[("reason", "Cluster test")],
    )
    .await?;
    if response.status() != 303 {
        return Err(format!("block through A: {}", response.status()));
    }
    let block_took = blocked_at.elapsed();
    // The user's next request through B, then more until refused (at most a second).
    let refused_after = loop {
        let status = user
            .get(format!("{b}/api/chats"))
            .send()
            .await
            .map_err(|e| format!("request to B: {e}"))?
            .status()
            .as_u16();
        if status == 403 || status == 401 {
            break blocked_at.elapsed();
        }
        if blocked_at.elapsed() > block_took + Duration::from_secs(1) {
            return Err(format!(
                "B still served the blocked user (status {status}) 1 s after the block"
            ));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let done = live
        .done(Duration::from_secs(10))
        .await
        .map_err(|e| format!("the answer streaming on B did not end after the block on A: {e}"))?;
    if done["status"] != "stopped" {
        return Err(format!("the answer on B ended {done} after the block on A"));
    }
    Ok(format!(
        "block through A ({:.0} ms) refused the user on B {:.0} ms after it was sent, and stopped \
         the user's answer streaming on B",
        block_took.as_secs_f64() * 1000.0,
        refused_after.as_secs_f64() * 1000.0
    ))
}

/// An answer streaming on A, followed through B (`GET /api/chats/{id}/stream`): B's stream
/// carries the rest of it and the same `done`.
pub async fn follow(user: &reqwest::Client, a: &str, b: &str) -> Result<String, String> {
    let mut live = start_answer(user, a).await?;
    let chat = live.chat_id().ok_or("no chat event")?;
    let response = user
        .get(format!("{b}/api/chats/{chat}/stream"))
        .send()
        .await
        .map_err(|e| format!("follow through B: {e}"))?;
    if response.status() == 204 {
        return Err(
            "B says no answer is being written (204): it does not follow A's answer".into(),
        );
    }
    let mut follower = Live::open(response).await?;
    let followed = follower.done(Duration::from_secs(60)).await?;
    let original = live.done(Duration::from_secs(60)).await?;
    let expected = format!("You said: {LONG_PROMPT}");
    if original["status"] != "complete" || original["text"] != expected.as_str() {
        return Err(format!("the answer on A ended {original}"));
    }
    if followed["status"] != "complete" || followed["text"] != original["text"] {
        return Err(format!(
            "B's follower got {followed}, A's stream {original}"
        ));
    }
    let pieces = parse_sse(&follower.raw)
        .iter()
        .filter(|(n, _)| n == "delta")
        .count();
    if pieces < 2 {
        return Err(format!(
            "B's follower got {pieces} pieces before done: not live"
        ));
    }
    Ok(format!(
        "an answer streaming on A followed through B: {pieces} live pieces, the same complete text"
    ))
}

/// An answer streaming on A, stopped through B (`POST /api/chats/{id}/stop`).
pub async fn stop(user: &reqwest::Client, a: &str, b: &str) -> Result<String, String> {
    let mut live = start_answer(user, a).await?;
    let chat = live.chat_id().ok_or("no chat event")?;
    let token = csrf_token(user, b).await?;
    let asked = Instant::now();
    let response = user
        .post(format!("{b}/api/chats/{chat}/stop"))
        .header("x-csrf-token", token)
        .send()
        .await
        .map_err(|e| format!("stop through B: {e}"))?;
    let status = response.status().as_u16();
    let body: serde_json::Value = response.json().await.unwrap_or_default();
    if status != 200 || body["stopped"] != true {
        return Err(format!("stop through B answered {status} {body}"));
    }
    let done = live.done(Duration::from_secs(10)).await?;
    let stopped_after = asked.elapsed();
    if done["status"] != "stopped" {
        return Err(format!(
            "the answer on A ended {done} after a stop through B"
        ));
    }
    let shown = live.text();
    if done["text"].as_str() != Some(shown.as_str()) {
        return Err(format!(
            "the stopped answer keeps {} but the stream showed {shown:?}",
            done["text"]
        ));
    }
    Ok(format!(
        "an answer streaming on A stopped through B in {:.0} ms, kept as the stream showed it",
        stopped_after.as_secs_f64() * 1000.0
    ))
}
