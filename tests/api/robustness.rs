//! Malformed requests to every kind of endpoint get a clear 4xx with a message, never a 500.
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, spawn_app};

/// The answer must be a 4xx that says something: a JSON error under /api, a page elsewhere.
async fn assert_refused_clearly(what: &str, response: reqwest::Response) {
    let status = response.status();
    let is_api = response.url().path().starts_with("/api/");
    let body = response.text().await.unwrap_or_default();
    assert!(status.is_client_error(), "{what}: {status} {body}");
    if is_api {
        let error: Value = serde_json::from_str(&body).unwrap_or_else(|_| panic!("{what}: {body}"));
        assert!(
            !error["error"]["message"]
                .as_str()
                .unwrap_or_default()
                .is_empty(),
            "{what}: {body}"
        );
    } else {
        assert!(body.contains("<html"), "{what}: {body}");
    }
}

async fn chat_of(app: &TestApp) -> String {
    app.prompt(None, "hello").await.chat_id()
}

#[actix_web::test]
async fn malformed_api_requests_get_a_json_4xx() {
    let app = spawn_app().await;
    app.verified_user("robust", PASSWORD).await;
    let chat = chat_of(&app).await;
    let missing = uuid::Uuid::now_v7();
    let bodies = [
        ("POST", "/api/chats".to_owned(), json!({})),
        ("POST", "/api/chats".to_owned(), json!([1, 2])),
        ("POST", "/api/chats".to_owned(), json!({ "prompt": 5 })),
        (
            "POST",
            "/api/chats".to_owned(),
            json!({ "prompt": "hi", "model": "" }),
        ),
        (
            "POST",
            format!("/api/chats/{chat}/messages"),
            json!({ "prompt": null }),
        ),
        (
            "POST",
            format!("/api/chats/{missing}/messages"),
            json!({ "prompt": "hi" }),
        ),
        (
            "POST",
            "/api/chats/not-a-uuid/messages".to_owned(),
            json!({ "prompt": "hi" }),
        ),
        (
            "PATCH",
            format!("/api/chats/{chat}"),
            json!({ "title": "" }),
        ),
        ("PATCH", format!("/api/chats/{chat}"), json!({ "title": 7 })),
        (
            "PATCH",
            format!("/api/chats/{chat}"),
            json!({ "model": "gpt-99" }),
        ),
        (
            "PATCH",
            format!("/api/chats/{chat}"),
            json!({ "title": "x".repeat(300) }),
        ),
        (
            "POST",
            format!("/api/chats/{chat}/regenerate"),
            json!({ "model": "gpt-99" }),
        ),
        ("POST", format!("/api/chats/{missing}/stop"), json!({})),
        ("DELETE", "/api/chats/%00".to_owned(), json!({})),
    ];
    for (method, path, body) in bodies {
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let response = app
            .api_send(&app.api, method.clone(), &path, Some(body.clone()))
            .await;
        assert_refused_clearly(&format!("{method} {path} {body}"), response).await;
    }
    for path in [
        "/api/chats?cursor=garbage".to_owned(),
        "/api/chats?cursor=2026-13-45T99:00:00Z|x".to_owned(),
        format!("/api/chats/{chat}/messages?before=abc"),
        format!("/api/chats/{chat}/messages?before=-1"),
        format!("/api/chats/{missing}/stream"),
    ] {
        let response = app.get(&path).await;
        let status = response.status();
        // A cursor that cannot be read starts from the top; everything else is refused.
        if path.contains("cursor") {
            assert_eq!(status, 200, "{path}");
        } else {
            assert_refused_clearly(&path, response).await;
        }
    }
    let wrong_type = app
        .api
        .post(app.url("/api/chats"))
        .header("x-csrf-token", app.csrf_token().await)
        .header("content-type", "text/plain")
        .body("prompt=hi")
        .send()
        .await
        .expect("request");
    assert_refused_clearly("text/plain body", wrong_type).await;
}

#[actix_web::test]
async fn malformed_forms_and_admin_requests_get_a_page_with_a_4xx() {
    let app = spawn_app().await;
    app.verified_user("former", PASSWORD).await;
    let chat = chat_of(&app).await;
    for (path, fields) in [
        ("/profile", vec![("username", "")]),
        ("/profile/password", vec![("current_password", "x")]),
        ("/profile/delete", vec![]),
        ("/reset", vec![("token", "garbage"), ("password", "x")]),
    ] {
        let response = app.post_form(path, &fields).await;
        assert_refused_clearly(&format!("POST {path} {fields:?}"), response).await;
    }
    let admin = app.admin_client().await;
    let user = app.user_id("former").await;
    for (path, fields) in [
        (
            format!("/admin/users/{}/block", uuid::Uuid::now_v7()),
            vec![("reason", "x")],
        ),
        (format!("/admin/chats/{chat}/limit"), vec![("limit", "-5")]),
        ("/admin/settings/limit".to_owned(), vec![("limit", "")]),
        (
            "/admin/settings/models/%20".to_owned(),
            vec![("action", "explode")],
        ),
        ("/admin/export".to_owned(), vec![("format", "exe")]),
    ] {
        let response = app.post_form_with(&admin, &path, &fields).await;
        assert_refused_clearly(&format!("POST {path} {fields:?}"), response).await;
    }
    // The quota form's field is `prompts`: a number is taken, a word is refused and says why.
    let quota = format!("/admin/users/{user}/quota");
    let taken = app
        .post_form_with(&admin, &quota, &[("prompts", "5")])
        .await;
    assert_eq!(taken.status(), 303, "a number is a quota");
    let refused = app
        .post_form_with(&admin, &quota, &[("prompts", "lots")])
        .await;
    assert_eq!(refused.status(), 422);
    let page = refused.text().await.unwrap();
    assert!(page.contains("<html"), "{page}");
    assert!(page.contains("Please enter a whole number."), "{page}");
    let kept: u32 = sqlx::query_scalar("SELECT daily_prompt_quota FROM `user` WHERE id = ?")
        .bind(&user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(kept, 5, "a refused quota changes nothing");
    let path = "/admin/users/not-a-uuid";
    assert_refused_clearly(path, app.get_with(&admin, path).await).await;
    for path in [
        format!("/admin/chats/{chat}/export/exe"),
        format!("/admin/users/{user}/export/exe"),
    ] {
        let response = app.post_form_with(&admin, &path, &[]).await;
        assert_refused_clearly(&path, response).await;
    }
    for path in [
        "/admin?range=banana",
        "/admin/users?sort=nonsense&page=-3",
        "/admin/chats?from=yesterday&status=weird&page=x",
    ] {
        let status = app.get_with(&admin, path).await.status();
        assert!(
            status == 200 || status.is_client_error(),
            "{path}: {status}"
        );
    }
}
