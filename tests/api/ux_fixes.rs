//! What a new user and admin tripped over (issue 32, items 1, 7, 8 and 14): Copy after a
//! reload, the archived chat's bar, the blocked user's reason on the login page, and the small
//! things (theme labels, the delete dialog's title, LanceDB's start-up log). Screenshots of each
//! state land in tests/artifacts/ (`60-…`).
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::time::Duration;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, eventually_within, spawn_app_with, test_values};
use crate::pdf_models::{EMBEDDINGS, pdf_app};
use crate::upstream::Reply;

const ANSWER: &str = "Plov for four:\n\n1. **Rice**: 500 g, washed\n2. Carrots in *thin* strips\n\n```python\nprint(\"osh\")\n```";
const SECOND_ANSWER: &str = "Use **devzira** rice if you can find it.";

/// Records what the page puts on the clipboard (headless Chromium has no clipboard to read).
const RECORD_CLIPBOARD: &str = "window.copied = []; \
    navigator.clipboard.writeText = (text) => { window.copied.push(text); return Promise.resolve(); }; \
    return true;";

async fn copy_of(browser: &Browser, button: &str) -> serde_json::Value {
    browser.eval(RECORD_CLIPBOARD).await;
    browser.click(button).await;
    browser
        .wait_until("window.copied.length === 1", "the copy handler")
        .await;
    browser.eval("return window.copied[0];").await
}

pub async fn use_theme(browser: &Browser, theme: &str) {
    browser
        .eval(&format!(
            "document.cookie = 'theme={theme}; path=/'; return true;"
        ))
        .await;
}

/// Item 1: a reopened chat's answers copy their Markdown, not an empty string.
#[actix_web::test]
async fn copy_on_a_reopened_chat_puts_the_answers_markdown_on_the_clipboard() {
    // Arrange: a chat with an answer regenerated once (two versions), from another device.
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("dilnoza", PASSWORD).await;
    app.upstream.push(Reply::text(ANSWER));
    let chat = app.prompt(None, "Plov for four?").await.chat_id();
    app.upstream.push(Reply::text(SECOND_ANSWER));
    app.regenerate(&chat).await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "dilnoza", PASSWORD).await;

    // Act: open the chat (the answers come from the server) and copy.
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.assistant .copy-message").await;
    let copied = copy_of(&browser, ".message.assistant .copy-message").await;

    // Assert: the shown answer's Markdown source, and the toast.
    assert_eq!(copied, SECOND_ANSWER);
    browser
        .wait_until(
            "[...document.querySelectorAll('.toast')].some((t) => t.textContent === 'Copied')",
            "the Copied toast",
        )
        .await;
    browser.screenshot("60-copy-after-reload").await;
    // The earlier version copies its own text, and back on the latest, the latest.
    browser.click(".message.assistant .version-previous").await;
    let earlier = copy_of(&browser, ".message.assistant .copy-message").await;
    assert_eq!(earlier, ANSWER);
    browser.click(".message.assistant .version-next").await;
    let latest = copy_of(&browser, ".message.assistant .copy-message").await;
    assert_eq!(latest, SECOND_ANSWER);
    // The prompt, and a code block, as before.
    let prompt = copy_of(&browser, ".message.user .copy-message").await;
    assert_eq!(prompt, "Plov for four?");
    browser.click(".message.assistant .version-previous").await;
    let code = copy_of(&browser, ".message.assistant pre .copy-code").await;
    assert_eq!(code.as_str().map(str::trim_end), Some("print(\"osh\")"));

    use_theme(&browser, "dark").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    let copied = copy_of(&browser, ".message.assistant .copy-message").await;
    assert_eq!(copied, SECOND_ANSWER);
    browser.find(".toast").await;
    browser.screenshot("60-copy-after-reload-dark").await;
    browser.close().await;
}

/// Item 7 (and 14's delete dialog): archiving the open chat shows a bar with Unarchive; a
/// search finds the archived chat and its menu says Unarchive.
#[actix_web::test]
async fn an_archived_chat_says_so_above_the_composer_and_unarchives_from_there_or_the_search() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("bahodir", PASSWORD).await;
    let chat = app.prompt(None, "Bukhara in two days").await.chat_id();
    let archived = || async {
        sqlx::query_scalar::<_, bool>("SELECT archived FROM chat WHERE id = ?")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap()
    };
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "bahodir", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".chat-item").await;
    let banner_hidden = "return document.querySelector('#archived-notice').hidden;";
    assert_eq!(browser.eval(banner_hidden).await, true);

    // Archive the open chat from the sidebar: it leaves the sidebar and the page says so.
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .archive-chat").await;
    browser
        .wait_until(
            "!document.querySelector('#archived-notice').hidden && !document.querySelector('.chat-item')",
            "the archived bar",
        )
        .await;
    assert!(archived().await);
    assert_eq!(
        browser.text("#archived-notice span").await,
        "This conversation is archived."
    );
    browser.screenshot("61-archived-chat").await;

    // A reload keeps the bar (the server renders it); dark and phone-sized too.
    use_theme(&browser, "dark").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#prompt").await;
    assert_eq!(browser.eval(banner_hidden).await, false);
    browser.screenshot("61-archived-chat-dark").await;
    browser.phone_width().await;
    let fits = "const bar = document.querySelector('#archived-notice').getBoundingClientRect(); \
                return bar.left >= 0 && bar.right <= window.innerWidth && bar.height < 120;";
    assert_eq!(browser.eval(fits).await, true, "the bar fits a phone");
    browser.screenshot("61-archived-chat-dark-phone").await;
    browser.resize(1280, 900).await;
    use_theme(&browser, "light").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#prompt").await;

    // Found by search, its menu says Unarchive; that takes the bar away.
    browser.fill("#chat-search", "Bukhara").await;
    browser.find(".chat-item .item-menu-button").await;
    browser.click(".chat-item .item-menu-button").await;
    assert!(
        browser
            .eval("return document.querySelector('.chat-item .archive-chat') === null;")
            .await
            .as_bool()
            .unwrap_or(false),
        "no Archive for an archived chat"
    );
    assert_eq!(
        browser.text(".chat-item .unarchive-chat").await,
        "Unarchive"
    );
    browser.screenshot("62-search-unarchive-menu").await;
    browser.click(".chat-item .unarchive-chat").await;
    browser
        .wait_until(
            "document.querySelector('#archived-notice').hidden",
            "the bar gone",
        )
        .await;
    assert!(!archived().await);

    // Archived again from the search, then the bar's own Unarchive button.
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .archive-chat").await;
    browser
        .wait_until(
            "!document.querySelector('#archived-notice').hidden",
            "the bar again",
        )
        .await;
    assert!(archived().await);
    browser.click("#unarchive-chat").await;
    browser
        .wait_until(
            "document.querySelector('#archived-notice').hidden",
            "the bar gone",
        )
        .await;
    assert!(!archived().await);

    // Item 14: the delete dialog names the chat.
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".chat-item .item-menu-button").await;
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .delete-chat").await;
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open",
            "the delete dialog",
        )
        .await;
    assert_eq!(
        browser.text("#app-dialog-message").await,
        "Delete “Bukhara in two days”? This cannot be undone."
    );
    browser.screenshot("63-delete-dialog-names-the-chat").await;
    browser.close().await;
}

/// Item 8: a blocked user who reloads lands on the login page with the admin's reason, and it
/// stays there until the account is unblocked.
#[actix_web::test]
async fn a_blocked_user_reloading_sees_the_reason_on_the_login_page() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    let user = app.verified_user("rustam", PASSWORD).await;
    let chat = app.prompt(None, "Tashkent metro hours").await.chat_id();
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "rustam", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#prompt").await;
    app.accounts()
        .block(&user, Some("Spam messages".into()), "admin")
        .await
        .unwrap();
    let reason = "This account has been blocked by the administrator: Spam messages";

    // The open page's next prompt is refused with the reason (as before).
    browser.fill("#prompt", "Still there?").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "!document.querySelector('#composer-error').hidden",
            "the refusal by the composer",
        )
        .await;
    let refusal = browser.text("#composer-error").await;
    assert!(refusal.contains(reason), "{refusal}");

    // A reload lands on the login page, which says why; so does a second one, and the home page.
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("form[action='/login']").await;
    assert!(
        browser.url().await.contains("/login"),
        "{}",
        browser.url().await
    );
    assert_eq!(browser.text(".notice.error").await, reason);
    browser.screenshot("64-blocked-login").await;
    use_theme(&browser, "dark").await;
    browser.goto(&browser.url().await).await;
    assert_eq!(browser.text(".notice.error").await, reason);
    browser.screenshot("64-blocked-login-dark").await;
    browser.goto(&app.url("/")).await;
    browser.find("form[action='/login']").await;
    assert_eq!(browser.text(".notice.error").await, reason);

    // Unblocked: the note is gone and logging in brings the chat back.
    app.accounts().unblock(&user, "admin").await.unwrap();
    browser
        .goto(&app.url(&format!("/login?next=/c/{chat}")))
        .await;
    browser.find("form[action='/login']").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('.notice.error') === null;")
            .await,
        true
    );
    browser.fill("#login", "rustam").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.find(".message.assistant").await;
    assert!(browser.url().await.ends_with(&format!("/c/{chat}")));
    browser.close().await;
}

/// Item 14: Light, Dark and System start with a capital in every language.
#[actix_web::test]
async fn theme_labels_are_capitalised_in_every_language() {
    let app = spawn_app_with(&[]).await;
    app.verified_user("kamola", PASSWORD).await;
    for lang in ["en", "ru", "uz"] {
        let html = app
            .api
            .get(app.url("/settings"))
            .header("Accept-Language", lang)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for theme in ["system", "dark", "light"] {
            let marker = format!("data-{theme}=\"");
            let start = html.find(&marker).expect("the theme names") + marker.len();
            let label = &html[start..start + html[start..].find('"').unwrap()];
            let first = label.chars().next().unwrap_or(' ');
            assert!(first.is_uppercase(), "{lang} {theme}: {label:?}");
        }
    }
    assert!(
        app.get_html("/settings")
            .await
            .contains("data-system=\"System\" data-dark=\"Dark\" data-light=\"Light\"")
    );
}

/// Item 14: the binary started on an empty LanceDB folder (no `__manifest`, and a ready PDF
/// model's table is not there, so it is read again) logs no `status="error"` with the default
/// log filter.
#[actix_web::test]
async fn an_empty_lancedb_folder_at_start_logs_no_error_status() {
    // Arrange: a ready PDF model, then a second instance (the real binary) whose LanceDB folder
    // is empty.
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    let id = app.create_model(&admin, "Hyphens", "hyphenated.pdf").await;
    app.model_reaches(&admin, &id, "ready").await;
    let dir = tempfile::tempdir().unwrap();
    let lancedb = dir.path().join("lancedb");
    std::fs::create_dir_all(&lancedb).unwrap();
    let mut values: HashMap<String, String> = test_values(
        &app.db_name,
        app.smtp.port,
        &app.upstream.base_url(),
        EMBEDDINGS,
    );
    values.remove("RUST_LOG");
    values.insert(
        "FILES_DIR".into(),
        app.settings.server.files_dir.to_string_lossy().into_owned(),
    );
    values.insert("LANCEDB_DIR".into(), lancedb.to_string_lossy().into_owned());
    let log_path = dir.path().join("app.log");
    let log = std::fs::File::create(&log_path).unwrap();

    // Act: start it and wait until it has read the PDF again.
    let mut child = Command::new(env!("CARGO_BIN_EXE_chatbot-factory"))
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir.path())
        .envs(&values)
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("the binary starts");
    let read_again = || async {
        let completed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event WHERE stream_id = ? AND event_type = 'IngestionCompleted'",
        )
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        completed == 2
    };
    eventually_within("the PDF read again", Duration::from_secs(60), read_again).await;
    let _ = child.kill();
    let _ = child.wait();

    // Assert: the log is there (INFO lines), without LanceDB's "error" for a missing table.
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("INFO"), "{log}");
    assert!(!log.contains("status=\"error\""), "{log}");
}
