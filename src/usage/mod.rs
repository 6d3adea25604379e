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
use crate::events::{Collector, Projection, ProjectionError, RecordedEvent};
use counters::{Counter, Counts, ModelUsage};

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
            let mut counts = Counts::default();
            count(conn, event, &mut counts).await?;
            Ok(counts.write(conn).await?)
        })
    }

    fn collector(&self) -> Option<Box<dyn Collector>> {
        Some(Box::new(UsageCollector::default()))
    }
}

/// The usage of a whole transaction, written at its end.
#[derive(Default)]
struct UsageCollector(Counts);

impl Collector for UsageCollector {
    fn add<'a>(
        &'a mut self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(count(conn, event, &mut self.0))
    }

    fn write<'a>(
        self: Box<Self>,
        conn: &'a mut MySqlConnection,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move { Ok(self.0.write(conn).await?) })
    }
}

/// What `event` counts, into `counts`.
async fn count(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    counts: &mut Counts,
) -> Result<(), ProjectionError> {
    let day = event.recorded_at.date();
    match event.decode_for::<UserEvent>()? {
        Some(UserEvent::UserRegistered { .. }) => counts.bump(day, Counter::NewUsers),
        Some(UserEvent::PromptRefused { .. }) => counts.bump(day, Counter::RefusedPrompts),
        _ => {}
    }
    if let Some(payload) = event.decode_for::<ChatEvent>()? {
        chat_usage(conn, event, &payload, counts).await?;
    }
    Ok(())
}

async fn chat_usage(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &ChatEvent,
    counts: &mut Counts,
) -> Result<(), sqlx::Error> {
    let day = event.recorded_at.date();
    match payload {
        ChatEvent::ChatStarted { .. } => counts.bump(day, Counter::Chats),
        ChatEvent::UserMessageAppended { model, .. } | ChatEvent::PromptEdited { model, .. } => {
            let (user_id, key) = owner_and_key(conn, &event.stream_id).await?;
            counts.bump(day, Counter::Prompts);
            counts.user_prompt(day, &user_id);
            if let Some(key) = key {
                counts.bump(day, Counter::ApiPrompts);
                counts.key_prompt(&key, event.recorded_at);
            }
            let usage = ModelUsage {
                prompts: 1,
                ..ModelUsage::default()
            };
            counts.model_usage(day, model, usage);
        }
        ChatEvent::AnswerCompleted(answer) => {
            answered(conn, event, answer, Counter::Answers, counts).await?
        }
        ChatEvent::AnswerStopped(answer) => {
            answered(conn, event, answer, Counter::StoppedAnswers, counts).await?
        }
        ChatEvent::AnswerFailed(answer) => {
            answered(conn, event, answer, Counter::FailedAnswers, counts).await?
        }
        _ => {}
    }
    Ok(())
}

async fn answered(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    counter: Counter,
    counts: &mut Counts,
) -> Result<(), sqlx::Error> {
    let day = event.recorded_at.date();
    let (user_id, key) = owner_and_key(conn, &event.stream_id).await?;
    let (prompt, completion) = (answer.prompt_tokens, answer.completion_tokens);
    counts.answer(day, counter, prompt, completion);
    counts.user_tokens(day, &user_id, prompt, completion);
    if let Some(key) = key {
        counts.key_tokens(&key, prompt, completion);
    }
    // "Answers" per model are the completed ones, as in the dashboard's tiles (failed and
    // stopped answers have their own tiles; their tokens still count).
    let usage = ModelUsage {
        prompts: 0,
        answers: u64::from(matches!(counter, Counter::Answers)),
        prompt_tokens: u64::from(prompt),
        completion_tokens: u64::from(completion),
    };
    counts.model_usage(day, &answer.model, usage);
    Ok(())
}
