//! Hostile PDFs through HTTP (issue 25): a `ToUnicode` stream of Flate inside Flate that would
//! inflate to over 1 GiB, and 2,000 pages that all draw one 1 MiB text stream. Each is uploaded
//! as an admin's model and as a bot's PDF: it ends `failed` with its translated reason within
//! 30 s, nothing is left behind, and the app keeps answering.
use std::time::{Duration, Instant};

use chatbot_factory::i18n::{Lang, Msg};
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, client, location};
use crate::pdf_models::pdf_app;

#[path = "../../src/knowledge/pdf/tests/hostile_pdfs.rs"]
pub(crate) mod hostile_pdfs;

const LIMIT: Duration = Duration::from_secs(30);

fn table_folder(app: &TestApp, id: &str) -> std::path::PathBuf {
    app.lancedb_dir()
        .join(format!("model_{}.lance", id.replace('-', "")))
}

fn hostile_files() -> [(&'static str, Vec<u8>); 2] {
    [
        ("bomb.pdf", hostile_pdfs::tounicode_bomb()),
        (
            "shared-pages.pdf",
            hostile_pdfs::shared_content_pages(2_000, 1 << 20),
        ),
    ]
}

impl TestApp {
    /// Creates a bot with `pdf` through the editor's form and returns its id.
    async fn bot_with_pdf(&self, user: &reqwest::Client, file: &str, pdf: Vec<u8>) -> String {
        let mut form = Form::new().text("csrf", self.csrf_token_with(user).await);
        for (name, value) in [
            ("name", "Reader"),
            ("description", "Reads what it is given"),
            ("instructions", "Answer from the PDF."),
            ("base_model", "gpt-4o-mini"),
            ("emoji", "📄"),
            ("color", "violet"),
        ] {
            form = form.text(name, value);
        }
        let part = Part::bytes(pdf)
            .file_name(file.to_owned())
            .mime_str("application/pdf")
            .unwrap();
        let response = user
            .post(self.url("/bots"))
            .multipart(form.part("pdf", part))
            .send()
            .await
            .expect("request");
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        let to = location(&response);
        let id = to.trim_start_matches("/bots/").split('/').next().unwrap();
        id.to_owned()
    }

    /// What the bot editor follows, until the PDF is no longer being read.
    async fn bot_pdf_settles(&self, user: &reqwest::Client, bot: &str) -> String {
        let deadline = Instant::now() + LIMIT;
        loop {
            let status: Value = self
                .get_with(user, &format!("/bots/{bot}/status"))
                .await
                .json()
                .await
                .unwrap();
            if let Some(done @ ("ready" | "failed")) = status["pdf"].as_str() {
                return done.to_owned();
            }
            assert!(Instant::now() < deadline, "not settled in {LIMIT:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn model_failure(&self, model: &str) -> (String, Option<String>) {
        sqlx::query_as("SELECT status, error_code FROM model WHERE id = ?")
            .bind(model)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    async fn still_answers(&self) {
        let health = self.get("/healthz").await;
        assert!(health.status().is_success(), "{}", health.status());
    }
}

#[actix_web::test]
async fn hostile_pdfs_fail_with_a_translated_reason_as_admin_models() {
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    for (file, pdf) in hostile_files() {
        let started = Instant::now();
        let response = app.upload_model(&admin, file, file, pdf).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        let id = location(&response)
            .trim_start_matches("/admin/models/")
            .to_owned();

        app.model_reaches(&admin, &id, "failed").await;

        assert!(started.elapsed() < LIMIT, "{file}: {:?}", started.elapsed());
        let page = app
            .get_with(&admin, &format!("/admin/models/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"id="model-failure""#) && page.contains("more than can be read"),
            "{file}: {page}"
        );
        let (_, code) = app.model_failure(&format!("pdf:{id}")).await;
        assert_eq!(code.as_deref(), Some("too_much_content"), "{file}");
        assert!(!table_folder(&app, &id).exists(), "{file} left a table");
        app.still_answers().await;
    }
    // The reason in Uzbek and Russian.
    app.post_form_with(&admin, "/lang", &[("lang", "uz")]).await;
    let list = app.get_with(&admin, "/admin/models").await.text().await;
    assert!(list.unwrap().contains("o‘qib bo‘lmaydi"));
    app.post_form_with(&admin, "/lang", &[("lang", "ru")]).await;
    let list = app.get_with(&admin, "/admin/models").await.text().await;
    assert!(list.unwrap().contains("невозможно прочитать"));
}

#[actix_web::test]
async fn hostile_pdfs_fail_with_a_translated_reason_as_bots_pdfs() {
    let app = pdf_app().await;
    let owner = client();
    app.verified_user_with(&owner, "nodira", PASSWORD).await;
    for (file, pdf) in hostile_files() {
        let started = Instant::now();
        let bot = app.bot_with_pdf(&owner, file, pdf).await;

        let status = app.bot_pdf_settles(&owner, &bot).await;

        assert_eq!(status, "failed", "{file}");
        assert!(started.elapsed() < LIMIT, "{file}: {:?}", started.elapsed());
        let (model,): (Option<String>,) =
            sqlx::query_as("SELECT knowledge_model FROM bot WHERE id = ?")
                .bind(&bot)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        let model = model.expect("the bot has a PDF model");
        let uuid = model.trim_start_matches("pdf:");
        let (status, code) = app.model_failure(&format!("pdf:{uuid}")).await;
        assert_eq!(
            (status.as_str(), code.as_deref()),
            ("failed", Some("too_much_content"))
        );
        let reason = Msg::new("pdf-too-much-content");
        assert!(reason.translate(Lang::En).contains("more than can be read"));
        assert_ne!(reason.translate(Lang::Uz), reason.translate(Lang::En));
        assert_ne!(reason.translate(Lang::Ru), reason.translate(Lang::En));
        assert!(!table_folder(&app, uuid).exists(), "{file} left a table");
        app.still_answers().await;
    }
}
