//! Chats end to end: the real app, MySQL and the test OpenAI-compatible upstream.
use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{PASSWORD, TestApp, client, eventually, parse_sse, spawn_app, spawn_app_with};
use crate::upstream::Reply;

fn roles_and_contents(request: &Value) -> Vec<(String, String)> {
    request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["role"].as_str().unwrap().to_owned(),
                m["content"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[actix_web::test]
async fn the_model_sees_the_whole_conversation_in_order() {
    let app = spawn_app().await;
    app.verified_user("aziza", PASSWORD).await;
    // Act
    let first = app.prompt(None, "What is the capital of Uzbekistan?").await;
    let chat = first.chat_id();
    app.prompt(Some(&chat), "And its population?").await;
    let third = app.prompt(Some(&chat), "Thanks!").await;
    // Assert
    assert_eq!(third.done()["status"], "complete");
    let requests = app.upstream.requests();
    assert_eq!(requests.len(), 3);
    let sent = roles_and_contents(&requests[2]);
    assert_eq!(
        sent,
        vec![
            ("system".into(), app.settings.llm.system_prompt.clone()),
            ("user".into(), "What is the capital of Uzbekistan?".into()),
            (
                "assistant".into(),
                "You said: What is the capital of Uzbekistan?".into()
            ),
            ("user".into(), "And its population?".into()),
            ("assistant".into(), "You said: And its population?".into()),
            ("user".into(), "Thanks!".into()),
        ]
    );
    assert_eq!(requests[2]["stream"], true);
    assert_eq!(requests[2]["stream_options"]["include_usage"], true);
    // Stored with tokens, model and timing.
    let (prompt_tokens, completion_tokens, model, latency): (u32, u32, String, u32) = sqlx::query_as(
        "SELECT prompt_tokens, completion_tokens, model, latency_ms FROM chat_history WHERE chat_id = ? AND `rank` = 6",
    )
    .bind(&chat)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(model, "gpt-4o-mini");
    assert!(
        prompt_tokens > 10 && completion_tokens == 3,
        "{prompt_tokens} {completion_tokens}"
    );
    assert!(latency < 10_000);
}

#[actix_web::test]
async fn the_answer_streams_as_deltas_then_done_with_sanitised_html() {
    let app = spawn_app().await;
    app.verified_user("bahodir", PASSWORD).await;
    app.upstream.push(Reply::text(
        "**Hi** <img src=x onerror=alert(1)> [x](javascript:alert(1))",
    ));
    let answer = app.prompt(None, "Say hi").await;
    let chat = answer.first("chat").unwrap();
    assert_eq!(chat["url"], format!("/c/{}", chat["id"].as_str().unwrap()));
    assert!(
        answer.events.iter().filter(|(n, _)| n == "delta").count() >= 3,
        "streamed in pieces"
    );
    let done = answer.done();
    let html = done["html"].as_str().unwrap();
    assert!(html.contains("<strong>Hi</strong>"), "{html}");
    assert!(
        !html.contains("<img") && !html.contains("href=\"javascript:"),
        "{html}"
    );
    let page = app
        .get_html(&format!("/c/{}", chat["id"].as_str().unwrap()))
        .await;
    assert!(!page.contains("<img src=x") && !page.contains("href=\"javascript:"));
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;"),
        "shown as text"
    );
}

#[actix_web::test]
async fn a_prompt_is_saved_even_when_the_upstream_fails() {
    let app = spawn_app().await;
    app.verified_user("charos", PASSWORD).await;
    for _ in 0..4 {
        app.upstream.push(Reply::error(500, "server_error", "boom"));
    }
    let answer = app.prompt(None, "Will this be kept?").await;
    let done = answer.done();
    assert_eq!(done["status"], "failed");
    assert!(
        done["error"].as_str().unwrap().contains("status 500"),
        "{done}"
    );
    assert_eq!(
        app.upstream.requests().len(),
        4,
        "retried (with backoff) before the first token"
    );
    let history = app.history(&answer.chat_id()).await;
    assert_eq!(
        history[0],
        (
            "user".into(),
            "Will this be kept?".into(),
            "complete".into()
        )
    );
    assert_eq!(history[1].2, "failed");
    // Retry replaces the failed answer.
    let retry = app.regenerate(&answer.chat_id()).await;
    assert_eq!(retry.done()["status"], "complete");
    let history = app.history(&answer.chat_id()).await;
    assert_eq!(history.len(), 2);
    assert_eq!(
        history[1],
        (
            "assistant".into(),
            "You said: Will this be kept?".into(),
            "complete".into()
        )
    );
}

#[actix_web::test]
async fn clear_messages_for_a_refused_key_quota_and_a_too_long_context() {
    let app = spawn_app().await;
    app.verified_user("dilshod", PASSWORD).await;
    let cases = [
        (Reply::error(401, "invalid_api_key", "bad key"), "API key"),
        (Reply::error(429, "insufficient_quota", "no money"), "quota"),
        (
            Reply::error(400, "context_length_exceeded", "too long"),
            "too long",
        ),
        (Reply::error(404, "model_not_found", "gpt-9"), "not known"),
    ];
    for (reply, message) in cases {
        let requests_before = app.upstream.requests().len();
        app.upstream.push(reply);
        let answer = app.prompt(None, "hello").await;
        let error = answer.done()["error"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        assert!(error.contains(message), "{message}: {:?}", answer.done());
        assert_eq!(
            app.upstream.requests().len(),
            requests_before + 1,
            "no retry for {message}"
        );
    }
}

#[actix_web::test]
async fn a_closed_browser_does_not_lose_the_answer() {
    let app = spawn_app().await;
    app.verified_user("elyor", PASSWORD).await;
    app.upstream
        .push(Reply::slow("one two three four five six seven eight", 80));
    let mut answer = app.start_prompt("count", "gpt-4o-mini").await;
    answer.until("event: delta").await;
    let chat = answer.chat_id();
    drop(answer); // the tab closes mid-answer
    let history = app.settled(&chat).await;
    assert_eq!(
        history[1],
        (
            "assistant".into(),
            "one two three four five six seven eight".into(),
            "complete".into()
        )
    );
}

#[actix_web::test]
async fn stop_saves_the_partial_answer_as_stopped() {
    let app = spawn_app().await;
    app.verified_user("farrux", PASSWORD).await;
    app.upstream.push(Reply::Stall {
        chunks: vec!["Partial".into(), " answer".into()],
    });
    let mut answer = app.start_prompt("long story", "gpt-4o-mini").await;
    answer.until(" answer").await;
    let chat = answer.chat_id();
    let stop = app
        .api_send(
            &app.api,
            Method::POST,
            &format!("/api/chats/{chat}/stop"),
            None,
        )
        .await;
    assert_eq!(stop.json::<Value>().await.unwrap()["stopped"], true);
    let done = answer.finish().await;
    assert_eq!(done["status"], "stopped");
    assert_eq!(
        app.history(&chat).await[1],
        (
            "assistant".into(),
            "Partial answer".into(),
            "stopped".into()
        )
    );
    assert_eq!(
        app.event_types(&chat).await.last().unwrap(),
        "AnswerStopped"
    );
}

#[actix_web::test]
async fn the_limit_makes_a_chat_read_only_with_a_409_and_no_upstream_call() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "2")]).await;
    app.verified_user("gulnora", PASSWORD).await;
    let first = app.prompt(None, "one").await;
    assert_eq!(first.first("accepted").unwrap()["remaining"], 1);
    let chat = first.chat_id();
    app.prompt(Some(&chat), "two").await;
    let refused = app.prompt(Some(&chat), "three").await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.error.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("prompt limit (2)")
    );
    assert_eq!(app.upstream.requests().len(), 2);
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(page.contains("reached its prompt limit (2)"));
    assert!(
        page.contains(r#"id="composer" hidden"#),
        "the composer is replaced by the notice"
    );
}

#[actix_web::test]
async fn concurrent_prompts_to_one_chat_never_interleave() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "100")]).await;
    app.verified_user("hamid", PASSWORD).await;
    app.upstream.set_default_delay(5);
    let chat = app.prompt(None, "start").await.chat_id();
    let sends = (0..20).map(|i| {
        let (app, chat) = (&app, chat.clone());
        async move { app.prompt(Some(&chat), &format!("prompt {i}")).await }
    });
    for answer in futures::future::join_all(sends).await {
        assert_eq!(answer.done()["status"], "complete");
    }
    let events = app.event_types(&chat).await;
    let turns: Vec<&[String]> = events[1..].chunks(3).collect();
    assert_eq!(turns.len(), 21);
    for turn in turns {
        assert_eq!(
            turn,
            ["UserMessageAppended", "AnswerStarted", "AnswerCompleted"]
        );
    }
    // Every answer answered its own prompt, and each request carried the history so far.
    let history = app.history(&chat).await;
    for pair in history.chunks(2) {
        assert_eq!(pair[1].1, format!("You said: {}", pair[0].1));
    }
    let sizes: Vec<usize> = app
        .upstream
        .requests()
        .iter()
        .map(|r| r["messages"].as_array().unwrap().len())
        .collect();
    assert_eq!(sizes, (0..21).map(|i| 2 + 2 * i).collect::<Vec<_>>());
}

#[actix_web::test]
async fn another_user_gets_404_for_everything_of_my_chat() {
    let app = spawn_app().await;
    app.verified_user("ibrohim", PASSWORD).await;
    let chat = app.prompt(None, "secret plans").await.chat_id();
    let other = client();
    app.verified_user_with(&other, "intruder", PASSWORD).await;
    assert_eq!(
        app.get_with(&other, &format!("/c/{chat}")).await.status(),
        404
    );
    let calls = [
        (Method::GET, format!("/api/chats/{chat}/messages"), None),
        (Method::GET, format!("/api/chats/{chat}/stream"), None),
        (
            Method::POST,
            format!("/api/chats/{chat}/messages"),
            Some(json!({ "prompt": "hi", "model": "gpt-4o-mini" })),
        ),
        (
            Method::POST,
            format!("/api/chats/{chat}/regenerate"),
            Some(json!({ "model": "gpt-4o-mini" })),
        ),
        (Method::POST, format!("/api/chats/{chat}/stop"), None),
        (
            Method::PATCH,
            format!("/api/chats/{chat}"),
            Some(json!({ "title": "mine now" })),
        ),
        (Method::DELETE, format!("/api/chats/{chat}"), None),
    ];
    for (method, path, body) in calls {
        let response = app.api_send(&other, method.clone(), &path, body).await;
        assert_eq!(response.status(), 404, "{method} {path}");
        assert_eq!(
            response.json::<Value>().await.unwrap()["error"]["code"],
            "not_found"
        );
    }
    let list: Value = app
        .get_with(&other, "/api/chats")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["chats"].as_array().unwrap().len(), 0);
    assert_eq!(app.history(&chat).await.len(), 2, "nothing changed");
}

#[actix_web::test]
async fn unverified_users_see_their_chats_but_cannot_prompt() {
    let app = spawn_app().await;
    app.register("jamshid", "jamshid@example.com", PASSWORD)
        .await;
    let refused = app.prompt(None, "hello").await;
    assert_eq!(refused.status, 403);
    assert!(
        refused.error.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("verify")
    );
    assert!(app.upstream.requests().is_empty());
}

#[actix_web::test]
async fn bad_input_gets_clear_4xx_messages() {
    let app = spawn_app().await;
    app.verified_user("kamron", PASSWORD).await;
    let empty = app.prompt(None, "   \n ").await;
    assert_eq!(empty.status, 422);
    let huge = app.prompt(None, &"x".repeat(40_000)).await;
    assert!(huge.status == 422 || huge.status == 400, "{}", huge.status);
    let unknown_model = app.prompt_with(&app.api, None, "hi", "gpt-99").await;
    assert_eq!(unknown_model.status, 400);
    let not_json = app
        .api_send(&app.api, Method::POST, "/api/chats", None)
        .await;
    assert_eq!(not_json.status(), 400);
    let garbage_id = app.get("/c/not-a-uuid").await;
    assert_eq!(garbage_id.status(), 404);
    let logged_out = client().get(app.url("/api/chats")).send().await.unwrap();
    assert_eq!(logged_out.status(), 401);
}

#[actix_web::test]
async fn rename_change_model_and_delete_from_the_sidebar() {
    let app = spawn_app().await;
    app.verified_user("lola", PASSWORD).await;
    let chat = app
        .prompt(
            None,
            "A very long first prompt that becomes the title of this chat right away",
        )
        .await
        .chat_id();
    let list: Value = app.get("/api/chats").await.json().await.unwrap();
    assert!(
        list["chats"][0]["title"]
            .as_str()
            .unwrap()
            .starts_with("A very long first prompt")
    );
    let renamed = app
        .api_send(
            &app.api,
            Method::PATCH,
            &format!("/api/chats/{chat}"),
            Some(json!({ "title": "  Trip  plans " })),
        )
        .await;
    assert_eq!(
        renamed.json::<Value>().await.unwrap()["title"],
        "Trip plans"
    );
    let model = app
        .api_send(
            &app.api,
            Method::PATCH,
            &format!("/api/chats/{chat}"),
            Some(json!({ "model": "gpt-4o" })),
        )
        .await;
    assert_eq!(model.status(), 200);
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(
        page.contains(r#"data-model="gpt-4o""#),
        "the choice is remembered per chat"
    );
    app.prompt_with(&app.api, Some(&chat), "next", "gpt-4o")
        .await;
    assert_eq!(app.upstream.requests().last().unwrap()["model"], "gpt-4o");
    let deleted = app
        .api_send(
            &app.api,
            Method::DELETE,
            &format!("/api/chats/{chat}"),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&format!("/c/{chat}")).await.status(), 404);
}

#[actix_web::test]
async fn reopening_a_chat_follows_an_answer_still_being_written() {
    let app = spawn_app().await;
    app.verified_user("mirzo", PASSWORD).await;
    app.upstream
        .push(Reply::slow("alpha beta gamma delta epsilon zeta", 100));
    let mut answer = app.start_prompt("greek", "gpt-4o-mini").await;
    answer.until("event: delta").await;
    let chat = answer.chat_id();
    drop(answer);
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(page.contains(r#"data-streaming="true""#));
    let follow = app.get(&format!("/api/chats/{chat}/stream")).await;
    assert_eq!(follow.status(), 200);
    let events = parse_sse(&follow.text().await.unwrap());
    let done = events.iter().find(|(n, _)| n == "done").unwrap();
    assert_eq!(done.1["text"], "alpha beta gamma delta epsilon zeta");
    assert!(
        events.iter().any(|(n, _)| n == "reset"),
        "the text so far comes first"
    );
    // Once settled there is nothing left to follow (the live entry goes just after `done`).
    eventually("nothing left to follow", || async {
        app.get(&format!("/api/chats/{chat}/stream")).await.status() == 204
    })
    .await;
}

#[actix_web::test]
async fn the_sidebar_pages_through_many_chats_and_searches_content() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "100")]).await;
    app.verified_user("nargiza", PASSWORD).await;
    for i in 0..55 {
        app.prompt(None, &format!("chat number {i}")).await;
    }
    let special = app.prompt(None, "hello").await.chat_id();
    app.prompt(Some(&special), "a question about pomegranates")
        .await;
    let first: Value = app.get("/api/chats").await.json().await.unwrap();
    assert_eq!(first["chats"].as_array().unwrap().len(), 50);
    assert_eq!(
        first["chats"][0]["id"],
        special.as_str(),
        "most recent first"
    );
    let cursor = first["next_cursor"].as_str().unwrap();
    let second: Value = app
        .get(&format!("/api/chats?cursor={}", urlencode(cursor)))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(second["chats"].as_array().unwrap().len(), 6);
    assert!(second["next_cursor"].is_null());
    let found: Value = app
        .get("/api/chats?q=pomegranate")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found["chats"].as_array().unwrap().len(), 1);
    assert_eq!(found["chats"][0]["id"], special.as_str());
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[actix_web::test]
async fn the_chat_page_offers_the_model_picker_and_shows_history() {
    let app = spawn_app().await;
    app.verified_user("oysha", PASSWORD).await;
    let new_chat = app.get_html("/").await;
    assert!(
        new_chat.contains(r#"data-model="gpt-4o-mini""#)
            && new_chat.contains(r#"data-model="gpt-4o""#)
    );
    assert!(new_chat.contains("What can I help with?"));
    let chat = app.prompt(None, "# Heading\nbody").await.chat_id();
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(
        page.contains("You said: # Heading"),
        "the answer is rendered from Markdown"
    );
    assert!(page.contains(r#"class="message user""#));
}

#[actix_web::test]
async fn projections_stay_identical_to_a_replay_after_chatting() {
    let app = spawn_app().await;
    app.verified_user("parizoda", PASSWORD).await;
    let chat = app.prompt(None, "first").await.chat_id();
    app.prompt(Some(&chat), "second").await;
    app.regenerate(&chat).await;
    app.upstream
        .push(Reply::error(400, "context_length_exceeded", "x"));
    app.prompt(Some(&chat), "third").await;
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn an_answer_left_streaming_by_a_dead_instance_is_saved_as_failed() {
    let app = spawn_app().await;
    let (dead, me) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let (chat, chats) = chat_left_streaming(&app, "qodir", dead, me).await;
    let clock: chatbot_factory::clock::SharedClock = app.clock.clone();
    let fresh = chatbot_factory::chat::recovery::beat_and_recover(
        &app.pool,
        &chats,
        &clock,
        me,
        chatbot_factory::store::instances::DEAD_AFTER,
    )
    .await
    .unwrap();
    assert_eq!(fresh, 0, "an unknown instance gets a minute of grace");
    app.clock.advance(time::Duration::seconds(61));
    let recovered = chatbot_factory::chat::recovery::beat_and_recover(
        &app.pool,
        &chats,
        &clock,
        me,
        chatbot_factory::store::instances::DEAD_AFTER,
    )
    .await
    .unwrap();
    assert!(
        recovered <= 1,
        "the app's own loop may have recovered it first"
    );
    let history = app.history(&chat.to_string()).await;
    assert_eq!(history[1].2, "failed");
    assert_eq!(
        app.event_types(&chat.to_string()).await.last().unwrap(),
        "AnswerFailed"
    );
}

/// A chat whose answer is "streaming" from `instance`, and a chat registry of this test's own
/// (instance `me`) to recover it with.
async fn chat_left_streaming(
    app: &TestApp,
    user: &str,
    instance: uuid::Uuid,
    me: uuid::Uuid,
) -> (uuid::Uuid, chatbot_factory::chat::Chats) {
    use chatbot_factory::chat::events::ChatEvent;
    use chatbot_factory::events::Metadata;
    let user = uuid::Uuid::parse_str(&app.verified_user(user, PASSWORD).await).unwrap();
    let chat = uuid::Uuid::now_v7();
    let events = vec![
        ChatEvent::ChatStarted {
            user_id: user,
            title: "x".into(),
            model: "gpt-4o-mini".into(),
            api_key: None,
        },
        ChatEvent::UserMessageAppended {
            text: "x".into(),
            model: "gpt-4o-mini".into(),
        },
        ChatEvent::AnswerStarted {
            model: "gpt-4o-mini".into(),
            instance_id: instance,
        },
    ];
    app.store()
        .append(&chat.to_string(), 0, &events, &Metadata::system())
        .await
        .unwrap();
    let chats = chatbot_factory::chat::Chats::start(chatbot_factory::chat::actor::ChatDeps {
        repository: chatbot_factory::events::Repository::new(app.store()),
        clock: app.clock.clone(),
        idle_timeout: Duration::from_secs(60),
        instance_id: me,
        catalog: chatbot_factory::catalog::Catalog::load(app.store(), Default::default())
            .await
            .unwrap(),
        system_prompt: "x".into(),
        model_titles: false,
        spool: chatbot_factory::chat::spool::AnswerSpool::new(&app.settings.server.files_dir),
    });
    (chat, chats)
}

#[actix_web::test]
async fn a_spooled_answer_of_a_dead_instance_is_saved_whole_instead_of_failed() {
    use chatbot_factory::chat::aggregate::AnswerOutcome;
    use chatbot_factory::chat::events::AnswerRecord;
    use chatbot_factory::chat::spool::{AnswerSpool, SpooledAnswer};
    let app = spawn_app().await;
    let (dead, me) = (uuid::Uuid::now_v7(), uuid::Uuid::now_v7());
    let (chat, chats) = chat_left_streaming(&app, "saodat", dead, me).await;
    // The dead instance finished the answer during an outage and kept it on disk.
    let spool = AnswerSpool::new(&app.settings.server.files_dir);
    let record = AnswerRecord {
        text: "Kept through the outage".into(),
        model: "gpt-4o-mini".into(),
        completion_tokens: 4,
        ..Default::default()
    };
    let kept = SpooledAnswer::new(chat, dead, 3, &AnswerOutcome::Completed(record));
    spool.keep(&kept).await.unwrap();
    app.clock.advance(time::Duration::seconds(61));
    let clock: chatbot_factory::clock::SharedClock = app.clock.clone();
    for _ in 0..2 {
        chatbot_factory::chat::recovery::beat_and_recover(
            &app.pool,
            &chats,
            &clock,
            me,
            chatbot_factory::store::instances::DEAD_AFTER,
        )
        .await
        .unwrap();
    }
    let history = app.history(&chat.to_string()).await;
    assert_eq!(history[1].1, "Kept through the outage");
    assert_eq!(history[1].2, "complete", "saved, not failed");
    let types = app.event_types(&chat.to_string()).await;
    assert_eq!(
        types.iter().filter(|t| t.starts_with("Answer")).count(),
        2,
        "AnswerStarted and one save: {types:?}"
    );
    assert_eq!(types.last().unwrap(), "AnswerCompleted");
    assert!(
        spool.waiting().await.unwrap().is_empty(),
        "the spool is empty"
    );
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn an_answer_this_instance_left_with_no_turn_behind_it_is_settled() {
    let app = spawn_app().await;
    let me = uuid::Uuid::now_v7();
    let (chat, chats) = chat_left_streaming(&app, "tohir", me, me).await;
    let clock: chatbot_factory::clock::SharedClock = app.clock.clone();
    chatbot_factory::chat::recovery::beat_and_recover(
        &app.pool,
        &chats,
        &clock,
        me,
        chatbot_factory::store::instances::DEAD_AFTER,
    )
    .await
    .unwrap();
    let history = app.history(&chat.to_string()).await;
    assert_eq!(
        history[1].2, "failed",
        "a live instance settles its own leftovers"
    );
    let next = app.prompt(Some(&chat.to_string()), "still there?").await;
    assert_eq!(next.done()["status"], "complete", "the chat is not blocked");
}

#[actix_web::test]
async fn a_stream_that_breaks_after_the_first_token_keeps_its_partial_text_as_failed() {
    let app = spawn_app().await;
    app.verified_user("rano", PASSWORD).await;
    app.upstream.push(Reply::BreakAfter {
        chunks: vec!["Half".into(), " an answer".into()],
    });
    let answer = app.prompt(None, "tell me").await;
    assert_eq!(answer.done()["status"], "failed", "{:?}", answer.events);
    assert_eq!(answer.text(), "Half an answer");
    assert_eq!(
        app.upstream.requests().len(),
        1,
        "no retry once text was shown"
    );
    let history = app.history(&answer.chat_id()).await;
    assert_eq!(
        history[1],
        ("assistant".into(), "Half an answer".into(), "failed".into())
    );
}

#[actix_web::test]
async fn the_picker_says_in_plain_words_and_in_the_users_language_why_a_model_cannot_answer() {
    // The local model is set up but its weights are missing; without a key the upstream models
    // are not offered at all (issue 32: not listed greyed as if they were coming).
    let app = spawn_app_with(&[
        ("OPENAI_API_KEY", ""),
        ("LOCAL_MODEL", "on"),
        (
            "LOCAL_MODEL_PATH",
            "/nonexistent/cbf-picker-words/model.gguf",
        ),
    ])
    .await;
    app.verified_user("lola", PASSWORD).await;
    app.post_form("/lang", &[("lang", "uz")]).await;
    let picker: serde_json::Value = app.get("/api/models").await.json().await.unwrap();
    assert_eq!(picker["models"].as_array().unwrap().len(), 1, "{picker}");
    let first = &picker["models"][0];
    assert_eq!(first["available"], false);
    assert_eq!(first["note"], "hozircha mavjud emas", "{picker}");
    let page = app.get_html("/").await;
    assert!(
        !page.contains("OPENAI_API_KEY"),
        "developer words reach users"
    );
    // The admin's settings page says what to set.
    let admin = app.admin_client().await;
    let settings = app
        .get_with(&admin, "/admin/settings")
        .await
        .text()
        .await
        .unwrap();
    assert!(settings.contains("OPENAI_API_KEY"), "{settings}");
}

#[actix_web::test]
async fn thumbs_up_and_down_are_events_counted_per_model_and_only_the_owner_rates() {
    let app = spawn_app().await;
    app.verified_user("gulshan", PASSWORD).await;
    let first = app.prompt(None, "first").await;
    let chat = first.chat_id();
    let answer_id = first.done()["answer_id"].as_u64().unwrap();
    let second = app.prompt(Some(&chat), "second").await;
    let second_id = second.done()["answer_id"].as_u64().unwrap();
    let rate = |id: u64, rating: Value| {
        let app = &app;
        let chat = chat.clone();
        async move {
            app.api_send(
                &app.api,
                Method::PUT,
                &format!("/api/chats/{chat}/answers/{id}/rating"),
                Some(json!({ "rating": rating })),
            )
            .await
        }
    };
    let up = rate(answer_id, json!("up")).await;
    assert_eq!(up.status(), 200);
    assert_eq!(up.json::<Value>().await.unwrap()["rating"], "up");
    assert_eq!(rate(second_id, json!("down")).await.status(), 200);
    // The same thumb twice records nothing more; a bad value is a clear 422.
    assert_eq!(rate(answer_id, json!("up")).await.status(), 200);
    let bad = rate(answer_id, json!("meh")).await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("up"));
    let rated: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT role, rating FROM chat_history WHERE chat_id = ? ORDER BY `rank`")
            .bind(&chat)
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        rated,
        vec![
            ("user".into(), None),
            ("assistant".into(), Some("up".into())),
            ("user".into(), None),
            ("assistant".into(), Some("down".into())),
        ]
    );
    assert_eq!(
        app.event_types(&chat)
            .await
            .iter()
            .filter(|t| *t == "AnswerRated")
            .count(),
        2
    );
    // A prompt is not an answer; another user's chat is not found.
    let prompt_id: u64 =
        sqlx::query_scalar("SELECT id FROM chat_history WHERE chat_id = ? AND `rank` = 1")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(rate(prompt_id, json!("up")).await.status(), 404);
    let stranger = client();
    app.verified_user_with(&stranger, "stranger", PASSWORD)
        .await;
    let theirs = app
        .api_send(
            &stranger,
            Method::PUT,
            &format!("/api/chats/{chat}/answers/{answer_id}/rating"),
            Some(json!({ "rating": "down" })),
        )
        .await;
    assert_eq!(theirs.status(), 404);
    // The page shows the thumbs as chosen; the dashboard counts them per model.
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert_eq!(page.matches(r#"aria-pressed="true""#).count(), 2);
    let admin = app.admin_client().await;
    let dashboard = app.get_with(&admin, "/admin").await.text().await.unwrap();
    assert!(
        dashboard.contains("<td>gpt-4o-mini</td><td>2</td><td>2</td>")
            && dashboard.contains("<td>1</td><td>1</td></tr>"),
        "{dashboard}"
    );
    // Taking it back, then a regenerate drops the last answer with its rating.
    assert_eq!(rate(answer_id, Value::Null).await.status(), 200);
    app.regenerate(&chat).await;
    let ratings: Vec<Option<String>> = sqlx::query_scalar(
        "SELECT rating FROM chat_history WHERE chat_id = ? AND role = 'assistant' ORDER BY `rank`",
    )
    .bind(&chat)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(ratings, vec![None, None]);
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn archived_chats_leave_the_sidebar_for_the_settings_page_and_come_back() {
    let app = spawn_app().await;
    app.verified_user("oydin", PASSWORD).await;
    let keep = app.prompt(None, "Keep me in the sidebar").await.chat_id();
    let old = app.prompt(None, "Archive me").await.chat_id();
    let sidebar = |archived: bool| {
        let app = &app;
        async move {
            let path = if archived {
                "/api/chats?archived=true"
            } else {
                "/api/chats"
            };
            let list: Value = app.get(path).await.json().await.unwrap();
            list["chats"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["id"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(sidebar(false).await, vec![old.clone(), keep.clone()]);
    let archived = app
        .api_send(
            &app.api,
            Method::PATCH,
            &format!("/api/chats/{old}"),
            Some(json!({ "archived": true })),
        )
        .await;
    assert_eq!(archived.status(), 200);
    assert_eq!(archived.json::<Value>().await.unwrap()["archived"], true);
    assert_eq!(sidebar(false).await, vec![keep.clone()]);
    assert_eq!(sidebar(true).await, vec![old.clone()]);
    // Still readable and usable by its owner; another user cannot touch it.
    assert_eq!(app.get(&format!("/c/{old}")).await.status(), 200);
    let stranger = client();
    app.verified_user_with(&stranger, "stranger", PASSWORD)
        .await;
    let theirs = app
        .api_send(
            &stranger,
            Method::PATCH,
            &format!("/api/chats/{old}"),
            Some(json!({ "archived": false })),
        )
        .await;
    assert_eq!(theirs.status(), 404);
    let settings = app.get_html("/settings").await;
    assert!(settings.contains("Archive me") && !settings.contains("No archived chats"));
    let back = app
        .post_form(&format!("/settings/chats/{old}/unarchive"), &[])
        .await;
    assert_eq!(back.status(), 303);
    assert_eq!(sidebar(false).await.len(), 2);
    assert!(
        app.get_html("/settings")
            .await
            .contains("No archived chats")
    );
    assert_eq!(
        app.event_types(&old)
            .await
            .iter()
            .filter(|t| t.contains("rchived"))
            .collect::<Vec<_>>(),
        ["ChatArchived", "ChatUnarchived"]
    );
}
