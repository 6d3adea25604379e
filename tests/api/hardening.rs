//! The account and input holes a security review found, each shown closed: mailed links that
//! logged people in or outlived a password change, an open redirect, 500s and a panic on
//! hostile input, admin sessions, guessing passwords through the profile, prompt floods,
//! forged proxy headers and the small ones (CSRF, caching, HSTS, look-alike names).
use std::io::Read;

use crate::helpers::{PASSWORD, client, location, spawn_app, spawn_app_with, test_settings};

const NEW_PASSWORD: &str = "Samarqand-Registon-1420";

fn set_cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(&format!("{name}=")))
        .map(|c| c.split(';').next().unwrap_or_default().to_owned())
}

#[actix_web::test]
async fn a_verification_link_verifies_without_logging_anyone_in() {
    let app = spawn_app().await;
    app.register("malika", "malika@example.com", PASSWORD).await;
    let link = app.mailed_link("malika@example.com", "/verify", 1).await;
    // Another browser opens the link (whoever reads the mail, or a victim of login CSRF).
    let stranger = client();
    let page = app.get_with(&stranger, &link).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("Your e-mail is verified"), "{html}");
    assert!(
        html.contains(r#"href="/login""#),
        "asks the stranger to log in"
    );
    let home = app.get_with(&stranger, "/").await;
    assert_eq!(location(&home), "/register", "the link logged nobody in");
    // The browser that registered is still logged in, and verified now.
    let home = app.get_html("/").await;
    assert!(home.contains("composer") && !home.contains("verify your e-mail"));
}

#[actix_web::test]
async fn verification_links_die_once_one_is_used_and_when_the_password_changes() {
    let app = spawn_app().await;
    app.register("otabek", "otabek@example.com", PASSWORD).await;
    let first = app.mailed_link("otabek@example.com", "/verify", 1).await;
    assert_eq!(app.post_form("/verify/resend", &[]).await.status(), 200);
    let second = app.mailed_link("otabek@example.com", "/verify", 2).await;
    assert_eq!(app.get(&second).await.status(), 200);
    let old = app.get(&first).await;
    assert_eq!(old.status(), 400, "the older link was revoked");
    assert!(old.text().await.unwrap().contains("already been used"));

    let other = client();
    app.register_with(&other, "shahlo", "shahlo@example.com", PASSWORD)
        .await;
    let link = app.mailed_link("shahlo@example.com", "/verify", 1).await;
    let changed = app
        .post_form_with(
            &other,
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(location(&changed), "/profile?password=1");
    assert_eq!(app.get_with(&client(), &link).await.status(), 400);
}

#[actix_web::test]
async fn a_reset_link_is_only_good_for_the_address_it_was_sent_to_and_the_old_password() {
    let app = spawn_app().await;
    app.verified_user("nodira", PASSWORD).await;
    let ask = |email: &'static str| {
        let app = &app;
        async move {
            let response = app
                .post_form_with(&client(), "/forgot", &[("email", email)])
                .await;
            assert_eq!(response.status(), 200);
        }
    };
    // Mail 1 was the verification; mail 2 is the reset link.
    ask("nodira@example.com").await;
    let link = app.mailed_link("nodira@example.com", "/reset", 2).await;
    assert_eq!(app.get_with(&client(), &link).await.status(), 200);
    let moved = app
        .post_form(
            "/profile",
            &[("username", "nodira"), ("email", "nodira.new@example.com")],
        )
        .await;
    assert_eq!(moved.status(), 303);
    let refused = app.get_with(&client(), &link).await;
    assert_eq!(
        refused.status(),
        400,
        "the old mailbox cannot reset the account"
    );
    assert!(!refused.text().await.unwrap().contains(r#"name="password""#));

    // A reset link mailed before a password change dies with the change.
    ask("nodira.new@example.com").await;
    let fresh = app.mailed_link("nodira.new@example.com", "/reset", 2).await;
    assert_eq!(app.get_with(&client(), &fresh).await.status(), 200);
    let changed = app
        .post_form(
            "/profile/password",
            &[
                ("current_password", PASSWORD),
                ("password", NEW_PASSWORD),
                ("password_confirm", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(changed.status(), 303);
    assert_eq!(app.get_with(&client(), &fresh).await.status(), 400);
}

#[actix_web::test]
async fn next_never_leads_off_the_site_and_control_characters_are_not_a_500() {
    let app = spawn_app().await;
    app.verified_user_with(&client(), "jamshid", PASSWORD).await;
    for next in [
        "/\t/evil.example",
        "/\\evil.example",
        "//evil.example",
        "/ /evil.example",
        "/c/1\r\nSet-Cookie: x=1",
        "https://evil.example",
    ] {
        let login = app
            .post_form_with(
                &client(),
                "/login",
                &[("login", "jamshid"), ("password", PASSWORD), ("next", next)],
            )
            .await;
        assert_eq!(login.status(), 303, "{next:?}");
        assert_eq!(location(&login), "/", "{next:?}");
        let lang = app
            .post_form_with(&client(), "/lang", &[("lang", "uz"), ("next", next)])
            .await;
        assert_eq!(lang.status(), 303, "{next:?}");
        assert_eq!(location(&lang), "/", "{next:?}");
    }
    let login = app
        .post_form_with(
            &client(),
            "/login",
            &[
                ("login", "jamshid"),
                ("password", PASSWORD),
                ("next", "/profile"),
            ],
        )
        .await;
    assert_eq!(location(&login), "/profile", "a path on the site is kept");
}

#[actix_web::test]
async fn hostile_dates_and_duplicate_export_names_get_answers_not_500s() {
    let app = spawn_app().await;
    let admin = app.admin_client().await;
    for path in [
        "/admin?range=custom&from=-9999-01-01&to=-9999-01-01",
        "/admin?range=custom&from=0001-01-01&to=9999-12-31",
        "/admin?range=custom&from=%2B99999-01-01&to=2026-01-01",
        "/admin/chats?from=-0001-01-01&to=-0001-12-31",
        "/admin/chats?from=0000-01-01",
    ] {
        let response = app.get_with(&admin, path).await;
        assert_eq!(response.status(), 200, "{path}");
    }
    let one = app.verified_user_with(&client(), "ali.b", PASSWORD).await;
    let two = app.verified_user_with(&client(), "ali_b", PASSWORD).await;
    let zip = app
        .post_form_with(
            &admin,
            "/admin/export",
            &[
                ("user", one.as_str()),
                ("user", one.as_str()),
                ("user", two.as_str()),
            ],
        )
        .await;
    assert_eq!(zip.status(), 200);
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "ali_b-2/chats.json",
            "ali_b-2/chats.md",
            "ali_b/chats.json",
            "ali_b/chats.md"
        ]
    );
    let mut text = String::new();
    archive
        .by_name("ali_b/chats.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("\"chats\""), "{text}");
}

#[actix_web::test]
async fn a_changed_admin_password_ends_admin_sessions_and_idle_ones_end_after_8_hours() {
    let app = spawn_app().await;
    let admin = app.admin_client().await;
    let restart = |password: &str| {
        let settings = test_settings(
            &app.db_name,
            app.smtp.port,
            &app.upstream.base_url(),
            &[("ADMIN_PASSWORD", password)],
        );
        let clock = app.clock.clone();
        async move {
            let again = chatbot_factory::startup::Application::build_with(settings, clock)
                .await
                .expect("app builds again");
            let address = format!("http://127.0.0.1:{}", again.port());
            actix_web::rt::spawn(again.run_until_stopped());
            address
        }
    };
    // Restarted with the same password: the admin stays logged in.
    let same = restart("admin-password-for-tests").await;
    let page = admin.get(format!("{same}/admin")).send().await.unwrap();
    assert_eq!(page.status(), 200);
    // Restarted with a new one: the old session is gone.
    let changed = restart("a-brand-new-admin-passphrase-77").await;
    let page = admin.get(format!("{changed}/admin")).send().await.unwrap();
    assert_eq!(page.status(), 303);
    assert!(location(&page).starts_with("/admin/login"));

    // Idle admin sessions end after ADMIN_SESSION_IDLE_HOURS (8), a user's after 48.
    let app = spawn_app().await;
    app.verified_user("gulnora", PASSWORD).await;
    let admin = app.admin_client().await;
    app.clock.advance(time::Duration::hours(9));
    let page = app.get_with(&admin, "/admin").await;
    assert_eq!(page.status(), 303, "the admin must log in again");
    assert_eq!(app.get("/profile").await.status(), 200, "the user stays");
}

#[actix_web::test]
async fn guessing_the_current_password_in_the_profile_is_rate_limited() {
    let app = spawn_app_with(&[("RATE_LIMIT_LOGIN_PER_ACCOUNT", "3")]).await;
    app.verified_user("bobur", PASSWORD).await;
    for guess in ["guess-one-1", "guess-two-2", "guess-three-3"] {
        let response = app
            .post_form(
                "/profile/password",
                &[
                    ("current_password", guess),
                    ("password", NEW_PASSWORD),
                    ("password_confirm", NEW_PASSWORD),
                ],
            )
            .await;
        assert_eq!(response.status(), 422, "{guess}");
    }
    let limited = app
        .post_form("/profile/delete", &[("password", "guess-four-4")])
        .await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().contains_key("retry-after"));
    // Even the right password waits now: the account still exists.
    let right = app
        .post_form("/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(right.status(), 429);
    assert_eq!(app.get("/profile").await.status(), 200);
}

#[actix_web::test]
async fn prompts_are_rate_limited_per_minute_and_new_chats_do_not_dodge_the_daily_quota() {
    let app = spawn_app_with(&[("RATE_LIMIT_PROMPTS_PER_MINUTE", "3")]).await;
    app.verified_user("dilshod", PASSWORD).await;
    let first = app.prompt(None, "one").await;
    let chat = first.chat_id();
    for text in ["two", "three"] {
        assert_eq!(app.prompt(Some(&chat), text).await.status, 200);
    }
    let fourth = app.prompt(Some(&chat), "four").await;
    assert_eq!(fourth.status, 429);
    let message = fourth.error.unwrap()["error"]["message"].to_string();
    assert!(message.contains("too quickly"), "{message}");
    app.clock.advance(time::Duration::minutes(1));
    assert_eq!(app.prompt(Some(&chat), "five").await.status, 200);

    let app = spawn_app_with(&[("DAILY_PROMPT_QUOTA", "2")]).await;
    let user = app.verified_user("zarina", PASSWORD).await;
    assert_eq!(app.prompt(None, "first chat").await.status, 200);
    assert_eq!(app.prompt(None, "second chat").await.status, 200);
    let third = app.prompt(None, "a third chat to dodge the limit").await;
    assert_eq!(third.status, 429);
    let message = third.error.unwrap()["error"]["message"].to_string();
    assert!(message.contains("limit of 2 messages today"), "{message}");
    let admin = app.admin_client().await;
    let page = app
        .get_with(&admin, &format!("/admin/users/{user}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Uses the site default: 2 prompts a day"),
        "{page}"
    );
    assert!(page.contains("Today: 2 of 2"), "{page}");
    let settings = app
        .get_with(&admin, "/admin/settings")
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains("2 prompts a day"), "{settings}");
}

#[actix_web::test]
async fn behind_a_proxy_the_client_cannot_choose_its_own_address() {
    let app = spawn_app_with(&[("TRUST_PROXY", "on"), ("RATE_LIMIT_LOGIN_PER_IP", "2")]).await;
    let attempt = |forwarded: String| {
        let app = &app;
        async move {
            let browser = client();
            let token = app.csrf_token_with(&browser).await;
            browser
                .post(app.url("/login"))
                .header("x-forwarded-for", forwarded)
                .form(&[
                    ("login", "nobody"),
                    ("password", "wrong-password"),
                    ("csrf", &token),
                ])
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // The client forges a new leftmost address each time; the proxy appends the real one.
    for n in 1..=2 {
        assert_eq!(attempt(format!("10.0.0.{n}, 203.0.113.5")).await, 422);
    }
    assert_eq!(attempt("10.0.0.3, 203.0.113.5".into()).await, 429);
    // Another real client is counted apart.
    assert_eq!(attempt("10.0.0.3, 203.0.113.6".into()).await, 422);
}

#[actix_web::test]
async fn csrf_tokens_come_only_from_the_body_or_header_and_change_at_login() {
    let app = spawn_app().await;
    app.verified_user("lola", PASSWORD).await;
    let token = app.csrf_token().await;
    let from_query = app
        .api
        .post(app.url(&format!("/logout?csrf={token}")))
        .send()
        .await
        .unwrap();
    assert_eq!(from_query.status(), 403);
    assert_eq!(app.get("/profile").await.status(), 200, "still logged in");

    let browser = client();
    let form = app.get_with(&browser, "/login").await;
    let before = set_cookie(&form, "csrf").expect("a CSRF cookie");
    let login = app
        .post_form_with(
            &browser,
            "/login",
            &[("login", "lola"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), 303);
    let after = set_cookie(&login, "csrf").expect("a new CSRF cookie at login");
    assert_ne!(before, after);
    // The page after the login carries the new token and it works.
    let response = app
        .post_form_with(&browser, "/lang", &[("lang", "ru"), ("next", "/")])
        .await;
    assert_eq!(response.status(), 303);
}

#[actix_web::test]
async fn private_responses_are_never_cached_and_https_sites_send_hsts() {
    let app = spawn_app().await;
    app.verified_user("sevara", PASSWORD).await;
    let chat = app.prompt(None, "cache me not").await.chat_id();
    for path in ["/", "/profile", &format!("/c/{chat}"), "/api/chats"] {
        let response = app.get(path).await;
        assert_eq!(response.headers()["cache-control"], "no-store", "{path}");
        assert!(!response.headers().contains_key("strict-transport-security"));
    }
    let admin = app.admin_client().await;
    let export = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/export/md"), &[])
        .await;
    assert_eq!(export.headers()["cache-control"], "no-store");
    let css = app.get("/static/css/app.css").await;
    assert_eq!(css.status(), 200);
    assert_ne!(css.headers()["cache-control"], "no-store");

    let https = spawn_app_with(&[("PUBLIC_URL", "https://chat.example.uz")]).await;
    let page = https.get("/login").await;
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
}

#[actix_web::test]
async fn usernames_that_look_like_reserved_ones_are_refused() {
    let app = spawn_app().await;
    for lookalike in ["аdmin", "ADMIN", "rооt"] {
        let response = app
            .register_with(&client(), lookalike, "look@example.com", PASSWORD)
            .await;
        assert_eq!(response.status(), 422, "{lookalike}");
        assert!(
            response.text().await.unwrap().contains("reserved"),
            "{lookalike}"
        );
    }
}

#[actix_web::test]
async fn an_answer_cannot_make_the_admins_browser_start_an_export() {
    let app = spawn_app().await;
    app.verified_user("shirin", PASSWORD).await;
    app.upstream.push(crate::upstream::Reply::text(
        "Look: ![](/admin/events/download/parquet) ![x](/admin/chats/1/export/pdf)",
    ));
    let chat = app.prompt(None, "show me a picture").await.chat_id();
    let admin = app.admin_client().await;
    // The answer as the admin reads it loads nothing: the images are plain links.
    let page = app
        .get_with(&admin, &format!("/admin/chats/{chat}"))
        .await
        .text()
        .await
        .unwrap();
    let document = scraper::Html::parse_document(&page);
    let select = |css: &str| {
        let selector = scraper::Selector::parse(css).unwrap();
        document.select(&selector).count()
    };
    assert_eq!(select(".admin-messages .markdown"), 1, "{page}");
    assert_eq!(select(".admin-messages img"), 0, "{page}");
    assert_eq!(
        select(r#".admin-messages a[href="/admin/events/download/parquet"]"#),
        1,
        "{page}"
    );
    // And a GET (all an image, a link or a prefetch can send) exports nothing.
    for path in [
        "/admin/events/download/parquet".to_owned(),
        format!("/admin/chats/{chat}/export/pdf"),
        format!("/admin/chats/{chat}/print"),
    ] {
        let response = app.get_with(&admin, &path).await;
        assert!(
            response.status().is_client_error(),
            "{path}: {}",
            response.status()
        );
        assert!(
            !response.headers().contains_key("content-disposition"),
            "{path}"
        );
    }
    // The admin's own buttons post with the form's token.
    let download = app
        .post_form_with(&admin, "/admin/events/download/csv", &[])
        .await;
    assert_eq!(download.status(), 200);
    let forged = admin
        .post(app.url("/admin/events/download/csv"))
        .send()
        .await
        .unwrap();
    assert_eq!(forged.status(), 403, "no token, no export");
}

#[actix_web::test]
async fn failing_admin_logins_from_anywhere_do_not_lock_the_admin_out() {
    let app = spawn_app_with(&[
        ("TRUST_PROXY", "on"),
        ("RATE_LIMIT_LOGIN_PER_ACCOUNT", "10"),
    ])
    .await;
    let attempt = |from: &'static str, password: &'static str| {
        let app = &app;
        async move {
            let browser = client();
            let token = app.csrf_token_with(&browser).await;
            let response = browser
                .post(app.url("/admin/login"))
                .header("x-forwarded-for", from)
                .form(&[
                    ("username", "admin"),
                    ("password", password),
                    ("csrf", &token),
                ])
                .send()
                .await
                .unwrap();
            (response.status().as_u16(), location(&response))
        }
    };
    // Ten failures from one address close that address to the account...
    for _ in 0..10 {
        assert_eq!(attempt("203.0.113.7", "guess").await.0, 422);
    }
    assert_eq!(attempt("203.0.113.7", "guess").await.0, 429);
    let right = attempt("203.0.113.7", "admin-password-for-tests").await;
    assert_eq!(right.0, 429, "the guessing address stays closed");
    // ...an eleventh from elsewhere is still only a wrong password...
    assert_eq!(attempt("198.51.100.8", "guess").await.0, 422);
    // ...and the admin, from another address, gets in after a short back-off.
    let started = std::time::Instant::now();
    let admin = attempt("192.0.2.9", "admin-password-for-tests").await;
    assert_eq!(admin, (303, "/admin".to_owned()));
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // A successful login counted nothing.
    let counted: Vec<(String, u32)> =
        sqlx::query_as("SELECT bucket, hits FROM rate_limit WHERE bucket LIKE '%192.0.2.9%'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(counted.is_empty(), "{counted:?}");
}

#[actix_web::test]
async fn exporting_my_data_is_limited_to_a_few_times_an_hour() {
    let app = spawn_app().await;
    app.verified_user("nilufar", PASSWORD).await;
    app.prompt(None, "something to export").await;
    for _ in 0..3 {
        let export = app.get("/profile/export").await;
        assert_eq!(export.status(), 200);
        assert!(export.bytes().await.unwrap().starts_with(b"PK"));
    }
    let limited = app.get("/profile/export").await;
    assert_eq!(limited.status(), 429);
    let wait: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&wait), "{wait}");
    let page = limited.text().await.unwrap();
    assert!(
        page.contains("You can download your data 3 times an hour"),
        "{page}"
    );
    // Another user is not held up, and the next hour brings new exports.
    let other = client();
    app.verified_user_with(&other, "otabek", PASSWORD).await;
    assert_eq!(app.get_with(&other, "/profile/export").await.status(), 200);
    app.clock.advance(time::Duration::hours(1));
    assert_eq!(app.get("/profile/export").await.status(), 200);
}
