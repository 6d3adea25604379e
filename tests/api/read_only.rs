//! Chats where sending is refused offer no other way to a new answer (issue 32, items 4 and 5):
//! at a chat's limit no Regenerate, Retry or edit (the server refuses them too, and the notice
//! counts prompts, as the admin set them); a chat whose PDF model was stopped says so in plain
//! words, reads like a chat at its limit, and goes on once the user picks another model.
//! Screenshots land in tests/artifacts/ (`66-…`).
use crate::browser::Browser;
use crate::helpers::{PASSWORD, spawn_app_with};
use crate::pdf_models::pdf_app;
use crate::upstream::Reply;
use crate::ux_fixes::use_theme;

/// True when the element matched by `css` exists and is not displayed.
fn hidden(css: &str) -> String {
    format!(
        "(() => {{ const e = document.querySelector({css:?}); \
         return e !== null && e.offsetParent === null; }})()"
    )
}

fn shown(css: &str) -> String {
    format!(
        "(() => {{ const e = document.querySelector({css:?}); \
         return e !== null && e.offsetParent !== null; }})()"
    )
}

/// Item 5: at 1/1 prompts Regenerate (and Retry) is refused like a prompt, and the page offers
/// no Regenerate, Retry or pencil.
#[actix_web::test]
async fn a_chat_at_its_limit_offers_no_regenerate_retry_or_edit() {
    // Arrange: a chat of one prompt, and the admin sets its limit to one prompt.
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("nodira", PASSWORD).await;
    app.upstream.push(Reply::text("Samarkand is 300 km away."));
    let chat = app.prompt(None, "How far is Samarkand?").await.chat_id();
    let admin = app.admin_client().await;
    let saved = app
        .post_form_with(
            &admin,
            &format!("/admin/chats/{chat}/limit"),
            &[("limit", "1")],
        )
        .await;
    assert_eq!(saved.status(), 303);
    let asked = app.upstream.requests().len();

    // Act: regenerate through the API.
    let refused = app.regenerate(&chat).await;

    // Assert: refused as a prompt would be, in the admin's word (prompts); nothing changed.
    assert_eq!(refused.status, 409, "{:?}", refused.events);
    let message = refused.error.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("prompt limit (1)"), "{message}");
    assert_eq!(app.upstream.requests().len(), asked, "no model was asked");
    let history = app.history(&chat).await;
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].1, "Samarkand is 300 km away.");

    // The page: the notice counts prompts; copy and thumbs stay, no new answer is offered.
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "nodira", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#limit-notice").await;
    assert!(
        browser
            .text("#limit-text")
            .await
            .contains("prompt limit (1)")
    );
    for css in [
        ".message.assistant .regenerate-answer",
        ".message.user .edit-prompt",
        "#composer",
    ] {
        browser.wait_until(&hidden(css), css).await;
    }
    browser
        .wait_until(&shown(".message.assistant .copy-message"), "Copy")
        .await;
    browser.screenshot("66-at-limit-no-regenerate").await;
    // A click on a hidden button (a script, or a stale page) does nothing either.
    browser
        .eval(
            "document.querySelector('.message.assistant .regenerate-answer').click(); return true;",
        )
        .await;
    browser
        .wait_until(
            "document.querySelectorAll('.message.assistant').length === 1 \
             && document.querySelector('.message.assistant').dataset.status === 'complete'",
            "the answer left as it was",
        )
        .await;
    browser.phone_width().await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#limit-notice").await;
    browser.screenshot("66-at-limit-no-regenerate-phone").await;
    browser.close().await;
    assert_eq!(app.upstream.requests().len(), asked, "no model was asked");
    app.assert_projections_match_the_log().await;
}

/// Item 4: the admin stops (unlaunches) a PDF model while a user's chat with it is open.
#[actix_web::test]
async fn a_chat_whose_pdf_model_was_stopped_says_so_and_goes_on_with_another_model() {
    // Arrange: a launched PDF model, a chat with it, then the admin stops the model.
    let app = pdf_app().await;
    app.verified_user("jasur", PASSWORD).await;
    let admin = app.admin_client().await;
    let id = app
        .launched_model(&admin, "Archive guide", "multilingual.pdf")
        .await;
    let model = format!("pdf:{id}");
    app.upstream
        .push(Reply::text("The key lies under the blue stone [S1]."));
    let first = app
        .prompt_with(&app.api, None, "Where is the archive key?", &model)
        .await;
    assert_eq!(first.status, 200, "{:?}", first.error);
    let chat = first.chat_id();
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "jasur", PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.assistant .copy-message").await;
    app.post_form_with(&admin, &format!("/admin/models/{id}/unlaunch"), &[])
        .await;

    // Act: the open page sends (it does not know yet), then reloads.
    browser.fill("#prompt", "And the festival?").await;
    browser.click("#send").await;

    // Assert: plain words with the model's name, never its id or a configuration word.
    browser
        .wait_until(
            "!document.querySelector('#composer-error').hidden",
            "the refusal",
        )
        .await;
    let error = browser.text("#composer-error").await;
    assert!(
        error.contains("“Archive guide” is not available right now"),
        "{error}"
    );
    assert!(
        !error.contains("pdf:") && !error.contains("not known"),
        "{error}"
    );
    let api = app
        .prompt_with(&app.api, Some(&chat), "And the festival?", &model)
        .await;
    assert_eq!(api.status, 400);
    assert!(!api.error.unwrap().to_string().contains(&id));

    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#model-gone-notice").await;
    assert!(
        browser
            .text("#model-gone-notice")
            .await
            .contains("Choose another model")
    );
    for css in [
        "#composer",
        ".message.assistant .regenerate-answer",
        ".message.user .edit-prompt",
    ] {
        browser.wait_until(&hidden(css), css).await;
    }
    // Its citations are plain text, said so without calling the document deleted.
    let note = browser.text(".source-gone").await;
    assert!(note.contains("not available right now"), "{note}");
    browser.screenshot("66-pdf-model-stopped").await;
    use_theme(&browser, "dark").await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#model-gone-notice").await;
    browser.screenshot("66-pdf-model-stopped-dark").await;

    // Picking another model brings the composer back, and the chat goes on.
    browser.click("#model-button").await;
    browser
        .click(".model-option[data-model='gpt-4o-mini']")
        .await;
    browser
        .wait_until(&shown("#composer"), "the composer")
        .await;
    assert!(
        browser
            .eval("return document.querySelector('#model-gone-notice') === null;")
            .await
            .as_bool()
            .unwrap()
    );
    app.upstream.push(Reply::text("The festival is in May."));
    browser.fill("#prompt", "And the festival?").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "[...document.querySelectorAll('.message.assistant')].some((m) => \
             m.dataset.status === 'complete' && m.textContent.includes('in May'))",
            "the answer from the model picked",
        )
        .await;
    browser
        .wait_until(
            &shown(".message.assistant:last-of-type .regenerate-answer"),
            "Regenerate again",
        )
        .await;
    browser.screenshot("66-pdf-model-stopped-continued").await;
    browser.close().await;
    let history = app.history(&chat).await;
    assert_eq!(history.len(), 4, "{history:?}");
    assert_eq!(history[3].1, "The festival is in May.");
    app.assert_projections_match_the_log().await;
}
