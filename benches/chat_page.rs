//! A heavy user's side of the product: one account with 10,000 chats, the newest of which has
//! 5,000 messages (every tenth answer carries a code block, so rendering includes highlighting),
//! seeded straight into the projections (the pages read only those). Measures opening that chat,
//! scrolling back through it, the sidebar's first and a deep page, and the sidebar search.
//!
//! `cargo bench --bench chat_page` (release build; needs MariaDB like the tests).
mod support;

// The tests' harness (`helpers` reaches the others as `crate::smtp` and `crate::upstream`).
#[allow(unused_imports)]
use support::{helpers, smtp, upstream};

use std::time::Instant;

use sqlx::MySqlPool;
use support::{numbers, report, run, timed};

const BIG_CHAT: &str = "00000000-0000-7000-9000-000000000000";
const CHATS: u32 = 10_000;
const MESSAGES: u32 = 5_000;

async fn seed(pool: &MySqlPool, user_id: &str) {
    let started = Instant::now();
    // Chat n was last used n minutes ago: chat 0 (the big one) is on top of the sidebar.
    run(pool, format!(
        "INSERT INTO chat (id, user_id, date, title, title_source, model, prompts, prompt_limit, updated_at, version) \
         SELECT CONCAT('00000000-0000-7000-9000-', LPAD(n, 12, '0')), '{user_id}', \
         NOW(6) - INTERVAL n MINUTE, CONCAT('Chat about topic ', n), 'prompt', 'gpt-4o-mini', \
         IF(n = 0, {half}, 1), IF(n = 0, {MESSAGES}, NULL), NOW(6) - INTERVAL n MINUTE, 2 FROM ({}) t WHERE n < {CHATS}",
        numbers(4),
        half = MESSAGES / 2,
    ))
    .await;
    run(pool, format!(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model) \
         SELECT 3000000 + n, CONCAT('00000000-0000-7000-9000-', LPAD(n, 12, '0')), 'user', \
         CONCAT('First question of chat ', n, IF(n % 1000 = 7, ' about pomegranates', ' about Samarkand')), \
         NOW(6) - INTERVAL n MINUTE, 1, 'complete', 'gpt-4o-mini' FROM ({}) t WHERE n BETWEEN 1 AND {}",
        numbers(4),
        CHATS - 1
    ))
    .await;
    run(pool, format!(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model, prompt_tokens, completion_tokens) \
         SELECT 4000000 + n, '{BIG_CHAT}', IF(n % 2 = 0, 'user', 'assistant'), \
         IF(n % 2 = 0, CONCAT('Question ', n, ': how do I sort a list in Rust?'), \
            IF(n % 20 = 1, CONCAT('Answer ', n, ':\\n\\n```rust\\nfn main() {{\\n    let mut v = vec![3, 1, 2];\\n    v.sort();\\n    println!(\"{{v:?}}\");\\n}}\\n```\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |'), \
               CONCAT('Answer ', n, ': use **`sort`** or *`sort_unstable`*; see [the docs](https://doc.rust-lang.org/std/vec/).'))), \
         NOW(6) - INTERVAL ({MESSAGES} - n) SECOND, n + 1, 'complete', 'gpt-4o-mini', 40, 60 FROM ({}) t WHERE n < {MESSAGES}",
        numbers(4)
    ))
    .await;
    let what = format!("one user with {CHATS} chats, one of them with {MESSAGES} messages");
    support::seeded(pool, "chat, chat_history", &what, started).await;
}

#[actix_web::main]
async fn main() {
    let app = helpers::spawn_app_with(&[("RUST_LOG", "error")]).await;
    let user_id = app.verified_user("heavy", helpers::PASSWORD).await;
    seed(&app.pool, &user_id).await;
    let deep_cursor = format!(
        "{}|00000000-0000-7000-9000-000000005000",
        sqlx::query_scalar::<_, String>(
            "SELECT DATE_FORMAT(updated_at, '%Y-%m-%dT%H:%i:%s.%fZ') FROM chat WHERE id = '00000000-0000-7000-9000-000000005000'"
        )
        .fetch_one(&app.pool)
        .await
        .expect("the middle chat")
    );
    let pages = [
        ("new chat page (/) with the sidebar", "/".to_owned()),
        (
            "chat of 5,000 messages (latest 50 rendered)",
            format!("/c/{BIG_CHAT}"),
        ),
        (
            "scroll back: 50 messages before rank 2,500",
            format!("/api/chats/{BIG_CHAT}/messages?before=2500"),
        ),
        ("sidebar, first 50 of 10,000 chats", "/api/chats".to_owned()),
        (
            "sidebar, 50 chats after chat 5,000",
            format!("/api/chats?cursor={}", urlencode(&deep_cursor)),
        ),
        (
            "sidebar search in titles and content",
            "/api/chats?q=pomegranates".to_owned(),
        ),
    ];
    for (label, path) in pages {
        report(label, timed(&app.api, &app.url(&path), 21).await);
    }
}

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}
