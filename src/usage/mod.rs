//! Usage statistics: what the admin dashboard charts, aggregated per UTC day from the `user` and
//! `chat` streams (`daily_stats`, `daily_user_activity`, `daily_model_stats`), refused prompts
//! included (`PromptRefused`); and the usage columns of the rows other features own: a chat's
//! and its owner's prompts and tokens (with `chat.updated_at`/`version` and `user.last_active`
//! as a turn moves them), an API key's. All are counters, collected over a group commit.
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

/// Registered after the chat projection: it reads a chat's owner from the `chat` row.
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
        // The usage columns of `api_key`, `chat` and `user` are counted here too; their rows
        // belong to the accounts and the chats.
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
            counts.chat_prompt(&event.stream_id);
            counts.chat_moved(&event.stream_id, event.recorded_at, event.sequence);
            counts.owner_prompt(&user_id, event.recorded_at);
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
        ChatEvent::AnswerStarted { .. } => {
            counts.chat_moved(&event.stream_id, event.recorded_at, event.sequence)
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
    counts.chat_tokens(&event.stream_id, prompt, completion);
    counts.chat_moved(&event.stream_id, event.recorded_at, event.sequence);
    counts.owner_tokens(&user_id, prompt, completion);
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
