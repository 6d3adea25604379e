//! PDF models through HTTP: the admin uploads a real PDF (LibreOffice, groff), the model's actor
//! reads it into a LanceDB table, users pick the launched model and its answers cite pages; bad
//! PDFs fail with a translated reason; deleting removes the table folder and the PDF.
//! Embeddings come from the test upstream's real (hashed bag-of-words) embedding endpoint.
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chatbot_factory::events::replay;
use chatbot_factory::startup::Application;
use reqwest::multipart::{Form, Part};
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, client, location, spawn_app_with};
use crate::upstream::Reply;

pub const EMBEDDINGS: &[(&str, &str)] = &[
    ("EMBEDDING_MODEL", "text-embedding-3-small"),
    ("EMBEDDING_DIMENSION", "64"),
];

pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/pdfs")
        .join(name)
}

pub async fn pdf_app() -> TestApp {
    spawn_app_with(EMBEDDINGS).await
}

impl TestApp {
    /// Posts the new-model form (multipart, the CSRF token first, as the page's form does).
    pub async fn upload_model(
        &self,
        admin: &reqwest::Client,
        name: &str,
        file_name: &str,
        bytes: Vec<u8>,
    ) -> reqwest::Response {
        let token = self.csrf_token_with(admin).await;
        let form = Form::new()
            .text("csrf", token)
            .text("name", name.to_owned())
            .text("description", format!("Answers from {file_name}"))
            .text("instructions", "Answer in one sentence.")
            .text("base_model", "gpt-4o-mini")
            .part(
                "pdf",
                Part::bytes(bytes)
                    .file_name(file_name.to_owned())
                    .mime_str("application/pdf")
                    .unwrap(),
            );
        admin
            .post(self.url("/admin/models"))
            .multipart(form)
            .send()
            .await
            .expect("request")
    }

    /// Uploads a fixture and returns the new model's id (from the redirect).
    pub async fn create_model(&self, admin: &reqwest::Client, name: &str, file: &str) -> String {
        let bytes = std::fs::read(fixture(file)).unwrap();
        let response = self.upload_model(admin, name, file, bytes).await;
        assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
        location(&response)
            .strip_prefix("/admin/models/")
            .expect("redirect to the model's page")
            .to_owned()
    }

    /// A model made from a fixture, read and launched: users can pick it.
    pub async fn launched_model(&self, admin: &reqwest::Client, name: &str, file: &str) -> String {
        let id = self.create_model(admin, name, file).await;
        self.model_reaches(admin, &id, "ready").await;
        let launched = self
            .post_form_with(admin, &format!("/admin/models/{id}/launch"), &[])
            .await;
        assert_eq!(launched.status(), 303);
        id
    }

    /// Waits until the admin's status feed shows the model in `status` (progress is polled as
    /// the page does) and returns its row.
    pub async fn model_reaches(&self, admin: &reqwest::Client, id: &str, status: &str) -> Value {
        self.model_row_until(admin, id, &format!("status {status}"), |row| {
            row["status"] == status
        })
        .await
    }

    /// Polls the admin's status feed (as the page does) until the model's row satisfies `done`.
    pub async fn model_row_until(
        &self,
        admin: &reqwest::Client,
        id: &str,
        what: &str,
        done: impl Fn(&Value) -> bool,
    ) -> Value {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let feed: Value = self
                .get_with(admin, "/admin/models/status")
                .await
                .json()
                .await
                .expect("json");
            let row = feed["models"]
                .as_array()
                .unwrap()
                .iter()
                .find(|m| m["id"] == id)
                .cloned();
            if let Some(row) = row.filter(|row| done(row)) {
                return row;
            }
            assert!(
                Instant::now() < deadline,
                "model {id} never reached {what}: {feed}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn lancedb_dir(&self) -> PathBuf {
        self.settings.knowledge.lancedb_dir.clone()
    }

    pub fn model_folder(&self, id: &str) -> PathBuf {
        self.settings.server.files_dir.join("models").join(id)
    }

    pub async fn picker_ids(&self) -> Vec<String> {
        let picker: Value = self.get("/api/models").await.json().await.expect("json");
        picker["models"]
            .as_array()
            .expect("models")
            .iter()
            .map(|m| m["id"].as_str().unwrap_or_default().to_owned())
            .collect()
    }

    pub async fn model_row(&self, id: &str) -> (String, Option<String>, Option<u32>) {
        sqlx::query_as("SELECT status, vector, pages FROM model WHERE id = ?")
            .bind(format!("pdf:{id}"))
            .fetch_one(&self.pool)
            .await
            .expect("model row")
    }
}

/// The system prompt the upstream last received, and its first passage's line.
fn first_passage(app: &TestApp) -> (String, String) {
    let request = app.upstream.requests().last().cloned().unwrap();
    assert_eq!(request["model"], "gpt-4o-mini");
    let system: String = request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] == "system")
        .map(|m| m["content"].as_str().unwrap().to_owned())
        .collect();
    let first = system
        .lines()
        .find(|l| l.starts_with("[S1]"))
        .expect("a first passage")
        .to_owned();
    (system, first)
}

fn table_folder(app: &TestApp, id: &str) -> PathBuf {
    app.lancedb_dir()
        .join(format!("model_{}.lance", id.replace('-', "")))
}

#[actix_web::test]
async fn a_pdf_becomes_a_model_users_pick_and_its_answers_cite_the_page() {
    let app = pdf_app().await;
    app.verified_user("dilnoza", PASSWORD).await;
    let admin = app.admin_client().await;
    // Create: the PDF is stored under the model's id, never under the browser's name.
    let id = app
        .create_model(&admin, "Archive guide", "multilingual.pdf")
        .await;
    let stored = app.model_folder(&id).join("source.pdf");
    assert_eq!(
        std::fs::read(&stored).unwrap(),
        std::fs::read(fixture("multilingual.pdf")).unwrap()
    );
    let ready = app.model_reaches(&admin, &id, "ready").await;
    assert_eq!(ready["launched"], false);
    let (status, table, pages) = app.model_row(&id).await;
    assert_eq!((status.as_str(), pages), ("ready", Some(3)));
    assert_eq!(
        table.as_deref(),
        Some(format!("model_{}", id.replace('-', "")).as_str())
    );
    assert!(table_folder(&app, &id).is_dir(), "the LanceDB table exists");
    let page = app.get_with(&admin, &format!("/admin/models/{id}")).await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains("Archive guide") && html.contains(r#"id="launch""#),
        "{html}"
    );
    // Not launched: not in the picker, and its PDF is not served to users.
    let model = format!("pdf:{id}");
    assert!(!app.picker_ids().await.contains(&model));
    assert_eq!(
        app.get(&format!("/models/{id}/source.pdf")).await.status(),
        404
    );

    // Launch: users see it and ask (in Russian) a question whose answer is only on page 3.
    let launched = app
        .post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    assert_eq!(launched.status(), 303);
    assert!(app.picker_ids().await.contains(&model));
    app.upstream
        .push(Reply::text("Ключ хранится под синим камнем [S1]."));
    let answer = app
        .prompt_with(&app.api, None, "Где хранится ключ от архива?", &model)
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.error);
    let chat = answer.chat_id();
    // The base model was shown numbered passages with pages, the page-3 fact first, and the
    // admin's instructions.
    let (system, first) = first_passage(&app);
    assert!(first.starts_with("[S1] (p. 3)"), "{system}");
    assert!(first.contains("под синим камнем"), "{first}");
    assert!(system.contains("Answer in one sentence."));
    // The citation links to page 3 of the model's PDF, live and on the saved page.
    let link = format!("/models/{id}/source.pdf#page=3");
    let sources = answer.first("sources").expect("a sources event");
    assert_eq!(sources["sources"][0]["page"], 3);
    assert!(
        answer.done()["html"].as_str().unwrap().contains(&link),
        "{:?}",
        answer.done()
    );
    let chat_page = app.get_html(&format!("/c/{chat}")).await;
    assert!(chat_page.contains(&link), "{chat_page}");
    let pdf = app.get(&format!("/models/{id}/source.pdf")).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    assert_eq!(
        pdf.bytes().await.unwrap().as_ref(),
        std::fs::read(fixture("multilingual.pdf")).unwrap()
    );
    let visitor = client()
        .get(app.url(&format!("/models/{id}/source.pdf")))
        .send()
        .await
        .unwrap();
    assert!(
        !visitor.status().is_success(),
        "visitors do not get the PDF"
    );

    // Unlaunch: gone from the picker, the PDF is not served, the chat is read-only.
    app.post_form_with(&admin, &format!("/admin/models/{id}/unlaunch"), &[])
        .await;
    assert!(!app.picker_ids().await.contains(&model));
    assert_eq!(
        app.get(&format!("/models/{id}/source.pdf")).await.status(),
        404
    );
    let refused = app
        .prompt_with(&app.api, Some(&chat), "And the festival?", &model)
        .await;
    assert_ne!(refused.status, 200);
    // Relaunch: the chat goes on; a question about page 2 is answered from page 2.
    app.post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    app.upstream.push(Reply::text("Bodomcha [S1]."));
    let again = app
        .prompt_with(
            &app.api,
            Some(&chat),
            "What is the name of the lighthouse keeper's cat?",
            &model,
        )
        .await;
    assert_eq!(again.status, 200, "{:?}", again.error);
    let (system, first) = first_passage(&app);
    assert!(
        first.starts_with("[S1] (p. 2)") && first.contains("Bodomcha"),
        "{system}"
    );
    assert!(
        again.done()["html"]
            .as_str()
            .unwrap()
            .contains(&format!("/models/{id}/source.pdf#page=2"))
    );

    // The dashboard's usage by model names it.
    let dashboard = app.get_with(&admin, "/admin").await.text().await.unwrap();
    assert!(dashboard.contains("<td>Archive guide</td>"), "{dashboard}");

    // Delete (after the confirmation page): the table folder and the PDF are gone, the picker
    // does not list it, the old chat stays readable.
    let confirm = app
        .get_with(&admin, &format!("/admin/models/{id}/delete"))
        .await;
    assert!(
        confirm
            .text()
            .await
            .unwrap()
            .contains(r#"id="confirm-delete""#)
    );
    let deleted = app
        .post_form_with(&admin, &format!("/admin/models/{id}/delete"), &[])
        .await;
    assert_eq!(location(&deleted), "/admin/models");
    crate::helpers::eventually("the table and the PDF are removed", || async {
        !table_folder(&app, &id).exists() && !app.model_folder(&id).exists()
    })
    .await;
    assert!(!app.picker_ids().await.contains(&model));
    assert_eq!(app.model_row(&id).await.0, "deleted");
    let old_chat = app.get(&format!("/c/{chat}")).await;
    assert_eq!(old_chat.status(), 200);
    let old_chat = old_chat.text().await.unwrap();
    assert!(old_chat.contains("синим камнем"));
    // Its citations name the page but no longer link to the deleted PDF (a 404), and say so.
    assert!(!old_chat.contains(&link), "{old_chat}");
    assert!(old_chat.contains("[S1, p. 3]"), "{old_chat}");
    assert!(old_chat.contains(r#"class="source-gone"#), "{old_chat}");
    // The picker still names the chat's model and says it is no longer offered.
    assert!(
        old_chat.contains(r#"<span id="model-name">Archive guide</span>"#),
        "{old_chat}"
    );
    assert!(old_chat.contains(r#"id="model-gone""#));
    assert_eq!(
        app.get_with(&admin, &format!("/admin/models/{id}"))
            .await
            .status(),
        404
    );
    // The projections are exactly what the log rebuilds.
    let report = replay::verify(
        &app.settings.database,
        &app.pool,
        &chatbot_factory::projections(),
    )
    .await
    .expect("verify runs");
    assert!(report.identical(), "{report:#?}");
}

#[actix_web::test]
async fn bad_pdfs_fail_with_a_translated_reason_and_leave_no_table() {
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    // Not a PDF at all: refused at once (422), nothing stored, no model recorded.
    let bytes = std::fs::read(fixture("not-a-pdf.pdf")).unwrap();
    let refused = app
        .upload_model(&admin, "Notes", "not-a-pdf.pdf", bytes)
        .await;
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("not a PDF"));
    let models_dir = app.settings.server.files_dir.join("models");
    let leftovers = std::fs::read_dir(&models_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0, "a refused upload leaves no folder");
    // PDFs that only reading reveals: the model fails with its reason, in the admin's language.
    let cases = [
        ("encrypted.pdf", "password"),
        ("scanned.pdf", "OCR"),
        ("truncated.pdf", "damaged"),
        ("zero-pages.pdf", "no pages"),
    ];
    for (file, words) in cases {
        let id = app.create_model(&admin, file, file).await;
        app.model_reaches(&admin, &id, "failed").await;
        let page = app
            .get_with(&admin, &format!("/admin/models/{id}"))
            .await
            .text()
            .await
            .unwrap();
        assert!(
            page.contains(r#"id="model-failure""#) && page.contains(words),
            "{file}: {page}"
        );
        assert!(
            !page.contains(r#"id="launch""#),
            "a failed model cannot be launched"
        );
        assert!(!table_folder(&app, &id).exists(), "{file} left a table");
        // Launching anyway is refused with a reason.
        let launch = app
            .post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
            .await;
        assert_eq!(launch.status(), 409);
    }
    // The reason in Uzbek.
    app.post_form_with(&admin, "/lang", &[("lang", "uz")]).await;
    let list = app
        .get_with(&admin, "/admin/models")
        .await
        .text()
        .await
        .unwrap();
    assert!(list.contains("parol"), "{list}");
}

#[actix_web::test]
async fn a_pdf_over_the_size_cap_is_refused_with_413() {
    let app = spawn_app_with(&[EMBEDDINGS, &[("MODEL_PDF_MAX_MB", "1")]].concat()).await;
    let admin = app.admin_client().await;
    let mut big = std::fs::read(fixture("multilingual.pdf")).unwrap();
    big.resize(1_200_000, b' ');
    let response = app.upload_model(&admin, "Big", "big.pdf", big).await;
    assert_eq!(response.status(), 413);
    assert!(response.text().await.unwrap().contains("MB"));
    let leftovers = std::fs::read_dir(app.settings.server.files_dir.join("models"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(leftovers, 0);
}

#[actix_web::test]
async fn a_ready_model_whose_table_is_lost_is_read_again_at_start() {
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    let id = app.create_model(&admin, "Hyphens", "hyphenated.pdf").await;
    app.model_reaches(&admin, &id, "ready").await;
    // The disk loses the table (a restore from an old backup, say).
    std::fs::remove_dir_all(table_folder(&app, &id)).unwrap();
    // Another instance starts: the log says "ready" but the table is missing, so it reads the
    // PDF again and the table is back, complete.
    let second = Application::build_with(app.settings.clone(), app.clock.clone())
        .await
        .expect("the second instance builds");
    actix_web::rt::spawn(second.run_until_stopped());
    crate::helpers::eventually("the table is rebuilt", || async {
        let completed: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM event WHERE stream_id = ? AND event_type = 'IngestionCompleted'",
        )
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
        completed == 2
    })
    .await;
    assert!(table_folder(&app, &id).is_dir());
}

#[actix_web::test]
async fn users_get_no_admin_model_pages_and_no_pdf_of_an_unknown_model() {
    let app = pdf_app().await;
    app.verified_user("guli", PASSWORD).await;
    assert_eq!(app.get("/admin/models").await.status(), 403);
    assert_eq!(app.get("/admin/models/new").await.status(), 403);
    let unknown = uuid::Uuid::now_v7();
    assert_eq!(
        app.get(&format!("/models/{unknown}/source.pdf"))
            .await
            .status(),
        404
    );
    assert_eq!(app.get("/models/not-an-id/source.pdf").await.status(), 404);
}

#[actix_web::test]
async fn a_pdf_model_chat_is_titled_by_its_base_model_without_the_document() {
    let app = spawn_app_with(&[EMBEDDINGS, &[("CHAT_MODEL_TITLES", "on")]].concat()).await;
    app.verified_user("sardor", PASSWORD).await;
    let admin = app.admin_client().await;
    let id = app
        .create_model(&admin, "Library", "multilingual.pdf")
        .await;
    app.model_reaches(&admin, &id, "ready").await;
    app.post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    app.upstream.push(Reply::text("On the first Monday [S1]."));
    app.upstream.push(Reply::text("Map room hours"));
    let model = format!("pdf:{id}");
    let answer = app
        .prompt_with(&app.api, None, "When is the oldest map shown?", &model)
        .await;
    let chat = answer.chat_id();
    crate::helpers::eventually("the model's title", || async {
        let title: String = sqlx::query_scalar("SELECT title FROM chat WHERE id = ?")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        title == "Map room hours"
    })
    .await;
    let title_request = app.upstream.requests().last().cloned().unwrap();
    assert_eq!(title_request["model"], "gpt-4o-mini");
    assert!(
        !title_request.to_string().contains("[S1] (p."),
        "no passages in a title request"
    );
}

#[actix_web::test]
async fn a_reading_left_by_a_dead_instance_is_taken_over_and_a_live_ones_is_left_alone() {
    use chatbot_factory::clock::Clock;
    use chatbot_factory::events::{Metadata, Repository};
    use chatbot_factory::pdf_models::aggregate::{ModelCommand, PdfModel};
    use chatbot_factory::store::instances;

    let app = pdf_app().await;
    let admin = app.admin_client().await;
    let id = app.create_model(&admin, "Hyphens", "hyphenated.pdf").await;
    app.model_reaches(&admin, &id, "ready").await;
    let repository = Repository::<PdfModel>::new(app.store());
    let start_on = |instance: uuid::Uuid| ModelCommand::StartIngestion {
        instance,
        taking_over: None,
    };
    let completions = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM event WHERE stream_id = ? AND event_type = 'IngestionCompleted'",
        )
        .bind(&id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
    };
    let another_instance = || async {
        let instance = Application::build_with(app.settings.clone(), app.clock.clone())
            .await
            .expect("another instance builds");
        let url = format!("http://127.0.0.1:{}", instance.port());
        actix_web::rt::spawn(instance.run_until_stopped());
        url
    };

    // Another instance began reading the PDF again and died before its first heartbeat.
    let ghost = uuid::Uuid::now_v7();
    repository
        .execute(&id, start_on(ghost), &Metadata::system())
        .await
        .unwrap();
    // The next instance to start takes the reading over and finishes it.
    another_instance().await;
    crate::helpers::eventually("the dead instance's reading is taken over", || async {
        completions().await == 2
    })
    .await;

    // Now a live instance (it beats) reads it: a new instance leaves it alone and says so.
    let live = uuid::Uuid::now_v7();
    instances::heartbeat(&app.pool, &live.to_string(), app.clock.now_utc())
        .await
        .unwrap();
    repository
        .execute(&id, start_on(live), &Metadata::system())
        .await
        .unwrap();
    let third = another_instance().await;
    crate::helpers::eventually("the third instance waits for the live one", || async {
        let feed: Value = admin
            .get(format!("{third}/admin/models/status"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        feed["models"][0]["progress"]["stage"] == "elsewhere"
    })
    .await;
    let list = admin
        .get(format!("{third}/admin/models"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(list.contains("read by another server"), "{list}");
    // Reading it again by hand there is refused with a reason, not run twice.
    let token = app.csrf_token_with(&admin).await;
    let again = admin
        .post(format!("{third}/admin/models/{id}/reingest"))
        .form(&[("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 409);
    assert!(again.text().await.unwrap().contains("Another server"));
    assert_eq!(completions().await, 2);
}

#[actix_web::test]
async fn a_model_deleted_while_its_pdf_is_read_leaves_no_table_behind() {
    let app = pdf_app().await;
    let admin = app.admin_client().await;
    // Deleted at once, while (or just after) its PDF is read: whichever comes first, the table
    // and the PDF end up gone and nothing records the end of the reading after the deletion.
    let id = app
        .create_model(&admin, "Short-lived", "multilingual.pdf")
        .await;
    let deleted = app
        .post_form_with(&admin, &format!("/admin/models/{id}/delete"), &[])
        .await;
    assert_eq!(location(&deleted), "/admin/models");
    crate::helpers::eventually("the table and the PDF are removed", || async {
        !table_folder(&app, &id).exists() && !app.model_folder(&id).exists()
    })
    .await;
    let last: String = sqlx::query_scalar(
        "SELECT event_type FROM event WHERE stream_id = ? ORDER BY sequence DESC LIMIT 1",
    )
    .bind(&id)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(last, "ModelDeleted");
    assert_eq!(app.model_row(&id).await.0, "deleted");
}

#[actix_web::test]
async fn pdfs_beyond_the_reading_slots_wait_in_line_and_the_admin_sees_their_place() {
    let app = spawn_app_with(&[EMBEDDINGS, &[("PDF_READINGS_AT_ONCE", "1")]].concat()).await;
    let admin = app.admin_client().await;
    // The first PDF takes the only slot and stays in its embedding stage.
    app.upstream.hold_embeddings(true);
    let first = app.create_model(&admin, "Manual", "gropdf.pdf").await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while app.upstream.embedding_requests() == 0 {
        assert!(
            Instant::now() < deadline,
            "the first PDF never reached its embedding"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let second = app.create_model(&admin, "Handbook", "hyphenated.pdf").await;

    let waiting = app
        .model_row_until(&admin, &second, "the waiting stage", |row| {
            row["progress"]["stage"] == "waiting"
        })
        .await;
    assert_eq!(
        waiting["progress_text"], "waiting for a free reading slot (1 ahead)",
        "{waiting}"
    );
    let page = app
        .get_with(&admin, "/admin/models")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("waiting for a free reading slot (1 ahead)"));
    assert_eq!(
        app.upstream.embedding_requests(),
        1,
        "the second PDF is not read while it waits"
    );

    app.upstream.hold_embeddings(false);
    app.model_reaches(&admin, &first, "ready").await;
    app.model_reaches(&admin, &second, "ready").await;
}

/// With `PDF_QUESTION_REWRITE=true`, a question in Uzbek over an English PDF is first rewritten
/// by the upstream model (into English: the language of the passages found) and then answered
/// from the passages; a question in the document's own language is not rewritten.
#[actix_web::test]
async fn a_question_in_another_language_is_rewritten_into_the_documents_before_the_search() {
    let mut settings = EMBEDDINGS.to_vec();
    settings.push(("PDF_QUESTION_REWRITE", "true"));
    let app = spawn_app_with(&settings).await;
    app.verified_user("aziz", PASSWORD).await;
    let admin = app.admin_client().await;
    let id = app.create_model(&admin, "Notes", "hyphenated.pdf").await;
    app.model_reaches(&admin, &id, "ready").await;
    app.post_form_with(&admin, &format!("/admin/models/{id}/launch"), &[])
        .await;
    let model = format!("pdf:{id}");

    app.upstream.push(Reply::text(
        "QUESTION: Which railway does the document mention?\nKEYWORDS: railway, Toshkent, Samarqand",
    ));
    app.upstream.push(Reply::text(
        "Hujjatda Toshkent-Samarqand temir yoʻli tilga olingan [S1].",
    ));
    let answer = app
        .prompt_with(
            &app.api,
            None,
            "Hujjatda qaysi temir yo'l haqida gap boradi?",
            &model,
        )
        .await;
    assert_eq!(answer.status, 200, "{:?}", answer.error);
    assert!(
        answer.text().contains("Toshkent-Samarqand temir"),
        "{}",
        answer.text()
    );
    let rewrites = || {
        app.upstream
            .requests()
            .into_iter()
            .map(|r| r.to_string())
            .filter(|r| r.contains("You prepare a search"))
            .collect::<Vec<_>>()
    };
    let asked = rewrites().pop().expect("a rewrite request");
    assert!(asked.contains("written in English"), "{asked}");
    assert!(
        asked.contains("qaysi temir"),
        "the user's question is rewritten: {asked}"
    );
    let (system, first) = first_passage(&app);
    assert!(first.contains("Toshkent-Samarqand railway"), "{system}");

    // In the document's language: no rewrite (the answer is the upstream's default reply; the
    // first chat's title may take a scripted one at any moment).
    let english = app
        .prompt_with(
            &app.api,
            None,
            "Which railway is mentioned in the notes?",
            &model,
        )
        .await;
    assert_eq!(english.status, 200, "{:?}", english.error);
    assert_eq!(rewrites().len(), 1);
}
