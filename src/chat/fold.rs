//! `projection.rs`'s rows, folded in memory for a rebuild (`crate::rebuild`): the chat's own rows
//! (`chat`, `chat_history`, `answer_version`), which depend on the chat's events alone, and
//! what its events change in its owner's `user` row (`owners`).
use std::collections::HashMap;

use super::events::{AnswerRecord, ChatEvent};
use super::projection::{sources_json, truncate};
use crate::domain::{MessageStatus, Role};
use crate::events::{ProjectionError, RecordedEvent};
use crate::rebuild::{ChatRow, ChatState, MessageRow, Tables, missing};

/// The chat's own rows.
pub fn apply(
    chats: &mut HashMap<String, ChatState>,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), ProjectionError> {
    let chat_id = event.stream_id.as_str();
    let (at, version) = (event.recorded_at, event.sequence);
    match payload {
        ChatEvent::ChatStarted {
            user_id,
            title,
            model,
            api_key,
        } => {
            let row = ChatRow {
                id: chat_id.to_owned(),
                user_id: user_id.to_string(),
                date: at,
                title: title.clone(),
                title_source: "prompt".to_owned(),
                model: model.clone(),
                prompts: 0,
                prompt_limit: None,
                prompt_tokens: 0,
                completion_tokens: 0,
                updated_at: at,
                version,
                archived: false,
                source: super::projection::source_of(api_key).to_owned(),
                api_key: api_key.map(|key| key.to_string()),
            };
            let state = ChatState {
                row,
                messages: Vec::new(),
                earlier: Vec::new(),
            };
            chats.insert(chat_id.to_owned(), state);
        }
        ChatEvent::UserMessageAppended { text, model }
        | ChatEvent::PromptEdited { text, model, .. } => {
            let chat = chat_mut(chats, chat_id)?;
            if let ChatEvent::PromptEdited { rank, .. } = payload {
                // The branch from `rank` on moves to the earlier versions.
                let (kept, set_aside) = std::mem::take(&mut chat.messages)
                    .into_iter()
                    .partition(|message| message.rank < *rank);
                chat.messages = kept;
                chat.earlier.extend::<Vec<MessageRow>>(set_aside);
            }
            let message = new_message(event, chat, Role::User, text, MessageStatus::Complete);
            chat.messages.push(MessageRow {
                model: Some(model.clone()),
                ..message
            });
            chat.row.prompts += 1;
            touch(chat, event);
        }
        ChatEvent::AnswerStarted { model, instance_id } => {
            let chat = chat_mut(chats, chat_id)?;
            let message = new_message(event, chat, Role::Assistant, "", MessageStatus::Streaming);
            chat.messages.push(MessageRow {
                model: Some(model.clone()),
                instance_id: Some(instance_id.to_string()),
                ..message
            });
            touch(chat, event);
        }
        ChatEvent::AnswerCompleted(answer) => {
            finish_answer(chats, event, answer, MessageStatus::Complete)?
        }
        ChatEvent::AnswerStopped(answer) => {
            finish_answer(chats, event, answer, MessageStatus::Stopped)?
        }
        ChatEvent::AnswerFailed(answer) => {
            finish_answer(chats, event, answer, MessageStatus::Failed)?
        }
        ChatEvent::AnswerDiscarded => {
            let chat = chat_mut(chats, chat_id)?;
            let last_answer = chat
                .messages
                .iter()
                .rposition(|message| message.role == Role::Assistant);
            if let Some(index) = last_answer {
                let answer = chat.messages.remove(index);
                chat.earlier.push(answer);
            }
            touch(chat, event);
        }
        ChatEvent::BranchRestored { rank, version } => {
            let chat = chat_mut(chats, chat_id)?;
            restore_branch(chat, *rank, *version);
            touch(chat, event);
        }
        ChatEvent::ChatRenamed { title, source } => {
            let chat = chat_mut(chats, chat_id)?;
            chat.row.title = title.clone();
            chat.row.title_source = source.as_str().to_owned();
            chat.row.version = version;
        }
        ChatEvent::ChatModelChanged { model } => {
            let chat = chat_mut(chats, chat_id)?;
            chat.row.model = model.clone();
            chat.row.version = version;
        }
        ChatEvent::ChatLimitChanged { limit } => {
            let chat = chat_mut(chats, chat_id)?;
            chat.row.prompt_limit = *limit;
            chat.row.version = version;
        }
        ChatEvent::ChatArchived | ChatEvent::ChatUnarchived => {
            let chat = chat_mut(chats, chat_id)?;
            chat.row.archived = matches!(payload, ChatEvent::ChatArchived);
            chat.row.version = version;
        }
        ChatEvent::CustomInstructionsAttached { .. } | ChatEvent::ClientContextAttached { .. } => {
            chat_mut(chats, chat_id)?.row.version = version;
        }
        ChatEvent::AnswerRated { rank, rating } => {
            let chat = chat_mut(chats, chat_id)?;
            let rated = chat
                .messages
                .iter_mut()
                .filter(|m| m.rank == *rank && m.role == Role::Assistant);
            for message in rated {
                message.rating = rating.map(|r| r.as_str().to_owned());
            }
            chat.row.version = version;
        }
        ChatEvent::ChatDeleted => {
            chats
                .remove(chat_id)
                .ok_or_else(|| missing("chat", chat_id))?;
        }
    }
    Ok(())
}

/// What a chat's events change in its owner's `user` row (like the SQL `UPDATE user … WHERE
/// id = owner`: nothing happens to an owner who is no longer there).
pub fn owners(
    tables: &mut Tables,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), ProjectionError> {
    let chat_id = event.stream_id.as_str();
    if let ChatEvent::ChatStarted {
        user_id, api_key, ..
    } = payload
    {
        let owner = user_id.to_string();
        if let Some(user) = tables.user_mut(&owner) {
            user.chats += 1;
        }
        tables.owners.insert(chat_id.to_owned(), owner);
        if let Some(key) = api_key {
            tables.chat_keys.insert(chat_id.to_owned(), key.to_string());
        }
        return Ok(());
    }
    let owner = tables.owner(chat_id)?;
    if let ChatEvent::ChatDeleted = payload {
        tables.owners.remove(chat_id);
        tables.chat_keys.remove(chat_id);
    }
    let Some(user) = tables.user_mut(&owner) else {
        return Ok(());
    };
    match payload {
        ChatEvent::UserMessageAppended { .. } | ChatEvent::PromptEdited { .. } => {
            user.prompts += 1;
            user.last_active = user.last_active.max(Some(event.recorded_at));
        }
        ChatEvent::AnswerCompleted(answer)
        | ChatEvent::AnswerStopped(answer)
        | ChatEvent::AnswerFailed(answer) => {
            user.prompt_tokens += u64::from(answer.prompt_tokens);
            user.completion_tokens += u64::from(answer.completion_tokens);
        }
        ChatEvent::ChatDeleted => user.chats = user.chats.saturating_sub(1),
        _ => {}
    }
    Ok(())
}

fn chat_mut<'c>(
    chats: &'c mut HashMap<String, ChatState>,
    id: &str,
) -> Result<&'c mut ChatState, ProjectionError> {
    chats.get_mut(id).ok_or_else(|| missing("chat", id))
}

/// Any activity moves the chat up in the sidebar and advances its version.
fn touch(chat: &mut ChatState, event: &RecordedEvent) {
    // To the latest, as the group's counters write it (`usage`).
    chat.row.updated_at = chat.row.updated_at.max(event.recorded_at);
    chat.row.version = chat.row.version.max(event.sequence);
}

/// As `projection::restore_branch`: the conversation from `rank` on is set aside, the
/// `version`-th oldest message at `rank` that followed the one before comes back, then at each
/// rank the newest set-aside message that followed the one before.
fn restore_branch(chat: &mut ChatState, rank: u32, version: u32) {
    let parent = match rank {
        0 | 1 => None,
        _ => chat
            .messages
            .iter()
            .find(|m| m.rank == rank - 1)
            .map(|m| m.id),
    };
    let mut versions: Vec<u64> = chat
        .messages
        .iter()
        .chain(&chat.earlier)
        .filter(|m| m.rank == rank && m.parent_id == parent)
        .map(|m| m.id)
        .collect();
    versions.sort_unstable();
    let Some(mut id) = (version as usize)
        .checked_sub(1)
        .and_then(|index| versions.get(index).copied())
    else {
        return;
    };
    let (kept, set_aside): (Vec<MessageRow>, Vec<MessageRow>) = std::mem::take(&mut chat.messages)
        .into_iter()
        .partition(|message| message.rank < rank);
    chat.messages = kept;
    chat.earlier.extend(set_aside);
    while let Some(index) = chat.earlier.iter().position(|m| m.id == id) {
        chat.messages.push(chat.earlier.remove(index));
        let next = chat
            .earlier
            .iter()
            .filter(|m| m.parent_id == Some(id))
            .map(|m| m.id)
            .max();
        match next {
            Some(next) => id = next,
            None => return,
        }
    }
}

/// The next message of `chat` (its rank follows the highest one, its parent is that message),
/// with no model yet.
fn new_message(
    event: &RecordedEvent,
    chat: &ChatState,
    role: Role,
    content: &str,
    status: MessageStatus,
) -> MessageRow {
    let last = chat.messages.iter().max_by_key(|m| m.rank);
    let rank = last.map_or(0, |m| m.rank) + 1;
    MessageRow {
        id: event.position,
        chat_id: event.stream_id.clone(),
        role,
        content: content.to_owned(),
        date: event.recorded_at,
        rank,
        status,
        model: None,
        prompt_tokens: None,
        completion_tokens: None,
        finish_reason: None,
        error: None,
        latency_ms: None,
        ttft_ms: None,
        instance_id: None,
        sources: None,
        rating: None,
        parent_id: last.map(|m| m.id),
    }
}

fn finish_answer(
    chats: &mut HashMap<String, ChatState>,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    status: MessageStatus,
) -> Result<(), ProjectionError> {
    let chat = chat_mut(chats, &event.stream_id)?;
    let streaming = chat
        .messages
        .iter_mut()
        .filter(|m| m.status == MessageStatus::Streaming);
    for message in streaming {
        message.content = answer.text.clone();
        message.status = status;
        message.model = Some(answer.model.clone());
        message.prompt_tokens = Some(answer.prompt_tokens);
        message.completion_tokens = Some(answer.completion_tokens);
        message.finish_reason = answer.finish_reason.clone();
        message.error = answer.error.as_deref().map(|e| truncate(e, 500));
        message.latency_ms = Some(answer.latency_ms);
        message.ttft_ms = answer.ttft_ms;
        message.sources = sources_json(&answer.sources);
        message.instance_id = None;
    }
    chat.row.prompt_tokens += u64::from(answer.prompt_tokens);
    chat.row.completion_tokens += u64::from(answer.completion_tokens);
    touch(chat, event);
    Ok(())
}
