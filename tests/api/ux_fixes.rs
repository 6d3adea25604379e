//! What a new user and admin tripped over (issue 32): Copy after a reload (item 1), the
//! archived chat's bar (item 7) and the blocked user's reason on the login page (item 8).
//! Screenshots land in tests/artifacts/ (`60-…`).
use crate::browser::Browser;
use crate::helpers::{PASSWORD, spawn_app_with};
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

async fn use_theme(browser: &Browser, theme: &str) {
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

/// Item 7: archiving the open chat shows a bar with Unarchive; a
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
