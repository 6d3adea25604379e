//! `projection.rs`'s rows (`chat`, `chat_history`, `answer_version` and the owner's counters in
//! `user`), folded in memory for a rebuild (`crate::rebuild`).
use super::events::{AnswerRecord, ChatEvent};
use super::projection::{sources_json, truncate};
use crate::events::{ProjectionError, RecordedEvent};
use crate::rebuild::{ChatRow, ChatState, MessageRow, Tables};

pub fn apply(
    tables: &mut Tables,
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
        } => {
            let user_id = user_id.to_string();
            let row = ChatRow {
                id: chat_id.to_owned(),
                user_id: user_id.clone(),
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
            };
            let state = ChatState {
                row,
                messages: Vec::new(),
                earlier: Vec::new(),
            };
            tables.chats.insert(chat_id.to_owned(), state);
            if let Some(user) = tables.user_mut(&user_id) {
                user.chats += 1;
            }
        }
        ChatEvent::UserMessageAppended { text, model }
        | ChatEvent::PromptEdited { text, model, .. } => {
            let chat = tables.chat_mut(chat_id)?;
            if let ChatEvent::PromptEdited { rank, .. } = payload {
                // The branch from `rank` on moves to the earlier versions.
                let (kept, set_aside) = std::mem::take(&mut chat.messages)
                    .into_iter()
                    .partition(|message| message.rank < *rank);
                chat.messages = kept;
                chat.earlier.extend::<Vec<MessageRow>>(set_aside);
            }
            let message = new_message(event, chat, "user", text, "complete");
            chat.messages.push(MessageRow {
                model: Some(model.clone()),
                ..message
            });
            chat.row.prompts += 1;
            chat.row.updated_at = at;
            chat.row.version = version;
            let owner = chat.row.user_id.clone();
            if let Some(user) = tables.user_mut(&owner) {
                user.prompts += 1;
                user.last_active = Some(at);
            }
        }
        ChatEvent::AnswerStarted { model, instance_id } => {
            let chat = tables.chat_mut(chat_id)?;
            let message = new_message(event, chat, "assistant", "", "streaming");
            chat.messages.push(MessageRow {
                model: Some(model.clone()),
                instance_id: Some(instance_id.to_string()),
                ..message
            });
            touch(chat, event);
        }
        ChatEvent::AnswerCompleted(answer) => finish_answer(tables, event, answer, "complete")?,
        ChatEvent::AnswerStopped(answer) => finish_answer(tables, event, answer, "stopped")?,
        ChatEvent::AnswerFailed(answer) => finish_answer(tables, event, answer, "failed")?,
        ChatEvent::AnswerDiscarded => {
            let chat = tables.chat_mut(chat_id)?;
            let last_answer = chat
                .messages
                .iter()
                .rposition(|message| message.role == "assistant");
            if let Some(index) = last_answer {
                let answer = chat.messages.remove(index);
                chat.earlier.push(answer);
            }
            touch(chat, event);
        }
        ChatEvent::ChatRenamed { title, source } => {
            let chat = tables.chat_mut(chat_id)?;
            chat.row.title = title.clone();
            chat.row.title_source = source.as_str().to_owned();
            chat.row.version = version;
        }
        ChatEvent::ChatModelChanged { model } => {
            let chat = tables.chat_mut(chat_id)?;
            chat.row.model = model.clone();
            chat.row.version = version;
        }
        ChatEvent::ChatLimitChanged { limit } => {
            let chat = tables.chat_mut(chat_id)?;
            chat.row.prompt_limit = *limit;
            chat.row.version = version;
        }
        ChatEvent::ChatArchived | ChatEvent::ChatUnarchived => {
            let chat = tables.chat_mut(chat_id)?;
            chat.row.archived = matches!(payload, ChatEvent::ChatArchived);
            chat.row.version = version;
        }
        ChatEvent::CustomInstructionsAttached { .. } => {
            tables.chat_mut(chat_id)?.row.version = version;
        }
        ChatEvent::AnswerRated { rank, rating } => {
            let chat = tables.chat_mut(chat_id)?;
            let rated = chat
                .messages
                .iter_mut()
                .filter(|m| m.rank == *rank && m.role == "assistant");
            for message in rated {
                message.rating = rating.map(|r| r.as_str());
            }
            chat.row.version = version;
        }
        ChatEvent::ChatDeleted => {
            let owner = tables.owner(chat_id)?;
            tables.chats.remove(chat_id);
            if let Some(user) = tables.user_mut(&owner) {
                user.chats = user.chats.saturating_sub(1);
            }
        }
    }
    Ok(())
}

/// Any activity moves the chat up in the sidebar and advances its version.
fn touch(chat: &mut ChatState, event: &RecordedEvent) {
    chat.row.updated_at = event.recorded_at;
    chat.row.version = event.sequence;
}

/// The next message of `chat` (its rank follows the highest one), with no model yet.
fn new_message(
    event: &RecordedEvent,
    chat: &ChatState,
    role: &'static str,
    content: &str,
    status: &'static str,
) -> MessageRow {
    let rank = chat.messages.iter().map(|m| m.rank).max().unwrap_or(0) + 1;
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
    }
}

fn finish_answer(
    tables: &mut Tables,
    event: &RecordedEvent,
    answer: &AnswerRecord,
    status: &'static str,
) -> Result<(), ProjectionError> {
    let chat = tables.chat_mut(&event.stream_id)?;
    let streaming = chat.messages.iter_mut().filter(|m| m.status == "streaming");
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
    let (prompt, completion) = (
        u64::from(answer.prompt_tokens),
        u64::from(answer.completion_tokens),
    );
    chat.row.prompt_tokens += prompt;
    chat.row.completion_tokens += completion;
    touch(chat, event);
    let owner = chat.row.user_id.clone();
    if let Some(user) = tables.user_mut(&owner) {
        user.prompt_tokens += prompt;
        user.completion_tokens += completion;
    }
    Ok(())
}
