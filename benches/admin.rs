//! The admin panel on a big install: 10,000 users, 50,000 chats, 1,000,000 messages and a year of
//! daily usage, seeded straight into the projections (the dashboard reads only those). Measures
//! dashboard, user list and chat search render times, and export throughput of a 10,000-message
//! chat as Markdown, JSON and PDF.
//!
//! `cargo bench --bench admin` (release build; needs MariaDB like the tests).
mod support;

// The tests' harness (`helpers` reaches the others as `crate::smtp` and `crate::upstream`).
#[allow(unused_imports)]
use support::{helpers, smtp, upstream};

use std::time::Instant;

use sqlx::MySqlPool;
use support::{numbers, report, run, timed};

async fn seed(pool: &MySqlPool) {
    let started = Instant::now();
    run(pool, format!(
        "INSERT INTO `user` (id, username, password, email, date, verified, last_active, chats, prompts, prompt_tokens, completion_tokens, version) \
         SELECT CONCAT('00000000-0000-7000-8000-', LPAD(n, 12, '0')), CONCAT('user', n), 'x', CONCAT('user', n, '@example.com'), \
         NOW(6) - INTERVAL (n % 365) DAY, TRUE, NOW(6), 5, 50, 5000, 7000, 1 FROM ({}) t WHERE n < 10000",
        numbers(4)
    ))
    .await;
    run(pool, format!(
        "INSERT INTO chat (id, user_id, date, title, title_source, model, prompts, updated_at, version) \
         SELECT CONCAT('00000000-0000-7000-9000-', LPAD(n, 12, '0')), CONCAT('00000000-0000-7000-8000-', LPAD(n % 10000, 12, '0')), \
         NOW(6) - INTERVAL (n % 365) DAY, CONCAT('Chat about topic ', n), 'prompt', IF(n % 3 = 0, 'gpt-4o', 'gpt-4o-mini'), 10, \
         NOW(6) - INTERVAL (n % 365) DAY, 30 FROM ({}) t WHERE n < 50000",
        numbers(5)
    ))
    .await;
    run(pool, format!(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model, prompt_tokens, completion_tokens) \
         SELECT n + 1, CONCAT('00000000-0000-7000-9000-', LPAD(n DIV 20, 12, '0')), IF(n % 2 = 0, 'user', 'assistant'), \
         CONCAT('Message ', n, IF(n % 1000 = 7, ' about pomegranates', ' about the weather in Tashkent and Samarkand')), \
         NOW(6) - INTERVAL (n % 365) DAY, n % 20 + 1, 'complete', 'gpt-4o-mini', 50, 70 FROM ({}) t",
        numbers(6)
    ))
    .await;
    run(pool, format!(
        "INSERT INTO daily_stats (day, new_users, active_users, chats, prompts, answers, failed_answers, stopped_answers, prompt_tokens, completion_tokens) \
         SELECT CURDATE() - INTERVAL n DAY, 27, 800, 137, 1370, 1360, 5, 5, 68500, 95900 FROM ({}) t WHERE n < 365",
        numbers(3)
    ))
    .await;
    run(pool, format!(
        "INSERT INTO daily_user_activity (day, user_id, prompts, prompt_tokens, completion_tokens) \
         SELECT CURDATE() - INTERVAL (n DIV 800) DAY, CONCAT('00000000-0000-7000-8000-', LPAD((n * 7) % 10000, 12, '0')), 2, 100, 140 \
         FROM ({}) t WHERE n < 292000",
        numbers(6)
    ))
    .await;
    run(pool, format!(
        "INSERT INTO daily_model_stats (day, model, prompts, answers, prompt_tokens, completion_tokens) \
         SELECT CURDATE() - INTERVAL (n DIV 2) DAY, IF(n % 2 = 0, 'gpt-4o', 'gpt-4o-mini'), 685, 680, 34250, 47950 FROM ({}) t WHERE n < 730",
        numbers(3)
    ))
    .await;
    // One chat with 10,000 messages for the export figures.
    run(pool, format!(
        "INSERT INTO chat_history (id, chat_id, role, content, date, `rank`, status, model) \
         SELECT 2000000 + n, '00000000-0000-7000-9000-000000000000', IF(n % 2 = 0, 'user', 'assistant'), \
         CONCAT('Long chat message ', n, ': the caravan crossed the Kyzylkum desert towards Khiva, and Привет!'), NOW(6), 21 + n, 'complete', 'gpt-4o-mini' \
         FROM ({}) t WHERE n < 10000",
        numbers(4)
    ))
    .await;
    support::seeded(
        pool,
        "chat, chat_history, `user`, daily_stats, daily_user_activity",
        "10,000 users, 50,000 chats, 1,010,000 messages",
        started,
    )
    .await;
}

#[actix_web::main]
async fn main() {
    let app = helpers::spawn_app_with(&[("RUST_LOG", "error")]).await;
    seed(&app.pool).await;
    let admin = helpers::client();
    app.post_form_with(
        &admin,
        "/admin/login",
        &[
            ("username", "admin"),
            ("password", "admin-password-for-tests"),
        ],
    )
    .await;
    for (label, path) in [
        ("dashboard, 30 days", "/admin?range=30"),
        ("dashboard, 90 days", "/admin?range=90"),
        ("users, sorted by tokens", "/admin/users?sort=tokens"),
        ("chats, newest first", "/admin/chats"),
        ("chats, full-text search", "/admin/chats?q=pomegranates"),
        (
            "chat page, 10,000 messages (latest 200)",
            "/admin/chats/00000000-0000-7000-9000-000000000000",
        ),
    ] {
        report(label, timed(&admin, &app.url(path), 11).await);
    }
    for format in ["md", "json", "pdf"] {
        let url = app.url(&format!(
            "/admin/chats/00000000-0000-7000-9000-000000000000/export/{format}"
        ));
        let (p50, _, bytes) = timed(&admin, &url, 3).await;
        println!(
            "  export of 10,020 messages as {format:<4} {:>7.1} ms, {:>8} bytes, {:.1} MB/s, {:.0} messages/s",
            p50.as_secs_f64() * 1000.0,
            bytes,
            bytes as f64 / 1e6 / p50.as_secs_f64(),
            10_020.0 / p50.as_secs_f64()
        );
    }
}
