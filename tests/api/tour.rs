//! The screens the new user's report (issue 14) had fixed, in Russian, in the dark theme and at
//! phone width: each one checked for what broke before, and photographed to be looked at.
use crate::browser::Browser;
use crate::helpers::{PASSWORD, spawn_app_with};

#[actix_web::test]
async fn the_fixed_screens_in_russian_dark_at_phone_width() {
    let app = spawn_app_with(&[("DAILY_PROMPT_QUOTA", "2"), ("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("svetlana", PASSWORD).await;
    let chat = app
        .prompt(None, "Как приготовить плов на четверых?")
        .await
        .chat_id();
    let browser = Browser::start(390, 844).await;
    browser.goto(&app.url("/login")).await;
    browser
        .eval("document.cookie = 'lang=ru; path=/'; document.cookie = 'theme=dark; path=/'; return true;")
        .await;
    browser.log_in(&app.address, "svetlana", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.assistant").await;
    assert_eq!(
        browser
            .eval("return [document.documentElement.lang, document.documentElement.dataset.theme];")
            .await,
        serde_json::json!(["ru", "dark"])
    );
    // Item 9: the model's name stays on one line in the header at phone width.
    let lines = "const name = document.querySelector('#model-name'); \
                 return Math.round(name.getBoundingClientRect().height / parseFloat(getComputedStyle(name).lineHeight));";
    assert_eq!(browser.eval(lines).await, 1, "the model name on one line");
    browser.screenshot("30-ru-dark-phone-chat").await;

    // Item 8: the picker speaks to a person, in Russian.
    browser.click("#model-button").await;
    browser
        .wait_until(
            "!document.querySelector('#model-menu').hidden",
            "the open picker",
        )
        .await;
    let menu = browser.text("#model-menu").await;
    assert!(!menu.contains("OPENAI_API_KEY"), "{menu}");
    browser.screenshot("31-ru-dark-phone-picker").await;
    browser.click("#model-button").await;

    // Item 4: a refused prompt (the day's quota, used up on another device) is not an answer:
    // the reason shows by the composer, in Russian, and the text stays to send later.
    app.prompt(Some(&chat), "Сколько риса?").await;
    browser.fill("#prompt", "А сколько моркови?").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "!document.querySelector('#composer-error').hidden",
            "the reason by the composer",
        )
        .await;
    let reason = browser.text("#composer-error").await;
    assert!(reason.contains("дневного лимита"), "{reason}");
    assert_eq!(
        browser
            .eval("return [document.querySelector('#prompt').value, document.querySelectorAll('.message .message-status.failed').length];")
            .await,
        serde_json::json!(["А сколько моркови?", 0])
    );
    browser.screenshot("32-ru-dark-phone-refused").await;

    // Item 10: renaming uses our own translated dialog, not the browser's prompt().
    browser.click(".sidebar-open").await;
    browser
        .wait_until(
            "document.querySelector('.sidebar').getBoundingClientRect().left >= 0",
            "the drawer fully open",
        )
        .await;
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .rename-chat").await;
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open",
            "the rename dialog",
        )
        .await;
    let ok = browser.text("#app-dialog-ok").await;
    assert!(
        ok.chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c))),
        "a Russian button: {ok}"
    );
    browser.screenshot("33-ru-dark-phone-rename").await;

    // Item 7: the profile, its previous chats with readable dates.
    browser.goto(&app.url("/profile")).await;
    browser.find("h1").await;
    let shown = browser.eval("return document.body.innerText;").await;
    let shown = shown.as_str().unwrap_or_default();
    assert!(
        shown.contains("плов"),
        "the previous chat is listed: {shown}"
    );
    assert!(!iso_timestamp_in(shown), "no raw timestamps: {shown}");
    browser.screenshot("34-ru-dark-phone-profile").await;

    // Item 6: the admin's dashboard, in Russian, at phone width.
    browser.admin_log_in(&app.address).await;
    browser
        .wait_until(
            "document.querySelectorAll('.chart svg').length === 4",
            "the dashboard charts",
        )
        .await;
    assert_eq!(
        browser
            .eval("return document.documentElement.scrollWidth <= window.innerWidth + 1;")
            .await,
        true,
        "nothing sticks out sideways"
    );
    browser.screenshot("35-ru-dark-phone-admin").await;
    browser.close().await;
}

/// Whether the text holds a raw ISO 8601 timestamp (`2026-12-02T18:47:07`).
fn iso_timestamp_in(text: &str) -> bool {
    text.as_bytes().windows(19).any(|w| {
        let digits = |range: std::ops::Range<usize>| w[range].iter().all(u8::is_ascii_digit);
        digits(0..4)
            && w[4] == b'-'
            && digits(5..7)
            && w[7] == b'-'
            && digits(8..10)
            && w[10] == b'T'
            && digits(11..13)
            && w[13] == b':'
    })
}
