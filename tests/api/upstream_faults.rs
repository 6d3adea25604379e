//! Every way the upstream model can fail ends in a saved answer with its status and a reason in
//! the user's language, and the user can retry: 500, 429 with `Retry-After`, a stream that breaks
//! after three chunks, one that stalls, and lines that are not server-sent events.
use crate::helpers::{PASSWORD, spawn_app_with};
use crate::upstream::Reply;

fn words(text: &str) -> Vec<String> {
    crate::upstream::split_words(text)
}

#[actix_web::test]
async fn every_upstream_fault_ends_in_a_saved_failed_answer_that_can_be_retried() {
    let app = spawn_app_with(&[
        ("OPENAI_IDLE_TIMEOUT_SECS", "1"),
        ("OPENAI_FIRST_TOKEN_TIMEOUT_SECS", "10"),
    ])
    .await;
    app.verified_user("nilufar", PASSWORD).await;
    let russian = app
        .post_form("/lang", &[("lang", "ru"), ("next", "/")])
        .await;
    assert_eq!(russian.status(), 303);
    let cases: Vec<(&str, Vec<Reply>, &str)> = vec![
        (
            "server error",
            vec![Reply::error(500, "server_error", "boom"); 4],
            "",
        ),
        (
            "rate limited",
            vec![
                Reply::RateLimited {
                    retry_after_secs: 1
                };
                4
            ],
            "",
        ),
        (
            "breaks after three chunks",
            vec![Reply::BreakAfter {
                chunks: words("one two three"),
            }],
            "one two three",
        ),
        (
            "stalls",
            vec![Reply::Stall {
                chunks: words("still here"),
            }],
            "still here",
        ),
        (
            "malformed lines",
            vec![Reply::Malformed {
                chunks: words("half an"),
            }],
            "half an",
        ),
    ];
    for (what, replies, partial) in cases {
        for reply in replies {
            app.upstream.push(reply);
        }
        let answer = app.prompt(None, what).await;
        assert_eq!(answer.status, 200, "{what}");
        let done = answer.done();
        assert_eq!(done["status"], "failed", "{what}: {done}");
        let reason = done["error"].as_str().unwrap_or_default();
        assert!(
            reason
                .chars()
                .any(|c| ('а'..='я').contains(&c.to_ascii_lowercase())),
            "{what}: the reason is in Russian: {reason:?}"
        );
        let chat = answer.chat_id();
        let history = app.history(&chat).await;
        assert_eq!(
            history[0],
            ("user".into(), what.to_owned(), "complete".into()),
            "{what}: the prompt is kept"
        );
        assert_eq!(history[1].2, "failed", "{what}");
        assert_eq!(history[1].1, partial, "{what}: the partial text is kept");
        let retry = app.regenerate(&chat).await;
        assert_eq!(retry.done()["status"], "complete", "{what}: retry works");
        let history = app.history(&chat).await;
        assert_eq!(history.len(), 2, "{what}");
        assert_eq!(
            history[1],
            (
                "assistant".into(),
                format!("You said: {what}"),
                "complete".into()
            ),
            "{what}"
        );
    }
}
