//! Small things the cluster test shares: ports, waiting for positive signals, a browser-like
//! client, the SSE and CSRF parsing (copied from `tests/api/helpers.rs`, which others edit).
use std::future::Future;
use std::time::{Duration, Instant};

use reqwest::redirect::Policy;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

/// Polls `done` every 100 ms for up to `within`; `Err` says what did not happen.
pub async fn wait_for<F, Fut>(what: &str, within: Duration, mut done: F) -> Result<Duration, String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while !done().await {
        if started.elapsed() >= within {
            return Err(format!("timed out after {within:?} waiting: {what}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(started.elapsed())
}

/// Waits until `remaining()` is 0; fails only when the count has not gone down for `stall`
/// (the deadline follows the work: a busy machine is slower, not stuck).
pub async fn none_left<F, Fut>(what: &str, stall: Duration, mut remaining: F) -> Result<(), String>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = usize>,
{
    let (mut fewest, mut since) = (usize::MAX, Instant::now());
    loop {
        let left = remaining().await;
        if left == 0 {
            return Ok(());
        }
        if left < fewest {
            (fewest, since) = (left, Instant::now());
        }
        if since.elapsed() >= stall {
            return Err(format!(
                "timed out waiting: {what} ({left} left, none for {stall:?})"
            ));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// A browser-like client: keeps cookies (for every port of 127.0.0.1, as a browser does for one
/// host), does not follow redirects, drops idle connections before the server's keep-alive ends.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .pool_idle_timeout(Duration::from_secs(3))
        .connect_timeout(Duration::from_secs(5))
        .build()
        .expect("client")
}

pub fn csrf_from_html(html: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(r#"meta[name="csrf-token"]"#).ok()?;
    document
        .select(&selector)
        .next()?
        .value()
        .attr("content")
        .map(str::to_owned)
        .filter(|t| !t.is_empty())
}

/// The CSRF token a page hands this client (any page has it in a meta tag).
pub async fn csrf_token(browser: &reqwest::Client, base: &str) -> Result<String, String> {
    let page = browser
        .get(format!("{base}/no-such-page-just-for-a-token"))
        .send()
        .await
        .map_err(|e| format!("page: {e}"))?;
    let status = page.status().as_u16();
    let html = page.text().await.map_err(|e| format!("page: {e}"))?;
    csrf_from_html(&html).ok_or_else(|| format!("no CSRF token in a {status} page"))
}

/// Posts a form with this client's CSRF token, as a browser does.
pub async fn post_form(
    browser: &reqwest::Client,
    base: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> Result<reqwest::Response, String> {
    let token = csrf_token(browser, base).await?;
    let mut form: Vec<(&str, &str)> = fields.to_vec();
    form.push(("csrf", &token));
    browser
        .post(format!("{base}{path}"))
        .form(&form)
        .send()
        .await
        .map_err(|e| format!("POST {path}: {e}"))
}

/// Whole SSE frames in `body` (a frame cut by the end of a chunk is left out).
pub fn parse_sse(body: &str) -> Vec<(String, serde_json::Value)> {
    let whole = &body[..body.rfind("\n\n").map_or(0, |end| end + 2)];
    whole
        .split("\n\n")
        .filter_map(|frame| {
            let mut name = "message".to_owned();
            let mut data = String::new();
            for line in frame.lines() {
                if let Some(n) = line.strip_prefix("event:") {
                    name = n.trim().to_owned();
                } else if let Some(d) = line.strip_prefix("data:") {
                    data.push_str(d.trim_start());
                }
            }
            let value = serde_json::from_str(&data).ok()?;
            Some((name, value))
        })
        .collect()
}

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// The last `lines` lines of a log, for a failure message.
pub fn tail(log: &str, lines: usize) -> String {
    let all: Vec<&str> = log.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
