//! Personal API keys through HTTP: created on the profile (the secret shown once, only its hash
//! kept), listed by prefix, revoked by their owner or the admin, revoked by a block, removed with
//! the account; the projection always equals a rebuild from the log.
use chatbot_factory::accounts::api_keys::hash_secret;
use time::{Duration, OffsetDateTime, PrimitiveDateTime};

use crate::helpers::{PASSWORD, TestApp, client, location, spawn_app};

/// Creates a key on `client`'s account; returns the secret the page showed.
async fn create_key(app: &TestApp, client: &reqwest::Client, name: &str, expires: &str) -> String {
    let response = app
        .post_form_with(
            client,
            "/profile/api-keys",
            &[("name", name), ("expires", expires)],
        )
        .await;
    assert_eq!(response.status(), 200, "creating key {name}");
    let html = response.text().await.unwrap();
    assert!(html.contains("will not be shown again"), "{html}");
    secret_in(&html).expect("the new secret on the page")
}

fn secret_in(html: &str) -> Option<String> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse("input#new-key-secret").unwrap();
    document
        .select(&selector)
        .next()
        .and_then(|input| input.value().attr("value"))
        .map(str::to_owned)
}

/// `api_key`'s row for a secret: id, user, name, prefix, expiry, revoked_by.
type KeyRow = (
    String,
    String,
    String,
    String,
    Option<PrimitiveDateTime>,
    Option<String>,
);

async fn key_row(app: &TestApp, secret: &str) -> Option<KeyRow> {
    sqlx::query_as(
        "SELECT id, user_id, name, prefix, expires_at, revoked_by FROM api_key WHERE secret_hash = ?",
    )
    .bind(hash_secret(secret))
    .fetch_optional(&app.pool)
    .await
    .unwrap()
}

async fn revoked_by(app: &TestApp, secret: &str) -> Option<String> {
    key_row(app, secret).await.expect("key row").5
}

async fn events_of(app: &TestApp, user_id: &str) -> Vec<String> {
    sqlx::query_scalar("SELECT event_type FROM event WHERE stream_id = ? ORDER BY sequence")
        .bind(user_id)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_key_is_shown_once_then_listed_by_its_prefix_and_revoked_by_its_owner() {
    let app = spawn_app().await;
    let user_id = app.verified_user("aziz", PASSWORD).await;
    let profile = app.get_html("/profile").await;
    assert!(profile.contains(r#"href="/profile/api-keys""#));
    let empty = app.get_html("/profile/api-keys").await;
    assert!(empty.contains(r#"id="no-keys""#) && empty.contains("/v1/chat/completions"));
    // Act: create a key that expires in 30 days.
    let secret = create_key(&app, &app.api, "  laptop  ", "30").await;
    // Assert: 256 bits, stored as a hash with a short visible prefix and the expiry.
    assert!(secret.starts_with("cbf-") && secret.len() == 47, "{secret}");
    let (key_id, owner, name, prefix, expires_at, revoked) =
        key_row(&app, &secret).await.expect("the key's row");
    assert_eq!(
        (owner.as_str(), name.as_str()),
        (user_id.as_str(), "laptop")
    );
    assert_eq!(prefix, secret[..12]);
    assert_eq!(revoked, None);
    let in_30_days = OffsetDateTime::now_utc() + Duration::days(30);
    let expires_at = expires_at.expect("an expiry").assume_utc();
    assert!(
        (expires_at - in_30_days).abs() < Duration::minutes(1),
        "{expires_at}"
    );
    let page = app.get_html("/profile/api-keys").await;
    assert!(!page.contains(&secret), "the secret is shown once only");
    assert!(page.contains(&format!("{prefix}…")) && page.contains("laptop"));
    let base_url = format!(
        "{}/v1",
        app.settings
            .server
            .public_url
            .as_str()
            .trim_end_matches('/')
    );
    assert!(
        page.contains(&format!("curl {base_url}/chat/completions")),
        "{page}"
    );
    // The log has the hash, never the secret; exports and the admin's event browser mask it.
    let payloads: Vec<String> = sqlx::query_scalar("SELECT CAST(payload AS CHAR) FROM event")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(payloads.iter().all(|p| !p.contains(&secret[4..])));
    assert!(payloads.iter().any(|p| p.contains(&hash_secret(&secret))));
    let admin = app.admin_client().await;
    let browsed = app
        .get_with(&admin, "/admin/events?type=ApiKeyCreated")
        .await
        .text()
        .await
        .unwrap();
    assert!(browsed.contains("[redacted]") && !browsed.contains(&hash_secret(&secret)));
    // Another user cannot revoke it (nor tell that it exists).
    let other = client();
    app.verified_user_with(&other, "bobur", PASSWORD).await;
    let path = format!("/profile/api-keys/{key_id}/revoke");
    assert_eq!(app.post_form_with(&other, &path, &[]).await.status(), 404);
    assert_eq!(
        app.post_form("/profile/api-keys/not-a-key/revoke", &[])
            .await
            .status(),
        404
    );
    assert_eq!(revoked_by(&app, &secret).await, None);
    // The owner revokes it, once.
    let revoke = app.post_form(&path, &[]).await;
    assert_eq!(location(&revoke), "/profile/api-keys?revoked=1");
    assert_eq!(revoked_by(&app, &secret).await.as_deref(), Some("user"));
    let events = events_of(&app, &user_id).await;
    assert_eq!(app.post_form(&path, &[]).await.status(), 303);
    assert_eq!(
        events_of(&app, &user_id).await,
        events,
        "nothing more recorded"
    );
    assert_eq!(
        events.iter().filter(|e| *e == "ApiKeyRevoked").count(),
        1,
        "{events:?}"
    );
    let page = app.get_html("/profile/api-keys?revoked=1").await;
    assert!(page.contains("The key was revoked.") && page.contains("badge bad"));
    assert!(
        !page.contains(&format!("revoke-{key_id}")),
        "no revoke button left"
    );
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn a_key_needs_a_name_an_offered_expiry_and_a_free_place() {
    let app = spawn_app().await;
    app.verified_user("dilnoza", PASSWORD).await;
    let nameless = app
        .post_form(
            "/profile/api-keys",
            &[("name", "   "), ("expires", "never")],
        )
        .await;
    assert_eq!(nameless.status(), 422);
    assert!(
        nameless
            .text()
            .await
            .unwrap()
            .contains("Give the key a name")
    );
    let odd_expiry = app
        .post_form("/profile/api-keys", &[("name", "x"), ("expires", "7")])
        .await;
    assert_eq!(odd_expiry.status(), 422);
    let long = "k".repeat(101);
    let too_long = app
        .post_form(
            "/profile/api-keys",
            &[("name", long.as_str()), ("expires", "never")],
        )
        .await;
    assert_eq!(too_long.status(), 422);
    for n in 0..20 {
        create_key(&app, &app.api, &format!("key {n}"), "365").await;
    }
    let one_more = app
        .post_form(
            "/profile/api-keys",
            &[("name", "one more"), ("expires", "never")],
        )
        .await;
    assert_eq!(one_more.status(), 422);
    let html = one_more.text().await.unwrap();
    assert!(html.contains("You already have 20 active keys"), "{html}");
    assert!(secret_in(&html).is_none());
    let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_key")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(keys, 20);
}

#[actix_web::test]
async fn the_admin_sees_every_key_and_revokes_any() {
    let app = spawn_app().await;
    app.verified_user("malika", PASSWORD).await;
    let secret = create_key(&app, &app.api, "notebook", "never").await;
    let other = client();
    app.verified_user_with(&other, "jasur", PASSWORD).await;
    let theirs = create_key(&app, &other, "editor", "90").await;
    let admin = app.admin_client().await;
    // Act
    let list = app
        .get_with(&admin, "/admin/api-keys")
        .await
        .text()
        .await
        .unwrap();
    // Assert: owners, names and prefixes, never a secret or a hash.
    for (secret, name, owner) in [
        (&secret, "notebook", "malika"),
        (&theirs, "editor", "jasur"),
    ] {
        assert!(list.contains(name) && list.contains(owner), "{list}");
        assert!(list.contains(&format!("{}…", &secret[..12])));
        assert!(!list.contains(secret.as_str()) && !list.contains(&hash_secret(secret)));
    }
    assert!(
        list.contains(r#"href="/admin/api-keys""#),
        "in the admin's navigation"
    );
    let key_id = key_row(&app, &secret).await.unwrap().0;
    let revoke = app
        .post_form_with(&admin, &format!("/admin/api-keys/{key_id}/revoke"), &[])
        .await;
    assert_eq!(location(&revoke), "/admin/api-keys?revoked=1");
    assert_eq!(revoked_by(&app, &secret).await.as_deref(), Some("admin"));
    assert_eq!(revoked_by(&app, &theirs).await, None);
    let unknown = format!("/admin/api-keys/{}/revoke", uuid::Uuid::now_v7());
    assert_eq!(
        app.post_form_with(&admin, &unknown, &[]).await.status(),
        404
    );
    let mine = app.get_html("/profile/api-keys").await;
    assert!(mine.contains("revoked by the administrator"), "{mine}");
    let audit = app
        .get_with(&admin, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("ApiKeyRevoked"));
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn blocking_revokes_every_key_and_deleting_the_account_removes_them() {
    let app = spawn_app().await;
    let user_id = app.verified_user("sardor", PASSWORD).await;
    let first = create_key(&app, &app.api, "first", "never").await;
    let second = create_key(&app, &app.api, "second", "30").await;
    let third = create_key(&app, &app.api, "third", "never").await;
    let third_id = key_row(&app, &third).await.unwrap().0;
    app.post_form(&format!("/profile/api-keys/{third_id}/revoke"), &[])
        .await;
    let admin = app.admin_client().await;
    // Act: block, then unblock.
    let block = format!("/admin/users/{user_id}/block");
    let blocked = app
        .post_form_with(&admin, &block, &[("reason", "shared keys")])
        .await;
    assert_eq!(blocked.status(), 303);
    // Assert: every key still standing was revoked with the block, in the same append.
    assert_eq!(revoked_by(&app, &first).await.as_deref(), Some("blocked"));
    assert_eq!(revoked_by(&app, &second).await.as_deref(), Some("blocked"));
    assert_eq!(revoked_by(&app, &third).await.as_deref(), Some("user"));
    let events = events_of(&app, &user_id).await;
    let at = events.iter().position(|e| e == "UserBlocked").unwrap();
    assert_eq!(events[at + 1..], ["ApiKeyRevoked", "ApiKeyRevoked"]);
    app.post_form_with(&admin, &format!("/admin/users/{user_id}/unblock"), &[])
        .await;
    assert_eq!(revoked_by(&app, &first).await.as_deref(), Some("blocked"));
    app.assert_projections_match_the_log().await;
    // Deleting the account removes its keys.
    let laptop = client();
    assert_eq!(
        app.login_with(&laptop, "sardor", PASSWORD).await.status(),
        303
    );
    let fresh = create_key(&app, &laptop, "after the block", "never").await;
    assert_eq!(revoked_by(&app, &fresh).await, None);
    let deleted = app
        .post_form_with(&laptop, "/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(deleted.status(), 303);
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_key WHERE user_id = ?")
        .bind(&user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    app.assert_projections_match_the_log().await;
}
