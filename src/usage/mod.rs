//! Usage statistics: what the admin dashboard charts, aggregated per UTC day from the `user` and
//! `chat` streams (`daily_stats`, `daily_user_activity`, `daily_model_stats`), refused prompts
//! included (`PromptRefused`); and the usage columns of the rows other features own: a chat's
//! and its owner's prompts and tokens (with `chat.updated_at`/`version` and `user.last_active`
//! as a turn moves them), an API key's. All are counters: what an event counts is said once
//! (`chat_usage`, `user_usage`) into `Counts`, which two sinks add to the rows: SQL over a group
//! commit (`write.rs`) and a rebuild's rows in memory (`fold.rs`).
mod active;
mod counters;
pub mod fold;
mod refusals;
mod write;

pub use refusals::Refusals;

use std::sync::Arc;

use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use crate::accounts::events::UserEvent;
use crate::chat::events::{AnswerRecord, ChatEvent};
use crate::chat::projection::owner_and_key;
use crate::events::{Collector, Projection, ProjectionError, RecordedEvent};
use active::ActiveDays;
use counters::{Counter, Counts, ModelUsage};

/// Registered after the chat projection: it reads a chat's owner from the `chat` row.
#[derive(Default)]
pub struct UsageProjection {
    active: Arc<ActiveDays>,
}

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
            Ok(counts.write(conn, &self.active).await?)
        })
    }

    fn collector(&self) -> Option<Box<dyn Collector>> {
        Some(Box::new(UsageCollector(
            Counts::default(),
            Arc::clone(&self.active),
        )))
    }
}

/// The usage of a whole transaction, written at its end.
struct UsageCollector(Counts, Arc<ActiveDays>);

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
        Box::pin(async move { Ok(self.0.write(conn, &self.1).await?) })
    }
}

/// What `event` counts, into `counts` (a chat's owner read from its row as needed).
async fn count(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    counts: &mut Counts,
) -> Result<(), ProjectionError> {
    if let Some(payload) = event.decode_for::<UserEvent>()? {
        user_usage(event, &payload, counts);
    } else if let Some(payload) = event.decode_for::<ChatEvent>()? {
        let owner = if counts_for_owner(&payload) {
            Some(owner_and_key(conn, &event.stream_id).await?)
        } else {
            None
        };
        chat_usage(event, &payload, owner.as_ref(), counts);
    }
    Ok(())
}

/// A chat's owner and the API key that started it (`None` for a web chat).
type Owner = (String, Option<String>);

/// What a user's event counts: said once, for both sinks (`Counts::write` in SQL, `fold` in
/// memory).
fn user_usage(event: &RecordedEvent, payload: &UserEvent, counts: &mut Counts) {
    let day = event.recorded_at.date();
    match payload {
        UserEvent::UserRegistered { .. } => counts.bump(day, Counter::NewUsers),
        UserEvent::PromptRefused { .. } => counts.bump(day, Counter::RefusedPrompts),
        _ => {}
    }
}

/// Whether a chat event counts for the chat's owner and API key (prompts and answers do).
fn counts_for_owner(payload: &ChatEvent) -> bool {
    matches!(
        payload,
        ChatEvent::UserMessageAppended { .. }
            | ChatEvent::PromptEdited { .. }
            | ChatEvent::AnswerCompleted(_)
            | ChatEvent::AnswerStopped(_)
            | ChatEvent::AnswerFailed(_)
    )
}

/// What a chat's event counts, said once for both sinks: on the chat's own row always, and,
/// given its `owner` (`None` where the sink folds only the chat's own rows), on the owner's row
/// and day, the API key, the day and the model.
fn chat_usage(
    event: &RecordedEvent,
    payload: &ChatEvent,
    owner: Option<&Owner>,
    counts: &mut Counts,
) {
    let (chat_id, day) = (event.stream_id.as_str(), event.recorded_at.date());
    match payload {
        ChatEvent::ChatStarted { .. } => counts.bump(day, Counter::Chats),
        ChatEvent::UserMessageAppended { model, .. } | ChatEvent::PromptEdited { model, .. } => {
            counts.chat_prompt(chat_id);
            counts.chat_moved(chat_id, event.recorded_at, event.sequence);
            let Some((user_id, key)) = owner else {
                return;
            };
            counts.owner_prompt(user_id, event.recorded_at);
            counts.bump(day, Counter::Prompts);
            counts.user_prompt(day, user_id);
            if let Some(key) = key {
                counts.bump(day, Counter::ApiPrompts);
                counts.key_prompt(key, event.recorded_at);
            }
            let usage = ModelUsage {
                prompts: 1,
                ..ModelUsage::default()
            };
            counts.model_usage(day, model, usage);
        }
        ChatEvent::AnswerStarted { .. } => {
            counts.chat_moved(chat_id, event.recorded_at, event.sequence)
        }
        ChatEvent::AnswerCompleted(answer) => {
            answered(event, answer, Counter::Answers, owner, counts)
        }
        ChatEvent::AnswerStopped(answer) => {
            answered(event, answer, Counter::StoppedAnswers, owner, counts)
        }
        ChatEvent::AnswerFailed(answer) => {
            answered(event, answer, Counter::FailedAnswers, owner, counts)
        }
        _ => {}
    }
}

fn answered(
    event: &RecordedEvent,
    answer: &AnswerRecord,
    counter: Counter,
    owner: Option<&Owner>,
    counts: &mut Counts,
) {
    let (chat_id, day) = (event.stream_id.as_str(), event.recorded_at.date());
    let (prompt, completion) = (answer.prompt_tokens, answer.completion_tokens);
    counts.chat_tokens(chat_id, prompt, completion);
    counts.chat_moved(chat_id, event.recorded_at, event.sequence);
    let Some((user_id, key)) = owner else {
        return;
    };
    counts.owner_tokens(user_id, prompt, completion);
    counts.answer(day, counter, prompt, completion);
    counts.user_tokens(day, user_id, prompt, completion);
    if let Some(key) = key {
        counts.key_tokens(key, prompt, completion);
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
}
