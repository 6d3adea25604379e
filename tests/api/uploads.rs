//! Uploads, end to end over HTTP: the CSRF check of multipart posts and the upload building
//! blocks. No upload route exists yet, so a small app is made of the real pieces (the CSRF
//! middleware, the error renderer, `upload::scope`, `Upload`) around a handler that does what
//! the PDF route will do: save the `file` part and answer with its size and digest.
use std::net::TcpListener;
use std::path::{Path, PathBuf};

use actix_web::middleware::from_fn;
use actix_web::{App, HttpResponse, HttpServer, web};
use chatbot_factory::error::AppError;
use chatbot_factory::i18n::{Lang, Msg};
use chatbot_factory::web::csrf::{self, CsrfConfig};
use chatbot_factory::web::errors;
use chatbot_factory::web::upload::{self, Upload, UploadLimit};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

const MB: u64 = 1024 * 1024;
const TOKEN: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const OTHER_TOKEN: &str = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

struct UploadApp {
    address: String,
    dir: tempfile::TempDir,
    client: reqwest::Client,
}

async fn receive(mut upload: Upload, dir: web::Data<PathBuf>) -> Result<HttpResponse, AppError> {
    let mut saved = None;
    while let Some(field) = upload.next_field().await? {
        if field.name() == Some("file") {
            saved = Some(upload.save_file(field, &dir.join("model.pdf")).await?);
        }
    }
    let saved = saved.ok_or(AppError::BadRequest(Msg::new("error-bad-form")))?;
    Ok(HttpResponse::Ok().json(json!({ "size": saved.size, "sha256": saved.sha256_hex() })))
}

/// The app with uploads of up to 1 MB under `/api/uploads`.
fn spawn_upload_app() -> UploadApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().to_owned();
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    let config = CsrfConfig {
        cookie_name: "csrf",
        secure: false,
        public_origin: address.clone(),
        max_body_bytes: 256 * 1024,
    };
    let server = HttpServer::new(move || {
        App::new()
            .wrap(from_fn(csrf::protect))
            .wrap(from_fn(errors::render))
            .app_data(web::Data::new(config.clone()))
            .app_data(web::Data::new(target.clone()))
            .service(
                upload::scope("/api/uploads", UploadLimit::new(MB))
                    .route("", web::post().to(receive)),
            )
    })
    .workers(1)
    .listen(listener)
    .expect("listening")
    .run();
    actix_web::rt::spawn(server);
    // reqwest is built without a TLS provider of its own (the app installs ring at start).
    let _ = rustls::crypto::ring::default_provider().install_default();
    UploadApp {
        address,
        dir,
        client: reqwest::Client::new(),
    }
}

/// A `multipart/form-data` body built by hand, so the order of the parts is the test's choice.
struct Form {
    body: Vec<u8>,
}

const BOUNDARY: &str = "----cbf-test-boundary-7MA4YWxkTrZu0gW";

impl Form {
    fn new() -> Self {
        Form { body: Vec::new() }
    }

    fn text(mut self, name: &str, value: &str) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
        self
    }

    fn file(mut self, content: &[u8]) -> Self {
        self.body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; \
                 filename=\"manual.pdf\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        self.body.extend_from_slice(content);
        self.body.extend_from_slice(b"\r\n");
        self
    }

    fn finish(mut self) -> Vec<u8> {
        self.body
            .extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
        self.body
    }
}

/// Bytes that are not all alike, so a reordered or truncated copy has another digest.
fn pdf_bytes(len: usize) -> Vec<u8> {
    let mut content = b"%PDF-1.7\n".to_vec();
    content.extend((0..len).map(|i| (i * 7 % 251) as u8));
    content.truncate(len);
    content
}

impl UploadApp {
    fn post(&self) -> reqwest::RequestBuilder {
        self.client
            .post(format!("{}/api/uploads", self.address))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .header("cookie", format!("csrf={TOKEN}"))
            .header("accept-language", "ru")
    }

    async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.expect("a response");
        let status = response.status().as_u16();
        let body = response.text().await.expect("body");
        let json = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{status}: {body}"));
        (status, json)
    }

    fn files(&self) -> Vec<String> {
        names_in(self.dir.path())
    }
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into())
        .collect();
    names.sort();
    names
}

fn refused_as_csrf(status: u16, body: &Value) {
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        body["error"]["message"],
        Msg::new("error-csrf").translate(Lang::Ru),
        "{body}"
    );
}

#[actix_web::test]
async fn a_multipart_post_without_a_valid_token_first_is_refused() {
    // Arrange
    let app = spawn_upload_app();
    let pdf = pdf_bytes(20_000);
    let without = Form::new().file(&pdf).finish();
    let token_second = Form::new().file(&pdf).text("csrf", TOKEN).finish();
    let wrong_token = Form::new().text("csrf", OTHER_TOKEN).file(&pdf).finish();

    // Act + Assert
    for body in [without, token_second, wrong_token] {
        let (status, json) = app.send(app.post().body(body)).await;
        refused_as_csrf(status, &json);
    }
    let no_cookie = Form::new().text("csrf", TOKEN).file(&pdf).finish();
    let request = app
        .client
        .post(format!("{}/api/uploads", app.address))
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .header("accept-language", "ru")
        .body(no_cookie);
    let (status, json) = app.send(request).await;
    refused_as_csrf(status, &json);
    assert!(app.files().is_empty(), "{:?}", app.files());
}

#[actix_web::test]
async fn a_token_in_the_first_part_passes_and_the_file_arrives_whole() {
    // Arrange: one small body (read by the middleware in one go) and one over many chunks.
    let app = spawn_upload_app();
    for len in [3_000, MB as usize] {
        let pdf = pdf_bytes(len);
        let body = Form::new()
            .text("csrf", TOKEN)
            .text("title", "Manual")
            .file(&pdf)
            .finish();

        // Act
        let (status, json) = app.send(app.post().body(body)).await;

        // Assert
        assert_eq!(status, 200, "{json}");
        assert_eq!(json["size"], len as u64);
        assert_eq!(json["sha256"], hex::encode(Sha256::digest(&pdf)));
        let stored = std::fs::read(app.dir.path().join("model.pdf")).expect("saved file");
        assert!(stored == pdf, "the stored file differs from the upload");
        assert_eq!(app.files(), ["model.pdf"]);
    }
}

#[actix_web::test]
async fn the_header_token_also_passes_a_multipart_post() {
    let app = spawn_upload_app();
    let pdf = pdf_bytes(5_000);
    let body = Form::new().file(&pdf).finish();
    let (status, json) = app
        .send(app.post().header("x-csrf-token", TOKEN).body(body))
        .await;
    assert_eq!(status, 200, "{json}");
    assert_eq!(json["size"], 5_000);
}

fn refused_as_too_large(status: u16, body: &Value) {
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"]["code"], "too_large", "{body}");
    assert_eq!(
        body["error"]["message"],
        Msg::new("error-upload-too-large")
            .arg("mb", 1)
            .translate(Lang::Ru),
        "{body}"
    );
}

#[actix_web::test]
async fn an_upload_over_the_limit_is_a_413_and_leaves_no_file() {
    let app = spawn_upload_app();
    // One byte over, with a Content-Length within the body's slack: refused while streaming.
    let one_over = Form::new()
        .text("csrf", TOKEN)
        .file(&pdf_bytes(MB as usize + 1))
        .finish();
    let (status, json) = app.send(app.post().body(one_over)).await;
    refused_as_too_large(status, &json);
    assert!(app.files().is_empty(), "{:?}", app.files());

    // Far over, announced by Content-Length: refused before the body is read.
    let far_over = Form::new()
        .text("csrf", TOKEN)
        .file(&pdf_bytes(3 * MB as usize))
        .finish();
    let (status, json) = app.send(app.post().body(far_over)).await;
    refused_as_too_large(status, &json);
    assert!(app.files().is_empty(), "{:?}", app.files());
}

#[actix_web::test]
async fn a_chunked_upload_over_the_limit_is_cut_off_while_streaming() {
    // Arrange: no Content-Length, so only the streamed byte count can stop it.
    let app = spawn_upload_app();
    let body = Form::new()
        .text("csrf", TOKEN)
        .file(&pdf_bytes(3 * MB as usize / 2))
        .finish();
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        body.chunks(64 * 1024).map(|c| Ok(c.to_vec())).collect();
    let streamed = reqwest::Body::wrap_stream(futures::stream::iter(chunks));

    // Act
    let (status, json) = app.send(app.post().body(streamed)).await;

    // Assert
    refused_as_too_large(status, &json);
    assert!(app.files().is_empty(), "{:?}", app.files());
}

#[actix_web::test]
async fn the_real_app_checks_multipart_posts_by_their_first_part() {
    // Arrange: /lang takes an urlencoded form, so a multipart post that passes CSRF gets a 400.
    let app = crate::helpers::spawn_app().await;
    let token = app.csrf_token().await;
    let post = |body: Vec<u8>| {
        app.api
            .post(app.url("/lang"))
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
    };

    // Act
    let without = post(Form::new().text("lang", "ru").finish()).await.unwrap();
    let token_first = Form::new().text("csrf", &token).text("lang", "ru").finish();
    let with = post(token_first).await.unwrap();

    // Assert
    assert_eq!(without.status(), 403);
    assert_eq!(with.status(), 400);
}
