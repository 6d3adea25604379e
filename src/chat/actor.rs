//! `ChatActor`: the single writer of one chat within this app instance.
//!
//! It keeps the chat's state in memory, decides events with the aggregate and appends them.
//! Another instance may write the same chat: the append then reports a conflict, the actor
//! reloads the stream and decides again, so no event is lost or interleaved.
//! Prompts and answers: see `turn.rs`.
use std::collections::VecDeque;
use std::time::{Duration, Instant};

use actix::prelude::*;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use super::aggregate::{Chat, ChatCommand, ChatRuleError};
use super::events::ChatEvent;
use super::live::{Hub, Subscription};
use super::registry::{ChatRegistry, ChatStopped};
pub use super::turn::{Accepted, PromptKind, SubmitPrompt};
use crate::clock::SharedClock;
use crate::events::{AppendError, DomainEvent, EventStore, Metadata, RecordedEvent};
use crate::i18n::Lang;
use crate::llm::Backends;

/// Everything a chat actor needs, cheap to clone for each new actor.
#[derive(Clone)]
pub struct ChatDeps {
    pub store: EventStore,
    pub clock: SharedClock,
    pub idle_timeout: Duration,
    /// Identifies this process in `AnswerStarted`, so abandoned streams can be recognised.
    pub instance_id: Uuid,
    pub backends: Backends,
    pub system_prompt: String,
    /// Whether an upstream model improves a chat's title after the first answer.
    pub model_titles: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Rule(#[from] ChatRuleError),
    #[error("the chat kept changing under us; giving up after {0} attempts")]
    TooMuchContention(u32),
    #[error(transparent)]
    Store(#[from] AppendError),
    #[error("could not load the chat: {0}")]
    Load(#[from] sqlx::Error),
    #[error("a stored chat event cannot be read: {0}")]
    Decode(#[from] serde_json::Error),
    #[error("the chat's actor is gone: {0}")]
    Mailbox(#[from] MailboxError),
}

const MAX_ATTEMPTS: u32 = 12;
const IDLE_CHECK: Duration = Duration::from_secs(5);

/// The answer being written now.
pub(super) struct Live {
    pub(super) cancel: CancellationToken,
    pub(super) hub: Hub,
    pub(super) answer_id: u64,
    pub(super) lang: Lang,
}

pub(super) struct Pending {
    pub(super) prompt: SubmitPrompt,
    pub(super) reply: oneshot::Sender<Result<Accepted, ChatError>>,
}

pub struct ChatActor {
    pub(super) chat_id: Uuid,
    pub(super) deps: ChatDeps,
    registry: Addr<ChatRegistry>,
    /// `None` until loaded, and again after a failure that leaves the state in doubt.
    pub(super) chat: Option<Chat>,
    pub(super) last_active: Instant,
    pub(super) queue: VecDeque<Pending>,
    pub(super) live: Option<Live>,
    pub(super) accepting: bool,
}

impl ChatActor {
    pub fn new(chat_id: Uuid, deps: ChatDeps, registry: Addr<ChatRegistry>) -> Self {
        ChatActor {
            chat_id,
            deps,
            registry,
            chat: None,
            last_active: Instant::now(),
            queue: VecDeque::new(),
            live: None,
            accepting: false,
        }
    }

    fn is_idle(&self) -> bool {
        self.live.is_none()
            && self.queue.is_empty()
            && !self.accepting
            && self.last_active.elapsed() >= self.deps.idle_timeout
    }
}

impl Actor for ChatActor {
    type Context = Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        let check = IDLE_CHECK.min(self.deps.idle_timeout);
        ctx.run_interval(check, |actor, ctx| {
            if actor.is_idle() {
                ctx.stop();
            }
        });
    }

    fn stopped(&mut self, ctx: &mut Self::Context) {
        self.registry.do_send(ChatStopped {
            chat_id: self.chat_id,
            addr: ctx.address(),
        });
    }
}

/// Loads the chat's stream and folds it into the aggregate.
pub async fn load_chat(store: &EventStore, chat_id: Uuid) -> Result<Chat, ChatError> {
    let events = store
        .load(ChatEvent::STREAM_TYPE, &chat_id.to_string())
        .await?;
    let mut chat = Chat::default();
    for event in &events {
        chat.apply(&event.decode::<ChatEvent>()?);
    }
    Ok(chat)
}

/// Applies the events written since `chat.sequence` (by another instance).
async fn catch_up(store: &EventStore, chat_id: Uuid, mut chat: Chat) -> Result<Chat, ChatError> {
    for event in store
        .load_after(ChatEvent::STREAM_TYPE, &chat_id.to_string(), chat.sequence)
        .await?
    {
        chat.apply(&event.decode::<ChatEvent>()?);
    }
    Ok(chat)
}

/// Decides and appends one command; after a conflict it catches up with the other writer's
/// events, waits a little (with jitter, so two writers do not collide forever) and decides again.
pub(super) async fn execute(
    store: EventStore,
    chat_id: Uuid,
    mut chat: Option<Chat>,
    command: ChatCommand,
    metadata: Metadata,
) -> (Option<Chat>, Result<Vec<RecordedEvent>, ChatError>) {
    let mut stale = false;
    for attempt in 0..MAX_ATTEMPTS {
        let loaded = match (chat.take(), stale) {
            (Some(chat), false) => Ok(chat),
            (Some(chat), true) => catch_up(&store, chat_id, chat).await,
            (None, _) => load_chat(&store, chat_id).await,
        };
        let mut current = match loaded {
            Ok(chat) => chat,
            Err(e) => return (None, Err(e)),
        };
        let events = match current.handle(command.clone()) {
            Ok(events) => events,
            Err(rule) => return (Some(current), Err(rule.into())),
        };
        match store
            .append(&chat_id.to_string(), current.sequence, &events, &metadata)
            .await
        {
            Ok(recorded) => {
                for event in &events {
                    current.apply(event);
                }
                return (Some(current), Ok(recorded));
            }
            Err(AppendError::Conflict { .. }) => {
                tracing::info!(%chat_id, attempt, "Chat changed elsewhere; catching up and retrying");
                chat = Some(current);
                stale = true;
                let jitter = rand::random_range(5..30 * (u64::from(attempt) + 1));
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
            Err(e) => return (None, Err(e.into())),
        }
    }
    (None, Err(ChatError::TooMuchContention(MAX_ATTEMPTS)))
}

/// Runs one command against the chat; the reply carries the recorded events.
#[derive(Clone, Message)]
#[rtype(result = "Result<Vec<RecordedEvent>, ChatError>")]
pub struct Execute {
    pub command: ChatCommand,
    pub metadata: Metadata,
}

impl Handler<Execute> for ChatActor {
    type Result = AtomicResponse<Self, Result<Vec<RecordedEvent>, ChatError>>;

    fn handle(&mut self, msg: Execute, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        if matches!(msg.command, ChatCommand::Delete)
            && let Some(live) = &self.live
        {
            live.cancel.cancel();
        }
        let work = execute(
            self.deps.store.clone(),
            self.chat_id,
            self.chat.take(),
            msg.command,
            msg.metadata,
        );
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |(chat, result), actor, _| {
                actor.chat = chat;
                actor.last_active = Instant::now();
                result
            },
        )))
    }
}

/// The chat's current state (loaded if needed).
#[derive(Clone, Message)]
#[rtype(result = "Result<Chat, ChatError>")]
pub struct Snapshot;

impl Handler<Snapshot> for ChatActor {
    type Result = AtomicResponse<Self, Result<Chat, ChatError>>;

    fn handle(&mut self, _: Snapshot, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        let cached = self.chat.clone();
        let (store, chat_id) = (self.deps.store.clone(), self.chat_id);
        let work = async move {
            match cached {
                Some(chat) => Ok(chat),
                None => load_chat(&store, chat_id).await,
            }
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(|result, actor, _| {
            if let Ok(chat) = &result {
                actor.chat = Some(chat.clone());
            }
            result
        })))
    }
}

/// Stops the answer being written (it is saved as stopped). `true` if there was one.
#[derive(Clone, Message)]
#[rtype(result = "bool")]
pub struct Stop;

impl Handler<Stop> for ChatActor {
    type Result = bool;

    fn handle(&mut self, _: Stop, _: &mut Self::Context) -> bool {
        self.last_active = Instant::now();
        match &self.live {
            Some(live) => {
                live.cancel.cancel();
                true
            }
            None => false,
        }
    }
}

/// Follows the answer being written, if any: its id, the text so far and what comes next.
#[derive(Clone, Message)]
#[rtype(result = "Option<(u64, Subscription)>")]
pub struct Follow;

impl Handler<Follow> for ChatActor {
    type Result = Option<(u64, Subscription)>;

    fn handle(&mut self, _: Follow, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        self.live
            .as_ref()
            .map(|live| (live.answer_id, live.hub.subscribe()))
    }
}
