//! Titles written by the model after a chat's first answer (`CHAT_MODEL_TITLES`).
use reqwest::Method;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp, eventually, spawn_app_with};
use crate::upstream::Reply;

async fn title_of(app: &TestApp, chat: &str) -> (String, String) {
    sqlx::query_as("SELECT title, title_source FROM chat WHERE id = ?")
        .bind(chat)
        .fetch_one(&app.pool)
        .await
        .expect("the chat's row")
}

/// Waits until the upstream has received `n` requests.
async fn requests_reach(app: &TestApp, n: usize) {
    eventually("the upstream's requests", || async {
        app.upstream.requests().len() >= n
    })
    .await;
}

/// Waits until the upstream has answered `n` requests in full.
async fn answered_reach(app: &TestApp, n: usize) {
    eventually("the upstream's answers", || async {
        app.upstream.answered() >= n
    })
    .await;
}

/// What each upstream request asked for, in order.
fn asked_for(app: &TestApp) -> Vec<&'static str> {
    app.upstream.requests().iter().map(kind).collect()
}

/// Only a title request ends with the model's own answer (an answer's ends with a prompt).
fn kind(request: &serde_json::Value) -> &'static str {
    match request["messages"].as_array().and_then(|m| m.last()) {
        Some(last) if last["role"] == "assistant" => "title",
        _ => "answer",
    }
}

/// Sends another prompt to `chat` and reads its answer to the end. The chat's actor handles
/// messages one at a time, in order, and the prompt reaches it only after a few round trips:
/// when its answer is done, whatever the app sent the chat before (the title the model just
/// finished writing) has been handled and saved.
async fn after_everything_sent_to(app: &TestApp, chat: &str) {
    let answer = app.prompt(Some(chat), "one more thing").await;
    assert_eq!(answer.done()["status"], "complete");
}

#[actix_web::test]
async fn the_model_gives_a_new_chat_a_better_title_after_the_first_answer() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "on")]).await;
    app.verified_user("sardor", PASSWORD).await;
    app.upstream
        .push(Reply::text("Paris is the capital of France."));
    app.upstream.push(Reply::text("\"Capital of France\"."));
    let prompt = "hey, quick one: which city is the capital of France?";
    let answer = app.prompt(None, prompt).await;
    assert_eq!(answer.done()["status"], "complete");
    let chat = answer.chat_id();
    // The prompt's title comes first (read from the log: the model's may already have
    // replaced it in the table by now).
    let first_title: String = sqlx::query_scalar(
        "SELECT JSON_UNQUOTE(JSON_EXTRACT(payload, '$.title')) FROM event \
         WHERE stream_id = ? AND event_type = 'ChatStarted'",
    )
    .bind(&chat)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(first_title, prompt, "the prompt's title comes first");

    eventually("the model's title", || async {
        title_of(&app, &chat).await.1 == "model"
    })
    .await;
    assert_eq!(title_of(&app, &chat).await.0, "Capital of France");
    let asked = &app.upstream.requests()[1];
    let messages = asked["messages"].as_array().unwrap();
    assert!(messages[0]["content"].as_str().unwrap().contains("title"));
    assert_eq!(messages[1]["content"], prompt);
    assert_eq!(messages[2]["content"], "Paris is the capital of France.");
    let sidebar: serde_json::Value = app.get("/api/chats").await.json().await.unwrap();
    assert_eq!(sidebar["chats"][0]["title"], "Capital of France");

    // Only the first answer earns a title. A title would be asked for as soon as the second
    // answer is saved, so its request would reach the upstream before that of a third answer
    // prompted after the second one was done.
    let second = app.prompt(Some(&chat), "and of Italy?").await;
    assert_eq!(second.done()["status"], "complete");
    after_everything_sent_to(&app, &chat).await;
    assert_eq!(asked_for(&app), ["answer", "title", "answer", "answer"]);
    assert_eq!(title_of(&app, &chat).await.0, "Capital of France");
}

#[actix_web::test]
async fn a_title_the_user_chose_is_never_replaced_and_a_failed_title_changes_nothing() {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "on")]).await;
    app.verified_user("gulnora", PASSWORD).await;
    // The user renames the chat while the model is still writing its title.
    app.upstream
        .push(Reply::text("Samsa are baked in a tandoor."));
    app.upstream.push(Reply::slow("Baking samsa at home", 200));
    let chat = app.prompt(None, "how are samsa baked?").await.chat_id();
    requests_reach(&app, 2).await;
    let renamed = app
        .api_send(
            &app.api,
            Method::PATCH,
            &format!("/api/chats/{chat}"),
            Some(json!({ "title": "My samsa notes" })),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    assert!(app.upstream.answered() < 2, "renamed before the title came");
    // The model's title reaches the app in full, then the chat handles it (and ignores it).
    answered_reach(&app, 2).await;
    after_everything_sent_to(&app, &chat).await;
    assert_eq!(asked_for(&app), ["answer", "title", "answer"]);
    assert_eq!(
        title_of(&app, &chat).await,
        ("My samsa notes".into(), "user".into())
    );
    let renames = app
        .event_types(&chat)
        .await
        .into_iter()
        .filter(|t| t == "ChatRenamed")
        .count();
    assert_eq!(renames, 1, "no event for the ignored suggestion");

    // The upstream refuses the title request: the prompt's title stays.
    app.upstream.push(Reply::text("Plov needs rice."));
    app.upstream.push(Reply::error(
        400,
        "invalid_request_error",
        "no titles today",
    ));
    let chat = app.prompt(None, "what does plov need?").await.chat_id();
    answered_reach(&app, 5).await;
    after_everything_sent_to(&app, &chat).await;
    assert_eq!(
        asked_for(&app)[3..],
        ["answer", "title", "answer"],
        "the refused title is not asked for again"
    );
    assert_eq!(
        title_of(&app, &chat).await,
        ("what does plov need?".into(), "prompt".into())
    );
}
