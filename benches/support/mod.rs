//! What the benches share: the tests' harness, bulk seeding with plain SQL and timing of GET
//! requests. Not every bench uses every part.
#![allow(dead_code)]
use std::time::{Duration, Instant};

use sqlx::MySqlPool;

#[path = "../../tests/api/helpers.rs"]
#[allow(dead_code)]
pub mod helpers;
#[path = "../../tests/api/smtp.rs"]
#[allow(dead_code)]
pub mod smtp;
#[path = "../../tests/api/upstream.rs"]
#[allow(dead_code)]
pub mod upstream;

const DIGITS: &str = "(SELECT 0 n UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 \
    UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";

/// A derived table of the numbers 0 .. 10^digits as column `n` (no engine-specific sequences).
pub fn numbers(digits: usize) -> String {
    let joins: Vec<String> = (0..digits).map(|i| format!("{DIGITS} d{i}")).collect();
    let value: Vec<String> = (0..digits)
        .map(|i| format!("d{i}.n * {}", 10u64.pow(i as u32)))
        .collect();
    format!(
        "SELECT {} AS n FROM {}",
        value.join(" + "),
        joins.join(" CROSS JOIN ")
    )
}

pub async fn run(pool: &MySqlPool, sql: String) {
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .execute(pool)
        .await
        .expect("seed statement");
}

/// Median and worst time of `runs` GETs of `url`, and the size of the last body.
pub async fn timed(
    client: &reqwest::Client,
    url: &str,
    runs: usize,
) -> (Duration, Duration, usize) {
    let mut times = Vec::new();
    let mut size = 0;
    for _ in 0..runs {
        let started = Instant::now();
        let response = client.get(url).send().await.expect("request");
        assert!(
            response.status().is_success(),
            "{url}: {}",
            response.status()
        );
        size = response.bytes().await.expect("body").len();
        times.push(started.elapsed());
    }
    times.sort();
    (times[times.len() / 2], times[times.len() - 1], size)
}

pub fn report(label: &str, (p50, max, bytes): (Duration, Duration, usize)) {
    println!(
        "  {label:<44} p50 {:>6.1} ms, max {:>6.1} ms, {bytes} bytes",
        p50.as_secs_f64() * 1000.0,
        max.as_secs_f64() * 1000.0
    );
}

/// Refreshes the optimizer's statistics after a bulk seed and says how long seeding took.
pub async fn seeded(pool: &MySqlPool, tables: &str, what: &str, started: Instant) {
    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE TABLE {tables}")))
        .execute(pool)
        .await
        .ok();
    println!("seeded {what} in {:.1} s", started.elapsed().as_secs_f64());
}
