//! Plain data types of the local chat model's API: the conversation it is given, how to
//! generate, and what a generation cost.
use serde::Serialize;

/// Who wrote a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    /// The role name chat templates expect (`system`, `user`, `assistant`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

/// One turn of a conversation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> Self {
        Self {
            role,
            content: content.into(),
        }
    }

    pub fn system(content: impl Into<String>) -> Self {
        Self::new(Role::System, content)
    }

    pub fn user(content: impl Into<String>) -> Self {
        Self::new(Role::User, content)
    }

    pub fn assistant(content: impl Into<String>) -> Self {
        Self::new(Role::Assistant, content)
    }
}

/// How to pick each next token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sampling {
    /// `0.0` is greedy (the same text every time).
    pub temperature: f32,
    /// Nucleus sampling: keep the most likely tokens whose probabilities add up to this.
    pub top_p: f32,
    pub seed: u32,
}

impl Sampling {
    /// A first answer: nearly greedy and reproducible (a fixed seed).
    pub const FIRST_ANSWER: Sampling = Sampling {
        temperature: 0.2,
        top_p: 0.9,
        seed: 42,
    };

    /// Another answer to the same prompt (Regenerate): a livelier draw with the given seed.
    pub fn another_answer(seed: u32) -> Sampling {
        Sampling {
            temperature: 0.8,
            top_p: 0.95,
            seed,
        }
    }
}

/// How to generate a reply.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerationParams {
    /// Upper bound on generated tokens (reply length).
    pub max_new_tokens: usize,
    /// Prompt + reply must fit in this many tokens (capped at the loaded context).
    pub max_context_tokens: usize,
    pub sampling: Sampling,
}

impl Default for GenerationParams {
    fn default() -> Self {
        Self {
            max_new_tokens: 512,
            max_context_tokens: 8192,
            sampling: Sampling::FIRST_ANSWER,
        }
    }
}

/// Why generation stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FinishReason {
    /// The model produced an end-of-turn token.
    Stop,
    /// `max_new_tokens` or the context window was reached.
    Length,
    /// The text callback asked to stop.
    Cancelled,
}

/// Accounting for one generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Generation {
    pub prompt_tokens: u32,
    /// Of the prompt, how many tokens were already in the KV cache (not computed again).
    pub reused_tokens: u32,
    pub completion_tokens: u32,
    pub finish_reason: FinishReason,
}
