//! Events of the `bot` stream: one stream per user-made chatbot, keyed by its id.
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::events::DomainEvent;

/// The variant name is the stored `event_type` (serde's tag and strum derive it alike).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum BotEvent {
    BotCreated {
        /// The user who made it (the only one who may change it).
        owner: Uuid,
        name: String,
        description: String,
        /// The bot's system prompt (plain text, never shown to anyone but its owner).
        instructions: String,
        /// The model that writes the answers (any model of the owner's picker but a bot).
        base_model: String,
        avatar: Avatar,
        /// Up to four prompts offered on the bot's start page.
        starters: Vec<String>,
    },
    /// Only the changed fields are set; new instructions count the version up.
    BotEdited {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        instructions: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        base_model: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        avatar: Option<Avatar>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        starters: Option<Vec<String>>,
    },
    /// The bot's own PDF: read by the PDF model `model` (a `model/<uuid>` stream owned by the bot,
    /// never offered on its own), which replaces any earlier one.
    KnowledgeAttached {
        model: Uuid,
        /// The name the browser sent, for display only.
        file_name: String,
        bytes: u64,
    },
    KnowledgeRemoved {
        model: Uuid,
    },
    /// Anyone logged in with the link may use it (never read its instructions or its PDF).
    BotShared,
    BotUnshared,
    /// The admin took it out of use; `reason` is shown to its owner.
    BotDisabled {
        reason: String,
    },
    BotEnabled,
    BotDeleted,
}

/// A bot's picture: an emoji on a colour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Avatar {
    pub emoji: String,
    /// One of `COLORS`.
    pub color: String,
}

/// The colours an avatar may have (CSS classes `avatar-<name>`).
pub const COLORS: &[&str] = &[
    "teal", "blue", "violet", "pink", "red", "orange", "amber", "green", "slate",
];

impl Default for Avatar {
    fn default() -> Self {
        Avatar {
            emoji: "🤖".into(),
            color: "teal".into(),
        }
    }
}

impl DomainEvent for BotEvent {
    const STREAM_TYPE: &'static str = "bot";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}

/// Events of the `bot_owner` stream: one stream per user who makes bots, keyed by the user's id.
/// It holds the user's bot slots, so that `BOTS_PER_USER` is decided by one stream's rules and
/// racing creations are serialised by its sequence (see `bots::ownership`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, strum::IntoStaticStr)]
#[serde(tag = "type")]
pub enum BotOwnerEvent {
    /// The bots the user already had when their slots were first counted here (bots made
    /// before this stream existed); always the stream's first event before a claim.
    BotsCounted { bots: Vec<Uuid> },
    /// A slot is taken for the bot `bot`, just before its `BotCreated`.
    BotSlotClaimed { bot: Uuid },
    /// The bot `bot` no longer takes a slot: it was deleted, or its creation failed.
    BotSlotReleased { bot: Uuid },
}

impl DomainEvent for BotOwnerEvent {
    const STREAM_TYPE: &'static str = "bot_owner";

    fn event_type(&self) -> &'static str {
        self.into()
    }
}
