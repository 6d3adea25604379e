//! Registration, verification, login, password reset, profile and blocking, through HTTP.
use crate::helpers::{PASSWORD, client, location, spawn_app, spawn_app_with};

#[actix_web::test]
async fn visitors_are_sent_to_registration() {
    let app = spawn_app().await;
    let response = app.get("/").await;
    assert_eq!(response.status(), 303);
    assert_eq!(location(&response), "/register");
    let html = app.get_html("/register").await;
    assert!(
        html.contains(r#"href="/login""#),
        "a link to log in instead"
    );
}

#[actix_web::test]
async fn register_mails_a_single_use_verification_link() {
    let app = spawn_app().await;
    // Act
    let response = app
        .register("dilnoza", "Dilnoza@Example.com", PASSWORD)
        .await;
    // Assert: logged in at once, but not verified
    assert_eq!(response.status(), 303);
    let home = app.get_html("/").await;
    assert!(
        home.contains("verify your e-mail address"),
        "the chat page says why prompts are off"
    );
    assert!(home.contains(r#"action="/verify/resend""#));
    let mail = app.smtp.wait_for("dilnoza@example.com", 1).await;
    assert!(mail.subject.contains("Confirm your e-mail"));
    let link = app.mailed_link("dilnoza@example.com", "/verify", 1).await;
    assert!(
        mail.text.contains(
            app.settings
                .server
                .public_url
                .as_str()
                .trim_end_matches('/')
        ),
        "host from settings"
    );
    let first = app.get(&link).await;
    assert_eq!(first.status(), 200);
    assert!(
        first
            .text()
            .await
            .unwrap()
            .contains("Your e-mail is verified")
    );
    let verified: bool =
        sqlx::query_scalar("SELECT verified FROM `user` WHERE username = 'dilnoza'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(verified);
    let second = app.get(&link).await;
    assert_eq!(second.status(), 400);
    assert!(second.text().await.unwrap().contains("already been used"));
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM event WHERE stream_type = 'user' ORDER BY position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(events, vec!["UserRegistered", "EmailVerified"]);
}

#[actix_web::test]
async fn an_expired_verification_link_is_refused_and_resend_has_a_cooldown() {
    let app = spawn_app_with(&[("RESEND_COOLDOWN_SECS", "60")]).await;
    app.register("bekzod", "bekzod@example.com", PASSWORD).await;
    let link = app.mailed_link("bekzod@example.com", "/verify", 1).await;
    app.clock.advance(time::Duration::hours(25));
    let response = app.get(&link).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expired"));
    // Resend works once, then asks to wait.
    let resend = app.post_form("/verify/resend", &[]).await;
    assert_eq!(resend.status(), 200);
    let fresh = app.mailed_link("bekzod@example.com", "/verify", 2).await;
    let again = app.post_form("/verify/resend", &[]).await;
    assert_eq!(again.status(), 429);
    assert!(again.text().await.unwrap().contains("seconds"));
    assert_eq!(app.get(&fresh).await.status(), 200);
}

#[actix_web::test]
async fn verification_can_be_switched_off() {
    let app = spawn_app_with(&[("EMAIL_VERIFICATION", "off")]).await;
    app.register("aziz", "aziz@example.com", PASSWORD).await;
    let verified: bool = sqlx::query_scalar("SELECT verified FROM `user` WHERE username = 'aziz'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(verified);
    assert!(!app.get_html("/").await.contains("verify your e-mail"));
}

#[actix_web::test]
async fn bad_registrations_come_back_with_field_messages() {
    let app = spawn_app().await;
    app.register("kamola", "kamola@example.com", PASSWORD).await;
    let other = client();
    let cases = [
        ("KAMOLA", "new@example.com", PASSWORD, "already taken"),
        ("newname", "KAMOLA@example.com", PASSWORD, "already exists"),
        ("newname", "not-an-email", PASSWORD, "valid e-mail"),
        ("x", "x@example.com", PASSWORD, "3 to 32"),
        ("newname", "n@example.com", "password123", "too common"),
        ("newname", "n@example.com", "short", "at least 8"),
    ];
    for (username, email, password, message) in cases {
        let response = app.register_with(&other, username, email, password).await;
        assert_eq!(response.status(), 422, "{username} {email}");
        let html = response.text().await.unwrap();
        assert!(
            html.contains(message),
            "{message} not in the form for {username}/{email}"
        );
        assert!(
            html.contains(&format!(r#"value="{username}""#)),
            "entered values are kept"
        );
    }
    let mismatch = app
        .post_form_with(
            &other,
            "/register",
            &[
                ("username", "zarina"),
                ("email", "z@example.com"),
                ("password", PASSWORD),
                ("password_confirm", "other"),
            ],
        )
        .await;
    assert!(mismatch.text().await.unwrap().contains("do not match"));
}

#[actix_web::test]
async fn passwords_are_argon2id_and_long_ones_work_exactly_as_typed() {
    let app = spawn_app().await;
    let long = "Samarkand Bukhara Khiva Tashkent Fergana Namangan Andijan Nukus Qarshi!!";
    let long = &long[..72.min(long.len())];
    let long = format!("{long}{}", "z".repeat(80 - long.chars().count()));
    assert_eq!(long.chars().count(), 80);
    app.register("laylo", "laylo@example.com", &long).await;
    let hash: String = sqlx::query_scalar("SELECT password FROM `user` WHERE username = 'laylo'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    let device = client();
    let truncated = app.login_with(&device, "laylo", &long[..72]).await;
    assert_eq!(
        truncated.status(),
        422,
        "the first 72 characters alone must not log in"
    );
    let exact = app.login_with(&device, "LAYLO@example.com", &long).await;
    assert_eq!(exact.status(), 303, "login by e-mail, any case");
}

#[actix_web::test]
async fn failed_logins_never_reveal_whether_the_user_exists() {
    let app = spawn_app().await;
    app.register("malika", "malika@example.com", PASSWORD).await;
    let device = client();
    let wrong_password = app
        .login_with(&device, "malika", "wrong-password-here")
        .await;
    let unknown_user = app
        .login_with(&device, "nobody-at-all", "wrong-password-here")
        .await;
    assert_eq!(wrong_password.status(), unknown_user.status());
    let (a, b) = (
        wrong_password.text().await.unwrap(),
        unknown_user.text().await.unwrap(),
    );
    assert!(
        a.contains("is not correct") && b.contains("is not correct"),
        "{a}"
    );
}

#[actix_web::test]
async fn login_and_forms_need_the_csrf_token() {
    let app = spawn_app().await;
    let response = app
        .api
        .post(app.url("/login"))
        .form(&[("login", "x"), ("password", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("expired or came from another site")
    );
}

#[actix_web::test]
async fn login_is_rate_limited_with_a_readable_429() {
    let app = spawn_app_with(&[
        ("RATE_LIMIT_LOGIN_PER_IP", "3"),
        ("RATE_LIMIT_WINDOW_MINUTES", "1440"),
    ])
    .await;
    for _ in 0..3 {
        assert_eq!(app.login("someone", "wrong-password").await.status(), 422);
    }
    let limited = app.login("someone", "wrong-password").await;
    assert_eq!(limited.status(), 429);
    assert!(limited.headers().get("retry-after").is_some());
    assert!(limited.text().await.unwrap().contains("Too many attempts"));
    // The counter lives in MySQL, so another app instance on the same database agrees; it
    // counts failures only (the refused attempt checked no password).
    let hits: u32 =
        sqlx::query_scalar("SELECT MAX(hits) FROM rate_limit WHERE bucket LIKE 'login:ip:%'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(hits, 3);
}

#[actix_web::test]
async fn forgot_password_answers_the_same_for_known_and_unknown_addresses() {
    let app = spawn_app().await;
    app.verified_user("nodira", PASSWORD).await;
    let strip_token = |html: String| {
        html.lines()
            .filter(|l| !l.contains("csrf"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    let visitor = client();
    // The unknown address goes first: a mail to it would be on its way before the known one's.
    let unknown = app
        .post_form_with(&visitor, "/forgot", &[("email", "ghost@example.com")])
        .await;
    let known = app
        .post_form_with(&visitor, "/forgot", &[("email", "nodira@example.com")])
        .await;
    assert_eq!(known.status(), unknown.status());
    assert_eq!(
        strip_token(known.text().await.unwrap()),
        strip_token(unknown.text().await.unwrap())
    );
    let mail = app.smtp.wait_for("nodira@example.com", 2).await;
    assert!(mail.subject.contains("Reset"));
    let recipients: Vec<Vec<String>> = app.smtp.mails().into_iter().map(|m| m.to).collect();
    assert_eq!(
        recipients,
        [["nodira@example.com"], ["nodira@example.com"]],
        "the verification and the reset mail only"
    );
}

#[actix_web::test]
async fn a_password_reset_works_once_and_ends_other_sessions() {
    let app = spawn_app().await;
    app.verified_user("otabek", PASSWORD).await;
    let phone = client();
    assert_eq!(
        app.login_with(&phone, "otabek", PASSWORD).await.status(),
        303
    );
    let visitor = client();
    app.post_form_with(&visitor, "/forgot", &[("email", "otabek@example.com")])
        .await;
    let link = app.mailed_link("otabek@example.com", "/reset", 2).await;
    assert!(
        app.get_with(&visitor, &link)
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"name="token""#)
    );
    let token = link.split("token=").nth(1).unwrap();
    let new_password = "amber-falcon-river-42";
    let fields = [
        ("token", token),
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    let reset = app.post_form_with(&visitor, "/reset", &fields).await;
    assert_eq!(reset.status(), 303);
    // The phone's session is gone; the old password no longer works; the new one does.
    assert_eq!(
        location(&app.get_with(&phone, "/profile").await),
        "/login?next=%2Fprofile"
    );
    assert_eq!(
        app.login_with(&client(), "otabek", PASSWORD).await.status(),
        422
    );
    assert_eq!(
        app.login_with(&client(), "otabek", new_password)
            .await
            .status(),
        303
    );
    let again = app.post_form_with(&client(), "/reset", &fields).await;
    assert_eq!(again.status(), 400);
}

#[actix_web::test]
async fn an_expired_reset_link_is_refused() {
    let app = spawn_app().await;
    app.verified_user("sardor", PASSWORD).await;
    app.post_form_with(&client(), "/forgot", &[("email", "sardor@example.com")])
        .await;
    let link = app.mailed_link("sardor@example.com", "/reset", 2).await;
    app.clock.advance(time::Duration::minutes(61));
    let response = app.get_with(&client(), &link).await;
    assert_eq!(response.status(), 400);
    assert!(response.text().await.unwrap().contains("expired"));
}

#[actix_web::test]
async fn the_profile_edits_renames_and_reverifies_a_new_email() {
    let app = spawn_app().await;
    app.verified_user("jasur", PASSWORD).await;
    let html = app.get_html("/profile").await;
    assert!(html.contains("jasur@example.com") && html.contains("verified"));
    let response = app
        .post_form(
            "/profile",
            &[
                ("username", "jasur_new"),
                ("email", "jasur.new@example.com"),
            ],
        )
        .await;
    assert_eq!(response.status(), 303);
    let html = app.get_html("/profile").await;
    assert!(html.contains("jasur_new") && html.contains("not verified"));
    let link = app.mailed_link("jasur.new@example.com", "/verify", 1).await;
    assert_eq!(app.get(&link).await.status(), 200);
    // Taken names are refused on edit too.
    app.register_with(&client(), "other", "other@example.com", PASSWORD)
        .await;
    let taken = app
        .post_form(
            "/profile",
            &[("username", "OTHER"), ("email", "jasur.new@example.com")],
        )
        .await;
    assert_eq!(taken.status(), 422);
    assert!(taken.text().await.unwrap().contains("already taken"));
}

#[actix_web::test]
async fn changing_the_password_keeps_this_device_and_ends_the_others() {
    let app = spawn_app().await;
    app.verified_user("umida", PASSWORD).await;
    let laptop = client();
    app.login_with(&laptop, "umida", PASSWORD).await;
    let wrong = app
        .post_form(
            "/profile/password",
            &[
                ("current_password", "nope-nope-nope"),
                ("password", "x"),
                ("password_confirm", "x"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("current password is not correct")
    );
    let new_password = "velvet-harbor-sunrise-9";
    let fields = [
        ("current_password", PASSWORD),
        ("password", new_password),
        ("password_confirm", new_password),
    ];
    assert_eq!(
        app.post_form("/profile/password", &fields).await.status(),
        303
    );
    assert_eq!(
        app.get("/profile").await.status(),
        200,
        "this device stays logged in"
    );
    assert_eq!(
        app.get_with(&laptop, "/profile").await.status(),
        303,
        "the other device is logged out"
    );
}

#[actix_web::test]
async fn deleting_the_account_frees_the_username_and_email() {
    let app = spawn_app().await;
    let user_id = app.verified_user("feruza", PASSWORD).await;
    let wrong = app
        .post_form("/profile/delete", &[("password", "not-my-password")])
        .await;
    assert_eq!(wrong.status(), 422);
    let response = app
        .post_form("/profile/delete", &[("password", PASSWORD)])
        .await;
    assert_eq!(response.status(), 303);
    // The registration page it lands on says what happened.
    let landing = app.get_html(&location(&response)).await;
    assert!(
        landing.contains("Your account and all your chats have been deleted."),
        "{landing}"
    );
    assert_eq!(
        location(&app.get("/profile").await),
        "/login?next=%2Fprofile"
    );
    let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM `user` WHERE id = ?")
        .bind(&user_id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    let events: Vec<String> =
        sqlx::query_scalar("SELECT event_type FROM event WHERE stream_id = ? ORDER BY sequence")
            .bind(&user_id)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(events.last().map(String::as_str), Some("UserDeleted"));
    assert_eq!(
        app.register_with(&client(), "feruza", "feruza@example.com", PASSWORD)
            .await
            .status(),
        303
    );
}

#[actix_web::test]
async fn a_blocked_user_is_out_at_once_and_told_why_at_login() {
    let app = spawn_app().await;
    let user_id = app.verified_user("rustam", PASSWORD).await;
    assert_eq!(app.get("/profile").await.status(), 200);
    // Act: the domain function the admin panel calls.
    app.accounts()
        .block(&user_id, Some("Spam messages".into()), "admin")
        .await
        .unwrap();
    // Assert: the open page is told why (a prompt from the chat page gets it as JSON), once;
    // then the session is gone.
    let prompt = app.prompt(None, "still here?").await;
    assert_eq!(prompt.status, 403);
    let message = prompt.error.unwrap()["error"]["message"].to_string();
    assert!(
        message.contains("blocked by the administrator: Spam messages"),
        "{message}"
    );
    assert_eq!(
        app.get("/profile").await.status(),
        303,
        "the session ended with the blocked request"
    );
    let login = app.login_with(&client(), "rustam", PASSWORD).await;
    assert_eq!(login.status(), 422);
    assert!(
        login
            .text()
            .await
            .unwrap()
            .contains("blocked by the administrator: Spam messages")
    );
    app.accounts().unblock(&user_id, "admin").await.unwrap();
    assert_eq!(
        app.login_with(&client(), "rustam", PASSWORD).await.status(),
        303
    );
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'UserBlocked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(actor, "admin");
}

#[actix_web::test]
async fn the_admin_logs_in_with_the_env_credentials_and_users_get_403() {
    let app = spawn_app().await;
    let visitor = app.get("/admin").await;
    assert_eq!(location(&visitor), "/admin/login?next=%2Fadmin");
    let wrong = app
        .post_form(
            "/admin/login",
            &[("username", "admin"), ("password", "wrong")],
        )
        .await;
    assert_eq!(wrong.status(), 422);
    let admin = app.admin_client().await;
    let home = app.get_with(&admin, "/admin").await.text().await.unwrap();
    assert!(
        home.contains("admin@example.com"),
        "the page says who is logged in"
    );
    app.verified_user("ordinary", PASSWORD).await;
    assert_eq!(app.get("/admin").await.status(), 403);
}

#[actix_web::test]
async fn without_smtp_the_outbox_keeps_a_plain_text_copy_whose_link_works() {
    let app = crate::helpers::spawn_app_with(&[("SMTP_HOST", "")]).await;
    let registered = app.register("aziza", "aziza@example.com", PASSWORD).await;
    assert_eq!(registered.status(), 303);
    let outbox = app.settings.server.files_dir.join("outbox");
    let text_copy = || {
        std::fs::read_dir(&outbox)
            .ok()?
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .find(|path| path.extension().is_some_and(|e| e == "txt"))
    };
    crate::helpers::eventually("the outbox's text copy", || async { text_copy().is_some() }).await;
    let text = std::fs::read_to_string(text_copy().unwrap()).unwrap();
    assert!(
        !text.contains("=3D"),
        "quoted-printable in the text copy: {text}"
    );
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/verify?token="))
        .expect("a whole verification link on one line");
    let path = &link[link.find("/verify").unwrap()..];
    let page = app.get(path).await.text().await.unwrap();
    assert!(page.contains("Your e-mail is verified"), "{page}");
}

#[actix_web::test]
async fn form_pages_never_repeat_an_element_id() {
    let app = spawn_app().await;
    let visitor = client();
    let mut pages = Vec::new();
    for path in ["/register", "/login", "/forgot"] {
        pages.push((
            path,
            app.get_with(&visitor, path).await.text().await.unwrap(),
        ));
    }
    app.verified_user("dilshod", PASSWORD).await;
    pages.push(("/profile", app.get_html("/profile").await));
    for (path, html) in pages {
        let document = scraper::Html::parse_document(&html);
        let selector = scraper::Selector::parse("[id]").unwrap();
        let mut seen = std::collections::HashSet::new();
        for element in document.select(&selector) {
            let id = element.value().id().unwrap();
            assert!(
                seen.insert(id.to_owned()),
                "{path}: id \"{id}\" is used twice"
            );
        }
        if matches!(path, "/register" | "/login") {
            assert!(
                seen.contains("password"),
                "{path}: fields keep their names as ids"
            );
        }
    }
}

#[actix_web::test]
async fn previous_chats_in_the_profile_show_readable_dates() {
    let app = spawn_app().await;
    app.verified_user("nodira", PASSWORD).await;
    app.prompt(None, "Hello there").await;
    let profile = app.get_html("/profile").await;
    let document = scraper::Html::parse_document(&profile);
    let selector = scraper::Selector::parse("#profile-chats time").unwrap();
    let shown: Vec<String> = document
        .select(&selector)
        .map(|t| t.text().collect::<String>())
        .collect();
    assert_eq!(shown.len(), 1, "{profile}");
    // Not an ISO timestamp ("2026-12-02T06:39:00Z") but what the rest of the site shows.
    let iso = time::format_description::well_known::Rfc3339;
    assert!(
        time::OffsetDateTime::parse(&shown[0], &iso).is_err(),
        "{shown:?}"
    );
    assert!(shown[0].ends_with(" UTC"), "{shown:?}");
}

#[actix_web::test]
async fn a_failed_login_says_why_once() {
    let app = spawn_app().await;
    app.verified_user("bahrom", PASSWORD).await;
    let visitor = client();
    let failed = app.login_with(&visitor, "bahrom", "not the password").await;
    assert_eq!(failed.status(), 422);
    let html = failed.text().await.unwrap();
    assert_eq!(html.matches("not correct").count(), 1, "{html}");
}

#[actix_web::test]
async fn export_my_data_and_delete_all_chats_from_the_profile() {
    use std::io::Read;
    let app = spawn_app().await;
    app.verified_user("madina", PASSWORD).await;
    let mine = app.prompt(None, "Mening suhbatim").await.chat_id();
    app.prompt(Some(&mine), "Yana bir savol").await;
    let other = client();
    app.verified_user_with(&other, "someone", PASSWORD).await;
    app.prompt_with(&other, None, "Not for Madina", "gpt-4o-mini")
        .await;
    let settings = app.get_html("/settings").await;
    assert!(settings.contains(r#"href="/profile/export""#));
    assert!(settings.contains(r#"action="/profile/chats/delete""#));
    assert!(
        app.get_html("/profile")
            .await
            .contains(r#"href="/settings#your-data""#)
    );

    let export = app.get("/profile/export").await;
    assert_eq!(export.status(), 200);
    assert_eq!(export.headers()["content-type"], "application/zip");
    assert!(
        export.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("chatbot-factory-madina.zip")
    );
    let bytes = export.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut markdown = String::new();
    archive
        .by_name("madina/chats.md")
        .unwrap()
        .read_to_string(&mut markdown)
        .unwrap();
    assert!(markdown.contains("Mening suhbatim") && markdown.contains("Yana bir savol"));
    assert!(!markdown.contains("Not for Madina"), "only my own chats");
    assert_eq!(archive.len(), 2, "Markdown and JSON, nobody else's folder");
    assert_eq!(
        client()
            .get(app.url("/profile/export"))
            .send()
            .await
            .unwrap()
            .status(),
        303
    );

    let deleted = app.post_form("/profile/chats/delete", &[]).await;
    assert_eq!(location(&deleted), "/settings?chats_deleted=1");
    assert!(
        app.get_html("/settings?chats_deleted=1")
            .await
            .contains("All your chats have been deleted")
    );
    let live: Vec<String> = sqlx::query_scalar("SELECT title FROM chat ORDER BY title")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(
        live,
        vec!["Not for Madina".to_owned()],
        "the other user's chat stays"
    );
    assert_eq!(app.get(&format!("/c/{mine}")).await.status(), 404);
    assert_eq!(app.get("/profile").await.status(), 200, "the account stays");
}

#[actix_web::test]
async fn custom_instructions_reach_the_model_in_new_chats_only() {
    let app = spawn_app().await;
    app.verified_user("nozima", PASSWORD).await;
    let before = app.prompt(None, "before").await.chat_id();
    let settings = app.get_html("/settings").await;
    assert!(settings.contains(r#"action="/settings/instructions""#));
    let saved = app
        .post_form(
            "/settings/instructions",
            &[
                ("about", "I teach physics in Namangan."),
                ("style", "Answer in two sentences."),
            ],
        )
        .await;
    assert_eq!(location(&saved), "/settings?saved=1");
    let page = app.get_html("/settings?saved=1").await;
    assert!(page.contains("I teach physics in Namangan.") && page.contains("were saved"));
    let system_of = |request: &serde_json::Value| -> Vec<String> {
        request["messages"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["role"] == "system")
            .map(|m| m["content"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    // A new chat carries them, in every turn.
    let chat = app.prompt(None, "after").await.chat_id();
    app.prompt(Some(&chat), "and again").await;
    let requests = app.upstream.requests();
    for request in &requests[requests.len() - 2..] {
        let system = system_of(request).join("\n");
        assert!(
            system.contains("I teach physics in Namangan.") && system.contains("two sentences"),
            "{system}"
        );
    }
    // A chat started before keeps going without them.
    app.prompt(Some(&before), "old chat").await;
    let last = app.upstream.requests().last().cloned().unwrap();
    assert!(!system_of(&last).join("\n").contains("Namangan"));
    // Too long is a field message, not a 500.
    let long = "x".repeat(1501);
    let refused = app
        .post_form("/settings/instructions", &[("about", &long), ("style", "")])
        .await;
    assert_eq!(refused.status(), 422);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("At most 1500 characters")
    );
    let events: Vec<String> = sqlx::query_scalar(
        "SELECT event_type FROM event WHERE event_type IN ('CustomInstructionsChanged', 'CustomInstructionsAttached') ORDER BY position",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        events,
        ["CustomInstructionsChanged", "CustomInstructionsAttached"]
    );
}
