//! The usage projection's daily rows, folded in memory for a rebuild (`crate::rebuild`). Registered
//! after the chat projection, as in SQL: a chat's owner is read from its row.
use time::Date;

use crate::accounts::events::UserEvent;
use crate::chat::events::{AnswerRecord, ChatEvent};
use crate::events::{ProjectionError, RecordedEvent};
use crate::rebuild::{DailyModelRow, DailyUserRow, Tables, collation_key};

pub fn user(tables: &mut Tables, event: &RecordedEvent, payload: &UserEvent) {
    match payload {
        UserEvent::UserRegistered { .. } => tables.day(event.recorded_at.date()).new_users += 1,
        UserEvent::PromptRefused { .. } => {
            tables.day(event.recorded_at.date()).refused_prompts += 1;
        }
        _ => {}
    }
}

pub fn chat(
    tables: &mut Tables,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), ProjectionError> {
    let day = event.recorded_at.date();
    match payload {
        ChatEvent::ChatStarted { .. } => tables.day(day).chats += 1,
        ChatEvent::UserMessageAppended { model, .. } | ChatEvent::PromptEdited { model, .. } => {
            let user_id = tables.owner(&event.stream_id)?;
            tables.day(day).prompts += 1;
            user_prompt(tables, day, &user_id);
            if let Some(key) = tables.chat_keys.get(event.stream_id.as_str()).cloned() {
                tables.day(day).api_prompts += 1;
                if let Some(row) = tables.api_keys.get_mut(&key) {
                    row.prompts += 1;
                    row.last_used_at = Some(event.recorded_at);
                }
            }
            model_row(tables, day, model).prompts += 1;
        }
        ChatEvent::AnswerCompleted(answer) => answered(tables, event, answer, Answer::Completed)?,
        ChatEvent::AnswerStopped(answer) => answered(tables, event, answer, Answer::Stopped)?,
        ChatEvent::AnswerFailed(answer) => answered(tables, event, answer, Answer::Failed)?,
        _ => {}
    }
    Ok(())
}

/// Counts a prompt for the user's day; the first row of the day makes the user active.
fn user_prompt(tables: &mut Tables, day: Date, user_id: &str) {
    let key = (day, user_id.to_owned());
    match tables.daily_users.get_mut(&key) {
        Some(row) => row.prompts += 1,
        None => {
            let mut row = DailyUserRow::new(day, user_id);
            row.prompts = 1;
            tables.daily_users.insert(key, row);
            tables.day(day).active_users += 1;
        }
    }
}

fn model_row<'t>(tables: &'t mut Tables, day: Date, model: &str) -> &'t mut DailyModelRow {
    tables
        .daily_models
        .entry((day, collation_key(model)))
        .or_insert_with(|| DailyModelRow::new(day, model))
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Completed,
    Stopped,
    Failed,
}

fn answered(
    tables: &mut Tables,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    outcome: Answer,
) -> Result<(), ProjectionError> {
    let day = event.recorded_at.date();
    let user_id = tables.owner(&event.stream_id)?;
    let (prompt, completion) = (
        u64::from(answer.prompt_tokens),
        u64::from(answer.completion_tokens),
    );
    if let Some(key) = tables.chat_keys.get(event.stream_id.as_str()).cloned()
        && let Some(row) = tables.api_keys.get_mut(&key)
    {
        row.prompt_tokens += prompt;
        row.completion_tokens += completion;
    }
    let stats = tables.day(day);
    match outcome {
        Answer::Completed => stats.answers += 1,
        Answer::Stopped => stats.stopped_answers += 1,
        Answer::Failed => stats.failed_answers += 1,
    }
    stats.prompt_tokens += prompt;
    stats.completion_tokens += completion;
    let activity = tables
        .daily_users
        .entry((day, user_id.clone()))
        .or_insert_with(|| DailyUserRow::new(day, &user_id));
    activity.prompt_tokens += prompt;
    activity.completion_tokens += completion;
    // Completed answers only, as in SQL (failed and stopped ones still count their tokens).
    let model = model_row(tables, day, &answer.model);
    model.answers += u32::from(outcome == Answer::Completed);
    model.prompt_tokens += prompt;
    model.completion_tokens += completion;
    Ok(())
}
