//! The binary itself: first run without `.env`, an unreachable database, replay and export.
use std::path::Path;
use std::process::{Command, Output};

use crate::helpers::{server_url, spawn_app};
use crate::replay::seed_random_log;

fn run(dir: &Path, args: &[&str], database_url: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chatbot-factory"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "error")
        // Small enough that the replays below fold their logs in several passes.
        .env("REPLAY_EVENTS_PER_PASS", "30")
        .output()
        .expect("binary runs")
}

#[test]
fn an_unreachable_database_gives_one_clear_paragraph_and_creates_env() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &[], "mysql://root@127.0.0.1:1/cbf_unreachable");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(!output.status.success());
    assert!(
        stderr.contains("Could not reach the MySQL/MariaDB server at 127.0.0.1:1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("DATABASE_URL") && stderr.contains("mariadb"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    // A newcomer can now fix the address in the .env that was just written.
    let env = std::fs::read_to_string(dir.path().join(".env")).expect(".env created");
    let secret = env
        .lines()
        .find_map(|l| l.strip_prefix("SESSION_SECRET="))
        .unwrap();
    let password = env
        .lines()
        .find_map(|l| l.strip_prefix("ADMIN_PASSWORD="))
        .unwrap();
    assert!(secret.len() >= 64 && password.len() >= 16);
    assert!(
        stdout.contains(password),
        "the admin login is printed once: {stdout}"
    );
    // The second run keeps that .env and does not print the password again.
    let again = run(dir.path(), &[], "mysql://root@127.0.0.1:1/cbf_unreachable");
    assert!(!String::from_utf8_lossy(&again.stdout).contains(password));
    assert_eq!(
        std::fs::read_to_string(dir.path().join(".env")).unwrap(),
        env
    );
}

#[test]
fn invalid_settings_are_listed_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join(".env"),
        "SESSION_SECRET=short\nADMIN_PASSWORD=x\nCHAT_MAX_PROMPTS=lots\n",
    )
    .unwrap();
    let output = run(dir.path(), &[], "postgres://nope");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("DATABASE_URL must start with mysql://"),
        "{stderr}"
    );
    assert!(
        stderr.contains("CHAT_MAX_PROMPTS=lots") && stderr.contains("SESSION_SECRET"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"));
}

#[actix_web::test]
async fn replay_verify_and_export_events_from_the_command_line() {
    let app = spawn_app().await;
    let events = seed_random_log(&app, 5, 4).await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/{}", server_url(), app.db_name);

    let verify = run(dir.path(), &["replay", "--verify"], &url);
    let stdout = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(stdout.contains("All projections are identical"), "{stdout}");

    let replay = run(dir.path(), &["replay"], &url);
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    assert!(String::from_utf8_lossy(&replay.stdout).contains(&format!("from {events} events")));
    // The analysts' commands never create `.env` nor print an admin login.
    assert!(!dir.path().join(".env").exists(), "replay created .env");
    for output in [&verify, &replay] {
        let printed = String::from_utf8_lossy(&output.stdout);
        assert!(!printed.contains("password"), "{printed}");
    }

    let export = run(
        dir.path(),
        &["export-events", "--format", "csv", "--since", "2000-01-01"],
        &url,
    );
    assert!(export.status.success());
    let csv = String::from_utf8_lossy(&export.stdout);
    assert_eq!(
        csv.lines().count(),
        events + 1,
        "a header and one line per event"
    );

    let parquet = dir.path().join("events.parquet");
    let export = run(
        dir.path(),
        &[
            "export-events",
            "--format",
            "parquet",
            "--output",
            parquet.to_str().unwrap(),
        ],
        &url,
    );
    assert!(export.status.success());
    assert!(String::from_utf8_lossy(&export.stderr).contains(&format!("Exported {events} events")));
    assert!(std::fs::read(&parquet).unwrap().starts_with(b"PAR1"));
    let to_stdout = run(dir.path(), &["export-events", "--format", "parquet"], &url);
    assert!(!to_stdout.status.success());
    assert!(String::from_utf8_lossy(&to_stdout.stderr).contains("--output"));

    let bad = run(dir.path(), &["export-events", "--since", "yesterday"], &url);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("YYYY-MM-DD"));
}

#[actix_web::test]
async fn a_point_in_time_replay_before_a_ban_shows_the_user_unblocked_and_leaves_the_live_tables() {
    let app = spawn_app().await;
    let user = app.verified_user("ozoda", crate::helpers::PASSWORD).await;
    app.accounts()
        .block(&user, Some("spam".into()), "admin")
        .await
        .unwrap();
    let blocked_at: u64 =
        sqlx::query_scalar("SELECT position FROM event WHERE event_type = 'UserBlocked'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("{}/{}", server_url(), app.db_name);
    let into = format!("{}_before_ban", app.db_name);
    let before = (blocked_at - 1).to_string();
    let output = run(
        dir.path(),
        &["replay", "--until", &before, "--into", &into],
        &url,
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!("up to position {before}")),
        "{stdout}"
    );
    let blocked_then: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT blocked FROM `{into}`.`user` WHERE id = ?"
    )))
    .bind(&user)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(!blocked_then, "before the ban the user was not blocked");
    let blocked_now: bool = sqlx::query_scalar("SELECT blocked FROM `user` WHERE id = ?")
        .bind(&user)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(blocked_now, "the live table is untouched");
    // Up to the end it matches the live state; the live database itself is refused.
    let output = run(
        dir.path(),
        &["replay", "--until", "2999-01-01", "--into", &into],
        &url,
    );
    assert!(output.status.success());
    let blocked_later: bool = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT blocked FROM `{into}`.`user` WHERE id = ?"
    )))
    .bind(&user)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert!(blocked_later);
    let refused = run(
        dir.path(),
        &["replay", "--until", "1", "--into", &app.db_name],
        &url,
    );
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("is the live database"));
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE `{into}`")))
        .execute(&app.pool)
        .await
        .unwrap();
}
