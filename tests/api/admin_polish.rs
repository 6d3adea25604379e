//! What the admin tripped over (issue 32, items 10–14): dashboard figures that counted deleted
//! chats, a chat page that hid set-aside answers, exports and print that disagreed, the PDF
//! model page's unitless progress, the offline weights' provenance, the event log's "Who", and
//! the tab left open at e-mail verification. Screenshots land in tests/artifacts/ (`70-…`).
use std::io::Read;

use chatbot_factory::llm::local::weights::{DirSpec, FileSpec};
use scraper::{Html, Selector};

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp, client, eventually, location, spawn_app_with};
use crate::pdf_models::pdf_app;
use crate::upstream::Reply;

use crate::pdf_safety::hostile_pdfs;

fn texts(html: &str, css: &str) -> Vec<String> {
    let document = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    document
        .select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// Scrolls the admin's chat page to its first set-aside messages.
const SHOW_VERSIONS: &str =
    "document.querySelector('.admin-versions').scrollIntoView({ block: 'start' }); return true;";

/// A dashboard tile's figure (`data-value`).
fn figure(html: &str, stat: &str) -> u64 {
    let document = Html::parse_document(html);
    let selector = Selector::parse(&format!("[data-stat={stat}] .stat-value")).unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|e| e.value().attr("data-value"))
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no {stat} tile"))
}

async fn use_theme(browser: &Browser, theme: &str) {
    browser
        .eval(&format!(
            "document.cookie = 'theme={theme}; path=/'; return true;"
        ))
        .await;
}

impl TestApp {
    async fn delete_chat(&self, chat: &str) {
        let response = self
            .api_send(
                &self.api,
                reqwest::Method::DELETE,
                &format!("/api/chats/{chat}"),
                None,
            )
            .await;
        assert!(response.status().is_success(), "{}", response.status());
    }

    async fn prompt_id(&self, chat: &str, rank: u32) -> u64 {
        sqlx::query_scalar("SELECT id FROM chat_history WHERE chat_id = ? AND `rank` = ?")
            .bind(chat)
            .bind(rank)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The user's "Export my data" zip: each entry's name, text and modification time.
    async fn my_export(&self) -> Vec<(String, String, zip::DateTime)> {
        let response = self.get("/profile/export").await;
        assert_eq!(response.status(), 200);
        let bytes = response.bytes().await.unwrap();
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
        (0..archive.len())
            .map(|i| {
                let mut entry = archive.by_index(i).unwrap();
                let mut text = String::new();
                entry.read_to_string(&mut text).unwrap();
                let modified = entry.last_modified().unwrap_or_default();
                (entry.name().unwrap().into_owned(), text, modified)
            })
            .collect()
    }
}

/// Item 10: "Chats" and "open now" leave a deleted chat out, as the Users page does.
#[actix_web::test]
async fn the_dashboard_counts_neither_a_deleted_chat_nor_its_actor() {
    // Arrange: two chats, one deleted.
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("aziza", PASSWORD).await;
    app.prompt(None, "Samarkand by train").await.chat_id();
    let gone = app.prompt(None, "Bukhara by bus").await.chat_id();
    app.delete_chat(&gone).await;
    let admin = app.admin_client().await;

    // Act + Assert: the dashboard agrees with the Users page.
    let dashboard = app.get_with(&admin, "/admin").await.text().await.unwrap();
    assert_eq!(
        figure(&dashboard, "chats"),
        1,
        "deleted chats are not chats"
    );
    let today = texts(&dashboard, "[data-stat=chats] .stat-today");
    assert!(today[0].starts_with("+1 "), "{today:?}");
    let users = app
        .get_with(&admin, "/admin/users")
        .await
        .text()
        .await
        .unwrap();
    assert!(users.contains("aziza"));
    let chats_column: u64 = sqlx::query_scalar("SELECT chats FROM `user` WHERE username = 'aziza'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(chats_column, 1);
    // The deleted chat's actor stops at once: one chat is open, not two.
    let open = || async {
        let html = app.get_with(&admin, "/admin").await.text().await.unwrap();
        figure(&html, "open_chats") == 1
    };
    eventually("only the kept chat open", open).await;
}

/// Item 10: refused prompts (a model not offered, a chat at its limit) are events in the log
/// and a figure on the dashboard, which `replay` rebuilds.
#[actix_web::test]
async fn refused_prompts_are_in_the_log_and_on_the_dashboard() {
    // Arrange
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("bobur", PASSWORD).await;
    let admin = app.admin_client().await;

    // Act: a model the site does not have, then a chat past the limit the admin set.
    let unknown = app
        .prompt_with(&app.api, None, "Hello", "gpt-9-ultra")
        .await;
    assert_eq!(unknown.status, 400);
    let chat = app.prompt(None, "One").await.chat_id();
    let limit = app
        .post_form_with(
            &admin,
            &format!("/admin/chats/{chat}/limit"),
            &[("limit", "1")],
        )
        .await;
    assert_eq!(limit.status(), 303);
    let over = app.prompt(Some(&chat), "Two").await;
    assert_eq!(over.status, 409);

    // Assert: two events with their reasons, the tile, and a rebuild that agrees.
    let reasons: Vec<String> = sqlx::query_scalar(
        "SELECT JSON_UNQUOTE(JSON_EXTRACT(payload, '$.reason')) FROM event \
         WHERE event_type = 'PromptRefused' ORDER BY position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(reasons, ["unknown_model", "chat_limit"]);
    let dashboard = app.get_with(&admin, "/admin").await.text().await.unwrap();
    assert_eq!(figure(&dashboard, "refused"), 2);
    assert_eq!(
        figure(&dashboard, "prompts"),
        1,
        "a refused prompt is no prompt"
    );
    let today = texts(&dashboard, "[data-stat=refused] .stat-today");
    assert!(today[0].starts_with("+2 "), "{today:?}");
    app.assert_projections_match_the_log().await;
    let browser = Browser::start(1280, 900).await;
    browser.admin_log_in(&app.address).await;
    browser.find("[data-stat=refused]").await;
    browser.screenshot("75-dashboard-refused").await;
    browser
        .eval("document.querySelector('.chart').scrollIntoView({ block: 'start' }); return true;")
        .await;
    browser.screenshot("75-dashboard-refused-per-day").await;
    browser.close().await;
}

/// Item 10: the admin's chat page shows the answers set aside by Regenerate and the branch an
/// edited prompt left, and counts them; the user's export carries them too.
#[actix_web::test]
async fn the_admin_sees_every_branch_and_set_aside_answer_and_the_export_has_them() {
    // Arrange: an answer regenerated, then the prompt edited (a new branch).
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user("farhod", PASSWORD).await;
    app.upstream.push(Reply::text("First answer about plov."));
    let chat = app.prompt(None, "How to cook plov?").await.chat_id();
    app.upstream.push(Reply::text("Second answer about plov."));
    app.regenerate(&chat).await;
    let prompt = app.prompt_id(&chat, 1).await;
    app.upstream.push(Reply::text("Answer about manti."));
    app.edit_prompt_with(&app.api, &chat, prompt, "How to cook manti?")
        .await;
    let admin = app.admin_client().await;

    // Act
    let html = app
        .get_with(&admin, &format!("/admin/chats/{chat}"))
        .await
        .text()
        .await
        .unwrap();

    // Assert: everything the limit counts is on the page, marked, and counted.
    let shown = texts(&html, ".admin-messages .message-body").join("\n");
    for text in [
        "How to cook manti?",
        "Answer about manti.",
        "How to cook plov?",
        "First answer about plov.",
        "Second answer about plov.",
    ] {
        assert!(shown.contains(text), "{text} missing from {shown}");
    }
    assert_eq!(texts(&html, ".admin-messages .message.set-aside").len(), 3);
    let prompts = texts(&html, "#chat-prompts");
    assert!(
        prompts[0].starts_with("2 /")
            && prompts[0].contains("1 in the branch shown, 1 in set-aside branches"),
        "{prompts:?}"
    );
    let aside = texts(&html, "#chat-set-aside");
    assert!(aside[0].starts_with("prompts: 1, answers: 2"), "{aside:?}");

    // The user's own export has the set-aside messages too.
    let export = app.my_export().await;
    let (_, markdown, _) = export.iter().find(|(n, _, _)| n.ends_with(".md")).unwrap();
    for text in [
        "How to cook plov?",
        "First answer about plov.",
        "Second answer about plov.",
    ] {
        assert!(markdown.contains(text), "{text} missing from {markdown}");
    }
    assert_eq!(
        markdown.matches("#### Set aside ·").count(),
        3,
        "{markdown}"
    );
    let (_, json, _) = export
        .iter()
        .find(|(n, _, _)| n.ends_with(".json"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    let messages = json["chats"][0]["messages"].as_array().unwrap();
    let set_aside: Vec<&str> = messages[0]["set_aside"]
        .as_array()
        .expect("the old branch")
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        set_aside,
        [
            "How to cook plov?",
            "Second answer about plov.",
            "First answer about plov."
        ]
    );

    // Screenshots: the page with the versions open, light, dark and phone-sized.
    let browser = Browser::start(1280, 900).await;
    browser.admin_log_in(&app.address).await;
    browser
        .goto(&app.url(&format!("/admin/chats/{chat}")))
        .await;
    browser.click(".admin-versions summary").await;
    browser.eval(SHOW_VERSIONS).await;
    browser.screenshot("70-admin-chat-versions").await;
    use_theme(&browser, "dark").await;
    browser
        .goto(&app.url(&format!("/admin/chats/{chat}")))
        .await;
    browser.click(".admin-versions summary").await;
    browser.eval(SHOW_VERSIONS).await;
    browser.screenshot("70-admin-chat-versions-dark").await;
    browser.phone_width().await;
    browser.eval(SHOW_VERSIONS).await;
    browser
        .screenshot("70-admin-chat-versions-dark-phone")
        .await;
    browser.close().await;
}

/// Item 11: print and PDF show a prompt as typed; exports name the PDF model, keep the
/// pages its citations point to, and the zip's entries carry the day they were written.
#[actix_web::test]
async fn exports_and_print_agree_name_models_keep_pages_and_date_their_entries() {
    // Arrange: a launched PDF model answers with a citation of page 3.
    let app = pdf_app().await;
    app.verified_user("lola", PASSWORD).await;
    let admin = app.admin_client().await;
    let id = app
        .launched_model(&admin, "Archive guide", "multilingual.pdf")
        .await;
    app.upstream
        .push(Reply::text("The key is under the **blue** stone [S1]."));
    let question = "Где хранится **ключ** от архива? `code` & <b>tags</b>";
    let answer = app
        .prompt_with(&app.api, None, question, &format!("pdf:{id}"))
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.error);
    let chat = answer.chat_id();
    let sources = answer.first("sources").expect("a sources event");
    let page = sources["sources"][0]["page"].as_u64().unwrap();
    let cited = format!("[S1] p. {page}");

    // The PDF prints the prompt as typed, the answer laid out, the model's name and the page.
    let pdf = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/export/pdf"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    let document = lopdf::Document::load_mem(&pdf).expect("a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).unwrap();
    assert!(text.contains("**ключ**"), "{text}");
    assert!(text.contains("`code` & <b>tags</b>"), "{text}");
    assert!(
        !text.contains("**blue**") && text.contains("blue"),
        "{text}"
    );
    assert!(
        text.contains("Archive guide") && !text.contains("pdf:"),
        "{text}"
    );
    assert!(text.contains(&cited), "{text}");
    // The print page shows the same prompt the same way.
    let print = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/print"), &[])
        .await
        .text()
        .await
        .unwrap();
    let prompts = texts(&print, ".print-message .message-body.plain");
    assert_eq!(prompts, [question]);
    assert!(print.contains("Archive guide") && print.contains(&cited));

    let browser = Browser::start(1280, 900).await;
    browser.admin_log_in(&app.address).await;
    browser
        .goto(&app.url(&format!("/admin/chats/{chat}")))
        .await;
    browser.click("#print").await;
    browser.find(".print-sources").await;
    assert_eq!(
        browser.text(".print-message .message-body.plain").await,
        question
    );
    browser.screenshot("73-print-prompt-as-typed").await;
    browser.close().await;

    // The user's export: names, pages, and dated entries.
    let export = app.my_export().await;
    let (_, markdown, _) = export.iter().find(|(n, _, _)| n.ends_with(".md")).unwrap();
    assert!(markdown.contains("- Model: Archive guide"), "{markdown}");
    assert!(markdown.contains("Assistant (Archive guide)"), "{markdown}");
    assert!(!markdown.contains("pdf:"), "{markdown}");
    assert!(markdown.contains(&cited), "{markdown}");
    let (_, json, _) = export
        .iter()
        .find(|(n, _, _)| n.ends_with(".json"))
        .unwrap();
    let json: serde_json::Value = serde_json::from_str(json).unwrap();
    let chat_json = &json["chats"][0];
    assert_eq!(chat_json["model_name"], "Archive guide");
    assert_eq!(chat_json["messages"][1]["sources"][0]["page"], page);
    let today = time::OffsetDateTime::now_utc().date();
    for (name, _, modified) in &export {
        assert_eq!(
            (modified.year(), modified.month(), modified.day()),
            (today.year() as u16, u8::from(today.month()), today.day()),
            "{name} is dated {modified}"
        );
    }
}

/// Item 12: while a PDF is embedded, its page shows the three steps, the passages done of
/// all with the time left, and the pages; an unlaunched model shows no launch date.
#[actix_web::test]
async fn a_pdf_models_page_shows_its_steps_with_units_and_a_time_left() {
    // Arrange: a 60-page PDF whose second batch of passages waits at the embedder.
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    app.upstream.hold_embeddings_after(Some(1));
    let pdf = hostile_pdfs::shared_content_pages(60, 2_000);
    let response = app
        .upload_model(&admin, "Long manual", "long.pdf", pdf)
        .await;
    assert_eq!(response.status(), 303);
    let id = location(&response)
        .strip_prefix("/admin/models/")
        .unwrap()
        .to_owned();

    // Act: the status feed the page follows, half way through the passages.
    let row = app
        .model_row_until(&admin, &id, "the second batch", |row| {
            row["progress"]["stage"] == "embedding" && row["progress"]["done"] == 32
        })
        .await;

    // Assert: step, units, pages and time left, in words.
    let text = row["progress_text"].as_str().unwrap();
    let total = row["progress"]["total"].as_u64().unwrap();
    assert!(total > 32, "{row}");
    assert!(
        text.starts_with(&format!(
            "Step 2 of 3: embedding passages, 32 of {total} (from 60 pages) · about "
        )) && text.ends_with(" left"),
        "{text}"
    );
    let browser = Browser::start(1280, 900).await;
    browser.admin_log_in(&app.address).await;
    browser.goto(&app.url(&format!("/admin/models/{id}"))).await;
    assert_eq!(
        browser.text(".phases .phase.current").await,
        "Embedding passages"
    );
    assert_eq!(browser.text(".phases .phase.done").await, "Reading pages");
    assert_eq!(browser.text("#model-pages").await, "60");
    assert_eq!(browser.text("#model-chunks").await, total.to_string());
    assert!(browser.text(".progress-text").await.contains("32 of"));
    browser.screenshot("71-pdf-model-steps").await;
    use_theme(&browser, "dark").await;
    browser.goto(&app.url(&format!("/admin/models/{id}"))).await;
    browser.find(".phases").await;
    browser.screenshot("71-pdf-model-steps-dark").await;
    browser.phone_width().await;
    browser.screenshot("71-pdf-model-steps-dark-phone").await;
    browser.close().await;

    // Ready, launched, unlaunched: the launch date only while launched.
    app.upstream.hold_embeddings_after(None);
    app.model_reaches(&admin, &id, "ready").await;
    let path = format!("/admin/models/{id}");
    let page = || async { app.get_with(&admin, &path).await.text().await.unwrap() };
    assert!(!page().await.contains(">Launched</dt>"));
    app.post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    assert!(page().await.contains(">Launched</dt>"));
    app.post_form_with(&admin, &format!("/admin/models/{id}/unlaunch"), &[])
        .await;
    let unlaunched = page().await;
    assert!(!unlaunched.contains(">Launched</dt>"), "{unlaunched}");
}

/// Item 13: the README and the log line before a download say what is fetched, from which
/// packages, why those, the sha256 checked, and how to bring a GGUF of one's own.
#[test]
fn the_readme_and_the_log_say_where_the_offline_weights_come_from() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let chat = FileSpec::qwen_chat();
    let dirs = [
        DirSpec::e5_weights(),
        DirSpec::e5_tokenizer(),
        DirSpec::minilm(),
    ];
    let mut logged = vec![(
        chat.provenance(),
        chat.pin.sha256.clone(),
        chat.parts.clone(),
    )];
    for dir in &dirs {
        logged.push((
            dir.provenance(),
            dir.pin.sha256.clone(),
            vec![dir.wheel.clone()],
        ));
    }
    for (line, sha256, parts) in &logged {
        assert!(readme.contains(sha256.as_str()), "README lacks {sha256}");
        assert!(line.contains(sha256.as_str()), "{line}");
        assert!(line.contains("Why these packages:"), "{line}");
        assert!(line.contains("Instead:"), "{line}");
        for part in parts {
            assert!(line.contains(&part.requirement()), "{line}");
        }
        let (first, last) = (&parts[0].package, &parts[parts.len() - 1].package);
        assert!(readme.contains(first.as_str()) && readme.contains(last.as_str()));
    }
    assert!(logged[0].0.contains("LOCAL_MODEL_PATH"), "{}", logged[0].0);
    assert!(logged[0].0.contains("Qwen2.5-Coder-0.5B-Instruct"));
    assert!(readme.contains("LOCAL_MODEL_PATH=/path/to/model.gguf"));
    // The two commands stay as they are.
    assert!(readme.contains("```sh\ncargo run --release\n```"));
    assert!(readme.contains("```sh\ncargo test\n```"));
}

/// Item 14: the event log's "Who" names people: the username, "admin" or "system".
#[actix_web::test]
async fn the_event_logs_who_column_shows_names() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    let user = app.verified_user("zarina", PASSWORD).await;
    app.prompt(None, "Khiva in spring").await;
    app.accounts()
        .block(&user, Some("Testing".into()), "admin")
        .await
        .unwrap();
    let admin = app.admin_client().await;

    let html = app
        .get_with(&admin, "/admin/events")
        .await
        .text()
        .await
        .unwrap();

    let who = texts(&html, "td.who");
    assert!(who.iter().any(|w| w == "zarina"), "{who:?}");
    assert!(who.iter().any(|w| w == "admin"), "{who:?}");
    assert!(!who.iter().any(|w| w.contains(':')), "{who:?}");
    let stream = app
        .get_with(&admin, &format!("/admin/events/streams/{user}"))
        .await
        .text()
        .await
        .unwrap();
    let who = texts(&stream, ".who");
    assert!(who.iter().any(|w| w == "admin"), "{who:?}");
    // In Russian too.
    let ru = admin
        .get(app.url("/admin/events"))
        .header("accept-language", "ru")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(texts(&ru, "td.who").iter().any(|w| w == "администратор"));
    let browser = Browser::start(1280, 900).await;
    browser.admin_log_in(&app.address).await;
    browser.goto(&app.url("/admin/events")).await;
    browser.find("td.who").await;
    browser.screenshot("74-event-log-who").await;
    use_theme(&browser, "dark").await;
    browser.goto(&app.url("/admin/events")).await;
    browser.find("td.who").await;
    browser.screenshot("74-event-log-who-dark").await;
    browser.close().await;
}

/// Item 14: the tab left open at "verify your address" unlocks itself once the link is
/// opened elsewhere, and the "check your mail" page moves on by itself.
#[actix_web::test]
async fn the_tab_left_open_at_verification_unlocks_itself() {
    // Arrange: a new user, not verified yet, logged in in the browser.
    let app = spawn_app_with(&[]).await;
    let response = app
        .register("nilufar", "nilufar@example.com", PASSWORD)
        .await;
    assert_eq!(response.status(), 303);
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, "nilufar", PASSWORD).await;
    browser.find(".verify-notice").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#prompt').disabled;")
            .await,
        true
    );
    browser.screenshot("72-verify-waiting").await;

    // Act: the link is opened on another device.
    let link = app.mailed_link("nilufar@example.com", "/verify", 1).await;
    assert_eq!(
        client().get(app.url(&link)).send().await.unwrap().status(),
        200
    );

    // Assert: the open tab unlocks without a reload and says so.
    browser
        .wait_until(
            "!document.querySelector('.verify-notice') && !document.querySelector('#prompt').disabled",
            "the composer unlocked",
        )
        .await;
    browser
        .wait_until(
            "[...document.querySelectorAll('.toast')].some((t) => t.textContent.includes('verified'))",
            "the verified toast",
        )
        .await;
    browser.fill("#prompt", "Hello").await;
    assert_eq!(
        browser
            .eval("return document.querySelector('#send').disabled;")
            .await,
        false
    );
    browser.screenshot("72-verify-unlocked").await;

    // The "check your mail" page (after asking for a new link) moves on by itself.
    browser.client.delete_all_cookies().await.unwrap();
    let response = app.register("sardor", "sardor@example.com", PASSWORD).await;
    assert_eq!(response.status(), 303);
    browser.log_in(&app.address, "sardor", PASSWORD).await;
    use_theme(&browser, "dark").await;
    browser.goto(&app.url("/")).await;
    browser.click(".verify-notice form button").await;
    browser.find("[data-verify-wait=go]").await;
    assert!(
        browser
            .text(".auth-card")
            .await
            .contains("moves on by itself")
    );
    browser.screenshot("72-verify-sent-waiting-dark").await;
    let link = app.mailed_link("sardor@example.com", "/verify", 2).await;
    assert_eq!(
        client().get(app.url(&link)).send().await.unwrap().status(),
        200
    );
    browser
        .wait_until(
            "location.pathname === '/' && document.querySelector('#prompt') && !document.querySelector('#prompt').disabled",
            "the chat page, unlocked",
        )
        .await;
    browser.close().await;
}

/// Item 14: the status endpoint answers only a logged-in user.
#[actix_web::test]
async fn the_verification_status_needs_a_login() {
    let app = spawn_app_with(&[]).await;
    let visitor = client()
        .get(app.url("/verify/status"))
        .send()
        .await
        .unwrap();
    assert!(visitor.status().is_client_error() || visitor.status().is_redirection());
    app.verified_user("kamron", PASSWORD).await;
    let body: serde_json::Value = app.get("/verify/status").await.json().await.unwrap();
    assert_eq!(body["verified"], true);
}
