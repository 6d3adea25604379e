//! Usage aggregated per UTC day (`daily_stats`, `daily_user_activity`, `daily_model_stats`),
//! so the dashboard reads a few rows per day instead of scanning messages.
use sqlx::AssertSqlSafe;
use sqlx::MySqlConnection;
use time::Date;

/// Columns of `daily_stats` that events increment.
#[derive(Clone, Copy, Debug)]
pub(super) enum Counter {
    NewUsers,
    ActiveUsers,
    Chats,
    Prompts,
    Answers,
    FailedAnswers,
    StoppedAnswers,
    ApiPrompts,
    RefusedPrompts,
}

impl Counter {
    fn column(self) -> &'static str {
        match self {
            Counter::NewUsers => "new_users",
            Counter::ActiveUsers => "active_users",
            Counter::Chats => "chats",
            Counter::Prompts => "prompts",
            Counter::Answers => "answers",
            Counter::FailedAnswers => "failed_answers",
            Counter::StoppedAnswers => "stopped_answers",
            Counter::ApiPrompts => "api_prompts",
            Counter::RefusedPrompts => "refused_prompts",
        }
    }
}

pub(super) async fn bump(
    conn: &mut MySqlConnection,
    day: Date,
    counter: Counter,
) -> Result<(), sqlx::Error> {
    let column = counter.column();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO daily_stats (day, {column}) VALUES (?, 1) \
         ON DUPLICATE KEY UPDATE {column} = {column} + 1"
    )))
    .bind(day)
    .execute(conn)
    .await?;
    Ok(())
}

/// An answer ended: its `counter` and its tokens, in one statement.
pub(super) async fn answer(
    conn: &mut MySqlConnection,
    day: Date,
    counter: Counter,
    prompt: u32,
    completion: u32,
) -> Result<(), sqlx::Error> {
    let column = counter.column();
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO daily_stats (day, {column}, prompt_tokens, completion_tokens) \
         VALUES (?, 1, ?, ?) ON DUPLICATE KEY UPDATE {column} = {column} + 1, \
         prompt_tokens = prompt_tokens + VALUES(prompt_tokens), \
         completion_tokens = completion_tokens + VALUES(completion_tokens)"
    )))
    .bind(day)
    .bind(prompt)
    .bind(completion)
    .execute(conn)
    .await?;
    Ok(())
}

/// Counts a prompt for the user's day; the first one of the day makes the user active.
pub(super) async fn user_prompt(
    conn: &mut MySqlConnection,
    day: Date,
    user_id: &str,
) -> Result<(), sqlx::Error> {
    let counted = sqlx::query(
        "INSERT INTO daily_user_activity (day, user_id, prompts) VALUES (?, ?, 1) \
         ON DUPLICATE KEY UPDATE prompts = prompts + 1",
    )
    .bind(day)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    // One affected row: the day's row was inserted (an existing row updated counts two).
    if counted.rows_affected() == 1 {
        bump(conn, day, Counter::ActiveUsers).await?;
    }
    Ok(())
}

pub(super) async fn user_tokens(
    conn: &mut MySqlConnection,
    day: Date,
    user_id: &str,
    prompt: u32,
    completion: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO daily_user_activity (day, user_id, prompt_tokens, completion_tokens) \
         VALUES (?, ?, ?, ?) ON DUPLICATE KEY UPDATE \
         prompt_tokens = prompt_tokens + VALUES(prompt_tokens), \
         completion_tokens = completion_tokens + VALUES(completion_tokens)",
    )
    .bind(day)
    .bind(user_id)
    .bind(prompt)
    .bind(completion)
    .execute(conn)
    .await?;
    Ok(())
}

/// One model's prompts (`answers = 0`) or answers with their tokens.
pub(super) struct ModelUsage<'a> {
    pub(super) model: &'a str,
    pub(super) prompts: u32,
    pub(super) answers: u32,
    pub(super) prompt_tokens: u32,
    pub(super) completion_tokens: u32,
}

pub(super) async fn model_usage(
    conn: &mut MySqlConnection,
    day: Date,
    usage: ModelUsage<'_>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO daily_model_stats (day, model, prompts, answers, prompt_tokens, completion_tokens) \
         VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE prompts = prompts + VALUES(prompts), \
         answers = answers + VALUES(answers), prompt_tokens = prompt_tokens + VALUES(prompt_tokens), \
         completion_tokens = completion_tokens + VALUES(completion_tokens)",
    )
    .bind(day)
    .bind(usage.model)
    .bind(usage.prompts)
    .bind(usage.answers)
    .bind(usage.prompt_tokens)
    .bind(usage.completion_tokens)
    .execute(conn)
    .await?;
    Ok(())
}

/// A prompt sent with an API key: the key's count and when it was last used.
pub(super) async fn key_prompt(
    conn: &mut MySqlConnection,
    key_id: &str,
    at: time::PrimitiveDateTime,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE api_key SET prompts = prompts + 1, last_used_at = ? WHERE id = ?")
        .bind(at)
        .bind(key_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// The tokens of an answer to an API call, on its key.
pub(super) async fn key_tokens(
    conn: &mut MySqlConnection,
    key_id: &str,
    prompt: u32,
    completion: u32,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE api_key SET prompt_tokens = prompt_tokens + ?, \
         completion_tokens = completion_tokens + ? WHERE id = ?",
    )
    .bind(prompt)
    .bind(completion)
    .bind(key_id)
    .execute(conn)
    .await?;
    Ok(())
}
