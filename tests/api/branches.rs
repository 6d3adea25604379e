//! Editing a sent prompt: the conversation branches there, the model sees only the new branch,
//! and the old one stays readable behind a "‹ 1/2 ›" switcher.
use serde_json::Value;

use crate::browser::Browser;
use crate::helpers::{PASSWORD, TestApp, client, spawn_app, spawn_app_with};
use crate::upstream::Reply;

/// The chat's current page of messages, as the API lists it.
async fn messages(app: &crate::helpers::TestApp, chat: &str) -> Vec<Value> {
    let listed: Value = app
        .get(&format!("/api/chats/{chat}/messages"))
        .await
        .json()
        .await
        .expect("messages json");
    listed["messages"].as_array().expect("messages").clone()
}

fn id(message: &Value) -> u64 {
    message["id"].as_u64().expect("message id")
}

#[actix_web::test]
async fn an_edited_prompt_branches_the_chat_and_the_model_sees_only_the_new_branch() {
    let app = spawn_app().await;
    app.verified_user("tahrir", PASSWORD).await;
    let chat = app.prompt(None, "Best city to visit?").await.chat_id();
    app.prompt(Some(&chat), "And in winter?").await;
    let first_prompt = id(&messages(&app, &chat).await[0]);

    let edited = app
        .edit_prompt_with(
            &app.api,
            &chat,
            first_prompt,
            "Best city in Uzbekistan to visit?",
        )
        .await;
    assert_eq!(edited.status, 200, "{:?}", edited.error);
    assert_eq!(edited.done()["status"], "complete");
    assert_eq!(
        edited.text(),
        "You said: Best city in Uzbekistan to visit?",
        "the answer is to the new prompt"
    );
    let accepted = edited.first("accepted").expect("accepted");
    assert_eq!(
        accepted["remaining"], 47,
        "an edit counts as a prompt (50 - 3)"
    );

    // The model saw the new prompt alone: the old branch left the conversation.
    let last_request = app.upstream.requests().last().cloned().expect("a request");
    let contents: Vec<&str> = last_request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] != "system")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(contents, ["Best city in Uzbekistan to visit?"]);

    let history = app.history(&chat).await;
    assert_eq!(
        history
            .iter()
            .map(|(role, text, _)| format!("{role}: {text}"))
            .collect::<Vec<_>>(),
        [
            "user: Best city in Uzbekistan to visit?",
            "assistant: You said: Best city in Uzbekistan to visit?"
        ]
    );
    let events = app.event_types(&chat).await;
    assert_eq!(
        events[events.len() - 3..],
        ["PromptEdited", "AnswerStarted", "AnswerCompleted"]
    );

    // The API offers the old prompt as a version, with the branch that followed it.
    let listed = messages(&app, &chat).await;
    assert_eq!(listed.len(), 2);
    let new_prompt = &listed[0];
    assert_eq!(
        id(new_prompt),
        accepted["user_message_id"].as_u64().unwrap()
    );
    let versions = new_prompt["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 1, "{new_prompt}");
    assert_eq!(versions[0]["text"], "Best city to visit?");
    let branch: Vec<&str> = versions[0]["branch"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        branch,
        [
            "You said: Best city to visit?",
            "And in winter?",
            "You said: And in winter?"
        ]
    );
    assert_eq!(
        listed[1]["versions"].as_array().unwrap().len(),
        0,
        "the old branch's answers are not versions of the new answer"
    );

    // Edit the new prompt again: three versions, each with its own answer.
    let again = app
        .edit_prompt_with(&app.api, &chat, id(new_prompt), "Best city for food?")
        .await;
    assert_eq!(again.done()["status"], "complete");
    let listed = messages(&app, &chat).await;
    let texts: Vec<&str> = listed[0]["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        ["Best city to visit?", "Best city in Uzbekistan to visit?"]
    );
    assert_eq!(
        listed[0]["versions"][1]["branch"][0]["text"],
        "You said: Best city in Uzbekistan to visit?"
    );
    // The page renders the versions for the switcher.
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert_eq!(
        page.matches(r#"<template class="prompt-version" data-id=""#)
            .count(),
        2
    );
    assert!(
        page.contains("And in winter?"),
        "the old branch is on the page"
    );

    // The usage tables count the edits as prompts; the rebuild agrees with the live tables.
    let prompts: i64 = sqlx::query_scalar("SELECT CAST(SUM(prompts) AS SIGNED) FROM daily_stats")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(prompts, 4);
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn only_the_owner_can_edit_and_only_a_current_prompt_within_the_limit() {
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "2")]).await;
    app.verified_user("egasi", PASSWORD).await;
    let chat = app.prompt(None, "First question").await.chat_id();
    let listed = messages(&app, &chat).await;
    let (prompt, answer) = (id(&listed[0]), id(&listed[1]));

    // Someone else's chat: 404, nothing recorded.
    let other = client();
    app.verified_user_with(&other, "begona", PASSWORD).await;
    let stranger = app
        .edit_prompt_with(&other, &chat, prompt, "mine now")
        .await;
    assert_eq!(stranger.status, 404);
    // An answer is not a prompt; a message of no chat is nothing.
    assert_eq!(
        app.edit_prompt_with(&app.api, &chat, answer, "x")
            .await
            .status,
        404
    );
    assert_eq!(
        app.edit_prompt_with(&app.api, &chat, 999_999, "x")
            .await
            .status,
        404
    );
    // An empty prompt is refused with a message, like a new one.
    let empty = app.edit_prompt_with(&app.api, &chat, prompt, "   ").await;
    assert_eq!(empty.status, 422, "{:?}", empty.error);

    let edited = app
        .edit_prompt_with(&app.api, &chat, prompt, "Second try")
        .await;
    assert_eq!(edited.done()["status"], "complete");
    // The prompt set aside cannot be edited again: only the conversation's prompts can.
    assert_eq!(
        app.edit_prompt_with(&app.api, &chat, prompt, "Third")
            .await
            .status,
        404
    );
    // Two prompts used: the chat is at its limit, an edit too is refused.
    let current = id(&messages(&app, &chat).await[0]);
    let refused = app
        .edit_prompt_with(&app.api, &chat, current, "Third")
        .await;
    assert_eq!(refused.status, 409);
    assert!(
        refused.error.unwrap()["error"]["message"]
            .as_str()
            .unwrap()
            .contains("prompt limit (2)")
    );
    assert_eq!(app.upstream.requests().len(), 2);
    assert_eq!(app.history(&chat).await.len(), 2, "refusals change nothing");
    // The page of a chat at its limit offers no pencil: it is read-only.
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(page.contains(r#"class="conversation at-limit""#));
    app.assert_projections_match_the_log().await;
}

/// A chat of two prompts (about plov), open in the browser of its owner `username`.
async fn two_prompts_open_in_the_browser(username: &str) -> (TestApp, Browser, String) {
    let app = spawn_app_with(&[("CHAT_MODEL_TITLES", "off")]).await;
    app.verified_user(username, PASSWORD).await;
    let chat = app.prompt(None, "How is plov cooked?").await.chat_id();
    app.prompt(Some(&chat), "With lamb or beef?").await;
    let browser = Browser::start(1280, 900).await;
    browser.log_in(&app.address, username, PASSWORD).await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find("#messages .message.assistant").await;
    (app, browser, chat)
}

#[actix_web::test]
async fn a_prompt_is_edited_in_the_browser_and_both_branches_stay_readable() {
    let (app, browser, chat) = two_prompts_open_in_the_browser("branches").await;
    let shown = "return Array.from(document.querySelectorAll('#messages > .message .message-body')).map((b) => b.textContent.trim());";
    assert_eq!(browser.eval(shown).await.as_array().unwrap().len(), 4);

    // The pencil under the first prompt opens it for editing; Send branches the chat.
    browser.click(".message.user .edit-prompt").await;
    browser
        .fill(
            ".prompt-editor textarea",
            "How is plov cooked for four people?",
        )
        .await;
    browser.click(".prompt-editor button[type=submit]").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 2 && document.querySelector('.message.assistant').dataset.status === 'complete'",
            "the new branch answered",
        )
        .await;
    assert_eq!(
        browser.eval(shown).await,
        serde_json::json!([
            "How is plov cooked for four people?",
            "You said: How is plov cooked for four people?"
        ])
    );
    assert_eq!(browser.text(".message.user .version-count").await, "2/2");

    // ‹ shows the old prompt with the conversation that followed it, read-only.
    browser.click(".message.user .version-previous").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 4",
            "the old branch",
        )
        .await;
    assert_eq!(
        browser.eval(shown).await,
        serde_json::json!([
            "How is plov cooked?",
            "You said: How is plov cooked?",
            "With lamb or beef?",
            "You said: With lamb or beef?"
        ])
    );
    assert_eq!(browser.text(".message.user .version-count").await, "1/2");
    assert_eq!(
        browser
            .eval("return Array.from(document.querySelectorAll('.edit-prompt, .regenerate-answer')).every((b) => b.offsetParent === null);")
            .await,
        true,
        "an old branch is read, not continued"
    );
    browser.screenshot("16-prompt-versions").await;

    // Back on the latest branch, a new prompt goes on from it (a follow-up sent while an old
    // branch shows continues that one: `a_follow_up_in_the_browser_continues_the_version_shown`).
    browser.click(".message.user .version-next").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 2",
            "the latest branch again",
        )
        .await;
    app.upstream
        .push(Reply::text("Four people need about a kilo of rice."));
    browser.fill("#prompt", "How much rice?").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 4 && document.querySelector('#messages > .message:last-child').dataset.status === 'complete'",
            "the follow-up on the latest branch",
        )
        .await;
    assert_eq!(
        browser.eval(shown).await,
        serde_json::json!([
            "How is plov cooked for four people?",
            "You said: How is plov cooked for four people?",
            "How much rice?",
            "Four people need about a kilo of rice."
        ])
    );

    // After a reload, in Uzbek, dark, at phone width: the switcher and the old branch are there.
    browser
        .eval("document.cookie = 'lang=uz; path=/'; return true;")
        .await;
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.user .version-count").await;
    assert_eq!(browser.text(".message.user .version-count").await, "2/2");
    assert_eq!(
        browser
            .eval("return document.querySelector('.message.user .edit-prompt').getAttribute('aria-label');")
            .await,
        "Xabarni tahrirlash"
    );
    browser.click(".message.user .version-previous").await;
    browser
        .wait_until(
            "document.querySelector('#messages > .message.user .message-body').textContent === 'How is plov cooked?' && document.querySelectorAll('#messages > .message').length === 4",
            "the old branch after a reload",
        )
        .await;
    browser
        .eval("document.documentElement.dataset.theme = 'dark'; return true;")
        .await;
    browser.phone_width().await;
    browser
        .eval("document.querySelector('.message.user .versions').scrollIntoView({block: 'center'}); return true;")
        .await;
    browser.screenshot("16-prompt-versions-uz-dark-phone").await;
    // The editor itself, at phone width.
    browser.click(".message.user .version-next").await;
    browser.click(".message.user .edit-prompt").await;
    browser.find(".prompt-editor textarea").await;
    browser.screenshot("16-prompt-editor-uz-dark-phone").await;
    browser.close().await;
    app.assert_projections_match_the_log().await;
}

/// A follow-up sent while version `version` of the message at `rank` shows, as the chat page
/// sends it, read to the end.
async fn follow_up_on(
    app: &crate::helpers::TestApp,
    chat: &str,
    text: &str,
    rank: u32,
    version: u32,
) -> crate::helpers::Sse {
    let body = serde_json::json!({
        "prompt": text,
        "model": "gpt-4o-mini",
        "branch": { "rank": rank, "version": version },
    });
    let response = app
        .api_send(
            &app.api,
            reqwest::Method::POST,
            &format!("/api/chats/{chat}/messages"),
            Some(body),
        )
        .await;
    let status = response.status().as_u16();
    if status != 200 {
        let error = response.json().await.ok();
        return crate::helpers::Sse {
            status,
            events: Vec::new(),
            error,
        };
    }
    let body = response.text().await.expect("sse body");
    crate::helpers::Sse {
        status,
        events: crate::helpers::parse_sse(&body),
        error: None,
    }
}

fn texts(messages: &[Value]) -> Vec<&str> {
    messages
        .iter()
        .map(|m| m["text"].as_str().expect("text"))
        .collect()
}

#[actix_web::test]
async fn a_follow_up_continues_the_version_the_user_is_looking_at() {
    // Arrange: a prompt and a follow-up, then the first prompt edited (it shows ‹ 2/2 ›).
    let app = spawn_app_with(&[("CHAT_MAX_PROMPTS", "5")]).await;
    app.verified_user("davomi", PASSWORD).await;
    let chat = app.prompt(None, "Best city to visit?").await.chat_id();
    app.prompt(Some(&chat), "And in winter?").await;
    let first = id(&messages(&app, &chat).await[0]);
    let edited = app
        .edit_prompt_with(&app.api, &chat, first, "Best city for food?")
        .await;
    assert_eq!(edited.done()["status"], "complete");

    // Act: back on version 1/2, the user asks a follow-up there.
    let sent = follow_up_on(&app, &chat, "And in spring?", 1, 1).await;

    // Assert: it continues version 1's branch, which the model sees whole.
    assert_eq!(sent.status, 200, "{:?}", sent.error);
    assert_eq!(sent.done()["status"], "complete");
    assert_eq!(sent.first("accepted").unwrap()["remaining"], 1, "5 - 4");
    let last_request = app.upstream.requests().last().cloned().expect("a request");
    let seen: Vec<&str> = last_request["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["role"] != "system")
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    let branch = [
        "Best city to visit?",
        "You said: Best city to visit?",
        "And in winter?",
        "You said: And in winter?",
        "And in spring?",
    ];
    assert_eq!(seen, branch);
    let events = app.event_types(&chat).await;
    assert_eq!(
        events[events.len() - 4..],
        [
            "BranchRestored",
            "UserMessageAppended",
            "AnswerStarted",
            "AnswerCompleted"
        ]
    );
    let listed = messages(&app, &chat).await;
    assert_eq!(
        texts(&listed),
        [&branch[..], &["You said: And in spring?"]].concat()
    );
    assert_eq!(listed[0]["version_index"], 0, "the page shows 1/2");
    assert_eq!(listed[0]["versions"][0]["text"], "Best city for food?");
    assert_eq!(
        listed[0]["versions"][0]["branch"][0]["text"],
        "You said: Best city for food?"
    );
    let page = app.get_html(&format!("/c/{chat}")).await;
    assert!(page.contains(r#"data-version="0""#), "reloading shows 1/2");
    assert!(page.contains("And in spring?"));

    // Thumbs, regenerate and edit act on the branch continued.
    let restored_answer = id(&listed[1]);
    let rated = app
        .api_send(
            &app.api,
            reqwest::Method::PUT,
            &format!("/api/chats/{chat}/answers/{restored_answer}/rating"),
            Some(serde_json::json!({ "rating": "up" })),
        )
        .await;
    assert_eq!(rated.status(), 200);
    let again = app.regenerate(&chat).await;
    assert_eq!(again.done()["status"], "complete");
    assert_eq!(
        app.history(&chat).await.len(),
        6,
        "the same branch, answered again"
    );
    // A version that does not exist is nothing.
    assert_eq!(follow_up_on(&app, &chat, "x", 1, 3).await.status, 404);
    let spring = id(&messages(&app, &chat).await[4]);
    let rewritten = app
        .edit_prompt_with(&app.api, &chat, spring, "And in autumn?")
        .await;
    assert_eq!(rewritten.done()["status"], "complete");
    let listed = messages(&app, &chat).await;
    assert_eq!(listed[0]["text"], "Best city to visit?");
    assert_eq!(listed[1]["rating"], "up");
    assert_eq!(listed[4]["text"], "And in autumn?");
    assert_eq!(listed[5]["text"], "You said: And in autumn?");
    assert_eq!(app.history(&chat).await.len(), 6);

    // At the limit, no branch is continued either.
    let requests = app.upstream.requests().len();
    let refused = follow_up_on(&app, &chat, "x", 1, 2).await;
    assert_eq!(refused.status, 409, "{:?}", refused.error);
    assert_eq!(app.upstream.requests().len(), requests);
    assert_eq!(
        messages(&app, &chat).await[0]["text"],
        "Best city to visit?"
    );
    app.assert_projections_match_the_log().await;
}

#[actix_web::test]
async fn a_follow_up_in_the_browser_continues_the_version_shown() {
    // Arrange: a chat whose first prompt is edited in the browser (‹ 2/2 ›).
    let (app, browser, chat) = two_prompts_open_in_the_browser("davom").await;
    browser.click(".message.user .edit-prompt").await;
    browser
        .fill(".prompt-editor textarea", "How is plov cooked for four?")
        .await;
    browser.click(".prompt-editor button[type=submit]").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 2 && document.querySelector('.message.assistant').dataset.status === 'complete'",
            "the edited prompt answered",
        )
        .await;

    // Act: back on version 1/2, a follow-up from the composer.
    browser.click(".message.user .version-previous").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 4",
            "version 1's branch",
        )
        .await;
    app.upstream.push(Reply::text("Soak it for an hour."));
    browser.fill("#prompt", "How long to soak the rice?").await;
    browser.click("#send").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 6 && document.querySelector('#messages > .message:last-child').dataset.status === 'complete'",
            "the follow-up on version 1",
        )
        .await;

    // Assert: the follow-up is under version 1, which stays on the screen and goes on.
    let shown = "return Array.from(document.querySelectorAll('#messages > .message .message-body')).map((b) => b.textContent.trim());";
    let continued = serde_json::json!([
        "How is plov cooked?",
        "You said: How is plov cooked?",
        "With lamb or beef?",
        "You said: With lamb or beef?",
        "How long to soak the rice?",
        "Soak it for an hour."
    ]);
    assert_eq!(browser.eval(shown).await, continued);
    assert_eq!(browser.text(".message.user .version-count").await, "1/2");
    assert_eq!(
        browser
            .eval(
                "return document.querySelectorAll('#messages > .message.earlier-version').length;"
            )
            .await,
        0,
        "the branch shown is the conversation now: its answers can be rated and edited"
    );
    browser.screenshot("16-branch-continued").await;

    // After a reload the page shows the branch continued, at 1/2; 2/2 is still there.
    browser.goto(&app.url(&format!("/c/{chat}"))).await;
    browser.find(".message.user .version-count").await;
    assert_eq!(browser.eval(shown).await, continued);
    assert_eq!(browser.text(".message.user .version-count").await, "1/2");
    browser.screenshot("16-branch-continued-after-reload").await;
    browser.click(".message.user .version-next").await;
    browser
        .wait_until(
            "document.querySelectorAll('#messages > .message').length === 2",
            "version 2's branch",
        )
        .await;
    assert_eq!(
        browser.eval(shown).await,
        serde_json::json!([
            "How is plov cooked for four?",
            "You said: How is plov cooked for four?"
        ])
    );
    assert_eq!(browser.text(".message.user .version-count").await, "2/2");
    browser.close().await;
    assert_eq!(
        app.history(&chat).await.len(),
        6,
        "the log agrees with the page"
    );
    app.assert_projections_match_the_log().await;
}
