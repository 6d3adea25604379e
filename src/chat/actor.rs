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

use super::aggregate::{AnswerOutcome, Chat, ChatCommand, ChatRuleError};
use super::events::AnswerRecord;
use super::live::{Hub, Subscription};
pub use super::messages::{
    Accepted, Execute, Follow, Ownership, PromptKind, SettleLeftover, Snapshot, Stop, SubmitPrompt,
    Whose,
};
use super::spool::AnswerSpool;
use crate::catalog::Catalog;
use crate::clock::SharedClock;
use crate::events::{Aggregate, AppendError, Metadata, RecordedEvent, Repository, RepositoryError};
use crate::i18n::{Lang, Msg};
use crate::registry::{Registered, Stopped};

/// Everything a chat actor needs, cheap to clone for each new actor.
#[derive(Clone)]
pub struct ChatDeps {
    /// The one write path for chats; shared, so its conflict count covers every chat actor.
    pub repository: Repository<Chat>,
    pub clock: SharedClock,
    pub idle_timeout: Duration,
    /// Identifies this process in `AnswerStarted`, so abandoned streams can be recognised.
    pub instance_id: Uuid,
    /// Which models exist and which backend answers each.
    pub catalog: Catalog,
    pub system_prompt: String,
    /// Whether an upstream model improves a chat's title after the first answer.
    pub model_titles: bool,
    /// Where answers wait on disk while the database cannot take them.
    pub spool: AnswerSpool,
}

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Rule(#[from] ChatRuleError),
    #[error("the chat kept changing under us; giving up after {0} attempts")]
    TooMuchContention(u32),
    #[error(transparent)]
    Store(AppendError),
    #[error("could not load the chat: {0}")]
    Load(sqlx::Error),
    #[error("a stored chat event cannot be read: {0}")]
    Decode(serde_json::Error),
    #[error("the chat's actor is gone: {0}")]
    Mailbox(#[from] MailboxError),
}

impl From<RepositoryError<ChatRuleError>> for ChatError {
    fn from(error: RepositoryError<ChatRuleError>) -> Self {
        match error {
            RepositoryError::Rule(rule) => ChatError::Rule(rule),
            RepositoryError::Contention { attempts, .. } => ChatError::TooMuchContention(attempts),
            RepositoryError::Store(error) => ChatError::Store(error),
            RepositoryError::Load(error) => ChatError::Load(error),
            RepositoryError::Decode(error) => ChatError::Decode(error),
        }
    }
}

const IDLE_CHECK: Duration = Duration::from_secs(5);

/// The answer being written now.
pub(super) struct Live {
    pub(super) cancel: CancellationToken,
    pub(super) hub: Hub,
    pub(super) answer_id: u64,
    /// The chat's sequence at the answer's `AnswerStarted` (what `SaveAnswer` names).
    pub(super) started: u64,
    pub(super) lang: Lang,
}

pub(super) struct Pending {
    pub(super) prompt: SubmitPrompt,
    pub(super) reply: oneshot::Sender<Result<Accepted, ChatError>>,
}

pub struct ChatActor {
    pub(super) chat_id: Uuid,
    pub(super) deps: ChatDeps,
    registry: Recipient<Stopped<ChatActor>>,
    /// `None` until loaded, and again after a failure that leaves the state in doubt.
    pub(super) chat: Option<Chat>,
    pub(super) last_active: Instant,
    pub(super) queue: VecDeque<Pending>,
    pub(super) live: Option<Live>,
    pub(super) accepting: bool,
}

impl ChatActor {
    pub fn new(chat_id: Uuid, deps: ChatDeps, registry: Recipient<Stopped<ChatActor>>) -> Self {
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
            && (self.last_active.elapsed() >= self.deps.idle_timeout || self.is_gone())
    }

    /// The actor of a deleted chat, or of one it was asked about that does not exist, has
    /// nothing left to do: it stops at once (the admin's "open now" counts running actors).
    fn is_gone(&self) -> bool {
        self.chat
            .as_ref()
            .is_some_and(|chat| chat.deleted || chat.sequence == 0)
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
        self.registry.do_send(Stopped {
            id: self.chat_id,
            addr: ctx.address(),
        });
    }
}

impl Registered for ChatActor {
    type Id = Uuid;
    type Deps = ChatDeps;
    /// A chat's work is streaming its answer to the browser that asked: on that browser's worker.
    const NEAR_CALLER: bool = true;

    fn for_id(chat_id: Uuid, deps: ChatDeps, registry: Recipient<Stopped<Self>>) -> Self {
        ChatActor::new(chat_id, deps, registry)
    }
}

/// Decides and appends one command through the repository (which catches up and decides again
/// after a conflict with another instance).
pub(super) async fn execute(
    repository: Repository<Chat>,
    chat_id: Uuid,
    chat: Option<Chat>,
    command: ChatCommand,
    metadata: Metadata,
) -> (Option<Chat>, Result<Vec<RecordedEvent>, ChatError>) {
    let id = chat_id.to_string();
    let cached = chat.is_some();
    let (chat, result) = repository
        .execute_on(&id, chat, command.clone(), &metadata)
        .await;
    // A refusal decided on the cached state may be stale: another instance may have changed
    // the chat since (ended the answer it was writing, say). A conflict would tell, but a
    // refusal appends nothing; so catch up, and decide again if anything was missed.
    let (Err(RepositoryError::Rule(_)), Some(state), true) = (&result, &chat, cached) else {
        return (chat, result.map_err(ChatError::from));
    };
    let seen = state.sequence();
    match repository.catch_up(&id, state.clone()).await {
        Ok(fresh) if fresh.sequence() > seen => {
            let (chat, result) = repository
                .execute_on(&id, Some(fresh), command, &metadata)
                .await;
            (chat, result.map_err(ChatError::from))
        }
        Ok(fresh) => (Some(fresh), result.map_err(ChatError::from)),
        Err(error) => (None, Err(ChatError::from(error))),
    }
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
            self.deps.repository.clone(),
            self.chat_id,
            self.chat.take(),
            msg.command,
            msg.metadata,
        );
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |(chat, result), actor, ctx| {
                actor.chat = chat;
                actor.last_active = Instant::now();
                if actor.is_idle() {
                    ctx.stop();
                }
                result
            },
        )))
    }
}

impl ChatActor {
    /// Answers from the chat's state, loading it first when the actor holds none.
    fn read_state<R: 'static>(
        &mut self,
        read: fn(&Chat) -> R,
    ) -> AtomicResponse<Self, Result<R, ChatError>> {
        self.last_active = Instant::now();
        if let Some(chat) = &self.chat {
            return AtomicResponse::new(Box::pin(fut::ready(Ok(read(chat)))));
        }
        let (repository, chat_id) = (self.deps.repository.clone(), self.chat_id);
        let load = async move { repository.load(&chat_id.to_string()).await };
        AtomicResponse::new(Box::pin(load.into_actor(self).map(
            move |loaded, actor, _| {
                let chat = loaded?;
                let answer = read(&chat);
                actor.chat = Some(chat);
                Ok(answer)
            },
        )))
    }
}

impl Handler<Snapshot> for ChatActor {
    type Result = AtomicResponse<Self, Result<Chat, ChatError>>;

    fn handle(&mut self, _: Snapshot, _: &mut Self::Context) -> Self::Result {
        self.read_state(Chat::clone)
    }
}

impl Handler<Whose> for ChatActor {
    type Result = AtomicResponse<Self, Result<Option<Ownership>, ChatError>>;

    fn handle(&mut self, _: Whose, _: &mut Self::Context) -> Self::Result {
        self.read_state(Ownership::of)
    }
}

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

impl Handler<Follow> for ChatActor {
    type Result = Option<(u64, Subscription)>;

    fn handle(&mut self, _: Follow, _: &mut Self::Context) -> Self::Result {
        self.last_active = Instant::now();
        self.live
            .as_ref()
            .map(|live| (live.answer_id, live.hub.subscribe()))
    }
}

impl Handler<SettleLeftover> for ChatActor {
    type Result = AtomicResponse<Self, Result<bool, ChatError>>;

    fn handle(&mut self, _: SettleLeftover, _: &mut Self::Context) -> Self::Result {
        if self.live.is_some() || self.accepting {
            // A turn is behind the answer: it will save it.
            return AtomicResponse::new(Box::pin(fut::ready(Ok(false))));
        }
        let (repository, chat_id) = (self.deps.repository.clone(), self.chat_id);
        let (instance_id, spool, cached) = (
            self.deps.instance_id,
            self.deps.spool.clone(),
            self.chat.take(),
        );
        let work = async move {
            let chat = match cached {
                Some(chat) => chat,
                None => match repository.load(&chat_id.to_string()).await {
                    Ok(chat) => chat,
                    Err(error) => return (None, Err(ChatError::from(error))),
                },
            };
            let Some(started) = chat
                .answer_in_progress
                .as_ref()
                .filter(|a| a.instance_id == instance_id)
                .map(|a| a.started)
            else {
                return (Some(chat), Ok(false));
            };
            let kept = match spool.find(chat_id, started).await {
                Ok(kept) => kept,
                Err(error) => {
                    tracing::warn!(%chat_id, %error, "The answer spool cannot be read");
                    None
                }
            };
            let outcome = kept.as_ref().map_or_else(leftover_failure, |a| a.outcome());
            let command = ChatCommand::SaveAnswer { started, outcome };
            let (chat, result) =
                execute(repository, chat_id, Some(chat), command, Metadata::system()).await;
            if result.is_ok()
                && let Some(kept) = &kept
                && let Err(error) = spool.forget(chat_id, kept.started).await
            {
                tracing::warn!(%chat_id, %error, "Could not remove a saved answer from the spool");
            }
            (chat, result.map(|events| !events.is_empty()))
        };
        AtomicResponse::new(Box::pin(work.into_actor(self).map(
            |(chat, result), actor, _| {
                actor.chat = chat;
                result
            },
        )))
    }
}

/// An answer nobody is writing any more, with no saved copy: failed, in the user's words.
fn leftover_failure() -> AnswerOutcome {
    AnswerOutcome::Failed(AnswerRecord {
        error: Some(Msg::new("llm-interrupted-restart").translate(Lang::En)),
        finish_reason: Some("interrupted".into()),
        ..Default::default()
    })
}
