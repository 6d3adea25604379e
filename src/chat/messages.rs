//! Every message `ChatActor` answers, in one place (handlers: `actor.rs` and `turn.rs`).
use actix::prelude::*;
use uuid::Uuid;

use super::actor::ChatError;
use super::aggregate::{ApiStart, BranchChoice, Chat, ChatCommand};
use super::answer::Written;
use super::live::Subscription;
use crate::events::{Metadata, RecordedEvent};
use crate::i18n::Lang;
use crate::llm::RequestOptions;

/// Runs one command against the chat; the reply carries the recorded events.
#[derive(Clone, Message)]
#[rtype(result = "Result<Vec<RecordedEvent>, ChatError>")]
pub struct Execute {
    pub command: ChatCommand,
    pub metadata: Metadata,
}

/// The chat's current state (loaded if needed).
#[derive(Clone, Message)]
#[rtype(result = "Result<Chat, ChatError>")]
pub struct Snapshot;

/// Whose the chat is, from the actor's state (loaded if needed): `None` for a chat that does not
/// exist or was deleted. What the service checks before a prompt (another user's chat is a 404),
/// with no read of the `chat` row.
#[derive(Clone, Message)]
#[rtype(result = "Result<Option<Ownership>, ChatError>")]
pub struct Whose;

#[derive(Clone, Debug, PartialEq)]
pub struct Ownership {
    pub owner: Uuid,
    /// The model the chat answers with now.
    pub model: String,
    /// Started by an API key (`/v1`), not in the sidebar.
    pub api: bool,
}

impl Ownership {
    pub fn of(chat: &Chat) -> Option<Ownership> {
        let owner = chat.owner.filter(|_| !chat.deleted)?;
        Some(Ownership {
            owner,
            model: chat.model.clone(),
            api: chat.api_key.is_some(),
        })
    }
}

/// Stops the answer being written (it is saved as stopped). `true` if there was one.
#[derive(Clone, Message)]
#[rtype(result = "bool")]
pub struct Stop;

/// Follows the answer being written, if any: its id, the text so far and what comes next.
#[derive(Clone, Message)]
#[rtype(result = "Option<(u64, Subscription)>")]
pub struct Follow;

/// Settles this instance's answer left "streaming" with no turn behind it in this actor: from
/// the spool when a copy waits there, else as failed. `Ok(true)` if it recorded something.
#[derive(Clone, Message)]
#[rtype(result = "Result<bool, ChatError>")]
pub struct SettleLeftover;

/// Which kind of prompt: the first of a new chat, a follow-up, a rewritten earlier prompt, or
/// "regenerate the last answer".
#[derive(Clone, Debug)]
pub enum PromptKind {
    /// A new chat, with its owner's custom instructions (if any).
    Start {
        owner: Uuid,
        instructions: Option<String>,
        /// Set when an API call starts the chat.
        api: Option<ApiStart>,
    },
    /// A follow-up; with `branch`, of that version of a message (the branch the user is
    /// looking at).
    Follow {
        default_limit: u32,
        branch: Option<BranchChoice>,
    },
    /// The prompt at `rank` rewritten: the conversation branches there.
    Edit {
        rank: u32,
        default_limit: u32,
    },
    Regenerate {
        default_limit: u32,
    },
}

/// A prompt (or a regeneration) for this chat. Waits its turn behind an answer in progress.
#[derive(Clone, Debug, Message)]
#[rtype(result = "Result<Accepted, ChatError>")]
pub struct SubmitPrompt {
    pub kind: PromptKind,
    pub text: String,
    pub model: String,
    pub lang: Lang,
    pub metadata: Metadata,
    /// An API client's sampling wishes (none from the web).
    pub options: RequestOptions,
}

/// The prompt is saved and its answer has started.
pub struct Accepted {
    pub user_message_id: Option<u64>,
    pub answer_id: u64,
    pub chat: Chat,
    pub subscription: Subscription,
}

/// Sent by the answer task when it ends.
#[derive(Message)]
#[rtype(result = "()")]
pub(super) struct AnswerWritten(pub(super) Written);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chat::events::ChatEvent;
    use crate::events::Aggregate;

    fn started(api_key: Option<Uuid>) -> ChatEvent {
        ChatEvent::ChatStarted {
            user_id: Uuid::from_u128(7),
            title: "Hi".into(),
            model: "gpt-4o-mini".into(),
            api_key,
        }
    }

    #[test]
    fn a_chat_is_its_starters_until_deleted() {
        assert_eq!(Ownership::of(&Chat::default()), None);
        let chat = Chat::from_events(&[started(None)]);
        assert_eq!(
            Ownership::of(&chat),
            Some(Ownership {
                owner: Uuid::from_u128(7),
                model: "gpt-4o-mini".into(),
                api: false,
            })
        );
        let api = Chat::from_events(&[started(Some(Uuid::from_u128(9)))]);
        assert!(Ownership::of(&api).is_some_and(|chat| chat.api));
        let deleted = Chat::from_events(&[started(None), ChatEvent::ChatDeleted]);
        assert_eq!(Ownership::of(&deleted), None);
    }
}
