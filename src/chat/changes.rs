//! What each chat event does to the chat's rows (`chat`, `chat_history`, `answer_version`) and to
//! its owner's count of chats, said once: an event becomes a list of `Change`s. Two sinks run
//! them: SQL statements inside the append's transaction (`projection.rs`) and a rebuild's rows
//! in memory (`fold.rs`). The counters a turn moves (the chat's prompts and tokens, its
//! `updated_at`) are counted by usage (`crate::usage`), collected over a group commit.
use super::events::{AnswerRecord, ChatEvent, TitleSource};
use crate::domain::{MessageStatus, Role};
use crate::events::RecordedEvent;
use crate::rebuild::{ChatRow, MessageRow};

/// Longest error text kept on a failed answer's row (`chat_history.error`).
const MAX_ERROR_CHARS: usize = 500;

/// One change to a chat's rows.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// The chat's row is created.
    Open(ChatRow),
    /// This user (the chat's owner) has one chat more.
    OwnerGained(String),
    /// The chat's owner has one chat fewer.
    OwnerLost,
    /// The chat's row and its messages are gone.
    Delete,
    /// A field of the chat's row changes; its `version` becomes the event's.
    Set(Field),
    /// Only `version` becomes the event's (what only the chat's actor reads changed).
    Version,
    /// Any activity moves the chat up in the sidebar: `updated_at` and `version` go to the
    /// event's, if later (a turn's own moves are counted by usage, over its group).
    Touch,
    /// A message follows the conversation's last one: its `rank` is one more, its `parent_id`
    /// is that message (both left empty here, placed by the sink).
    Append(MessageRow),
    /// The answer being written (the `streaming` message) gets its outcome.
    Finish(Outcome),
    /// The conversation from this rank on is set aside (readable as earlier versions).
    SetAsideFrom(u32),
    /// The conversation's last answer is set aside.
    SetAsideLastAnswer,
    /// The conversation from `rank` on is set aside; the `version`-th oldest message at `rank`
    /// that followed the message before it comes back, and after it at each rank the newest
    /// set-aside message that followed the one before (as `branches::Branches` reads them).
    /// Nothing changes when there is no such version.
    Restore { rank: u32, version: u32 },
    /// The user's thumbs on the answer at `rank`.
    Rate { rank: u32, rating: Option<String> },
}

/// A field of the `chat` row an event sets.
#[derive(Clone, Debug, PartialEq)]
pub enum Field {
    Title { title: String, source: TitleSource },
    Model(String),
    Limit(Option<u32>),
    Archived(bool),
}

/// What a finished answer's row says (its `content` and how it ended).
#[derive(Clone, Debug, PartialEq)]
pub struct Outcome {
    pub content: String,
    pub status: MessageStatus,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    pub latency_ms: u64,
    pub ttft_ms: Option<u64>,
    /// JSON list of `llm::Source` (PDF models' answers only).
    pub sources: Option<String>,
}

/// What `payload` (the event `event` recorded) changes in the chat's rows, in order.
pub fn changes(event: &RecordedEvent, payload: &ChatEvent) -> Vec<Change> {
    let message = |role, content: &str, status, model: &str| MessageRow {
        model: Some(model.to_owned()),
        ..new_message(event, role, content, status)
    };
    match payload {
        ChatEvent::UserMessageAppended { text, model } => {
            vec![Change::Append(message(
                Role::User,
                text,
                MessageStatus::Complete,
                model,
            ))]
        }
        ChatEvent::PromptEdited { rank, text, model } => vec![
            Change::SetAsideFrom(*rank),
            Change::Append(message(Role::User, text, MessageStatus::Complete, model)),
        ],
        ChatEvent::AnswerStarted { model, instance_id } => vec![Change::Append(MessageRow {
            instance_id: Some(instance_id.to_string()),
            ..message(Role::Assistant, "", MessageStatus::Streaming, model)
        })],
        ChatEvent::AnswerCompleted(answer) => vec![finish(answer, MessageStatus::Complete)],
        ChatEvent::AnswerStopped(answer) => vec![finish(answer, MessageStatus::Stopped)],
        ChatEvent::AnswerFailed(answer) => vec![finish(answer, MessageStatus::Failed)],
        ChatEvent::AnswerDiscarded => vec![Change::SetAsideLastAnswer, Change::Touch],
        ChatEvent::BranchRestored { rank, version } => vec![
            Change::Restore {
                rank: *rank,
                version: *version,
            },
            Change::Touch,
        ],
        ChatEvent::ChatStarted {
            user_id,
            title,
            model,
            api_key,
        } => vec![
            Change::Open(ChatRow {
                id: event.stream_id.clone(),
                user_id: user_id.to_string(),
                date: event.recorded_at,
                title: title.clone(),
                title_source: TitleSource::Prompt.as_str().to_owned(),
                model: model.clone(),
                prompts: 0,
                prompt_limit: None,
                prompt_tokens: 0,
                completion_tokens: 0,
                updated_at: event.recorded_at,
                version: event.sequence,
                archived: false,
                source: source_of(api_key).to_owned(),
                api_key: api_key.map(|key| key.to_string()),
            }),
            Change::OwnerGained(user_id.to_string()),
        ],
        ChatEvent::ChatRenamed { title, source } => vec![Change::Set(Field::Title {
            title: title.clone(),
            source: *source,
        })],
        ChatEvent::ChatModelChanged { model } => vec![Change::Set(Field::Model(model.clone()))],
        ChatEvent::ChatLimitChanged { limit } => vec![Change::Set(Field::Limit(*limit))],
        ChatEvent::ChatArchived => vec![Change::Set(Field::Archived(true))],
        ChatEvent::ChatUnarchived => vec![Change::Set(Field::Archived(false))],
        // Only the chat's actor reads them (they go to the model, not onto a page).
        ChatEvent::CustomInstructionsAttached { .. } | ChatEvent::ClientContextAttached { .. } => {
            vec![Change::Version]
        }
        ChatEvent::AnswerRated { rank, rating } => vec![
            Change::Rate {
                rank: *rank,
                rating: rating.map(|r| r.as_str().to_owned()),
            },
            Change::Version,
        ],
        ChatEvent::ChatDeleted => vec![Change::OwnerLost, Change::Delete],
    }
}

/// `chat.source`: `api` for a chat an API key started, else `web`.
fn source_of(api_key: &Option<uuid::Uuid>) -> &'static str {
    if api_key.is_some() { "api" } else { "web" }
}

/// The message `event` adds, with no model yet and its place in the conversation left to the
/// sink (`Change::Append`). Its id is the event's position.
fn new_message(
    event: &RecordedEvent,
    role: Role,
    content: &str,
    status: MessageStatus,
) -> MessageRow {
    MessageRow {
        id: event.position,
        chat_id: event.stream_id.clone(),
        role,
        content: content.to_owned(),
        date: event.recorded_at,
        rank: 0,
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
        parent_id: None,
    }
}

fn finish(answer: &AnswerRecord, status: MessageStatus) -> Change {
    let sources = (!answer.sources.is_empty())
        .then(|| serde_json::to_string(&answer.sources).ok())
        .flatten();
    Change::Finish(Outcome {
        content: answer.text.clone(),
        status,
        model: answer.model.clone(),
        prompt_tokens: answer.prompt_tokens,
        completion_tokens: answer.completion_tokens,
        finish_reason: answer.finish_reason.clone(),
        error: answer
            .error
            .as_deref()
            .map(|e| e.chars().take(MAX_ERROR_CHARS).collect()),
        latency_ms: answer.latency_ms,
        ttft_ms: answer.ttft_ms,
        sources,
    })
}
