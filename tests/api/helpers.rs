//! `spawn_app()`: a fresh MySQL database (random name, dropped afterwards), a test SMTP
//! listener, a test OpenAI-compatible upstream and the real app on port 0.
use std::collections::HashMap;
use std::sync::Arc;

use chatbot_factory::clock::ManualClock;
use chatbot_factory::configuration::Settings;
use chatbot_factory::database;
use chatbot_factory::events::EventStore;
use chatbot_factory::startup::Application;
use reqwest::redirect::Policy;
use sqlx::{Connection, MySqlPool};

use crate::smtp::TestSmtp;
use crate::upstream::{API_KEY, TestUpstream};

/// The MySQL/MariaDB server tests use (override with TEST_DATABASE_URL).
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".into())
}

pub fn unique_db_name() -> String {
    format!("cbf_test_{}", uuid::Uuid::new_v4().simple())
}

/// Settings for a test app; `overrides` replace any key.
pub fn test_settings(
    db_name: &str,
    smtp_port: u16,
    upstream: &str,
    overrides: &[(&str, &str)],
) -> Settings {
    let values = test_values(db_name, smtp_port, upstream, overrides);
    Settings::from_map(&values).expect("valid test settings")
}

/// The settings of a test app as `KEY=value` pairs (also the environment of a real binary).
pub fn test_values(
    db_name: &str,
    smtp_port: u16,
    upstream: &str,
    overrides: &[(&str, &str)],
) -> HashMap<String, String> {
    let mut values: HashMap<String, String> = HashMap::from([
        ("DATABASE_URL".into(), format!("{}/{db_name}", server_url())),
        // Each app keeps its PDFs and LanceDB tables in a folder of its own.
        (
            "FILES_DIR".into(),
            std::env::temp_dir()
                .join(format!("cbf-files-{db_name}"))
                .to_string_lossy()
                .into_owned(),
        ),
        ("BIND_ADDR".into(), "127.0.0.1:0".into()),
        ("PUBLIC_URL".into(), "http://127.0.0.1:0".into()),
        ("SESSION_SECRET".into(), "s".repeat(64)),
        ("ADMIN_USERNAME".into(), "admin".into()),
        ("ADMIN_PASSWORD".into(), "admin-password-for-tests".into()),
        ("ADMIN_EMAIL".into(), "admin@example.com".into()),
        ("OPENAI_API_KEY".into(), API_KEY.into()),
        ("OPENAI_BASE_URL".into(), upstream.into()),
        ("OPENAI_MODELS".into(), "gpt-4o-mini,gpt-4o".into()),
        ("LOCAL_MODEL".into(), "off".into()),
        ("SMTP_HOST".into(), "127.0.0.1".into()),
        ("SMTP_PORT".into(), smtp_port.to_string()),
        ("SMTP_TLS".into(), "none".into()),
        (
            "SMTP_FROM".into(),
            "ChatBot Factory <no-reply@example.com>".into(),
        ),
        ("RATE_LIMIT_LOGIN_PER_IP".into(), "1000".into()),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT".into(), "1000".into()),
        ("RATE_LIMIT_REGISTER_PER_IP".into(), "1000".into()),
        ("RATE_LIMIT_FORGOT_PER_IP".into(), "1000".into()),
        ("RATE_LIMIT_FORGOT_PER_ACCOUNT".into(), "1000".into()),
        ("RATE_LIMIT_RESEND_PER_ACCOUNT".into(), "1000".into()),
        ("RATE_LIMIT_PROMPTS_PER_MINUTE".into(), "1000".into()),
        ("RESEND_COOLDOWN_SECS".into(), "0".into()),
        // Tests that count upstream requests expect one per answer; titles have their own tests.
        ("CHAT_MODEL_TITLES".into(), "off".into()),
        ("RUST_LOG".into(), "warn".into()),
    ]);
    for (key, value) in overrides {
        values.insert((*key).into(), (*value).into());
    }
    values
}

pub struct TestApp {
    pub address: String,
    pub db_name: String,
    pub pool: MySqlPool,
    pub api: reqwest::Client,
    pub clock: Arc<ManualClock>,
    pub smtp: TestSmtp,
    pub upstream: TestUpstream,
    pub settings: Settings,
    /// The first app on a database drops it (and its files) at the end; another instance on the
    /// same database (`spawn_app_on`) leaves them.
    pub owns_database: bool,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(&[]).await
}

pub async fn spawn_app_with(overrides: &[(&str, &str)]) -> TestApp {
    init_logs();
    let smtp = TestSmtp::start().await;
    let upstream = TestUpstream::start();
    let db_name = unique_db_name();
    let settings = test_settings(&db_name, smtp.port, &upstream.base_url(), overrides);
    let clock = Arc::new(ManualClock::default());
    let app = Application::build_with(settings.clone(), clock.clone())
        .await
        .expect("app builds");
    let port = app.port();
    let pool = app.pool().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_name,
        pool,
        api: client(),
        clock,
        smtp,
        upstream,
        settings,
        owns_database: true,
    }
}

/// Another instance of the app on `first`'s database, as behind a load balancer: its own
/// server, chat actors and instance id, listening (and reached by the other instances, its
/// INSTANCE_URL) on a port of its own; the same upstream, mail listener, clock, files and
/// browser (`api` shares `first`'s cookies: cookies do not tell ports apart).
pub async fn spawn_app_on(first: &TestApp, overrides: &[(&str, &str)]) -> TestApp {
    let settings = test_settings(
        &first.db_name,
        first.smtp.port,
        &first.upstream.base_url(),
        overrides,
    );
    let app = Application::build_with(settings.clone(), first.clock.clone())
        .await
        .expect("another instance builds");
    let port = app.port();
    let pool = app.pool().clone();
    actix_web::rt::spawn(app.run_until_stopped());
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        db_name: first.db_name.clone(),
        pool,
        api: first.api.clone(),
        clock: first.clock.clone(),
        smtp: first.smtp.clone(),
        upstream: first.upstream.clone(),
        settings,
        owns_database: false,
    }
}

/// A browser-like client: keeps cookies, does not follow redirects. An idle connection is
/// dropped after 3 s, before the server's 5 s keep-alive closes it: reusing one the server is
/// closing at that moment fails with `IncompleteMessage` (seen once in the soak test).
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .pool_idle_timeout(std::time::Duration::from_secs(3))
        .build()
        .expect("client")
}

fn init_logs() {
    let filter = std::env::var("TEST_LOG").unwrap_or_else(|_| "error".into());
    chatbot_factory::telemetry::init(&filter, false);
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.address)
    }

    pub fn store(&self) -> EventStore {
        EventStore::new(
            self.pool.clone(),
            self.clock.clone(),
            chatbot_factory::projections(),
        )
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.get_with(&self.api, path).await
    }

    pub async fn get_with(&self, client: &reqwest::Client, path: &str) -> reqwest::Response {
        client.get(self.url(path)).send().await.expect("request")
    }

    pub async fn get_html(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("body")
    }

    /// The CSRF token the app handed this client (from any page's meta tag).
    pub async fn csrf_token(&self) -> String {
        self.csrf_token_with(&self.api).await
    }

    pub async fn csrf_token_with(&self, client: &reqwest::Client) -> String {
        let html = self
            .get_with(client, "/no-such-page-just-for-a-token")
            .await
            .text()
            .await
            .expect("body");
        csrf_from_html(&html).expect("csrf token in page")
    }

    /// Posts a form with this client's CSRF token added.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> reqwest::Response {
        self.post_form_with(&self.api, path, fields).await
    }

    pub async fn post_form_with(
        &self,
        client: &reqwest::Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> reqwest::Response {
        let token = self.csrf_token_with(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &token));
        client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .expect("request")
    }

    pub async fn register_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        email: &str,
        password: &str,
    ) -> reqwest::Response {
        let fields = [
            ("username", username),
            ("email", email),
            ("password", password),
            ("password_confirm", password),
        ];
        self.post_form_with(client, "/register", &fields).await
    }

    pub async fn register(&self, username: &str, email: &str, password: &str) -> reqwest::Response {
        self.register_with(&self.api, username, email, password)
            .await
    }

    pub async fn login_with(
        &self,
        client: &reqwest::Client,
        login: &str,
        password: &str,
    ) -> reqwest::Response {
        self.post_form_with(
            client,
            "/login",
            &[("login", login), ("password", password)],
        )
        .await
    }

    pub async fn login(&self, login: &str, password: &str) -> reqwest::Response {
        self.login_with(&self.api, login, password).await
    }

    /// The path and query of the `n`-th mailed link to `to` that starts with `path`.
    pub async fn mailed_link(&self, to: &str, path: &str, n: usize) -> String {
        let mail = self.smtp.wait_for(to, n).await;
        let prefix = format!(
            "{}{}",
            self.settings
                .server
                .public_url
                .as_str()
                .trim_end_matches('/'),
            path
        );
        let link = mail
            .link(&prefix)
            .unwrap_or_else(|| panic!("no {prefix} link in {}", mail.text));
        link.trim_start_matches(
            self.settings
                .server
                .public_url
                .as_str()
                .trim_end_matches('/'),
        )
        .to_owned()
    }

    /// Registers, verifies the e-mail and stays logged in on `client`; returns the user id.
    pub async fn verified_user_with(
        &self,
        client: &reqwest::Client,
        username: &str,
        password: &str,
    ) -> String {
        let email = format!("{username}@example.com");
        let response = self.register_with(client, username, &email, password).await;
        assert_eq!(response.status(), 303, "registration of {username} failed");
        let link = self.mailed_link(&email, "/verify", 1).await;
        assert_eq!(self.get_with(client, &link).await.status(), 200);
        self.user_id(username).await
    }

    pub async fn verified_user(&self, username: &str, password: &str) -> String {
        self.verified_user_with(&self.api, username, password).await
    }

    /// `replay --verify`: every projection equals a rebuild from the log.
    pub async fn assert_projections_match_the_log(&self) {
        let report = chatbot_factory::events::replay::verify(
            &self.settings.database,
            &self.pool,
            &chatbot_factory::projections(),
        )
        .await
        .expect("verify runs");
        assert!(report.identical(), "{report:#?}");
    }

    pub async fn user_id(&self, username: &str) -> String {
        sqlx::query_scalar("SELECT id FROM `user` WHERE username = ?")
            .bind(username)
            .fetch_one(&self.pool)
            .await
            .expect("user exists")
    }

    /// The account use cases, as the app's handlers call them.
    pub fn accounts(&self) -> chatbot_factory::accounts::Accounts {
        let mailer = chatbot_factory::mail::Mailer::new(
            &self.settings.email,
            &self.settings.server.files_dir,
        )
        .expect("mailer");
        let rules = chatbot_factory::accounts::AccountRules::from_settings(&self.settings);
        chatbot_factory::accounts::Accounts::new(
            self.pool.clone(),
            self.store(),
            self.clock.clone(),
            mailer,
            rules,
        )
    }
}

pub const PASSWORD: &str = "quiet-lantern-orbit-77";

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

pub fn location(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if !self.owns_database {
            return;
        }
        // The app's own folder of PDFs and LanceDB tables.
        let _ = std::fs::remove_dir_all(&self.settings.server.files_dir);
        let name = self.db_name.clone();
        // Dropping needs async I/O; do it on a separate thread with its own runtime (open
        // idle connections of the app's pool do not block DROP DATABASE).
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            runtime.block_on(async move {
                let url = format!("{}/{name}", server_url());
                // The app's pool may still hold connections (idle or mid-request): end them so
                // DROP DATABASE never waits on a metadata lock.
                if let Ok(mut conn) =
                    sqlx::mysql::MySqlConnection::connect(&format!("{}/mysql", server_url())).await
                {
                    let ids: Vec<u64> = sqlx::query_scalar(
                        "SELECT ID FROM information_schema.PROCESSLIST WHERE DB = ?",
                    )
                    .bind(&name)
                    .fetch_all(&mut conn)
                    .await
                    .unwrap_or_default();
                    for id in ids {
                        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("KILL {id}")))
                            .execute(&mut conn)
                            .await;
                    }
                }
                let _ = database::drop_database(&url, &name).await;
            });
        })
        .join();
    }
}

/// A whole SSE answer as the browser receives it.
#[derive(Debug)]
pub struct Sse {
    pub status: u16,
    pub events: Vec<(String, serde_json::Value)>,
    /// The JSON error body when the request was refused.
    pub error: Option<serde_json::Value>,
}

impl Sse {
    pub fn first(&self, name: &str) -> Option<&serde_json::Value> {
        self.events.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub fn done(&self) -> &serde_json::Value {
        self.first("done")
            .unwrap_or_else(|| panic!("no done event in {self:?}"))
    }

    pub fn text(&self) -> String {
        self.events
            .iter()
            .filter(|(n, _)| n == "delta")
            .map(|(_, v)| v["text"].as_str().unwrap_or_default())
            .collect()
    }

    pub fn chat_id(&self) -> String {
        self.first("chat")
            .and_then(|c| c["id"].as_str())
            .expect("chat event")
            .to_owned()
    }
}

pub fn parse_sse(body: &str) -> Vec<(String, serde_json::Value)> {
    body.split("\n\n")
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
            (!data.is_empty()).then(|| (name, serde_json::from_str(&data).expect("json data")))
        })
        .collect()
}

impl TestApp {
    /// Sends JSON with the CSRF header, as the chat page's script does.
    pub async fn api_send(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> reqwest::Response {
        let token = self.csrf_token_with(client).await;
        let mut request = client
            .request(method, self.url(path))
            .header("x-csrf-token", token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        request.send().await.expect("request")
    }

    async fn read_sse(response: reqwest::Response) -> Sse {
        let status = response.status().as_u16();
        if status != 200 {
            let error = response.json().await.ok();
            return Sse {
                status,
                events: Vec::new(),
                error,
            };
        }
        let body = response.text().await.expect("sse body");
        Sse {
            status,
            events: parse_sse(&body),
            error: None,
        }
    }

    /// Sends a prompt (a new chat when `chat_id` is `None`) and reads the answer to the end.
    pub async fn prompt_with(
        &self,
        client: &reqwest::Client,
        chat_id: Option<&str>,
        text: &str,
        model: &str,
    ) -> Sse {
        let path = match chat_id {
            Some(id) => format!("/api/chats/{id}/messages"),
            None => "/api/chats".to_owned(),
        };
        let body = serde_json::json!({ "prompt": text, "model": model });
        Self::read_sse(
            self.api_send(client, reqwest::Method::POST, &path, Some(body))
                .await,
        )
        .await
    }

    pub async fn prompt(&self, chat_id: Option<&str>, text: &str) -> Sse {
        self.prompt_with(&self.api, chat_id, text, "gpt-4o-mini")
            .await
    }

    pub async fn regenerate(&self, chat_id: &str) -> Sse {
        self.regenerate_with(chat_id, "gpt-4o-mini").await
    }

    pub async fn regenerate_with(&self, chat_id: &str, model: &str) -> Sse {
        let body = serde_json::json!({ "model": model });
        Self::read_sse(
            self.api_send(
                &self.api,
                reqwest::Method::POST,
                &format!("/api/chats/{chat_id}/regenerate"),
                Some(body),
            )
            .await,
        )
        .await
    }

    /// Rewrites the prompt `message_id` of a chat and reads the new answer to the end.
    pub async fn edit_prompt_with(
        &self,
        client: &reqwest::Client,
        chat_id: &str,
        message_id: u64,
        text: &str,
    ) -> Sse {
        let body = serde_json::json!({ "prompt": text, "model": "gpt-4o-mini" });
        Self::read_sse(
            self.api_send(
                client,
                reqwest::Method::POST,
                &format!("/api/chats/{chat_id}/messages/{message_id}/edit"),
                Some(body),
            )
            .await,
        )
        .await
    }

    /// `(role, content, status)` of every message of a chat, in order.
    pub async fn history(&self, chat_id: &str) -> Vec<(String, String, String)> {
        sqlx::query_as(
            "SELECT role, content, status FROM chat_history WHERE chat_id = ? ORDER BY `rank`",
        )
        .bind(chat_id)
        .fetch_all(&self.pool)
        .await
        .expect("history")
    }

    pub async fn event_types(&self, chat_id: &str) -> Vec<String> {
        sqlx::query_scalar("SELECT event_type FROM event WHERE stream_id = ? ORDER BY sequence")
            .bind(chat_id)
            .fetch_all(&self.pool)
            .await
            .expect("events")
    }

    /// Waits until the chat's last message is no longer being written.
    pub async fn settled(&self, chat_id: &str) -> Vec<(String, String, String)> {
        eventually(&format!("chat {chat_id} to settle"), || async {
            self.history(chat_id)
                .await
                .last()
                .is_some_and(|(_, _, status)| status != "streaming")
        })
        .await;
        self.history(chat_id).await
    }
}

/// An answer being streamed to this test, read as far as the test wants.
pub struct LiveAnswer {
    body: futures::stream::BoxStream<'static, reqwest::Result<bytes::Bytes>>,
    pub seen: String,
}

impl LiveAnswer {
    /// The body of a streamed response, unread.
    pub fn of(response: reqwest::Response) -> LiveAnswer {
        use futures::StreamExt;
        LiveAnswer {
            body: response.bytes_stream().boxed(),
            seen: String::new(),
        }
    }

    /// Reads one more piece of the stream.
    pub async fn next(&mut self) {
        use futures::StreamExt;
        let chunk = self
            .body
            .next()
            .await
            .expect("the stream ended early")
            .expect("chunk");
        self.seen.push_str(&String::from_utf8_lossy(&chunk));
    }

    /// Reads until `needle` has been received.
    pub async fn until(&mut self, needle: &str) {
        use futures::StreamExt;
        while !self.seen.contains(needle) {
            let chunk = self
                .body
                .next()
                .await
                .expect("the stream ended early")
                .expect("chunk");
            self.seen.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Reads to the end and returns the `done` event.
    pub async fn finish(&mut self) -> serde_json::Value {
        use futures::StreamExt;
        while let Some(chunk) = self.body.next().await {
            self.seen
                .push_str(&String::from_utf8_lossy(&chunk.expect("chunk")));
        }
        parse_sse(&self.seen)
            .into_iter()
            .find(|(n, _)| n == "done")
            .expect("a done event")
            .1
    }

    pub fn chat_id(&self) -> String {
        parse_sse(&self.seen)[0].1["id"]
            .as_str()
            .expect("chat event")
            .to_owned()
    }
}

impl TestApp {
    /// Sends the first prompt of a new chat and returns its answer stream, unread.
    pub async fn start_prompt(&self, text: &str, model: &str) -> LiveAnswer {
        self.start_prompt_in(None, text, model).await
    }

    /// Sends a prompt (to a chat, or starting one) and returns its answer stream, unread.
    pub async fn start_prompt_in(&self, chat: Option<&str>, text: &str, model: &str) -> LiveAnswer {
        use futures::StreamExt;
        let token = self.csrf_token().await;
        let path = match chat {
            Some(id) => format!("/api/chats/{id}/messages"),
            None => "/api/chats".to_owned(),
        };
        let response = self
            .api
            .post(self.url(&path))
            .header("x-csrf-token", token)
            .json(&serde_json::json!({ "prompt": text, "model": model }))
            .send()
            .await
            .expect("request");
        LiveAnswer {
            body: response.bytes_stream().boxed(),
            seen: String::new(),
        }
    }
}

impl TestApp {
    /// A client logged in as the main admin (credentials from the test settings).
    pub async fn admin_client(&self) -> reqwest::Client {
        let admin = client();
        let fields = [
            ("username", "admin"),
            ("password", "admin-password-for-tests"),
        ];
        let response = self.post_form_with(&admin, "/admin/login", &fields).await;
        assert_eq!(location(&response), "/admin");
        admin
    }
}

/// Polls `done` every 20 ms until it holds; fails the test with `what` after 10 s.
pub async fn eventually<F, Fut>(what: &str, done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    eventually_within(what, std::time::Duration::from_secs(10), done).await;
}

/// Polls `done` every 20 ms until it holds; fails the test with `what` after `limit`.
pub async fn eventually_within<F, Fut>(what: &str, limit: std::time::Duration, mut done: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + limit;
    while !done().await {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting: {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Tests that time the CPU (the local model's long prompt) and tests that keep every core busy
/// for a minute (embedding a PDF with the local model) take turns, so neither measures the other.
pub static CPU_HEAVY: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Where the app keeps model weights by default (`MODEL_CACHE_DIR`'s default), for tests that
/// load the local models without an app.
pub fn model_cache_dir() -> std::path::PathBuf {
    chatbot_factory::configuration::Settings::from_map(&std::collections::HashMap::from([
        ("DATABASE_URL".to_owned(), "mysql://x@y/z".to_owned()),
        ("SESSION_SECRET".to_owned(), "s".repeat(64)),
        (
            "ADMIN_PASSWORD".to_owned(),
            "Unused-admin-password-9f3k".to_owned(),
        ),
    ]))
    .unwrap()
    .llm
    .model_cache_dir
}
