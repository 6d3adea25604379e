use chatbot_factory::database;
use serde_json::Value;

use crate::helpers::{server_url, spawn_app, unique_db_name};

#[actix_web::test]
async fn healthz_reports_the_database() {
    // Arrange
    let app = spawn_app().await;
    // Act
    let response = app.get("/healthz").await;
    // Assert
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
    // Each offered model says whether it can answer (the local model says "loading" at first).
    assert_eq!(body["models"]["gpt-4o-mini"], "ready", "{body}");
}

#[actix_web::test]
async fn healthz_says_which_models_cannot_answer() {
    let app =
        crate::helpers::spawn_app_with(&[("OPENAI_API_KEY", ""), ("LOCAL_MODEL", "off")]).await;
    let body: Value = app.get("/healthz").await.json().await.unwrap();
    assert_eq!(body["models"]["gpt-4o-mini"], "unavailable", "{body}");
}

#[actix_web::test]
async fn every_response_carries_the_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/login",
        "/healthz",
        "/static/css/app.css",
        "/no-such-page",
        "/api/chats",
    ] {
        let response = app.get(path).await;
        let headers = response.headers();
        let csp = headers
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("CSP on {path}"));
        let csp = csp.to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(headers.get("x-content-type-options").unwrap(), "nosniff");
        assert!(headers.get("referrer-policy").is_some());
    }
}

#[actix_web::test]
async fn unknown_pages_get_a_translated_html_404_and_api_gets_json() {
    let app = spawn_app().await;
    let page = app
        .api
        .get(app.url("/nowhere"))
        .header("accept-language", "ru")
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 404);
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("Такая страница не найдена")
    );

    let api = app.get("/api/nowhere").await;
    assert_eq!(api.status(), 404);
    let body: Value = api.json().await.unwrap();
    assert_eq!(body["error"]["code"], "not_found");
    assert!(body["error"]["message"].as_str().unwrap().len() > 5);
}

#[actix_web::test]
async fn the_layout_page_renders_with_styles_and_scripts_from_static() {
    let app = spawn_app().await;
    let html = app.get_html("/login").await;
    assert!(html.contains(r#"<link rel="stylesheet" href="/static/css/app.css">"#));
    assert!(html.contains(r#"src="/static/js/app.js""#));
    assert!(!html.contains("<script>"), "no inline scripts");
    let css = app.get("/static/css/app.css").await;
    assert_eq!(css.status(), 200);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let etag = css.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .api
        .get(app.url("/static/css/app.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
}

#[actix_web::test]
async fn state_changing_requests_without_a_csrf_token_are_refused() {
    let app = spawn_app().await;
    let response = app
        .api
        .post(app.url("/lang"))
        .form(&[("lang", "ru")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    // With the token it works.
    let response = app
        .post_form("/lang", &[("lang", "ru"), ("next", "/")])
        .await;
    assert_eq!(response.status(), 303);
    // A cross-site request is refused even with the token.
    let token = app.csrf_token().await;
    let response = app
        .api
        .post(app.url("/lang"))
        .header("sec-fetch-site", "cross-site")
        .form(&[("lang", "ru"), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
}

#[actix_web::test]
async fn oversized_bodies_get_a_clear_4xx() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let huge = "x".repeat(2 * 1024 * 1024);
    let response = app
        .api
        .post(app.url("/lang"))
        .form(&[("lang", huge.as_str()), ("csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert!(response.status().is_client_error(), "{}", response.status());
}

#[actix_web::test]
async fn migrations_apply_to_an_empty_database_and_rerun_as_a_no_op() {
    let name = unique_db_name();
    let settings = chatbot_factory::configuration::DatabaseSettings {
        url: format!("{}/{name}", server_url()).into(),
    };
    let pool = database::prepare(&settings)
        .await
        .expect("first run creates and migrates");
    let tables: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN \
         ('user','admin','chat','chat_history','model','event','session')",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(tables, 7);
    let charset: String = sqlx::query_scalar(
        "SELECT DEFAULT_CHARACTER_SET_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?",
    )
    .bind(&name)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(charset, "utf8mb4");
    database::prepare(&settings)
        .await
        .expect("second run is a no-op");
    database::migrate(&pool).await.expect("and so is a third");
    database::drop_database(&format!("{}/{name}", server_url()), &name)
        .await
        .unwrap();
}

/// Instances starting at the same moment (on one server, or on several Galera nodes, where
/// sqlx's `GET_LOCK` is not shared) migrate once: the others wait for the lock row's holder.
#[actix_web::test]
async fn instances_starting_together_apply_each_migration_once() {
    let name = unique_db_name();
    let url = format!("{}/{name}", server_url());
    let pool = database::create_migrated(&url, &name).await.unwrap();
    // Back to an empty database that the four then find together (no GET_LOCK between them).
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{name}`")))
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let settings = chatbot_factory::configuration::DatabaseSettings {
        url: url.clone().into(),
    };
    let starts = (0..4).map(|_| database::prepare(&settings));
    let pools = futures::future::join_all(starts).await;
    for started in &pools {
        assert!(
            started.is_ok(),
            "every instance starts: {:?}",
            started.as_ref().err()
        );
    }
    let pool = pools.into_iter().next().unwrap().unwrap();
    let (applied, distinct): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations WHERE success = 1",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(applied, distinct, "each migration is recorded once");
    let embedded = std::fs::read_dir("migrations").unwrap().count() as i64;
    assert_eq!(applied, embedded, "every migration is applied");
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM migration_lock")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "the lock row is released");
    database::drop_database(&url, &name).await.unwrap();
}

#[actix_web::test]
async fn the_admin_is_seeded_from_settings_with_an_argon2id_hash() {
    let app = spawn_app().await;
    let hash: String = sqlx::query_scalar("SELECT password FROM admin WHERE username = 'admin'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"));
}

#[actix_web::test]
async fn a_wrong_method_gets_a_readable_page_not_an_empty_response() {
    let app = spawn_app().await;
    let response = app.get("/logout").await;
    assert!(response.status().is_client_error());
    assert!(response.text().await.unwrap().contains("ChatBot Factory"));
    let api = app.api.put(app.url("/api/chats")).send().await.unwrap();
    assert!(api.status().is_client_error());
    let body: Value = api.json().await.unwrap();
    assert!(body["error"]["message"].is_string());
}
