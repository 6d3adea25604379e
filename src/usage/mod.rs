//! Usage statistics: what the admin dashboard charts, aggregated per UTC day from the `user` and
//! `chat` streams (`daily_stats`, `daily_user_activity`, `daily_model_stats`), refused prompts
//! included (`PromptRefused`).
mod counters;
pub mod fold;
mod refusals;

pub use refusals::Refusals;

use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use crate::accounts::events::UserEvent;
use crate::chat::events::{AnswerRecord, ChatEvent};
use crate::chat::projection::owner_and_key;
use crate::events::{Projection, ProjectionError, RecordedEvent};
use counters::{Counter, ModelUsage};

/// Registered after `ChatProjection`: it reads a chat's owner from the `chat` row.
pub struct UsageProjection;

impl Projection for UsageProjection {
    fn name(&self) -> &'static str {
        "usage"
    }

    fn tables(&self) -> &'static [(&'static str, &'static str)] {
        &[
            ("daily_stats", "day"),
            ("daily_user_activity", "day, user_id"),
            ("daily_model_stats", "day, model"),
        ]
        // `api_key`'s usage columns are counted here too; its rows belong to the accounts.
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            match event.decode_for::<UserEvent>()? {
                Some(UserEvent::UserRegistered { .. }) => {
                    counters::bump(conn, event.recorded_at.date(), Counter::NewUsers).await?;
                }
                Some(UserEvent::PromptRefused { .. }) => {
                    let day = event.recorded_at.date();
                    counters::bump(conn, day, Counter::RefusedPrompts).await?;
                }
                _ => {}
            }
            if let Some(payload) = event.decode_for::<ChatEvent>()? {
                chat_usage(conn, event, &payload).await?;
            }
            Ok(())
        })
    }
}

async fn chat_usage(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), sqlx::Error> {
    let day = event.recorded_at.date();
    match payload {
        ChatEvent::ChatStarted { .. } => counters::bump(conn, day, Counter::Chats).await,
        ChatEvent::UserMessageAppended { model, .. } | ChatEvent::PromptEdited { model, .. } => {
            let (user_id, key) = owner_and_key(conn, &event.stream_id).await?;
            counters::bump(conn, day, Counter::Prompts).await?;
            counters::user_prompt(conn, day, &user_id).await?;
            if let Some(key) = key {
                counters::bump(conn, day, Counter::ApiPrompts).await?;
                counters::key_prompt(conn, &key, event.recorded_at).await?;
            }
            let usage = ModelUsage {
                model,
                prompts: 1,
                answers: 0,
                prompt_tokens: 0,
                completion_tokens: 0,
            };
            counters::model_usage(conn, day, usage).await
        }
        ChatEvent::AnswerCompleted(answer) => answered(conn, event, answer, Counter::Answers).await,
        ChatEvent::AnswerStopped(answer) => {
            answered(conn, event, answer, Counter::StoppedAnswers).await
        }
        ChatEvent::AnswerFailed(answer) => {
            answered(conn, event, answer, Counter::FailedAnswers).await
        }
        _ => Ok(()),
    }
}

async fn answered(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    counter: Counter,
) -> Result<(), sqlx::Error> {
    let day = event.recorded_at.date();
    let (user_id, key) = owner_and_key(conn, &event.stream_id).await?;
    let (prompt, completion) = (answer.prompt_tokens, answer.completion_tokens);
    counters::answer(conn, day, counter, prompt, completion).await?;
    counters::user_tokens(conn, day, &user_id, prompt, completion).await?;
    if let Some(key) = key {
        counters::key_tokens(conn, &key, prompt, completion).await?;
    }
    // "Answers" per model are the completed ones, as in the dashboard's tiles (failed and
    // stopped answers have their own tiles; their tokens still count).
    let usage = ModelUsage {
        model: &answer.model,
        prompts: 0,
        answers: u32::from(matches!(counter, Counter::Answers)),
        prompt_tokens: prompt,
        completion_tokens: completion,
    };
    counters::model_usage(conn, day, usage).await
}
