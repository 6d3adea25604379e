//! What a new user does in a real browser: sign up, verify, chat, reload, switch model, hit the
//! limit. Screenshots of the main states land in tests/artifacts/.
use crate::browser::Browser;
use crate::helpers::{PASSWORD, spawn_app_with};
use crate::upstream::Reply;

const LONG_MARKDOWN: &str = "## Plan for Samarkand\n\n1. **Registan** square in the morning\n2. Bibi-Khanym mosque\n3. Siyob bazaar for bread and dried fruit\n\n| Day | Place | Time |\n|---|---|---|\n| 1 | Registan | 3 h |\n| 2 | Shah-i-Zinda | 2 h |\n\n```python\ndef greet(name):\n    return f\"Salom, {name}!\"\n\nprint(greet(\"Samarkand\"))\n```\n\n> Tip: carry some cash for the bazaar.";

#[actix_web::test]
async fn a_new_user_signs_up_verifies_and_chats_in_the_browser() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "3"), ("CHAT_MODEL_TITLES", "on")]).await;
    let browser = Browser::start(1280, 900).await;

    // Sign up.
    browser.goto(&app.url("/")).await;
    browser.find("form[action='/register']").await;
    browser.screenshot("01-register").await;
    browser.fill("#username", "nilufar").await;
    browser.fill("#email", "nilufar@example.com").await;
    browser.fill("#password", PASSWORD).await;
    browser.fill("#password_confirm", PASSWORD).await;
    browser
        .click("form[action='/register'] button[type=submit]")
        .await;
    browser.find(".verify-notice").await;
    browser.screenshot("02-chat-unverified").await;

    // Verify with the mailed link.
    let link = app.mailed_link("nilufar@example.com", "/verify", 1).await;
    browser.goto(&app.url(&link)).await;
    assert!(browser.html().await.contains("Your e-mail is verified"));
    browser.goto(&app.url("/")).await;
    browser.find("#prompt").await;
    browser.screenshot("03-empty-chat").await;

    // Send a prompt and watch it stream.
    app.upstream.push(Reply::slow(LONG_MARKDOWN, 60));
    app.upstream.push(Reply::text("A day in Samarkand")); // the model's title
    browser.fill("#prompt", "Plan my day in Samarkand").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "document.querySelector('#stop') && !document.querySelector('#stop').hidden",
            "the stop button",
        )
        .await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .message-body').textContent.length > 20",
            "tokens arriving",
        )
        .await;
    browser.screenshot("04-streaming").await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant').dataset.status === 'complete'",
            "the answer to finish",
        )
        .await;
    assert!(
        browser.url().await.contains("/c/"),
        "the URL became the chat's"
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.message.assistant table').length;")
            .await,
        1
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.message.assistant pre .copy-code').length;")
            .await,
        1
    );
    assert!(browser.eval("return document.querySelectorAll('.message.assistant pre code .hl-keyword, .message.assistant pre code [class*=hl-]').length;").await.as_u64().unwrap() > 0);
    browser.screenshot("05-markdown-answer").await;
    browser
        .wait_until(
            "document.querySelector('#chat-list .chat-item a').textContent.includes('A day in Samarkand') \
             && document.title.startsWith('A day in Samarkand')",
            "the model's title in the sidebar and the tab, without a reload",
        )
        .await;

    // Reload: the chat is in the sidebar and the conversation is intact.
    let chat_url = browser.url().await;
    browser.goto(&chat_url).await;
    browser
        .wait_until(
            "document.querySelectorAll('#chat-list .chat-item').length === 1",
            "the sidebar entry",
        )
        .await;
    assert!(
        browser
            .text("#chat-list .chat-item a")
            .await
            .starts_with("A day in Samarkand")
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.message').length;")
            .await,
        2
    );

    // Switch the model and send an answer that tries to run script.
    browser.click("#model-button").await;
    browser.click(".model-option[data-model='gpt-4o']").await;
    assert_eq!(browser.text("#model-name").await, "gpt-4o");
    app.upstream.push(Reply::text(
        "Look <img src=x onerror=\"window.__xss=1\"> and [click](javascript:window.__xss=2)",
    ));
    browser.fill("#prompt", "show me html").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "document.querySelectorAll('.message.assistant[data-status=complete]').length === 2",
            "the second answer",
        )
        .await;
    assert_eq!(app.upstream.requests().last().unwrap()["model"], "gpt-4o");
    // Only the last answer offers Regenerate (it is the one the server regenerates).
    assert_eq!(
        browser
            .eval(
                "return [...document.querySelectorAll('.message.assistant')].map(a => {                  const b = a.querySelector('.regenerate-answer'); return !!b && b.offsetParent !== null; });"
            )
            .await,
        serde_json::json!([false, true])
    );
    assert!(
        browser
            .eval("return window.__xss === undefined;")
            .await
            .as_bool()
            .unwrap(),
        "no script ran"
    );
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.message img').length;")
            .await,
        0
    );
    let links = browser.eval("return Array.from(document.querySelectorAll('.message a')).map(a => a.getAttribute('href') || '').join(' ');").await;
    assert!(!links.as_str().unwrap().contains("javascript:"), "{links}");

    // The third prompt reaches the limit: the composer turns into the notice.
    browser.fill("#prompt", "last one").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "!document.querySelector('#limit-notice').hidden",
            "the limit notice",
        )
        .await;
    browser
        .wait_until(
            "document.querySelectorAll('.message.assistant[data-status=complete]').length === 3",
            "the third answer",
        )
        .await;
    assert!(
        browser
            .text("#limit-notice")
            .await
            .contains("prompt limit (3)")
    );
    browser.screenshot("06-limit-reached").await;

    // Dark theme and phone width.
    browser
        .eval("document.documentElement.dataset.theme = 'dark'; return true;")
        .await;
    browser.screenshot("07-dark").await;
    browser.resize(390, 844).await;
    // The closed drawer is hidden outright: no shadow strip along the left edge.
    browser
        .wait_until(
            "getComputedStyle(document.querySelector('#sidebar')).visibility === 'hidden'",
            "the drawer slid away",
        )
        .await;
    assert_eq!(
        browser
            .eval("return getComputedStyle(document.querySelector('#sidebar')).boxShadow;")
            .await,
        "none"
    );
    browser.screenshot("08-mobile").await;
    // Table cells keep their words whole at phone width (the table scrolls instead).
    assert_eq!(
        browser
            .eval("return getComputedStyle(document.querySelector('.message.assistant td')).overflowWrap;")
            .await,
        "normal"
    );
    browser.click(".sidebar-open").await;
    browser
        .wait_until(
            "document.querySelector('.app').classList.contains('sidebar-visible')",
            "the drawer",
        )
        .await;
    browser
        .wait_until(
            "document.querySelector('#sidebar').getBoundingClientRect().left >= 0 && getComputedStyle(document.querySelector('#sidebar')).visibility === 'visible'",
            "the drawer slid in",
        )
        .await;
    browser.screenshot("09-mobile-sidebar").await;
    browser.close().await;
}

#[actix_web::test]
async fn logging_in_and_out_and_the_profile_in_the_browser() {
    let app = spawn_app_with(&[]).await;
    app.verified_user_with(&crate::helpers::client(), "temur", PASSWORD)
        .await;
    let browser = Browser::start(1280, 900).await;
    browser.goto(&app.url("/login")).await;
    browser.fill("#login", "temur").await;
    browser.fill("#password", "wrong password").await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    assert!(browser.text(".notice.error").await.contains("not correct"));
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.find("#prompt").await;
    browser.goto(&app.url("/profile")).await;
    assert!(browser.html().await.contains("temur@example.com"));
    browser.screenshot("10-profile").await;
    // The theme goes system → dark → light → system, says which, and is remembered.
    for (expected, shown) in [("dark", "Dark"), ("light", "Light"), ("system", "System")] {
        browser
            .eval(
                "document.querySelector('#profile-menu [data-theme-toggle]').click(); return true;",
            )
            .await;
        assert_eq!(
            browser
                .eval("return document.documentElement.dataset.theme;")
                .await,
            expected
        );
        let name = browser
            .eval("return document.querySelector('#profile-menu [data-theme-name]').textContent;")
            .await;
        assert_eq!(name, shown);
    }
    browser.goto(&app.url("/profile")).await;
    assert_eq!(
        browser
            .eval("return document.documentElement.dataset.theme;")
            .await,
        "system"
    );
    // A wrong current password: the page comes back scrolled to the error, its field focused.
    browser.fill("#current_password", "not my password").await;
    browser
        .fill("#new_password", "An0ther-long-passphrase")
        .await;
    browser
        .fill("#password_confirm", "An0ther-long-passphrase")
        .await;
    browser
        .click("form[action='/profile/password'] button[type=submit]")
        .await;
    browser
        .wait_until(
            "document.querySelector('.field.invalid #current_password') \
             && document.activeElement && document.activeElement.id === 'current_password' \
             && document.querySelector('.page-scroll').scrollTop > 0 \
             && document.activeElement.getBoundingClientRect().bottom <= window.innerHeight",
            "the focused password error",
        )
        .await;
    browser.goto(&app.url("/profile")).await;
    // Russian from the switcher, remembered.
    browser.click(".profile-button").await;
    browser.eval("const s = document.querySelector('#language-select-menu'); s.value = 'ru'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;").await;
    browser
        .wait_until("document.documentElement.lang === 'ru'", "the Russian page")
        .await;
    assert!(browser.html().await.contains("Ваш профиль"));
    browser.screenshot("11-profile-ru").await;
    browser.click(".profile-button").await;
    browser.click("form[action='/logout'] button").await;
    browser.find("form[action='/login']").await;
    browser.close().await;
}

#[actix_web::test]
async fn the_admin_runs_the_place_from_the_browser() {
    let app = spawn_app_with(&[]).await;
    let user_id = app.verified_user("zafar", PASSWORD).await;
    app.upstream.push(Reply::text(LONG_MARKDOWN));
    let chat = app.prompt(None, "Plan a day in Samarkand").await.chat_id();
    app.prompt(Some(&chat), "And in Bukhara?").await;
    crate::replay::seed_random_log(&app, 9, 8).await;
    let browser = Browser::start(1280, 900).await;

    // Log in with the .env credentials and look at the dashboard.
    browser.admin_log_in(&app.address).await;
    browser
        .wait_until(
            "document.querySelectorAll('.chart svg').length === 4",
            "the dashboard charts",
        )
        .await;
    browser.screenshot("20-admin-dashboard").await;

    // Find the user, block and unblock.
    browser.goto(&app.url("/admin/users?q=zafar")).await;
    browser.find("#users-table").await;
    browser.screenshot("21-admin-users").await;
    assert_eq!(
        browser
            .eval("const w = document.querySelector('#users-table').closest('.table-wrap'); return w.scrollWidth <= w.clientWidth;")
            .await,
        true,
        "the users table fits at 1280 px without scrolling sideways"
    );
    browser
        .click(&format!("a[href='/admin/users/{user_id}']"))
        .await;
    browser.fill("#reason", "Testing the block").await;
    browser.click("#block").await;
    // Our own confirmation dialog, with the action's name on its button.
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open",
            "the block confirmation",
        )
        .await;
    assert_eq!(browser.text("#app-dialog-ok").await, "Block");
    browser.click("#app-dialog-ok").await;
    browser.find("#unblock").await;
    assert!(browser.html().await.contains("Testing the block"));
    browser.click("#unblock").await;
    browser.find("#block").await;

    // Open the chat read-only, then its print view.
    browser
        .goto(&app.url(&format!("/admin/chats/{chat}")))
        .await;
    browser.find(".admin-messages table").await;
    browser.screenshot("22-admin-chat").await;
    browser
        .goto(&app.url(&format!("/admin/users/{user_id}")))
        .await;
    browser.click("#print").await;
    browser.find(".print-chat").await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.sidebar').length;")
            .await,
        0
    );
    browser.screenshot("23-admin-print").await;
    // The event log, one row opened.
    browser.goto(&app.url("/admin/events")).await;
    browser.click("#events-table summary").await;
    browser.screenshot("24-admin-events").await;
    browser.close().await;
}

#[actix_web::test]
async fn an_answer_still_streaming_after_a_reload_offers_no_actions_until_it_ends() {
    let app = spawn_app_with(&[]).await;
    app.verified_user_with(&crate::helpers::client(), "otabek", PASSWORD)
        .await;
    let browser = Browser::start(1280, 900).await;
    browser.goto(&app.url("/login")).await;
    browser.fill("#login", "otabek").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.find("#prompt").await;
    app.upstream.push(Reply::slow(LONG_MARKDOWN, 120));
    browser.fill("#prompt", "Plan my day in Samarkand").await;
    browser.click("#send").await;
    browser
        .wait_until("location.pathname.startsWith('/c/')", "the chat's URL")
        .await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .message-body').textContent.length > 5",
            "tokens arriving",
        )
        .await;
    // Reload mid-answer: the page follows the answer, without Copy/Regenerate under it yet.
    let url = browser.url().await;
    browser.goto(&url).await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant[data-status=streaming]')",
            "the answer still streaming after the reload",
        )
        .await;
    let actions_shown = "(() => { const a = document.querySelector('.message.assistant .message-actions'); \
                         return !!a && a.offsetParent !== null; })()";
    assert_eq!(
        browser.eval(&format!("return {actions_shown};")).await,
        serde_json::json!(false)
    );
    browser
        .wait_until(
            &format!(
                "document.querySelector('.message.assistant').dataset.status === 'complete' && {actions_shown}"
            ),
            "the actions once the answer is complete",
        )
        .await;
    browser.close().await;
}

#[actix_web::test]
async fn a_refused_prompt_is_not_an_answer_the_text_comes_back_with_the_reason() {
    let app = spawn_app_with(&[("PROMPT_MAX_CHARS", "40"), ("DAILY_PROMPT_QUOTA", "1")]).await;
    let phone = crate::helpers::client();
    app.verified_user_with(&phone, "zarina", PASSWORD).await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "zarina", PASSWORD).await;
    // Near the limit a counter appears; over it, Send is off and the counter says why.
    browser
        .fill("#prompt", "Plan a week in Samarkand for me")
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#char-count').hidden;")
            .await,
        true,
        "no counter far from the limit"
    );
    let too_long = "Please plan a whole week in Samarkand, Bukhara and Khiva for me";
    browser.fill("#prompt", too_long).await;
    browser
        .wait_until(
            "!document.querySelector('#char-count').hidden && document.querySelector('#char-count').classList.contains('over')",
            "the counter says the prompt is too long",
        )
        .await;
    assert!(browser.text("#char-count").await.contains("40"));
    assert_eq!(
        browser
            .eval("return document.querySelector('#send').disabled;")
            .await,
        true
    );
    browser.screenshot("12-prompt-too-long").await;
    // The day's only prompt was sent from another device: the server refuses this one.
    assert_eq!(
        app.prompt_with(&phone, None, "from my phone", "gpt-4o-mini")
            .await
            .status,
        200
    );
    let refused = "Plan a day in Khiva";
    browser.fill("#prompt", refused).await;
    browser.click("#send").await;
    browser
        .wait_until(
            "!document.querySelector('#composer-error').hidden",
            "the reason next to the composer",
        )
        .await;
    browser.screenshot("12-refused-prompt").await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('#messages .message').length;")
            .await,
        0,
        "no failed bubble, no orphan prompt"
    );
    assert_eq!(
        browser
            .eval("return document.querySelector('#prompt').value;")
            .await,
        refused
    );
    assert!(browser.text("#composer-error").await.contains("limit of 1"));
    assert_eq!(
        browser
            .eval("return document.querySelector('.empty-chat') ? !document.querySelector('.empty-chat').hidden : null;")
            .await,
        true,
        "the empty chat's greeting stays"
    );
    // Typing again clears it.
    browser.fill("#prompt", "Plan a day").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#composer-error').hidden;")
            .await,
        true
    );
    browser.close().await;
}

#[actix_web::test]
async fn rename_and_delete_use_our_own_translated_dialog() {
    let app = spawn_app_with(&[]).await;
    let phone = crate::helpers::client();
    app.verified_user_with(&phone, "sardor", PASSWORD).await;
    app.prompt_with(&phone, None, "Old title please", "gpt-4o-mini")
        .await;
    app.prompt_with(&phone, None, "Keep me", "gpt-4o-mini")
        .await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "sardor", PASSWORD).await;
    browser.find(".chat-item").await;
    let row = ".chat-item:last-of-type";
    browser.click(&format!("{row} .item-menu-button")).await;
    browser.click(&format!("{row} .rename-chat")).await;
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open && !document.querySelector('#app-dialog-input').hidden",
            "the rename dialog with the title to edit",
        )
        .await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#app-dialog-input').value;")
            .await,
        "Old title please"
    );
    browser.screenshot("13-rename-dialog").await;
    browser.fill("#app-dialog-input", "Samarkand trip").await;
    browser.click("#app-dialog-ok").await;
    browser
        .wait_until(
            "[...document.querySelectorAll('.chat-item')].some(r => r.textContent.includes('Samarkand trip'))",
            "the new title in the sidebar",
        )
        .await;
    let title: String = sqlx::query_scalar("SELECT title FROM chat WHERE title = 'Samarkand trip'")
        .fetch_one(&app.pool)
        .await
        .expect("renamed in the database");
    assert_eq!(title, "Samarkand trip");
    // Delete asks first; Cancel keeps the chat, Delete removes it.
    let count = "return document.querySelectorAll('.chat-item').length;";
    assert_eq!(browser.eval(count).await, 2);
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .delete-chat").await;
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open && document.querySelector('#app-dialog-input').hidden",
            "the delete confirmation",
        )
        .await;
    assert_eq!(browser.text("#app-dialog-ok").await, "Delete");
    browser.screenshot("13-delete-dialog").await;
    browser.click("#app-dialog-cancel").await;
    browser
        .wait_until(
            "!document.querySelector('#app-dialog').open",
            "the dialog closed",
        )
        .await;
    assert_eq!(browser.eval(count).await, 2, "Cancel kept the chat");
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .delete-chat").await;
    browser
        .wait_until(
            "document.querySelector('#app-dialog').open",
            "the delete confirmation again",
        )
        .await;
    browser.click("#app-dialog-ok").await;
    browser
        .wait_until(
            "document.querySelectorAll('.chat-item').length === 1",
            "one chat left",
        )
        .await;
    // Archive takes the last one out of the sidebar; Settings lists it.
    browser.click(".chat-item .item-menu-button").await;
    browser.click(".chat-item .archive-chat").await;
    browser
        .wait_until(
            "document.querySelectorAll('.chat-item').length === 0",
            "no chat left in the sidebar",
        )
        .await;
    browser.goto(&app.url("/settings")).await;
    browser.find("#archived .archived-list li").await;
    browser.close().await;
}

#[actix_web::test]
async fn reading_back_offers_a_way_down_and_the_sidebar_folds_away() {
    let app = spawn_app_with(&[]).await;
    let phone = crate::helpers::client();
    app.verified_user_with(&phone, "dildora", PASSWORD).await;
    let chat = app
        .prompt_with(&phone, None, "Tell me about Samarkand", "gpt-4o-mini")
        .await
        .chat_id();
    app.upstream.push(Reply::text(
        &"Samarkand is one of the oldest cities of Central Asia.\n\n".repeat(60),
    ));
    app.prompt_with(&phone, Some(&chat), "More, please", "gpt-4o-mini")
        .await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "dildora", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#messages .message").await;
    browser
        .wait_until(
            "document.querySelector('#scroll-bottom').hidden",
            "no button at the newest message",
        )
        .await;
    browser
        .eval("const c = document.querySelector('#conversation'); c.scrollTop = 0; c.dispatchEvent(new Event('scroll')); return true;")
        .await;
    browser
        .wait_until(
            "!document.querySelector('#scroll-bottom').hidden",
            "the way down while reading back",
        )
        .await;
    browser.screenshot("14-scroll-to-bottom").await;
    browser.click("#scroll-bottom").await;
    browser
        .wait_until(
            "document.querySelector('#scroll-bottom').hidden",
            "back at the newest message",
        )
        .await;
    // The sidebar folds away on a wide screen, and stays folded after a reload.
    let sidebar_hidden = "getComputedStyle(document.querySelector('#sidebar')).display === 'none'";
    browser.click(".sidebar-close").await;
    browser
        .wait_until(sidebar_hidden, "the sidebar folded")
        .await;
    browser.screenshot("14-sidebar-folded").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#messages .message").await;
    browser
        .wait_until(sidebar_hidden, "still folded after a reload")
        .await;
    browser.click(".topbar .sidebar-open").await;
    browser
        .wait_until(&format!("!({sidebar_hidden})"), "the sidebar back")
        .await;
    // Thumbs up on the last answer stays chosen after a reload.
    let thumb = "#messages .message.assistant:last-of-type .rate-answer[data-rating='up']";
    browser.click(thumb).await;
    browser
        .wait_until(
            &format!("document.querySelector(\"{thumb}\").getAttribute('aria-pressed') === 'true'"),
            "the thumb chosen",
        )
        .await;
    browser.screenshot("14-thumbs-up").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser
        .wait_until(
            &format!("document.querySelector(\"{thumb}\").getAttribute('aria-pressed') === 'true'"),
            "still chosen after a reload",
        )
        .await;
    browser.close().await;
}

#[actix_web::test]
async fn the_settings_window_sets_the_theme_and_custom_instructions() {
    let app = spawn_app_with(&[]).await;
    app.verified_user_with(&crate::helpers::client(), "kamila", PASSWORD)
        .await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "kamila", PASSWORD).await;
    browser.click(".profile-button").await;
    browser.click("#settings-link").await;
    browser.find("#instructions").await;
    browser
        .click("input[data-theme-choice][value='dark']")
        .await;
    browser
        .wait_until(
            "document.documentElement.dataset.theme === 'dark' && document.cookie.includes('theme=dark')",
            "the dark theme chosen",
        )
        .await;
    browser.fill("#about", "Men Buxorodan, dasturchiman.").await;
    browser.fill("#style", "Qisqa javob bering.").await;
    browser.click("#save-instructions").await;
    browser.find("#settings-saved").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#about').value;")
            .await,
        "Men Buxorodan, dasturchiman."
    );
    // Uzbek, at phone width, in the dark theme.
    browser
        .eval("const s = document.querySelector('#language-select-settings'); s.value = 'uz'; s.dispatchEvent(new Event('change', {bubbles: true})); return true;")
        .await;
    browser
        .wait_until("document.documentElement.lang === 'uz'", "the Uzbek page")
        .await;
    browser.resize(390, 844).await;
    browser
        .wait_until(
            "document.querySelector('#sidebar').getBoundingClientRect().right <= 0",
            "the drawer closed at phone width",
        )
        .await;
    browser.screenshot("15-settings-uz-dark-phone").await;
    assert!(browser.text("h1").await.contains("Sozlamalar"));
    browser.close().await;
}

#[actix_web::test]
async fn a_regenerated_answer_keeps_the_earlier_one_behind_a_switcher() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("versions", PASSWORD).await;
    app.upstream
        .push(Reply::text("First answer: plov with lamb."));
    let chat = app.prompt(None, "How is plov cooked?").await.chat_id();
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "versions", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#messages .message.assistant").await;
    assert_eq!(
        browser
            .eval("return document.querySelectorAll('.versions').length;")
            .await,
        0,
        "one answer, no switcher"
    );
    app.upstream.push(Reply::text(
        "Second answer: plov with beef, carrots, chickpeas, raisins, quince and a lot of cumin.",
    ));
    browser.click(".message.assistant .regenerate-answer").await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .version-count') && document.querySelector('.message.assistant .version-count').textContent === '2/2'",
            "the switcher after the regenerate",
        )
        .await;
    let body = ".message.assistant .message-body";
    assert!(browser.text(body).await.contains("beef"));
    browser.click(".message.assistant .version-previous").await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .message-body').textContent.includes('lamb')",
            "the earlier answer",
        )
        .await;
    assert_eq!(
        browser.text(".message.assistant .version-count").await,
        "1/2"
    );
    // The line under it describes the version shown (the second answer is longer).
    let meta = browser.text(".message.assistant .message-meta").await;
    // Thumbs and Regenerate belong to the answer the conversation goes on from.
    assert_eq!(
        browser
            .eval("return document.querySelector('.message.assistant .regenerate-answer').offsetParent === null;")
            .await,
        true
    );
    browser.screenshot("15-answer-versions").await;
    browser.click(".message.assistant .version-next").await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .message-body').textContent.includes('beef')",
            "back to the latest answer",
        )
        .await;
    assert_ne!(
        browser.text(".message.assistant .message-meta").await,
        meta,
        "each version has its own token counts"
    );

    // After a reload the earlier answer is still there, and the API lists it too.
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.assistant .version-count").await;
    assert_eq!(
        browser.text(".message.assistant .version-count").await,
        "2/2"
    );
    browser.click(".message.assistant .version-previous").await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant .message-body').textContent.includes('lamb')",
            "the earlier answer after a reload",
        )
        .await;
    // The switcher in the dark theme and at phone width, to be looked at.
    browser
        .eval("document.documentElement.dataset.theme = 'dark'; return true;")
        .await;
    browser.screenshot("15-answer-versions-dark").await;
    // The sidebar slides away as the window becomes a phone's.
    browser.phone_width().await;
    browser
        .eval("document.querySelector('.message.assistant .versions').scrollIntoView({block: 'center'}); return true;")
        .await;
    browser.screenshot("15-answer-versions-dark-phone").await;
    let messages: serde_json::Value = app
        .get(&format!("/api/chats/{chat}/messages"))
        .await
        .json()
        .await
        .unwrap();
    let answer = &messages["messages"][1];
    assert!(
        answer["text"].as_str().unwrap().contains("beef"),
        "{answer}"
    );
    assert_eq!(answer["versions"].as_array().unwrap().len(), 1, "{answer}");
    assert!(
        answer["versions"][0]["text"]
            .as_str()
            .unwrap()
            .contains("lamb")
    );
    app.assert_projections_match_the_log().await;

    // Another user sees none of it.
    let other = crate::helpers::client();
    app.verified_user_with(&other, "stranger", PASSWORD).await;
    let response = other
        .get(app.url(&format!("/api/chats/{chat}/messages")))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 404);
}
