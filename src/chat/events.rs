//! Events of the `chat` stream: one stream per chat, keyed by the chat's id.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::DomainEvent;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum ChatEvent {
    ChatStarted {
        user_id: Uuid,
        title: String,
        model: String,
    },
    UserMessageAppended {
        text: String,
        model: String,
    },
    /// The model was asked; the answer's row shows as streaming until one of the three below.
    AnswerStarted {
        model: String,
        instance_id: Uuid,
    },
    AnswerCompleted(AnswerRecord),
    AnswerStopped(AnswerRecord),
    AnswerFailed(AnswerRecord),
    /// The last answer leaves the conversation (Regenerate); it stays in the log.
    AnswerDiscarded,
    ChatRenamed {
        title: String,
        source: TitleSource,
    },
    ChatModelChanged {
        model: String,
    },
    /// An admin's per-chat override of the prompt limit (`None` = the global default).
    ChatLimitChanged {
        limit: Option<u32>,
    },
    ChatDeleted,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AnswerRecord {
    pub text: String,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
    /// Why an answer failed, readable by the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub latency_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ttft_ms: Option<u64>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TitleSource {
    #[default]
    Prompt,
    Model,
    User,
}

impl TitleSource {
    pub fn as_str(self) -> &'static str {
        match self {
            TitleSource::Prompt => "prompt",
            TitleSource::Model => "model",
            TitleSource::User => "user",
        }
    }
}

impl DomainEvent for ChatEvent {
    const STREAM_TYPE: &'static str = "chat";

    fn event_type(&self) -> &'static str {
        match self {
            ChatEvent::ChatStarted { .. } => "ChatStarted",
            ChatEvent::UserMessageAppended { .. } => "UserMessageAppended",
            ChatEvent::AnswerStarted { .. } => "AnswerStarted",
            ChatEvent::AnswerCompleted(_) => "AnswerCompleted",
            ChatEvent::AnswerStopped(_) => "AnswerStopped",
            ChatEvent::AnswerFailed(_) => "AnswerFailed",
            ChatEvent::AnswerDiscarded => "AnswerDiscarded",
            ChatEvent::ChatRenamed { .. } => "ChatRenamed",
            ChatEvent::ChatModelChanged { .. } => "ChatModelChanged",
            ChatEvent::ChatLimitChanged { .. } => "ChatLimitChanged",
            ChatEvent::ChatDeleted => "ChatDeleted",
        }
    }
}
