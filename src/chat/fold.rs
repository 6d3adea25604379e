//! The in-memory sink of the chat's changes (`changes.rs`), for a rebuild (`crate::rebuild`): the
//! chat's own rows (`chat`, `chat_history`, `answer_version`), which depend on the chat's events
//! alone, and its owner's count of chats (a row other streams change too). Each is folded when
//! the rebuild's pass covers it (`FoldScope`).
use super::changes::{Change, Field, Outcome, changes};
use super::events::ChatEvent;
use crate::domain::{MessageStatus, Role};
use crate::events::{ProjectionError, RecordedEvent};
use crate::rebuild::{ChatState, MessageRow, Tables, missing};

/// Runs `payload`'s changes on the rows `tables.scope` covers.
pub fn apply(
    tables: &mut Tables,
    event: &RecordedEvent,
    payload: &ChatEvent,
) -> Result<(), ProjectionError> {
    for change in changes(event, payload) {
        fold(tables, event, change)?;
    }
    Ok(())
}

fn fold(tables: &mut Tables, event: &RecordedEvent, change: Change) -> Result<(), ProjectionError> {
    let chat_id = event.stream_id.as_str();
    let (own, shared) = (tables.scope.own_rows(), tables.scope.shared());
    match change {
        Change::Open(row) => {
            if shared {
                // Who owns each chat, for the rows other streams share (the `chat` row in SQL).
                tables
                    .owners
                    .insert(chat_id.to_owned(), row.user_id.clone());
                if let Some(key) = &row.api_key {
                    tables.chat_keys.insert(chat_id.to_owned(), key.clone());
                }
            }
            if own {
                let state = ChatState {
                    row,
                    messages: Vec::new(),
                    earlier: Vec::new(),
                };
                tables.chats.insert(chat_id.to_owned(), state);
            }
        }
        // As `UPDATE user … WHERE id = owner`: an owner who is no longer there is left alone.
        Change::OwnerGained(user_id) if shared => {
            if let Some(user) = tables.user_mut(&user_id) {
                user.chats += 1;
            }
        }
        Change::OwnerLost if shared => {
            let owner = tables.owner(chat_id)?;
            if let Some(user) = tables.user_mut(&owner) {
                user.chats = user.chats.saturating_sub(1);
            }
        }
        Change::OwnerGained(_) | Change::OwnerLost => {}
        Change::Delete => {
            if shared {
                tables.owners.remove(chat_id);
                tables.chat_keys.remove(chat_id);
            }
            if own {
                tables
                    .chats
                    .remove(chat_id)
                    .ok_or_else(|| missing("chat", chat_id))?;
            }
        }
        change if own => {
            let chat = tables
                .chats
                .get_mut(chat_id)
                .ok_or_else(|| missing("chat", chat_id))?;
            fold_own(chat, event, change);
        }
        _ => {}
    }
    Ok(())
}

/// A change to the rows of a chat that exists.
fn fold_own(chat: &mut ChatState, event: &RecordedEvent, change: Change) {
    match change {
        Change::Set(field) => {
            let row = &mut chat.row;
            match field {
                Field::Title { title, source } => {
                    row.title = title;
                    row.title_source = source.as_str().to_owned();
                }
                Field::Model(model) => row.model = model,
                Field::Limit(limit) => row.prompt_limit = limit,
                Field::Archived(archived) => row.archived = archived,
            }
            row.version = event.sequence;
        }
        Change::Version => chat.row.version = event.sequence,
        Change::Touch => {
            chat.row.updated_at = chat.row.updated_at.max(event.recorded_at);
            chat.row.version = chat.row.version.max(event.sequence);
        }
        Change::Append(message) => append(chat, message),
        Change::Finish(outcome) => finish(chat, outcome),
        Change::SetAsideFrom(rank) => set_aside_from(chat, rank),
        Change::SetAsideLastAnswer => {
            let last_answer = chat
                .messages
                .iter()
                .rposition(|message| message.role == Role::Assistant);
            if let Some(index) = last_answer {
                let answer = chat.messages.remove(index);
                chat.earlier.push(answer);
            }
        }
        Change::Restore { rank, version } => restore_branch(chat, rank, version),
        Change::Rate { rank, rating } => {
            let rated = chat
                .messages
                .iter_mut()
                .filter(|m| m.rank == rank && m.role == Role::Assistant);
            for message in rated {
                message.rating = rating.clone();
            }
        }
        // The chat's row coming and going, and its owner's: `fold`.
        Change::Open(_) | Change::Delete | Change::OwnerGained(_) | Change::OwnerLost => {}
    }
}

/// The message follows the conversation's last one (one rank below it, that one its parent).
fn append(chat: &mut ChatState, message: MessageRow) {
    let last = chat.messages.iter().max_by_key(|m| m.rank);
    let placed = MessageRow {
        rank: last.map_or(0, |m| m.rank) + 1,
        parent_id: last.map(|m| m.id),
        ..message
    };
    chat.messages.push(placed);
}

/// The answer being written takes its outcome (one message streams at a time: the outcome is
/// moved into the last one, copied into any before it).
fn finish(chat: &mut ChatState, outcome: Outcome) {
    let mut streaming = chat
        .messages
        .iter_mut()
        .filter(|m| m.status == MessageStatus::Streaming)
        .peekable();
    while let Some(message) = streaming.next() {
        if streaming.peek().is_some() {
            finished(message, outcome.clone());
        } else {
            finished(message, outcome);
            return;
        }
    }
}

fn finished(message: &mut MessageRow, outcome: Outcome) {
    message.content = outcome.content;
    message.status = outcome.status;
    message.model = Some(outcome.model);
    message.prompt_tokens = Some(outcome.prompt_tokens);
    message.completion_tokens = Some(outcome.completion_tokens);
    message.finish_reason = outcome.finish_reason;
    message.error = outcome.error;
    message.latency_ms = Some(outcome.latency_ms);
    message.ttft_ms = outcome.ttft_ms;
    message.sources = outcome.sources;
    message.instance_id = None;
}

fn set_aside_from(chat: &mut ChatState, rank: u32) {
    let (kept, set_aside): (Vec<MessageRow>, Vec<MessageRow>) = std::mem::take(&mut chat.messages)
        .into_iter()
        .partition(|message| message.rank < rank);
    chat.messages = kept;
    chat.earlier.extend(set_aside);
}

/// `Change::Restore`: the chosen version and the newest messages that followed it come back
/// from the earlier versions, one by one.
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
    set_aside_from(chat, rank);
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
