//! PDF models in a real Chromium: the admin creates a model from a LibreOffice PDF through the
//! form, watches it get ready, launches it; a user picks it in the picker, asks, and the answer's
//! citation links to the right page; the admin deletes it and the old chat stays readable.
use crate::browser::Browser;
use crate::helpers::PASSWORD;
use crate::pdf_models::{fixture, pdf_app};
use crate::upstream::Reply;

#[actix_web::test]
async fn the_admin_makes_a_pdf_model_and_a_user_chats_with_it_in_the_browser() {
    let app = pdf_app().await;
    app.verified_user("malika", PASSWORD).await;
    let browser = Browser::start(1280, 900).await;

    // The admin fills the new-model form with a real PDF.
    browser.admin_log_in(&app.address).await;
    browser.goto(&app.url("/admin/models")).await;
    browser.click("#new-model").await;
    browser
        .fill("#model-name", "Archive guide of the Silk Road Library")
        .await;
    browser
        .fill("#model-description", "Questions about the town archive")
        .await;
    browser
        .find("#model-pdf")
        .await
        .send_keys(fixture("multilingual.pdf").to_str().unwrap())
        .await
        .expect("choose the file");
    browser.screenshot("40-admin-new-pdf-model").await;
    browser.click("#create-model").await;
    // The model's page follows the reading and shows "Launch" when the PDF is ready.
    browser.find("#launch").await;
    let url = browser.url().await;
    let id = url.rsplit('/').next().unwrap().to_owned();
    assert!(browser.text("#model-pages").await.contains('3'));
    browser.screenshot("41-admin-pdf-model-ready").await;
    browser.click("#launch").await;
    browser.find("#model-launched").await;
    browser.goto(&app.url("/admin/models")).await;
    browser.find(&format!("tr[data-model='{id}']")).await;
    browser.screenshot("42-admin-pdf-models").await;

    // A user picks it (a document icon marks it) and asks.
    browser.goto(&app.url("/login")).await;
    browser.fill("#login", "malika").await;
    browser.fill("#password", PASSWORD).await;
    browser
        .click("form[action='/login'] button[type=submit]")
        .await;
    browser.find("#prompt").await;
    browser.click("#model-button").await;
    let option = format!(".model-option[data-model='pdf:{id}']");
    browser.find(&format!("{option} .doc-icon")).await;
    assert!(browser.text(&option).await.contains("town archive"));
    browser.screenshot("43-picker-with-pdf-model").await;
    browser.click(&option).await;
    app.upstream.push(Reply::text(
        "The archive key lies under the blue stone [S1].",
    ));
    browser
        .fill("#prompt", "Where is the archive key hidden?")
        .await;
    browser.click("#send").await;
    let link = format!("a[href='/models/{id}/source.pdf#page=3']");
    browser
        .wait_until(
            &format!("document.querySelector(\".message.assistant {link}\")"),
            "a citation link to page 3",
        )
        .await;
    browser
        .wait_until(
            "document.querySelector('.message.assistant').dataset.status === 'complete'",
            "the answer to finish",
        )
        .await;
    browser.screenshot("44-pdf-model-answer").await;
    // At phone width the long model name stays on one line in the header.
    browser.resize(390, 844).await;
    browser
        .wait_until(
            "(() => { const n = document.querySelector('#model-name'); \
             return n.getClientRects().length === 1 && n.scrollWidth > n.clientWidth \
             && n.getBoundingClientRect().height < 32; })()",
            "the model's name on one line",
        )
        .await;
    tokio::time::sleep(std::time::Duration::from_millis(400)).await; // the drawer slides away
    browser.screenshot("45-pdf-model-phone").await;
    browser.resize(1280, 900).await;
    let chat_url = browser.url().await;
    assert!(chat_url.contains("/c/"));

    // The admin deletes it after confirming; the picker no longer offers it, the chat stays.
    browser.goto(&app.url(&format!("/admin/models/{id}"))).await;
    browser.click("#delete").await;
    browser.click("#confirm-delete").await;
    browser.find("#new-model").await;
    browser.goto(&chat_url).await;
    browser.find(".message.assistant").await;
    assert!(browser.html().await.contains("blue stone"));
    assert_eq!(
        browser
            .eval(&format!(
                "return document.querySelectorAll(\"{option}\").length;"
            ))
            .await,
        0
    );
    browser.close().await;
}
