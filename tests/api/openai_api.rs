//! The OpenAI-compatible API as its users reach it: a personal key made on the profile page,
//! then real clients — the `async-openai` crate, plain HTTP (curl's view), the README's curl
//! example run verbatim and the official `openai` Python package when it is installed — list
//! the models, stream and fetch answers (a PDF model's with its sources), and hit every error.
//! Each call is an API chat in the log, counted on the dashboard and on its key.
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::types::chat::{
    ChatCompletionRequestSystemMessage, ChatCompletionRequestUserMessage,
    ChatCompletionStreamOptions, CreateChatCompletionRequest,
};
use futures::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, client, spawn_app_with};
use crate::pdf_models::EMBEDDINGS;
use crate::upstream::Reply;

/// A `cbf-` secret as the profile shows it once.
fn secret_in(html: &str) -> Option<String> {
    let start = html.find("cbf-")?;
    let secret: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    (secret.len() == 4 + 43).then_some(secret)
}

impl TestApp {
    /// Makes a key on the profile page (as a person does) and returns the secret shown once.
    pub async fn create_api_key(&self, user: &reqwest::Client, name: &str) -> String {
        let response = self
            .post_form_with(
                user,
                "/profile/api-keys",
                &[("name", name), ("expires", "never")],
            )
            .await;
        let status = response.status();
        let html = if status == 303 {
            let to = crate::helpers::location(&response);
            self.get_with(user, &to).await.text().await.unwrap()
        } else {
            response.text().await.unwrap()
        };
        assert!(status.is_success() || status == 303, "{status}: {html}");
        secret_in(&html).unwrap_or_else(|| panic!("no secret shown: {html}"))
    }

    /// A verified user with a logged-in browser and one API key.
    pub async fn api_user(&self, username: &str) -> (reqwest::Client, String) {
        let browser = client();
        self.verified_user_with(&browser, username, PASSWORD).await;
        assert_eq!(
            self.login_with(&browser, username, PASSWORD).await.status(),
            303
        );
        let key = self.create_api_key(&browser, "laptop").await;
        (browser, key)
    }

    fn openai(&self, key: &str) -> Client<OpenAIConfig> {
        Client::with_config(
            OpenAIConfig::new()
                .with_api_key(key)
                .with_api_base(self.url("/v1")),
        )
    }

    async fn v1(&self, key: Option<&str>, path: &str, body: Option<Value>) -> reqwest::Response {
        let mut request = match &body {
            Some(body) => reqwest::Client::new().post(self.url(path)).json(body),
            None => reqwest::Client::new().get(self.url(path)),
        };
        if let Some(key) = key {
            request = request.bearer_auth(key);
        }
        request.send().await.expect("request")
    }
}

fn request(model: &str, system: &str, prompt: &str) -> CreateChatCompletionRequest {
    CreateChatCompletionRequest {
        model: model.into(),
        messages: vec![
            ChatCompletionRequestSystemMessage::from(system).into(),
            ChatCompletionRequestUserMessage::from(prompt).into(),
        ],
        ..Default::default()
    }
}

async fn error_of(response: reqwest::Response) -> (u16, Value) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("a JSON error body");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert!(body["error"]["type"].is_string(), "{body}");
    (status, body)
}

#[actix_web::test]
async fn async_openai_lists_models_and_gets_answers_streamed_and_whole_saved_as_api_chats() {
    let app = spawn_app_with(&[]).await;
    let (browser, key) = app.api_user("aziza").await;
    let openai = app.openai(&key);

    let models = openai.models().list().await.expect("models");
    let ids: Vec<&str> = models.data.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["gpt-4o-mini", "gpt-4o"], "the picker's models");

    // Whole: the client's system message reaches the model after the site's own.
    let whole = openai
        .chat()
        .create(request(
            "gpt-4o-mini",
            "Answer like a poet.",
            "Tell me about Samarkand",
        ))
        .await
        .expect("a completion");
    assert_eq!(
        whole.choices[0].message.content.as_deref(),
        Some("You said: Tell me about Samarkand")
    );
    let usage = whole.usage.expect("usage");
    assert!(usage.prompt_tokens > 0 && usage.completion_tokens > 0);
    let sent = app.upstream.requests().last().cloned().unwrap();
    let roles: Vec<&str> = sent["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["role"].as_str().unwrap())
        .collect();
    assert_eq!(roles, ["system", "system", "user"], "{sent}");
    assert_eq!(sent["messages"][1]["content"], "Answer like a poet.");

    // Streamed, with the usage chunk asked for.
    let mut streamed = request("gpt-4o", "Be brief.", "Bukhara has many domes");
    streamed.stream_options = Some(ChatCompletionStreamOptions {
        include_usage: Some(true),
        ..Default::default()
    });
    let mut stream = openai
        .chat()
        .create_stream(streamed)
        .await
        .expect("a stream");
    let (mut text, mut finish, mut usage) = (String::new(), None, None);
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.expect("a chunk");
        for choice in &chunk.choices {
            text.push_str(choice.delta.content.as_deref().unwrap_or_default());
            finish = finish.or(choice.finish_reason);
        }
        usage = usage.or(chunk.usage);
    }
    assert_eq!(text, "You said: Bukhara has many domes");
    assert!(finish.is_some(), "a finish reason came");
    assert!(
        usage.is_some_and(|u| u.total_tokens > 0),
        "the usage chunk came"
    );

    // Both are API chats of the owner: in the log, not in the sidebar, under the API filter.
    let sources: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT source, api_key FROM chat ORDER BY date")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(sources.len(), 2);
    assert!(sources.iter().all(|(s, k)| s == "api" && k.is_some()));
    let sidebar: Value = app
        .get_with(&browser, "/api/chats")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sidebar["chats"].as_array().unwrap().len(), 0, "{sidebar}");
    let api_chats: Value = app
        .get_with(&browser, "/api/chats?source=api")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        api_chats["chats"].as_array().unwrap().len(),
        2,
        "{api_chats}"
    );

    // The API keys page lists them, linked.
    let keys_page = app
        .get_with(&browser, "/profile/api-keys")
        .await
        .text()
        .await
        .unwrap();
    let listed = keys_page
        .split(r#"id="api-chats""#)
        .nth(1)
        .expect("the API chats");
    assert!(
        listed.contains("Tell me about Samarkand") && listed.contains("href=\"/c/"),
        "{listed}"
    );

    // Counted: on the key, and on the admin's dashboard (today and all time).
    let (prompts, tokens): (u32, u64) =
        sqlx::query_as("SELECT prompts, completion_tokens FROM api_key")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(prompts, 2);
    assert!(tokens > 0);
    let admin = app.admin_client().await;
    let dashboard = app.get_with(&admin, "/admin").await.text().await.unwrap();
    let tile = dashboard
        .split(r#"data-stat="api_prompts""#)
        .nth(1)
        .expect("the API prompts tile");
    assert!(tile.contains(r#"data-value="2""#), "{tile}");
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn a_growing_conversation_continues_its_chat_with_x_chat_id() {
    let app = spawn_app_with(&[]).await;
    let (_, key) = app.api_user("bekzod").await;
    let first = app
        .v1(
            Some(&key),
            "/v1/chat/completions",
            Some(json!({"model": "gpt-4o-mini", "messages": [
                {"role": "user", "content": "My name is Bekzod"}]})),
        )
        .await;
    assert_eq!(first.status(), 200);
    let chat_id = first.headers()["x-chat-id"].to_str().unwrap().to_owned();
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["chat_id"], chat_id);
    assert_eq!(first["object"], "chat.completion");
    let answer = first["choices"][0]["message"]["content"].as_str().unwrap();

    // The client resends the conversation so far with the next question, naming the chat.
    let second = reqwest::Client::new()
        .post(app.url("/api/v1/chat/completions"))
        .bearer_auth(&key)
        .header("X-Chat-Id", &chat_id)
        .json(&json!({"model": "gpt-4o-mini", "messages": [
            {"role": "user", "content": "My name is Bekzod"},
            {"role": "assistant", "content": answer},
            {"role": "user", "content": "What is my name?"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 200);
    assert_eq!(second.headers()["x-chat-id"], chat_id.as_str());
    let history = app.history(&chat_id).await;
    let texts: Vec<&str> = history.iter().map(|(_, text, _)| text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "My name is Bekzod",
            "You said: My name is Bekzod",
            "What is my name?",
            "You said: What is my name?"
        ]
    );
    // The model saw the whole conversation.
    let sent = app.upstream.requests().last().cloned().unwrap();
    assert_eq!(sent["messages"].as_array().unwrap().len(), 4, "{sent}");

    // Someone else's key cannot continue it: 404, and nothing is added.
    let (_, other) = app.api_user("malika").await;
    let stranger = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&other)
        .header("X-Chat-Id", &chat_id)
        .json(&json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(stranger).await.0, 404);
    assert_eq!(app.history(&chat_id).await.len(), 4);
}

#[actix_web::test]
async fn bad_calls_get_openai_shaped_errors_with_the_right_status() {
    let app = spawn_app_with(&[("DAILY_PROMPT_QUOTA", "2")]).await;
    let (browser, key) = app.api_user("nodira").await;
    let chat = |body: Value| app.v1(Some(&key), "/v1/chat/completions", Some(body));

    // No key, a wrong key, a key of another format: 401.
    for key in [None, Some("cbf-not-a-real-key"), Some("sk-something")] {
        let (status, body) = error_of(app.v1(key, "/v1/models", None).await).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (401, Some("invalid_api_key"))
        );
    }
    // An unknown model: 404 model_not_found.
    let (status, body) = error_of(
        chat(json!({"model": "gpt-9", "messages": [{"role": "user", "content": "hi"}]})).await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("model_not_found"))
    );
    // Bodies that are not a chat: 400.
    for body in [
        json!({"model": "gpt-4o-mini"}),
        json!({"model": "gpt-4o-mini", "messages": []}),
        json!({"model": "gpt-4o-mini", "messages": [{"role": "assistant", "content": "hi"}]}),
        json!({"model": "gpt-4o-mini", "messages": [{"role": "tool", "content": "x"}]}),
        json!({"model": "gpt-4o-mini", "temperature": 7, "messages": [{"role": "user", "content": "hi"}]}),
    ] {
        assert_eq!(error_of(chat(body).await).await.0, 400);
    }
    let broken = reqwest::Client::new()
        .post(app.url("/v1/chat/completions"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(error_of(broken).await.0, 400);
    assert_eq!(
        error_of(app.v1(Some(&key), "/v1/nothing", None).await)
            .await
            .0,
        404
    );
    // A model id that cannot be one is answered as an unknown model is.
    let (status, body) =
        error_of(app.v1(Some(&key), "/v1/models/pdf:not-a-uuid", None).await).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("model_not_found"))
    );
    assert_eq!(
        app.upstream.requests().len(),
        0,
        "nothing reached the model"
    );

    // The daily quota holds for API calls: the third prompt today is refused with Retry-After.
    for _ in 0..2 {
        let ok =
            chat(json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}))
                .await;
        assert_eq!(ok.status(), 200);
    }
    let over =
        chat(json!({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}))
            .await;
    let retry_after: u64 = over.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(retry_after > 0);
    assert_eq!(error_of(over).await.0, 429);

    // Revoked on the profile: refused at once.
    let page = app
        .get_with(&browser, "/profile/api-keys")
        .await
        .text()
        .await
        .unwrap();
    assert!(!page.contains(&key), "the secret is never shown again");
    let key_id: String = sqlx::query_scalar("SELECT id FROM api_key")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let revoked = app
        .post_form_with(&browser, &format!("/profile/api-keys/{key_id}/revoke"), &[])
        .await;
    assert!(revoked.status().is_success() || revoked.status() == 303);
    let (status, _) = error_of(app.v1(Some(&key), "/v1/models", None).await).await;
    assert_eq!(status, 401);
}

#[actix_web::test]
async fn a_blocked_owner_is_refused_at_once_with_the_reason() {
    let app = spawn_app_with(&[]).await;
    let (_, key) = app.api_user("sardor").await;
    assert_eq!(app.v1(Some(&key), "/v1/models", None).await.status(), 200);
    let user_id = app.user_id("sardor").await;
    let admin = app.admin_client().await;
    let blocked = app
        .post_form_with(
            &admin,
            &format!("/admin/users/{user_id}/block"),
            &[("reason", "spam through the API")],
        )
        .await;
    assert_eq!(blocked.status(), 303);
    let (status, body) = error_of(app.v1(Some(&key), "/v1/models", None).await).await;
    assert_eq!(status, 403);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spam through the API")
    );
}

#[actix_web::test]
async fn a_pdf_model_answers_through_the_api_with_its_sources_and_embeddings_match_the_site() {
    let app = spawn_app_with(EMBEDDINGS).await;
    let (_, key) = app.api_user("dilnoza").await;
    let admin = app.admin_client().await;
    let id = app
        .create_model(&admin, "Archive guide", "multilingual.pdf")
        .await;
    app.model_reaches(&admin, &id, "ready").await;
    let model = format!("pdf:{id}");
    let openai = app.openai(&key);
    let listed = |models: &async_openai::types::models::ListModelResponse| {
        models.data.iter().any(|m| m.id == model)
    };
    assert!(
        !listed(&openai.models().list().await.unwrap()),
        "not launched yet"
    );
    let launched = app
        .post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    assert_eq!(launched.status(), 303);
    assert!(listed(&openai.models().list().await.unwrap()));

    app.upstream.push(Reply::text("Под синим камнем [S1]."));
    let response = app
        .v1(
            Some(&key),
            "/v1/chat/completions",
            Some(json!({"model": model, "stream": true, "messages": [
                {"role": "user", "content": "Где хранится ключ от архива?"}]})),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let body = response.text().await.unwrap();
    let chunks: Vec<Value> = body
        .lines()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter(|data| *data != "[DONE]")
        .map(|data| serde_json::from_str(data).unwrap())
        .collect();
    assert!(body.trim_end().ends_with("data: [DONE]"), "{body}");
    let sources = chunks
        .iter()
        .find_map(|c| c.get("sources"))
        .expect("a chunk with the sources");
    assert_eq!(sources[0]["label"], "S1");
    assert_eq!(sources[0]["page"], 3);
    assert_eq!(sources[0]["url"], format!("/models/{id}/source.pdf#page=3"));
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert_eq!(text, "Под синим камнем [S1].");

    // Embeddings with the site's embedder, as floats and as base64 (what the Python client asks).
    let embedded = openai
        .embeddings()
        .create(async_openai::types::embeddings::CreateEmbeddingRequest {
            model: "openai:text-embedding-3-small".into(),
            input: vec!["ключ от архива".to_owned(), "the archive key".to_owned()].into(),
            ..Default::default()
        })
        .await
        .expect("embeddings");
    assert_eq!(embedded.data.len(), 2);
    assert_eq!(embedded.data[0].embedding.len(), 64);
    let b64 = app
        .v1(
            Some(&key),
            "/v1/embeddings",
            Some(json!({"model": "text-embedding-3-small", "input": "ключ", "encoding_format": "base64"})),
        )
        .await;
    assert_eq!(b64.status(), 200);
    let b64: Value = b64.json().await.unwrap();
    let bytes = base64_decode(b64["data"][0]["embedding"].as_str().unwrap());
    assert_eq!(bytes.len(), 64 * 4);
    let (status, body) = error_of(
        app.v1(
            Some(&key),
            "/v1/embeddings",
            Some(json!({"model": "text-embedding-ada-002", "input": "x"})),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (404, Some("model_not_found"))
    );
    app.assert_projections_match_the_log().await;
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .expect("base64")
}

/// The README's curl example, run as written (its variables set as the README says).
#[actix_web::test]
async fn the_readmes_curl_example_works_as_written() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let example = readme
        .split("<!-- api-curl-example -->")
        .nth(1)
        .and_then(|rest| rest.split("```sh").nth(1))
        .and_then(|rest| rest.split("```").next())
        .expect("the README's curl example");
    let app = spawn_app_with(&[]).await;
    let (_, key) = app.api_user("ulugbek").await;
    let output = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(example)
        .env("CBF_URL", &app.address)
        .env("CBF_API_KEY", &key)
        .output()
        .await
        .expect("sh runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("chat.completion"), "{stdout}");
}

/// The official `openai` Python package (installed by `.ci/run` into a virtualenv; skipped with
/// a note when no such Python exists here).
#[actix_web::test]
async fn the_official_openai_python_client_lists_and_streams() {
    let python = std::env::var("CBF_TEST_PYTHON").unwrap_or_else(|_| "python3".into());
    let has_openai = tokio::process::Command::new(&python)
        .args(["-c", "import openai"])
        .output()
        .await
        .is_ok_and(|o| o.status.success());
    if !has_openai {
        eprintln!("skipped: no `openai` Python package for {python} (set CBF_TEST_PYTHON)");
        return;
    }
    let app = spawn_app_with(EMBEDDINGS).await;
    let (_, key) = app.api_user("kamola").await;
    let admin = app.admin_client().await;
    let id = app
        .launched_model(&admin, "Archive guide", "multilingual.pdf")
        .await;
    let script = r#"
import os, openai
client = openai.OpenAI(base_url=os.environ["CBF_URL"] + "/v1", api_key=os.environ["CBF_API_KEY"])
print("MODELS", ",".join(m.id for m in client.models.list()))
stream = client.chat.completions.create(model="gpt-4o-mini", stream=True,
    messages=[{"role": "user", "content": "Salom dunyo from Python"}])
print("TEXT", "".join(c.choices[0].delta.content or "" for c in stream if c.choices))
pages, text = [], ""
for chunk in client.chat.completions.create(model=os.environ["CBF_PDF_MODEL"], stream=True,
        messages=[{"role": "user", "content": "Где хранится ключ от архива?"}]):
    pages += [s["page"] for s in (chunk.model_extra or {}).get("sources", [])]
    text += "".join(c.delta.content or "" for c in chunk.choices)
print("PDF", pages[:1], text)
try:
    client.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}])
except openai.NotFoundError as e:
    print("NOTFOUND", e.status_code)
bad = openai.OpenAI(base_url=os.environ["CBF_URL"] + "/v1", api_key="cbf-wrong")
try:
    bad.models.list()
except openai.AuthenticationError as e:
    print("AUTH", e.status_code)
"#;
    let output = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new(&python)
            .args(["-c", script])
            .env("CBF_URL", &app.address)
            .env("CBF_API_KEY", &key)
            .env("CBF_PDF_MODEL", format!("pdf:{id}"))
            .output(),
    )
    .await
    .expect("the script ends")
    .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("MODELS gpt-4o-mini,gpt-4o,pdf:{id}")),
        "{stdout}"
    );
    assert!(
        stdout.contains("PDF [3] You said: Где хранится ключ от архива?"),
        "the PDF model's answer with its page: {stdout}"
    );
    assert!(
        stdout.contains("TEXT You said: Salom dunyo from Python"),
        "{stdout}"
    );
    assert!(stdout.contains("NOTFOUND 404"), "{stdout}");
    assert!(stdout.contains("AUTH 401"), "{stdout}");
}

#[actix_web::test]
async fn browsers_may_call_the_api_only_from_the_configured_origins() {
    let app = spawn_app_with(&[("API_CORS_ORIGINS", "https://notebook.example.uz")]).await;
    let preflight = |origin: &'static str| {
        reqwest::Client::new()
            .request(reqwest::Method::OPTIONS, app.url("/v1/chat/completions"))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header(
                "Access-Control-Request-Headers",
                "authorization, content-type",
            )
            .send()
    };
    let allowed = preflight("https://notebook.example.uz").await.unwrap();
    assert!(allowed.status().is_success(), "{}", allowed.status());
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "https://notebook.example.uz"
    );
    let other = preflight("https://evil.example.com").await.unwrap();
    assert!(
        other.headers().get("access-control-allow-origin").is_none(),
        "{:?}",
        other.headers()
    );
}
