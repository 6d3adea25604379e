//! The admin panel through HTTP: access rules on every route, blocking, limits, quotas,
//! dashboard figures against the event log, print and exports.
use std::collections::HashMap;
use std::io::Read;

use chatbot_factory::chat::events::ChatEvent;
use chatbot_factory::web::routes::admin::routes;
use futures::StreamExt;
use serde_json::Value;

use crate::helpers::{PASSWORD, client, location, spawn_app, spawn_app_with};
use crate::replay::seed_random_log;
use crate::upstream::Reply;

fn concrete(path: &str, id: &str) -> String {
    format!(
        "/admin{}",
        path.replace("{id}", id).replace("{format}", "md")
    )
}

#[actix_web::test]
async fn every_admin_route_refuses_users_and_sends_visitors_to_the_admin_login() {
    let app = spawn_app().await;
    let user_id = app.verified_user("nosy", PASSWORD).await;
    let visitor = client();
    let mut checked = 0;
    for route in routes().into_iter().filter(|r| !r.public) {
        let path = concrete(route.path, &user_id);
        let method = reqwest::Method::from_bytes(route.method.as_str().as_bytes()).unwrap();
        let as_user = app.api_send(&app.api, method.clone(), &path, None).await;
        assert_eq!(as_user.status(), 403, "{method} {path} as a user");
        let as_visitor = app.api_send(&visitor, method.clone(), &path, None).await;
        assert_eq!(as_visitor.status(), 303, "{method} {path} as a visitor");
        assert!(location(&as_visitor).starts_with("/admin/login"));
        checked += 1;
    }
    assert!(checked >= 15, "only {checked} routes walked");
}

#[actix_web::test]
async fn blocking_stops_the_open_stream_ends_sessions_and_shows_the_reason() {
    let app = spawn_app().await;
    let user_id = app.verified_user("talker", PASSWORD).await;
    let admin = app.admin_client().await;
    app.upstream.push(Reply::Stall {
        chunks: vec!["Once".into(), " upon".into()],
    });
    let mut answer = app.start_prompt("story", "gpt-4o-mini").await;
    answer.until(" upon").await;
    let chat = answer.chat_id();
    // Act
    let blocked = app
        .post_form_with(
            &admin,
            &format!("/admin/users/{user_id}/block"),
            &[("reason", "Too many requests")],
        )
        .await;
    assert_eq!(blocked.status(), 303);
    // Assert: the stream ends with the partial answer saved as stopped...
    let done = answer.finish().await;
    assert_eq!(done["status"], "stopped");
    assert_eq!(
        app.history(&chat).await[1],
        ("assistant".into(), "Once upon".into(), "stopped".into())
    );
    // ...the session is dead, and the open page is told why on every request (a reload too, see
    // `ux_fixes`) until the account is unblocked or someone logs in; login says why too.
    for _ in 0..2 {
        let told = app.get("/api/chats").await;
        assert_eq!(told.status(), 403);
        assert!(told.text().await.unwrap().contains("Too many requests"));
    }
    let login = app.login_with(&client(), "talker", PASSWORD).await;
    assert!(login.text().await.unwrap().contains("Too many requests"));
    let page = app
        .get_with(&admin, &format!("/admin/users/{user_id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Too many requests") && page.contains(r#"id="unblock""#));
    // Unblock: login works again.
    app.post_form_with(&admin, &format!("/admin/users/{user_id}/unblock"), &[])
        .await;
    assert_eq!(
        app.login_with(&client(), "talker", PASSWORD).await.status(),
        303
    );
    let audit = app
        .get_with(&admin, "/admin/audit")
        .await
        .text()
        .await
        .unwrap();
    assert!(audit.contains("UserBlocked") && audit.contains("UserUnblocked"));
}

#[actix_web::test]
async fn a_per_chat_override_lets_a_full_chat_continue() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "1")]).await;
    app.verified_user("full", PASSWORD).await;
    let chat = app.prompt(None, "one").await.chat_id();
    assert_eq!(app.prompt(Some(&chat), "two").await.status, 409);
    let admin = app.admin_client().await;
    let listed = app
        .get_with(&admin, "/admin/chats?status=at_limit")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains(&chat),
        "the full chat is listed as at its limit"
    );
    let saved = app
        .post_form_with(
            &admin,
            &format!("/admin/chats/{chat}/limit"),
            &[("limit", "3")],
        )
        .await;
    // Saving says so.
    let back = crate::helpers::location(&saved);
    assert_eq!(back, format!("/admin/chats/{chat}?done=limit"));
    assert!(
        app.get_with(&admin, &back)
            .await
            .text()
            .await
            .unwrap()
            .contains(r#"id="saved""#)
    );
    assert_eq!(
        app.prompt(Some(&chat), "two").await.done()["status"],
        "complete"
    );
    let limit: Option<u32> = sqlx::query_scalar("SELECT prompt_limit FROM chat WHERE id = ?")
        .bind(&chat)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(limit, Some(3));
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'ChatLimitChanged'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(actor, "admin");
    // The site-wide default is data too.
    let saved = app
        .post_form_with(&admin, "/admin/settings/limit", &[("limit", "5")])
        .await;
    assert_eq!(crate::helpers::location(&saved), "/admin/settings?done=1");
    let fresh = app.prompt(None, "new chat").await;
    assert_eq!(fresh.first("accepted").unwrap()["limit"], 5);
}

#[actix_web::test]
async fn a_daily_quota_refuses_the_next_prompt_with_the_reset_time() {
    let app = spawn_app().await;
    let user_id = app.verified_user("busy", PASSWORD).await;
    let admin = app.admin_client().await;
    app.post_form_with(
        &admin,
        &format!("/admin/users/{user_id}/quota"),
        &[("prompts", "2")],
    )
    .await;
    let chat = app.prompt(None, "one").await.chat_id();
    app.prompt(Some(&chat), "two").await;
    let refused = app.prompt(None, "three").await;
    assert_eq!(refused.status, 429);
    let message = refused.error.unwrap()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.contains("limit of 2 messages today") && message.contains("midnight UTC"),
        "{message}"
    );
    // A new day starts a new count.
    app.clock.advance(time::Duration::days(1));
    assert_eq!(app.prompt(None, "next day").await.status, 200);
}

/// `data-value` of each dashboard figure.
fn figures(html: &str) -> HashMap<String, u64> {
    let document = scraper::Html::parse_document(html);
    let selector = scraper::Selector::parse(".stat").unwrap();
    let value = scraper::Selector::parse(".stat-value").unwrap();
    document
        .select(&selector)
        .filter_map(|stat| {
            let name = stat.value().attr("data-stat")?.to_owned();
            let number = stat
                .select(&value)
                .next()?
                .value()
                .attr("data-value")?
                .parse()
                .ok()?;
            Some((name, number))
        })
        .collect()
}

#[actix_web::test]
async fn dashboard_figures_match_the_event_log_and_survive_a_replay() {
    let app = spawn_app().await;
    seed_random_log(&app, 42, 20).await;
    let admin = app.admin_client().await;
    let page = app
        .get_with(&admin, "/admin?range=90")
        .await
        .text()
        .await
        .unwrap();
    assert!(page.matches("<svg").count() >= 4, "four charts");
    // Chart text stays readable where the SVG is drawn into a ~370 px card: at least 11 px.
    let document = scraper::Html::parse_document(&page);
    let svg = scraper::Selector::parse(".chart svg").unwrap();
    let text = scraper::Selector::parse("text").unwrap();
    for chart in document.select(&svg) {
        let width: f64 = chart.value().attr("width").unwrap().parse().unwrap();
        for label in chart.select(&text) {
            let size: f64 = label
                .value()
                .attr("font-size")
                .and_then(|s| s.trim_end_matches("px").parse().ok())
                .unwrap_or(0.0);
            assert!(
                size * 370.0 / width >= 11.0,
                "{size} px text in a {width} px chart"
            );
        }
    }
    let shown = figures(&page);
    // Each tile's second line speaks of the tile's own figure: blocked users "of N users".
    let blocked_note = scraper::Selector::parse("[data-stat=blocked] .stat-today").unwrap();
    let note: String = document
        .select(&blocked_note)
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(note, format!("of {} users", shown["users"]));
    assert!(shown.contains_key("open_chats"));
    // Counted independently from the log.
    let events = app.store().read_all(0, 1_000_000).await.unwrap();
    let count = |kind: &str| events.iter().filter(|e| e.event_type == kind).count() as u64;
    let mut tokens = (0u64, 0u64);
    for event in events.iter().filter(|e| e.stream_type == "chat") {
        if let Ok(
            ChatEvent::AnswerCompleted(a)
            | ChatEvent::AnswerStopped(a)
            | ChatEvent::AnswerFailed(a),
        ) = event.decode::<ChatEvent>()
        {
            tokens.0 += u64::from(a.prompt_tokens);
            tokens.1 += u64::from(a.completion_tokens);
        }
    }
    let blocked = count("UserBlocked") - count("UserUnblocked");
    assert_eq!(
        shown["users"],
        count("UserRegistered") - count("UserDeleted")
    );
    // Chats that exist now: a deleted chat is no longer counted (as on the Users page).
    assert_eq!(shown["chats"], count("ChatStarted") - count("ChatDeleted"));
    // An edited prompt is a prompt too.
    assert_eq!(
        shown["prompts"],
        count("UserMessageAppended") + count("PromptEdited")
    );
    assert_eq!(shown["answers"], count("AnswerCompleted"));
    assert_eq!(shown["failed"], count("AnswerFailed"));
    assert_eq!(shown["stopped"], count("AnswerStopped"));
    assert_eq!(shown["prompt_tokens"], tokens.0);
    assert_eq!(shown["completion_tokens"], tokens.1);
    assert_eq!(shown["blocked"], blocked);
    // The per-model table (the range covers the whole log) adds up to the tiles.
    let row = scraper::Selector::parse("#by-model tbody tr").unwrap();
    let cell = scraper::Selector::parse("td").unwrap();
    let mut sums = [0u64; 4];
    for tr in document.select(&row) {
        let cells: Vec<String> = tr.select(&cell).map(|c| c.text().collect()).collect();
        for (sum, value) in sums.iter_mut().zip(&cells[1..5]) {
            *sum += value.trim().parse::<u64>().unwrap_or(0);
        }
    }
    assert_eq!(
        sums,
        [
            shown["prompts"],
            shown["answers"],
            shown["prompt_tokens"],
            shown["completion_tokens"]
        ],
        "prompts, answers, prompt and completion tokens by model vs the tiles"
    );
    // "+N today" under the users: the accounts registered today that still exist.
    let today = chatbot_factory::clock::Clock::now_utc(app.clock.as_ref()).date();
    let registered_today: Vec<&str> = events
        .iter()
        .filter(|e| e.event_type == "UserRegistered" && e.recorded_at.date() == today)
        .map(|e| e.stream_id.as_str())
        .collect();
    let deleted: Vec<&str> = events
        .iter()
        .filter(|e| e.event_type == "UserDeleted")
        .map(|e| e.stream_id.as_str())
        .collect();
    let new_today = registered_today
        .iter()
        .filter(|id| !deleted.contains(id))
        .count() as u64;
    let users_note = scraper::Selector::parse("[data-stat=users] .stat-today").unwrap();
    let note: String = document
        .select(&users_note)
        .next()
        .unwrap()
        .text()
        .collect();
    assert_eq!(note, format!("+{new_today} today"));
    chatbot_factory::events::replay::replay(&app.pool, &chatbot_factory::projections())
        .await
        .unwrap();
    let again = figures(
        &app.get_with(&admin, "/admin?range=90")
            .await
            .text()
            .await
            .unwrap(),
    );
    assert_eq!(again, shown);
}

#[actix_web::test]
async fn print_view_and_exports_of_a_chat_and_of_a_user() {
    let app = spawn_app().await;
    let user_id = app.verified_user("writer", PASSWORD).await;
    app.upstream
        .push(Reply::text("Привет, **мир**! <script>alert(1)</script>"));
    let chat = app.prompt(None, "Salom dunyo").await.chat_id();
    app.prompt(Some(&chat), "second question").await;
    app.prompt(None, "another chat").await;
    let admin = app.admin_client().await;

    let view = app
        .get_with(&admin, &format!("/admin/chats/{chat}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        view.contains("<strong>мир</strong>") && !view.contains("<script>alert"),
        "sanitised"
    );
    let print = app
        .post_form_with(&admin, &format!("/admin/users/{user_id}/print"), &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(
        print.matches(r#"class="print-chat""#).count(),
        2,
        "one section (and page) per chat"
    );
    assert!(print.contains("Salom dunyo") && !print.contains(r#"class="sidebar""#));

    let markdown = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/export/md"), &[])
        .await;
    // The title as written (spaces kept), with an ASCII fallback.
    let disposition = markdown.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.contains("filename=\"Salom dunyo.md\"")
            && disposition.contains("filename*=UTF-8''Salom%20dunyo.md"),
        "{disposition}"
    );
    let markdown = markdown.text().await.unwrap();
    assert!(
        markdown.contains("# Salom dunyo")
            && markdown.contains("- User: writer")
            && markdown.contains("second question")
    );

    let json: Value = app
        .post_form_with(&admin, &format!("/admin/users/{user_id}/export/json"), &[])
        .await
        .json()
        .await
        .unwrap();
    let chats = json["chats"].as_array().unwrap();
    assert_eq!(chats.len(), 2);
    let total: usize = chats
        .iter()
        .map(|c| c["messages"].as_array().unwrap().len())
        .sum();
    assert_eq!(total, 6);

    let pdf = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/export/pdf"), &[])
        .await
        .bytes()
        .await
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));

    let other = app.verified_user_with(&client(), "reader", PASSWORD).await;
    let zip = app
        .post_form_with(
            &admin,
            "/admin/export",
            &[("user", user_id.as_str()), ("user", other.as_str())],
        )
        .await;
    assert_eq!(zip.headers()["content-type"], "application/zip");
    let bytes = zip.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names: Vec<String> = (0..archive.len())
        .map(|i| archive.by_index(i).unwrap().name().unwrap().into_owned())
        .collect();
    assert!(
        names.contains(&"writer/chats.md".to_owned())
            && names.contains(&"reader/chats.json".to_owned()),
        "{names:?}"
    );
    let mut text = String::new();
    archive
        .by_name("writer/chats.md")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    assert!(text.contains("Salom dunyo"));
    let empty = app.post_form_with(&admin, "/admin/export", &[]).await;
    assert_eq!(empty.status(), 400);
}

#[actix_web::test]
async fn a_ten_thousand_message_chat_exports_as_a_stream() {
    let app = spawn_app().await;
    let user_id = app.verified_user("long", PASSWORD).await;
    let user = uuid::Uuid::parse_str(&user_id).unwrap();
    let chat = uuid::Uuid::now_v7().to_string();
    let mut events = vec![ChatEvent::ChatStarted {
        user_id: user,
        title: "Long".into(),
        model: "gpt-4o-mini".into(),
        api_key: None,
    }];
    for i in 0..5000 {
        events.push(ChatEvent::UserMessageAppended {
            text: format!("question {i}"),
            model: "gpt-4o-mini".into(),
        });
        events.push(ChatEvent::AnswerStarted {
            model: "gpt-4o-mini".into(),
            instance_id: uuid::Uuid::nil(),
        });
        events.push(ChatEvent::AnswerCompleted(
            chatbot_factory::chat::events::AnswerRecord {
                text: format!("answer {i}"),
                model: "gpt-4o-mini".into(),
                ..Default::default()
            },
        ));
    }
    for (i, batch) in events.chunks(500).enumerate() {
        app.store()
            .append(
                &chat,
                (i * 500) as u64,
                batch,
                &chatbot_factory::events::Metadata::system(),
            )
            .await
            .unwrap();
    }
    let admin = app.admin_client().await;
    let started = std::time::Instant::now();
    let response = app
        .post_form_with(&admin, &format!("/admin/chats/{chat}/export/md"), &[])
        .await;
    let mut body = response.bytes_stream();
    let (mut chunks, mut bytes, mut text) = (0, 0, String::new());
    while let Some(chunk) = body.next().await {
        let chunk = chunk.unwrap();
        chunks += 1;
        bytes += chunk.len();
        if chunks == 1 || text.len() < 200 {
            text.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
    assert!(
        chunks >= 20,
        "sent in pieces, not one buffer ({chunks} chunks)"
    );
    assert!(bytes > 300_000);
    assert!(text.starts_with("# Long"));
    eprintln!(
        "10,000-message Markdown export: {bytes} bytes in {:?}",
        started.elapsed()
    );
}

#[actix_web::test]
async fn models_can_be_disabled_and_the_default_changed() {
    let app = spawn_app().await;
    app.verified_user("picker", PASSWORD).await;
    let admin = app.admin_client().await;
    let refused = app
        .post_form_with(
            &admin,
            "/admin/settings/models/gpt-4o-mini",
            &[("action", "disable")],
        )
        .await;
    assert_eq!(
        refused.status(),
        409,
        "the default model cannot be disabled"
    );
    app.post_form_with(
        &admin,
        "/admin/settings/models/gpt-4o",
        &[("action", "default")],
    )
    .await;
    app.post_form_with(
        &admin,
        "/admin/settings/models/gpt-4o-mini",
        &[("action", "disable")],
    )
    .await;
    let models: Value = app.get("/api/models").await.json().await.unwrap();
    assert_eq!(models["default"], "gpt-4o");
    assert!(
        models["models"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["id"] != "gpt-4o-mini")
    );
    assert_eq!(
        app.prompt(None, "hi").await.status,
        400,
        "a disabled model takes no prompts"
    );
    let users = app
        .get_with(&admin, "/admin/users?q=pick&sort=prompts&dir=asc")
        .await
        .text()
        .await
        .unwrap();
    assert!(users.contains("picker"));
    let none = app
        .get_with(&admin, "/admin/users?q=zzz")
        .await
        .text()
        .await
        .unwrap();
    assert!(!none.contains("picker@example.com"));
}

#[actix_web::test]
async fn the_event_browser_filters_pages_opens_one_stream_and_downloads_the_set() {
    let app = spawn_app().await;
    let user = app.verified_user("tahmina", PASSWORD).await;
    let chat = app.prompt(None, "first question").await.chat_id();
    app.regenerate(&chat).await;
    app.accounts()
        .block(&user, Some("spam".into()), "admin")
        .await
        .unwrap();
    let admin = app.admin_client().await;
    let html = |path: String| {
        let (app, admin) = (&app, &admin);
        async move { app.get_with(admin, &path).await.text().await.unwrap() }
    };
    let rows = |page: &str| page.matches("data-position=").count();
    let blocked = html("/admin/events?type=UserBlocked".into()).await;
    assert_eq!(rows(&blocked), 1, "{blocked}");
    assert!(blocked.contains("admin:admin"));
    // By user (username): their own stream and what they did, not the site's seeding.
    let theirs = html("/admin/events?user=tahmina".into()).await;
    assert!(theirs.contains("UserRegistered") && theirs.contains("UserMessageAppended"));
    assert!(!theirs.contains("ModelAdded"));
    // Keyset paging: before a position, only older events.
    let position: u64 =
        sqlx::query_scalar("SELECT position FROM event WHERE event_type = 'UserBlocked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let older = html(format!("/admin/events?before={position}")).await;
    assert!(!older.contains(&format!(r#"data-position="{position}""#)));
    assert!(older.contains("UserRegistered"));
    // One chat's whole history, the discarded answer included.
    let history = html(format!("/admin/events/streams/{chat}")).await;
    for kind in ["ChatStarted", "AnswerDiscarded", "AnswerCompleted"] {
        assert!(
            history.contains(&format!(r#"data-event-type="{kind}""#)),
            "{kind}"
        );
    }
    assert_eq!(
        history
            .matches(r#"data-event-type="AnswerCompleted""#)
            .count(),
        2
    );
    assert_eq!(
        app.get_with(&admin, "/admin/events/streams/no-such-stream")
            .await
            .status(),
        404
    );
    // An id no stream can have is a 404 page too, not a server error.
    assert_eq!(
        app.get_with(&admin, "/admin/events/streams/not%20a%27stream")
            .await
            .status(),
        404
    );
    // The filtered set as JSON lines, password hashes redacted.
    let download = app
        .post_form_with(
            &admin,
            "/admin/events/download/jsonl?user=tahmina&type=UserRegistered",
            &[],
        )
        .await;
    assert_eq!(download.status(), 200);
    let body = download.text().await.unwrap();
    let lines: Vec<serde_json::Value> = body
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1);
    assert!(!body.contains("$argon2id$"));
    let csv = app
        .post_form_with(&admin, "/admin/events/download/csv?stream_type=chat", &[])
        .await;
    assert!(csv.text().await.unwrap().starts_with("position,"));
    let parquet = app
        .post_form_with(
            &admin,
            "/admin/events/download/parquet?type=UserBlocked",
            &[],
        )
        .await
        .bytes()
        .await
        .unwrap();
    assert!(parquet.starts_with(b"PAR1") && parquet.ends_with(b"PAR1"));
}

#[actix_web::test]
async fn a_printed_chat_lays_markdown_out_and_shows_times_in_the_readers_zone() {
    let app = spawn_app().await;
    let user_id = app.verified_user("printer", PASSWORD).await;
    let user = uuid::Uuid::parse_str(&user_id).unwrap();
    let chat = uuid::Uuid::now_v7().to_string();
    let answer = "## Reja\n\n| Shahar | Masofa |\n|---|---|\n| Samarqand | 300 km |\n\n\
                  ```rust\nfn main() {\n    if ready {\n        return;\n    }\n}\n```\n\n\
                  **Poyezd** `Afrosiyob` soat 8:00 da joʻnaydi.";
    let events = vec![
        ChatEvent::ChatStarted {
            user_id: user,
            title: "Sayohat".into(),
            model: "gpt-4o-mini".into(),
            api_key: None,
        },
        ChatEvent::UserMessageAppended {
            text: "Samarqandga qanday boraman?".into(),
            model: "gpt-4o-mini".into(),
        },
        ChatEvent::AnswerStarted {
            model: "gpt-4o-mini".into(),
            instance_id: uuid::Uuid::nil(),
        },
        ChatEvent::AnswerCompleted(chatbot_factory::chat::events::AnswerRecord {
            text: answer.into(),
            model: "gpt-4o-mini".into(),
            ..Default::default()
        }),
    ];
    app.store()
        .append(
            &chat,
            0,
            &events,
            &chatbot_factory::events::Metadata::user(user),
        )
        .await
        .unwrap();
    let admin = app.admin_client().await;
    let token = app.csrf_token_with(&admin).await;
    let response = admin
        .post(app.url(&format!("/admin/chats/{chat}/export/pdf?tz=300")))
        .header("accept-language", "ru")
        .form(&[("csrf", token)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap();
    let document = lopdf::Document::load_mem(&bytes).expect("a PDF");
    let pages: Vec<u32> = document.get_pages().keys().copied().collect();
    let text = document.extract_text(&pages).expect("text");

    for word in [
        "Reja",
        "Samarqand",
        "300 km",
        "Afrosiyob",
        "Poyezd",
        "joʻnaydi",
    ] {
        assert!(text.contains(word), "{word} missing from {text}");
    }
    for marker in ["```", "**", "`", "## ", "|---"] {
        assert!(!text.contains(marker), "{marker} printed in {text}");
    }
    assert!(
        text.lines().any(|line| line == "        return;"),
        "the code's indentation is kept: {text}"
    );
    // Labels in the reader's language, times in the reader's offset (UTC+5 here).
    let started: time::PrimitiveDateTime = sqlx::query_scalar("SELECT date FROM chat WHERE id = ?")
        .bind(&chat)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let local = started.assume_utc().to_offset(time::macros::offset!(+5));
    let shown = format!(
        "{:02}.{:02}.{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    );
    assert!(
        text.contains("Пользователь") && text.contains(&shown) && text.contains("UTC+05:00"),
        "{shown} UTC+05:00 in {text}"
    );
    let iso_day = format!(
        "{}-{:02}-{:02}T",
        started.year(),
        u8::from(started.month()),
        started.day()
    );
    assert!(!text.contains(&iso_day), "no ISO times: {text}");

    let garbled = app
        .post_form_with(
            &admin,
            &format!("/admin/chats/{chat}/export/pdf?tz=abc"),
            &[],
        )
        .await;
    assert_eq!(garbled.status(), 400);
}
