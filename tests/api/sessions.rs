//! Device sessions: sliding 48-hour idle window, absolute lifetime, revocation.
use time::Duration;

use crate::helpers::{PASSWORD, TestApp, client, location, spawn_app};

async fn logged_in(app: &TestApp, response: reqwest::Response) -> bool {
    let _ = app;
    response.status() == 200
}

async fn last_seen(app: &TestApp) -> time::PrimitiveDateTime {
    sqlx::query_scalar("SELECT MAX(last_seen_at) FROM session WHERE user_id IS NOT NULL")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[actix_web::test]
async fn a_device_stays_logged_in_while_used_every_48_hours() {
    let app = spawn_app().await;
    app.verified_user("guli", PASSWORD).await;
    for _ in 0..3 {
        app.clock.advance(Duration::hours(47));
        assert!(
            logged_in(&app, app.get("/profile").await).await,
            "used within 47 h: still in, and extended"
        );
    }
    app.clock
        .advance(Duration::hours(48) + Duration::minutes(1));
    let response = app.get("/profile").await;
    assert_eq!(location(&response), "/login?next=%2Fprofile");
}

#[actix_web::test]
async fn the_absolute_lifetime_asks_for_the_password_again() {
    let app = spawn_app().await;
    app.verified_user("anvar", PASSWORD).await;
    for day in 1..=29 {
        app.clock.advance(Duration::days(1));
        assert_eq!(app.get("/profile").await.status(), 200, "day {day}");
    }
    app.clock.advance(Duration::days(1) + Duration::minutes(1));
    assert_eq!(
        app.get("/profile").await.status(),
        303,
        "after 30 days however active"
    );
}

#[actix_web::test]
async fn using_a_session_writes_its_last_seen_time_at_most_once_a_minute() {
    let app = spawn_app().await;
    app.verified_user("dono", PASSWORD).await;
    let before = last_seen(&app).await;
    for _ in 0..5 {
        app.get("/profile").await;
    }
    assert_eq!(last_seen(&app).await, before, "no write on every request");
    app.clock.advance(Duration::minutes(2));
    app.get("/profile").await;
    assert!(
        last_seen(&app).await > before,
        "written again after a minute"
    );
}

#[actix_web::test]
async fn logout_deletes_the_session_on_the_server() {
    let app = spawn_app().await;
    app.verified_user("hilola", PASSWORD).await;
    // Keep a copy of the cookie as an attacker would.
    let profile = app.get("/profile").await;
    let cookie = profile
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("the session cookie is sent back on each request");
    assert!(
        profile
            .headers()
            .get_all("set-cookie")
            .iter()
            .any(|v| v.to_str().unwrap().contains("HttpOnly"))
    );
    app.post_form("/logout", &[]).await;
    let replay = client()
        .get(app.url("/profile"))
        .header("cookie", cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(replay.status(), 303);
    let sessions: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM session WHERE user_id IS NOT NULL")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(sessions, 0);
}

#[actix_web::test]
async fn login_gives_a_new_session_id() {
    let app = spawn_app().await;
    app.verified_user("bobur", PASSWORD).await;
    app.post_form("/logout", &[]).await;
    let device = client();
    // A session that exists before login (language chosen, say) must not survive it.
    app.get_with(&device, "/login").await;
    let before: Vec<String> = sqlx::query_scalar("SELECT id FROM session")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    app.login_with(&device, "bobur", PASSWORD).await;
    let after: Vec<String> = sqlx::query_scalar("SELECT id FROM session WHERE user_id IS NOT NULL")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert!(!before.contains(&after[0]));
}

#[actix_web::test]
async fn over_https_the_cookies_are_secure_and_host_prefixed() {
    let app = crate::helpers::spawn_app_with(&[("PUBLIC_URL", "https://chat.example.uz")]).await;
    let page = app.get("/login").await;
    let cookies: Vec<String> = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    let csrf = cookies
        .iter()
        .find(|c| c.starts_with("__Host-csrf="))
        .expect("a __Host- CSRF cookie");
    assert!(
        csrf.contains("Secure")
            && csrf.contains("HttpOnly")
            && csrf.contains("Path=/")
            && !csrf.contains("Domain")
    );
    // The session cookie appears once something is stored in the session (the login).
    let token = crate::helpers::csrf_from_html(&page.text().await.unwrap()).unwrap();
    let csrf_value = csrf.split(';').next().unwrap().to_owned();
    app.accounts()
        .register(
            chatbot_factory::accounts::Registration {
                username: "secure",
                email: "secure@example.com",
                password: PASSWORD,
                password_confirm: PASSWORD,
            },
            chatbot_factory::i18n::Lang::En,
            None,
        )
        .await
        .unwrap();
    let login = client()
        .post(app.url("/login"))
        .header("cookie", csrf_value)
        .header("origin", "https://chat.example.uz")
        .form(&[
            ("login", "secure"),
            ("password", PASSWORD),
            ("csrf", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), 303);
    let session = login
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("__Host-session="))
        .expect("a __Host- session cookie");
    assert!(
        session.contains("Secure")
            && session.contains("HttpOnly")
            && session.contains("SameSite=Lax"),
        "{session}"
    );
    assert!(
        session.contains("Max-Age=172800"),
        "48 hours, extended on use: {session}"
    );
}
