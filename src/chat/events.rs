//! Events of the `chat` stream: one stream per chat, keyed by the chat's id.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::DomainEvent;
use crate::llm::{ChatMessage, Source};

/// The variant name is the stored `event_type` (serde's tag and strum derive it alike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum ChatEvent {
    ChatStarted {
        user_id: Uuid,
        title: String,
        model: String,
        /// Set when an API call (`/v1/chat/completions`) started the chat: the key it used.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        api_key: Option<Uuid>,
    },
    /// The owner's custom instructions, copied when the chat started (right after
    /// `ChatStarted`); the model reads them in every turn of this chat.
    CustomInstructionsAttached {
        instructions: String,
    },
    /// The earlier messages an API client sent with its first prompt (its system messages and
    /// the turns before), right after `ChatStarted`; the model reads them in every turn.
    ClientContextAttached {
        messages: Vec<ChatMessage>,
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
    /// The user rewrote the prompt at `rank` (1-based): the conversation from there on is set
    /// aside as an earlier branch (it stays in the log and readable) and `text` takes its place.
    /// An `AnswerStarted` follows, as after `UserMessageAppended`.
    PromptEdited {
        rank: u32,
        text: String,
        model: String,
    },
    /// The user went back to version `version` (1-based, oldest first, as the `‹ 1/2 ›`
    /// switcher counts) of the message at `rank` and continued from there: the conversation
    /// from `rank` on is set aside and that version takes its place, with at each rank after it
    /// the newest message that followed the one before. The follow-up prompt comes next.
    BranchRestored {
        rank: u32,
        version: u32,
    },
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
    /// Out of the sidebar (Settings lists archived chats); still readable and usable.
    ChatArchived,
    ChatUnarchived,
    /// The user rated an answer (thumbs up/down) or took the rating back (`rating: null`).
    /// `rank` is the answer's 1-based place in the conversation (`chat_history.rank`).
    AnswerRated {
        rank: u32,
        rating: Option<Rating>,
    },
}

/// What the user thought of an answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Rating {
    Up,
    Down,
}

impl Rating {
    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Up => "up",
            Rating::Down => "down",
        }
    }

    pub fn parse(text: &str) -> Option<Rating> {
        match text {
            "up" => Some(Rating::Up),
            "down" => Some(Rating::Down),
            _ => None,
        }
    }
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
    /// The passages a PDF model was shown (what an analyst needs to judge the answer).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<Source>,
    /// Which version of a PDF model's instructions answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instructions_version: Option<u32>,
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
        self.into()
    }
}
