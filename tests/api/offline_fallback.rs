//! A site that had an OpenAI key and restarts without one (issue 32, item 3): new chats start
//! on a model this server can serve (the local model), users never see the upstream models nor
//! configuration words, the admin is told once on the dashboard and the settings page, and a
//! new chat opens on the model the user last picked while it works. The restarted instance runs
//! beside the first on the same database, with a `LOCAL_MODEL_PATH` that does not exist, so the
//! local model is set up but cannot load: no weights are needed, and its answer is plain words.
//! Screenshots land in tests/artifacts/ (`80-…`).
use serde_json::Value;

use chatbot_factory::site::LOCAL_MODEL_ID;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp, spawn_app, spawn_app_on};

/// Weights that are not there: the local model is configured, and says it cannot answer.
const MISSING_WEIGHTS: &str = "/nonexistent/cbf-offline-fallback/model.gguf";

/// Words for the admin and the log that a user must never read.
const CONFIGURATION_WORDS: [&str; 4] = [
    "OPENAI_API_KEY",
    "LOCAL_MODEL_PATH",
    "not set up on this site yet",
    "model.gguf",
];

/// The same site started again without its API key (its default is still gpt-4o-mini).
async fn restarted_without_a_key(first: &TestApp) -> TestApp {
    spawn_app_on(
        first,
        &[
            ("OPENAI_API_KEY", ""),
            ("LOCAL_MODEL", "auto"),
            ("LOCAL_MODEL_PATH", MISSING_WEIGHTS),
        ],
    )
    .await
}

fn ids(picker: &Value) -> Vec<String> {
    picker["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|m| m["id"].as_str().expect("id").to_owned())
        .collect()
}

fn assert_plain(text: &str) {
    for words in CONFIGURATION_WORDS {
        assert!(!text.contains(words), "{words:?} reaches users: {text}");
    }
}

/// The `data-model` the chat page opens on.
fn page_model(html: &str) -> String {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("#conversation").expect("selector");
    document
        .select(&selector)
        .next()
        .and_then(|main| main.value().attr("data-model"))
        .expect("the conversation names its model")
        .to_owned()
}

#[actix_web::test]
async fn without_its_key_the_site_starts_new_chats_on_the_local_model_and_lists_no_gpt_model() {
    // Arrange: a site set up with a key (default gpt-4o-mini), restarted without one.
    let first = spawn_app().await;
    let offline = restarted_without_a_key(&first).await;
    offline.verified_user("nodira", PASSWORD).await;

    // Act
    let picker: Value = offline.get("/api/models").await.json().await.unwrap();
    let home = offline.get_html("/").await;

    // Assert: the default falls back to the local model; no upstream model is listed.
    assert_eq!(picker["default"], LOCAL_MODEL_ID, "{picker}");
    assert_eq!(ids(&picker), vec![LOCAL_MODEL_ID.to_owned()], "{picker}");
    assert_eq!(page_model(&home), LOCAL_MODEL_ID);
    assert!(
        !home.contains(r#"data-model="gpt-4o"#),
        "a GPT model in the picker"
    );
    // The local model cannot load here: the picker says so in plain words.
    assert_eq!(picker["models"][0]["note"], "not available right now");
    assert_plain(&picker.to_string());
    assert_plain(&home);
    // The instance with the key still offers (and defaults to) gpt-4o-mini.
    first.verified_user("aziz", PASSWORD).await;
    let keyed: Value = first.get("/api/models").await.json().await.unwrap();
    assert_eq!(keyed["default"], "gpt-4o-mini", "{keyed}");
}

#[actix_web::test]
async fn the_first_prompt_after_the_restart_gets_plain_words_not_developer_words() {
    // Arrange
    let first = spawn_app().await;
    let offline = restarted_without_a_key(&first).await;
    offline.verified_user("kamola", PASSWORD).await;

    // Act: the page's model (the fallback), and a page left open on gpt-4o-mini.
    let answer = offline
        .prompt_with(&offline.api, None, "Salom!", LOCAL_MODEL_ID)
        .await;
    let stale = offline
        .prompt_with(&offline.api, None, "Salom!", "gpt-4o-mini")
        .await;

    // Assert: a failed answer that reads like a person wrote it; the stale model is refused.
    let done = answer.done();
    assert_eq!(done["status"], "failed", "{done}");
    let error = done["error"].as_str().expect("an error");
    assert!(error.contains("not available"), "{error}");
    assert_plain(error);
    assert_eq!(stale.status, 400, "{stale:?}");
    assert_plain(&stale.error.expect("an error body").to_string());
    assert_eq!(first.upstream.requests().len(), 0);
}

#[actix_web::test]
async fn the_admin_is_told_on_the_dashboard_and_the_settings_page_which_model_new_chats_use() {
    // Arrange
    let first = spawn_app().await;
    let offline = restarted_without_a_key(&first).await;
    let admin = offline.admin_client().await;
    let page = |client: reqwest::Client, app: &TestApp, path: &'static str| {
        let url = app.url(path);
        async move { client.get(url).send().await.unwrap().text().await.unwrap() }
    };

    // Act
    let dashboard = page(admin.clone(), &offline, "/admin").await;
    let settings = page(admin.clone(), &offline, "/admin/settings").await;
    let keyed_admin = first.admin_client().await;
    let keyed_dashboard = page(keyed_admin, &first, "/admin").await;

    // Assert: the notice names the default, why it cannot answer and what is used instead.
    for html in [&dashboard, &settings] {
        let notice = html
            .split(r#"id="default-fallback""#)
            .nth(1)
            .unwrap_or_else(|| panic!("no notice in {html}"));
        let notice = &notice[..notice.find("</div>").expect("end of notice")];
        assert!(notice.contains("gpt-4o-mini"), "{notice}");
        assert!(notice.contains("OPENAI_API_KEY"), "{notice}");
        assert!(notice.contains("Local · Qwen2.5-Coder"), "{notice}");
    }
    // The admin still sees the upstream models in the settings, with the reason.
    assert!(settings.contains(r#"/admin/settings/models/gpt-4o-mini""#));
    assert!(settings.contains(r#"/admin/settings/models/gpt-4o""#));
    // With the key, nothing to say.
    assert!(!keyed_dashboard.contains("default-fallback"));
}

#[actix_web::test]
async fn a_new_chat_opens_on_the_model_the_user_last_picked_while_it_works() {
    // Arrange: a chat on gpt-4o (not the default), with the key.
    let first = spawn_app().await;
    first.verified_user("sardor", PASSWORD).await;
    let answer = first.prompt_with(&first.api, None, "Hello", "gpt-4o").await;
    assert_eq!(answer.done()["status"], "complete");

    // Act
    let new_chat = first.get_html("/").await;
    let offline = restarted_without_a_key(&first).await;
    let new_chat_offline = offline.get_html("/").await;

    // Assert: the last pick while it works; the fallback once it cannot answer.
    assert_eq!(page_model(&new_chat), "gpt-4o");
    assert_eq!(page_model(&new_chat_offline), LOCAL_MODEL_ID);
}

/// A user on the restarted site opens the picker and sends a first prompt.
#[actix_web::test]
async fn in_the_browser_the_picker_shows_no_gpt_model_and_the_first_prompt_gets_plain_words() {
    // Arrange
    let first = spawn_app().await;
    let offline = restarted_without_a_key(&first).await;
    offline.verified_user("madina", PASSWORD).await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&offline.address, "madina", PASSWORD).await;

    // Act: the picker.
    browser.click("#model-button").await;
    browser
        .wait_until(
            "!document.querySelector('#model-menu').hidden",
            "the open picker",
        )
        .await;
    browser.screenshot("80-offline-picker").await;
    let options: Value = browser
        .eval("return [...document.querySelectorAll('#model-menu .model-option')].map((o) => o.dataset.model);")
        .await;
    let menu = browser.text("#model-menu").await;
    browser.click("#model-button").await;

    // Assert: only the local model, named at the top, no configuration words.
    assert_eq!(options, serde_json::json!([LOCAL_MODEL_ID]));
    assert!(browser.text("#model-name").await.contains("Local"));
    assert_plain(&menu);

    // Act: the first prompt.
    browser
        .fill("#prompt", "What is the capital of Uzbekistan?")
        .await;
    browser.click("#send").await;
    browser
        .wait_until(
            "!!document.querySelector('#messages .message.assistant .message-status')",
            "the answer's outcome",
        )
        .await;
    browser.screenshot("80-offline-first-prompt").await;

    // Assert: a plain message under the answer.
    let status = browser
        .text("#messages .message.assistant .message-status")
        .await;
    assert!(status.contains("not available"), "{status}");
    assert_plain(&status);
    browser.close().await;
}
