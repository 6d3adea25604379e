//! Two app instances on one database, as behind a load balancer without sticky sessions: an
//! answer streaming on one is followed and stopped through the other (forwarded to its owner),
//! never answered twice, and a block stops the user's answers on both.
use std::time::Duration;

use chatbot_factory::clock::Clock;
use reqwest::Method;
use serde_json::Value;

use crate::helpers::{
    LiveAnswer, PASSWORD, TestApp, client, eventually, parse_sse, spawn_app, spawn_app_on,
};
use crate::upstream::Reply;

async fn two_instances() -> (TestApp, TestApp) {
    let a = spawn_app().await;
    let b = spawn_app_on(&a, &[]).await;
    (a, b)
}

/// A prompt sent to `app` whose answer stalls after `chunks`, read until the last one.
async fn stalled_answer(app: &TestApp, prompt: &str, chunks: &[&str]) -> LiveAnswer {
    app.upstream.push(Reply::Stall {
        chunks: chunks.iter().map(|c| (*c).to_owned()).collect(),
    });
    let mut answer = app.start_prompt(prompt, "gpt-4o-mini").await;
    answer.until(chunks.last().expect("a chunk")).await;
    answer
}

async fn stop(app: &TestApp, chat: &str) -> reqwest::Response {
    let path = format!("/api/chats/{chat}/stop");
    app.api_send(&app.api, Method::POST, &path, None).await
}

async fn count_events(app: &TestApp, chat: &str, event_type: &str) -> usize {
    let types = app.event_types(chat).await;
    types.iter().filter(|t| *t == event_type).count()
}

#[actix_web::test]
async fn an_answer_streaming_on_one_instance_is_followed_live_from_the_other() {
    // Arrange
    let (a, b) = two_instances().await;
    a.verified_user("anvar", PASSWORD).await;
    let words = "alpha beta gamma delta epsilon zeta eta theta iota kappa";
    a.upstream.push(Reply::slow(words, 150));
    let mut on_a = a.start_prompt("greek", "gpt-4o-mini").await;
    on_a.until("event: delta").await;
    let chat = on_a.chat_id();
    // Act: the page is reloaded and lands on B; it sees an answer being written and follows it.
    let page = b.get_html(&format!("/c/{chat}")).await;
    assert!(page.contains(r#"data-streaming="true""#), "{page}");
    let follow = b.get(&format!("/api/chats/{chat}/stream")).await;
    // Assert: B passes A's stream through as it comes, not once it is over.
    assert_eq!(follow.status(), 200);
    assert_eq!(follow.headers()["content-type"], "text/event-stream");
    let mut on_b = LiveAnswer::of(follow);
    on_b.until("event: following").await;
    let last = a.history(&chat).await.pop().expect("the answer's row");
    assert_eq!(last.2, "streaming", "followed while A is still writing");
    let done = on_b.finish().await;
    assert_eq!(done["text"], words);
    assert_eq!(done["status"], "complete");
    let events = parse_sse(&on_b.seen);
    assert!(
        events.iter().any(|(name, _)| name == "delta"),
        "pieces arrived live through B: {events:?}"
    );
    assert_eq!(on_a.finish().await["text"], words);
    assert_eq!(count_events(&a, &chat, "AnswerCompleted").await, 1);
    // Once saved there is nothing left to follow, on either instance (A's live entry goes just
    // after `done`).
    for app in [&b, &a] {
        eventually("nothing left to follow", || async {
            app.get(&format!("/api/chats/{chat}/stream")).await.status() == 204
        })
        .await;
    }
}

#[actix_web::test]
async fn stop_through_the_other_instance_stops_the_answer_once() {
    // Arrange
    let (a, b) = two_instances().await;
    a.verified_user("barno", PASSWORD).await;
    let mut on_a = stalled_answer(&a, "long story", &["Partial", " answer"]).await;
    let chat = on_a.chat_id();
    // Act
    let stopped = stop(&b, &chat).await;
    // Assert: A stopped it and B passed A's reply on.
    assert_eq!(stopped.status(), 200);
    assert_eq!(stopped.json::<Value>().await.unwrap()["stopped"], true);
    let done = on_a.finish().await;
    assert_eq!(done["status"], "stopped");
    assert_eq!(
        a.history(&chat).await[1],
        (
            "assistant".into(),
            "Partial answer".into(),
            "stopped".into()
        )
    );
    assert_eq!(count_events(&a, &chat, "AnswerStopped").await, 1);
    assert_eq!(count_events(&a, &chat, "AnswerFailed").await, 0);
    // Nothing is being written any more: stopping again through B stops nothing.
    let again = stop(&b, &chat).await;
    assert_eq!(again.json::<Value>().await.unwrap()["stopped"], false);
    assert_eq!(count_events(&a, &chat, "AnswerStopped").await, 1);
}

#[actix_web::test]
async fn a_prompt_through_the_other_instance_waits_for_no_second_answer() {
    // Arrange
    let (a, b) = two_instances().await;
    a.verified_user("chori", PASSWORD).await;
    let mut on_a = stalled_answer(&a, "first question", &["Still", " thinking"]).await;
    let chat = on_a.chat_id();
    // Act: the same chat gets a prompt through B while A writes its answer.
    let refused = b.prompt(Some(&chat), "second question").await;
    // Assert: refused with the chat's own rule; the model was asked once.
    assert_eq!(refused.status, 409, "{refused:?}");
    let error = refused.error.expect("an error body").to_string();
    assert!(error.contains("still being written"), "{error}");
    assert_eq!(a.upstream.requests().len(), 1);
    assert_eq!(count_events(&a, &chat, "UserMessageAppended").await, 1);
    // Once A's answer is over, B takes the next prompt and writes its answer itself.
    assert_eq!(stop(&b, &chat).await.status(), 200);
    assert_eq!(on_a.finish().await["status"], "stopped");
    let next = b.prompt(Some(&chat), "third question").await;
    assert_eq!(next.status, 200, "{next:?}");
    assert_eq!(next.done()["status"], "complete");
    let history = a.history(&chat).await;
    let roles: Vec<&str> = history.iter().map(|(role, _, _)| role.as_str()).collect();
    assert_eq!(roles, ["user", "assistant", "user", "assistant"]);
    assert_eq!(count_events(&a, &chat, "AnswerStarted").await, 2);
}

#[actix_web::test]
async fn blocking_on_one_instance_stops_the_users_answers_on_both() {
    // Arrange: one answer streaming on A, another on B, for the same user.
    let (a, b) = two_instances().await;
    let user_id = a.verified_user("dilshod", PASSWORD).await;
    let admin = a.admin_client().await;
    let mut on_a = stalled_answer(&a, "story one", &["Once", " upon"]).await;
    let mut on_b = stalled_answer(&b, "story two", &["Far", " away"]).await;
    let (chat_a, chat_b) = (on_a.chat_id(), on_b.chat_id());
    // Act: the admin blocks the user through A.
    let blocked = a
        .post_form_with(
            &admin,
            &format!("/admin/users/{user_id}/block"),
            &[("reason", "Spam")],
        )
        .await;
    assert_eq!(blocked.status(), 303);
    // Assert: both answers end as stopped, B's within about a second (it looks twice a second).
    let done_a = on_a.finish().await;
    assert_eq!(done_a["status"], "stopped");
    let done_b = tokio::time::timeout(Duration::from_secs(2), on_b.finish())
        .await
        .expect("B stops the blocked user's answer within a second or so");
    assert_eq!(done_b["status"], "stopped");
    assert_eq!(
        a.history(&chat_a).await[1],
        ("assistant".into(), "Once upon".into(), "stopped".into())
    );
    assert_eq!(
        a.history(&chat_b).await[1],
        ("assistant".into(), "Far away".into(), "stopped".into())
    );
    // The user's next request on B is refused with the reason (the session is in the database).
    let told = b.get("/api/chats").await;
    assert_eq!(told.status(), 403);
    assert!(told.text().await.unwrap().contains("Spam"));
    let prompt = b.prompt(Some(&chat_b), "anyone there?").await;
    assert_eq!(prompt.status, 403);
    // A fresh login through B is refused too.
    let login = b.login_with(&client(), "dilshod", PASSWORD).await;
    assert!(login.text().await.unwrap().contains("Spam"));
}

#[actix_web::test]
async fn an_owner_out_of_reach_gets_todays_answers_and_a_forwarded_request_goes_no_further() {
    // Arrange
    let (a, b) = two_instances().await;
    a.verified_user("elmira", PASSWORD).await;
    let mut on_a = stalled_answer(&a, "long story", &["Partial", " answer"]).await;
    let chat = on_a.chat_id();
    let follow_on_b = || async {
        b.get(&format!("/api/chats/{chat}/stream"))
            .await
            .status()
            .as_u16()
    };
    let stop_on_b = || async { stop(&b, &chat).await.json::<Value>().await.unwrap() };
    // A request B received from another instance is answered by B alone, from what B has.
    let forwarded = b
        .api
        .get(b.url(&format!("/api/chats/{chat}/stream")))
        .header("x-cbf-forwarded", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(forwarded.status(), 204);
    // Act: the answer's owner beats but listens where nobody answers...
    let ghost = uuid::Uuid::now_v7().to_string();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let nowhere = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    chatbot_factory::store::instances::heartbeat_at(&a.pool, &ghost, &nowhere, a.clock.now_utc())
        .await
        .unwrap();
    sqlx::query(
        "UPDATE chat_history SET instance_id = ? WHERE chat_id = ? AND status = 'streaming'",
    )
    .bind(&ghost)
    .bind(&chat)
    .execute(&a.pool)
    .await
    .unwrap();
    // Assert: ...so B answers as when nothing is being written, never with a 500.
    assert_eq!(follow_on_b().await, 204);
    assert_eq!(stop_on_b().await["stopped"], false);
    // Dead (silent past INSTANCE_DEAD_AFTER_SECS): not even tried.
    let long_ago = a.clock.now_utc() - time::Duration::minutes(5);
    sqlx::query("UPDATE app_instance SET heartbeat_at = ? WHERE id = ?")
        .bind(long_ago)
        .bind(&ghost)
        .execute(&a.pool)
        .await
        .unwrap();
    assert_eq!(follow_on_b().await, 204);
    assert_eq!(stop_on_b().await["stopped"], false);
    // The writer itself still stops it.
    let stopped = stop(&a, &chat).await;
    assert_eq!(stopped.json::<Value>().await.unwrap()["stopped"], true);
    assert_eq!(on_a.finish().await["status"], "stopped");
    assert_eq!(a.history(&chat).await[1].2, "stopped");
}
