//! Fair use of bots, through HTTP on a real database: `BOTS_PER_USER` holds against racing
//! requests (and counts bots made before the owner's slots existed), racing PDF edits leave
//! exactly one PDF model, a bot's PDF needs a verified address, and bots made and PDFs given
//! are limited per hour (429 with `Retry-After`).
use std::path::PathBuf;
use std::time::Duration;

use chatbot_factory::bots::events::{Avatar, BotEvent};
use chatbot_factory::events::Metadata;
use futures::future::join_all;
use reqwest::multipart::{Form, Part};
use serde_json::Value;
use uuid::Uuid;

use crate::helpers::{PASSWORD, TestApp, client, eventually_within, location, spawn_app_with};
use crate::pdf_models::fixture;

const PDF_APP: &[(&str, &str)] = &[
    ("EMBEDDING_MODEL", "text-embedding-3-small"),
    ("EMBEDDING_DIMENSION", "64"),
];

/// The bot editor's multipart form, as the page posts it (the CSRF token first).
fn editor_form(csrf: &str, name: &str, pdf: bool) -> Form {
    let mut form = Form::new()
        .text("csrf", csrf.to_owned())
        .text("name", name.to_owned())
        .text("instructions", "Answer as a librarian.")
        .text("base_model", "gpt-4o-mini");
    if pdf {
        let bytes = std::fs::read(fixture("multilingual.pdf")).unwrap();
        let part = Part::bytes(bytes)
            .file_name("library.pdf")
            .mime_str("application/pdf")
            .unwrap();
        form = form.part("pdf", part);
    }
    form
}

impl TestApp {
    async fn send_editor(
        &self,
        user: &reqwest::Client,
        path: &str,
        name: &str,
        pdf: bool,
    ) -> reqwest::Response {
        let csrf = self.csrf_token_with(user).await;
        user.post(self.url(path))
            .multipart(editor_form(&csrf, name, pdf))
            .send()
            .await
            .expect("request")
    }

    /// A bot made through the editor (no PDF); its id.
    async fn new_bot(&self, user: &reqwest::Client, name: &str) -> String {
        let response = self.send_editor(user, "/bots", name, false).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        bot_of(&location(&response))
    }

    /// The owner's bots that are not deleted, as the `bot` table has them.
    async fn live_bots(&self, owner: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM bot WHERE owner = ? AND NOT deleted")
            .bind(owner)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// PDF models that are not deleted (`model` rows of kind `pdf`).
    async fn live_pdf_models(&self) -> Vec<String> {
        sqlx::query_scalar("SELECT id FROM model WHERE kind = 'pdf' AND status <> 'deleted'")
            .fetch_all(&self.pool)
            .await
            .unwrap()
    }

    async fn bot_pdf_status(&self, user: &reqwest::Client, bot: &str) -> Option<String> {
        let status: Value = self
            .get_with(user, &format!("/bots/{bot}/status"))
            .await
            .json()
            .await
            .unwrap();
        status["pdf"].as_str().map(str::to_owned)
    }
}

/// `/bots/<id>/edit?saved=1` → `<id>`.
fn bot_of(path: &str) -> String {
    path.trim_start_matches("/bots/")
        .split('/')
        .next()
        .unwrap()
        .to_owned()
}

/// The names of the entries of a folder (none when it does not exist).
fn entries(dir: PathBuf) -> Vec<String> {
    match std::fs::read_dir(&dir) {
        Ok(read) => read
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// The LanceDB tables in a folder.
fn tables(dir: PathBuf) -> Vec<String> {
    let mut tables = entries(dir);
    tables.retain(|name| name.ends_with(".lance"));
    tables
}

#[actix_web::test]
async fn racing_creations_never_pass_bots_per_user() {
    let app = spawn_app_with(&[("BOTS_PER_USER", "3")]).await;
    let alice = client();
    let owner = app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let csrf = app.csrf_token_with(&alice).await;

    // Eight creations at once: each would have seen fewer than three bots before the others.
    let sent = (0..8).map(|n| {
        alice
            .post(app.url("/bots"))
            .multipart(editor_form(&csrf, &format!("Parrot {n}"), false))
            .send()
    });
    let mut made = 0;
    for response in join_all(sent).await {
        let response = response.expect("request");
        match response.status().as_u16() {
            303 => made += 1,
            409 => {
                let page = response.text().await.unwrap();
                assert!(page.contains("You already have 3 bots"), "{page}");
            }
            other => panic!("unexpected {other}: {}", response.text().await.unwrap()),
        }
    }
    assert_eq!(made, 3);
    assert_eq!(app.live_bots(&owner).await, 3);

    // A deleted bot gives its slot back.
    let (first,): (String,) = sqlx::query_as("SELECT id FROM bot WHERE owner = ? LIMIT 1")
        .bind(&owner)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let deleted = app
        .post_form_with(&alice, &format!("/bots/{first}/delete"), &[])
        .await;
    assert_eq!(deleted.status(), 303);
    app.new_bot(&alice, "Parrot again").await;
    let refused = app
        .send_editor(&alice, "/bots", "One too many", false)
        .await;
    assert_eq!(refused.status(), 409);
    assert_eq!(app.live_bots(&owner).await, 3);
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn bots_made_before_the_slots_existed_are_counted() {
    let app = spawn_app_with(&[("BOTS_PER_USER", "3")]).await;
    let alice = client();
    let owner = app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let owner_id = Uuid::parse_str(&owner).unwrap();
    // Three bots recorded as the app did before `bot_owner` streams: two alive, one deleted.
    let store = app.store();
    let mut earlier = Vec::new();
    for (n, deleted) in [(0, false), (1, false), (2, true)] {
        let id = Uuid::now_v7();
        let mut events = vec![BotEvent::BotCreated {
            owner: owner_id,
            name: format!("Old parrot {n}"),
            description: String::new(),
            instructions: String::new(),
            base_model: "gpt-4o-mini".into(),
            avatar: Avatar::default(),
            starters: Vec::new(),
        }];
        if deleted {
            events.push(BotEvent::BotDeleted);
        }
        store
            .append(&id.to_string(), 0, &events, &Metadata::user(owner_id))
            .await
            .unwrap();
        earlier.push(id);
    }
    assert_eq!(app.live_bots(&owner).await, 2);

    // Two at once: the first claim counts the two alive ones, so only one more fits.
    let csrf = app.csrf_token_with(&alice).await;
    let sent = ["New parrot", "Newer parrot"].map(|name| {
        alice
            .post(app.url("/bots"))
            .multipart(editor_form(&csrf, name, false))
            .send()
    });
    let statuses: Vec<u16> = join_all(sent)
        .await
        .into_iter()
        .map(|response| response.unwrap().status().as_u16())
        .collect();
    assert_eq!(
        statuses.iter().filter(|s| **s == 303).count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses.contains(&409), "{statuses:?}");
    assert_eq!(app.live_bots(&owner).await, 3);

    // Deleting one made before the slots frees its slot.
    let deleted = app
        .post_form_with(&alice, &format!("/bots/{}/delete", earlier[0]), &[])
        .await;
    assert_eq!(deleted.status(), 303);
    app.new_bot(&alice, "Parrot in its place").await;
    assert_eq!(
        app.send_editor(&alice, "/bots", "No room", false)
            .await
            .status(),
        409
    );
    assert_eq!(app.live_bots(&owner).await, 3);
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn racing_pdf_edits_leave_exactly_one_pdf_model() {
    let app = spawn_app_with(PDF_APP).await;
    let alice = client();
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let bot = app.new_bot(&alice, "Library parrot").await;

    // Four saves of the editor with a PDF at once: each makes a PDF model of the bot's own.
    let path = format!("/bots/{bot}/edit");
    let csrf = app.csrf_token_with(&alice).await;
    let sent = (0..4).map(|_| {
        alice
            .post(app.url(&path))
            .multipart(editor_form(&csrf, "Library parrot", true))
            .send()
    });
    for response in join_all(sent).await {
        let response = response.expect("request");
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    }

    // Only the PDF the bot kept is left: its model row, its folder and its LanceDB table.
    let (kept,): (Option<String>,) = sqlx::query_as("SELECT knowledge_model FROM bot WHERE id = ?")
        .bind(&bot)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let kept = kept.expect("the bot has a PDF");
    let kept = kept.trim_start_matches("pdf:").to_owned();
    let models_dir = app.settings.server.files_dir.join("models");
    let tables_dir = app.settings.knowledge.lancedb_dir.clone();
    let table = format!("model_{}.lance", kept.replace('-', ""));
    eventually_within(
        "the bot's PDF to be read and the replaced ones to be gone",
        Duration::from_secs(60),
        || async {
            app.bot_pdf_status(&alice, &bot).await.as_deref() == Some("ready")
                && app.live_pdf_models().await == vec![format!("pdf:{kept}")]
                && entries(models_dir.clone()) == vec![kept.clone()]
                && tables(tables_dir.clone()) == vec![table.clone()]
        },
    )
    .await;
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn an_unverified_user_cannot_give_a_bot_a_pdf() {
    let app = spawn_app_with(PDF_APP).await;
    let bob = client();
    let registered = app
        .register_with(&bob, "bobur", "bobur@example.com", PASSWORD)
        .await;
    assert_eq!(registered.status(), 303);
    let owner = app.user_id("bobur").await;

    // A new bot with a PDF: refused before anything is made, with what was typed kept.
    let refused = app.send_editor(&bob, "/bots", "Bobur notes", true).await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Verify your e-mail address before giving a bot a PDF")
            && page.contains(r#"value="Bobur notes""#),
        "{page}"
    );
    assert_eq!(app.live_bots(&owner).await, 0);

    // A bot without one is fine; a PDF given in its editor is refused the same way.
    let bot = app.new_bot(&bob, "Notes").await;
    let refused = app
        .send_editor(&bob, &format!("/bots/{bot}/edit"), "Notes, renamed", true)
        .await;
    assert_eq!(refused.status(), 403);
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("Verify your e-mail address") && page.contains("Notes, renamed"),
        "{page}"
    );
    assert!(app.live_pdf_models().await.is_empty());
    assert!(entries(app.settings.server.files_dir.join("models")).is_empty());
}

#[actix_web::test]
async fn pdf_uploads_are_limited_per_hour() {
    let app = spawn_app_with(PDF_APP).await;
    let alice = client();
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let bot = app.new_bot(&alice, "Library parrot").await;
    let path = format!("/bots/{bot}/edit");

    // Ten PDFs in an hour (the default), each read in turn.
    for n in 0..10 {
        let response = app.send_editor(&alice, &path, "Library parrot", true).await;
        assert_eq!(
            response.status(),
            303,
            "upload {n}: {}",
            response.text().await.unwrap()
        );
    }
    let refused = app.send_editor(&alice, &path, "Typed name", true).await;
    assert_eq!(refused.status(), 429);
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry_after), "{retry_after}");
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("You can give bots 10 PDFs an hour") && page.contains("Typed name"),
        "{page}"
    );

    // The next hour counts afresh.
    app.clock.advance(time::Duration::hours(1));
    let response = app.send_editor(&alice, &path, "Library parrot", true).await;
    assert_eq!(response.status(), 303);
}

#[actix_web::test]
async fn bot_creations_are_limited_per_hour() {
    let app = spawn_app_with(&[("BOT_CREATIONS_PER_HOUR", "3")]).await;
    let alice = client();
    app.verified_user_with(&alice, "alisher", PASSWORD).await;
    let mut bots = Vec::new();
    for n in 0..3 {
        bots.push(app.new_bot(&alice, &format!("Parrot {n}")).await);
    }
    let refused = app.send_editor(&alice, "/bots", "Parrot 3", false).await;
    assert_eq!(refused.status(), 429);
    assert!(refused.headers().contains_key("retry-after"));
    let page = refused.text().await.unwrap();
    assert!(
        page.contains("You can make 3 bots an hour") && page.contains("Parrot 3"),
        "{page}"
    );
    // A duplicate is a creation too.
    let duplicate = app
        .post_form_with(&alice, &format!("/bots/{}/duplicate", bots[0]), &[])
        .await;
    assert_eq!(duplicate.status(), 429);
    assert!(duplicate.headers().contains_key("retry-after"));

    app.clock.advance(time::Duration::hours(1));
    app.new_bot(&alice, "Parrot 3").await;
}
