//! The in-memory sink of what events count (`Counts`), for a rebuild (`crate::rebuild`): the same
//! counts the SQL sink adds at the end of a group (`Counts::write`), added to a rebuild's rows.
//! The chat's own counters are folded where the chat's rows are; the rest (days, owners, API
//! keys, models) where the pass covers the shared rows (`FoldScope`).
use time::Date;

use super::counters::{Counter, Counts, DAILY_COLUMNS};
use super::{chat_usage, counts_for_owner, user_usage};
use crate::accounts::events::UserEvent;
use crate::chat::events::ChatEvent;
use crate::events::{ProjectionError, RecordedEvent};
use crate::rebuild::{DailyModelRow, DailyStatsRow, DailyUserRow, Tables, collation_key};

pub fn user(tables: &mut Tables, event: &RecordedEvent, payload: &UserEvent) {
    let mut counts = Counts::default();
    user_usage(event, payload, &mut counts);
    fold(counts, tables);
}

/// A chat's owner is read from the rebuild's own record of it (the `chat` row in SQL), where the
/// pass covers the shared rows.
pub fn chat(
    tables: &mut Tables,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), ProjectionError> {
    let chat_id = event.stream_id.as_str();
    let owner = if tables.scope.shared() && counts_for_owner(payload) {
        let key = tables.chat_keys.get(chat_id).cloned();
        Some((tables.owner(chat_id)?, key))
    } else {
        None
    };
    let mut counts = Counts::default();
    chat_usage(event, payload, owner.as_ref(), &mut counts);
    fold(counts, tables);
    Ok(())
}

/// Adds `counts` to the rows `tables.scope` covers; a row that is not there (a chat or a user
/// deleted meanwhile) is left alone, as the SQL sink's `UPDATE … JOIN` leaves it.
fn fold(counts: Counts, tables: &mut Tables) {
    for (chat_id, used) in counts.chats.rows {
        if let Some(chat) = tables.chats.get_mut(&chat_id) {
            let row = &mut chat.row;
            row.prompts += used.prompts as u32;
            row.prompt_tokens += used.prompt_tokens;
            row.completion_tokens += used.completion_tokens;
            row.updated_at = row
                .updated_at
                .max(used.updated_at.unwrap_or(row.updated_at));
            row.version = row.version.max(used.version);
        }
    }
    if !tables.scope.shared() {
        return;
    }
    for (user_id, used) in counts.owners.rows {
        if let Some(user) = tables.user_mut(&user_id) {
            user.prompts += used.prompts as u32;
            user.prompt_tokens += used.prompt_tokens;
            user.completion_tokens += used.completion_tokens;
            if used.last_active.is_some() {
                user.last_active = user.last_active.max(used.last_active);
            }
        }
    }
    for (key_id, used) in counts.keys.rows {
        if let Some(key) = tables.api_keys.get_mut(&key_id) {
            key.prompts += used.prompts as u32;
            key.prompt_tokens += used.prompt_tokens;
            key.completion_tokens += used.completion_tokens;
            key.last_used_at = used.last_used_at.or(key.last_used_at);
        }
    }
    for ((day, user_id), used) in counts.users.rows {
        // A prompt that opens the user's day makes them active that day.
        let key = (day, user_id);
        let opened = used.opened_by_prompt && !tables.daily_users.contains_key(&key);
        let row = tables
            .daily_users
            .entry(key)
            .or_insert_with_key(|(day, user_id)| DailyUserRow::new(*day, user_id));
        row.prompts += used.prompts as u32;
        row.prompt_tokens += used.prompt_tokens;
        row.completion_tokens += used.completion_tokens;
        if opened {
            tables.day(day).active_users += 1;
        }
    }
    for (day, columns) in counts.daily.rows {
        add_daily(tables.day(day), &columns);
    }
    for ((day, model), used) in counts.models.rows {
        let row = model_row(tables, day, &model);
        row.prompts += used.prompts as u32;
        row.answers += used.answers as u32;
        row.prompt_tokens += used.prompt_tokens;
        row.completion_tokens += used.completion_tokens;
    }
}

/// A day's counters, in `DAILY_COLUMNS`' order.
fn add_daily(row: &mut DailyStatsRow, columns: &[u64; DAILY_COLUMNS.len()]) {
    let count = |counter: Counter| columns[counter as usize] as u32;
    row.new_users += count(Counter::NewUsers);
    row.active_users += count(Counter::ActiveUsers);
    row.chats += count(Counter::Chats);
    row.prompts += count(Counter::Prompts);
    row.answers += count(Counter::Answers);
    row.failed_answers += count(Counter::FailedAnswers);
    row.stopped_answers += count(Counter::StoppedAnswers);
    row.api_prompts += count(Counter::ApiPrompts);
    row.refused_prompts += count(Counter::RefusedPrompts);
    row.prompt_tokens += columns[Counter::PROMPT_TOKENS];
    row.completion_tokens += columns[Counter::COMPLETION_TOKENS];
}

fn model_row<'t>(tables: &'t mut Tables, day: Date, model: &str) -> &'t mut DailyModelRow {
    tables
        .daily_models
        .entry((day, collation_key(model)))
        .or_insert_with(|| DailyModelRow::new(day, model))
}
