//! The chat aggregate: its state is a fold of its events (`apply`), its rules decide which new
//! events a command produces (`handle`). No I/O here: the chat actor loads, asks and appends.
use uuid::Uuid;

use super::events::{AnswerRecord, ChatEvent, Rating, TitleSource};
use crate::events::Aggregate;
use crate::llm::ChatMessage;

/// How an API call starts a chat: its key and the messages it sent before the prompt.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ApiStart {
    pub key: Uuid,
    pub context: Vec<ChatMessage>,
}

use crate::domain::MessageStatus;
pub use crate::domain::Role;

#[derive(Clone, Debug, PartialEq)]
pub struct Message {
    pub role: Role,
    pub text: String,
    /// The user's thumbs up/down on an answer.
    pub rating: Option<Rating>,
}

/// Where a message of the chat came from: its id among the chat's messages (the chat's sequence
/// at the event that created it, so ids grow with time) and the message it followed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    pub id: u64,
    /// `None` for a first prompt (rank 1).
    pub parent: Option<u64>,
}

/// A version of a message of the conversation, as the `‹ 1/2 ›` switcher counts: the
/// `version`-th (1-based, oldest first) of the messages at `rank` that followed the same one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BranchChoice {
    pub rank: u32,
    pub version: u32,
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnswerInProgress {
    pub model: String,
    pub instance_id: Uuid,
    /// The chat's sequence at its `AnswerStarted`: names this answer among the chat's answers,
    /// so a late save of an earlier answer cannot settle a later one.
    pub started: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chat {
    pub owner: Option<Uuid>,
    pub title: String,
    pub title_source: TitleSource,
    pub model: String,
    /// The conversation as the model sees it (discarded answers removed).
    pub messages: Vec<Message>,
    /// Where each message of `messages` came from (same order).
    pub origins: Vec<Origin>,
    /// The messages the conversation set aside (Regenerate, an edited prompt, a restored
    /// branch), oldest set aside first: a restored branch brings them back.
    pub set_aside: Vec<(Origin, Message)>,
    pub prompts: u32,
    pub limit_override: Option<u32>,
    pub answer_in_progress: Option<AnswerInProgress>,
    /// The owner's custom instructions as they were when the chat started.
    pub instructions: Option<String>,
    /// The API key that started the chat (an API chat), if any.
    pub api_key: Option<Uuid>,
    /// What an API client sent before its first prompt (system messages, earlier turns).
    pub context: Vec<ChatMessage>,
    pub archived: bool,
    pub deleted: bool,
    /// The sequence of the last applied event (0 = the chat does not exist yet).
    pub sequence: u64,
}

/// What a command needs besides the chat: decided by the actor from settings and projections.
#[derive(Clone, Debug)]
pub enum ChatCommand {
    /// The first prompt of a new chat creates it.
    Start {
        owner: Uuid,
        prompt: String,
        model: String,
        instance_id: Uuid,
        /// The owner's custom instructions, if any.
        instructions: Option<String>,
        /// Set when an API call starts the chat.
        api: Option<ApiStart>,
    },
    /// `default_limit` is the site-wide prompt limit; the chat's own override wins over it.
    /// With `branch`, the prompt continues that version of a message (the branch the user is
    /// looking at) instead of the conversation as it is.
    SendPrompt {
        prompt: String,
        model: String,
        default_limit: u32,
        instance_id: Uuid,
        branch: Option<BranchChoice>,
    },
    FinishAnswer(AnswerOutcome),
    /// Saves the answer that started at sequence `started`; a no-op once it is saved (a retry
    /// after an outage, a spooled copy read again), so an answer is saved exactly once.
    SaveAnswer {
        started: u64,
        outcome: AnswerOutcome,
    },
    /// Rewrite the prompt at `rank` (1-based) and have it answered: the conversation branches
    /// there (counted as a prompt, like `SendPrompt`).
    EditPrompt {
        rank: u32,
        prompt: String,
        model: String,
        default_limit: u32,
        instance_id: Uuid,
    },
    /// Replace the last answer with a new one (also "Retry" after a failure). Refused at the
    /// chat's limit, like a prompt: a read-only chat offers no new answer of any kind.
    Regenerate {
        model: String,
        default_limit: u32,
        instance_id: Uuid,
    },
    Rename {
        title: String,
        source: TitleSource,
    },
    ChangeModel {
        model: String,
    },
    SetLimit {
        limit: Option<u32>,
    },
    Delete,
    /// Out of the sidebar (`true`) or back into it.
    Archive {
        archived: bool,
    },
    /// Thumbs up/down (or neither) on the finished answer at `rank` (1-based).
    RateAnswer {
        rank: u32,
        rating: Option<Rating>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum AnswerOutcome {
    Completed(AnswerRecord),
    Stopped(AnswerRecord),
    Failed(AnswerRecord),
}

impl AnswerOutcome {
    fn into_event(self) -> ChatEvent {
        match self {
            AnswerOutcome::Completed(a) => ChatEvent::AnswerCompleted(a),
            AnswerOutcome::Stopped(a) => ChatEvent::AnswerStopped(a),
            AnswerOutcome::Failed(a) => ChatEvent::AnswerFailed(a),
        }
    }

    /// The message's status it leaves.
    pub fn status(&self) -> MessageStatus {
        match self {
            AnswerOutcome::Completed(_) => MessageStatus::Complete,
            AnswerOutcome::Stopped(_) => MessageStatus::Stopped,
            AnswerOutcome::Failed(_) => MessageStatus::Failed,
        }
    }

    pub fn record(&self) -> &AnswerRecord {
        match self {
            AnswerOutcome::Completed(a) | AnswerOutcome::Stopped(a) | AnswerOutcome::Failed(a) => a,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChatRuleError {
    #[error("the chat does not exist")]
    NotFound,
    #[error("the chat already exists")]
    AlreadyExists,
    #[error("an answer is still being written")]
    Busy,
    #[error("the chat reached its limit of {limit} prompts")]
    LimitReached { limit: u32 },
    #[error("no answer is being written")]
    NoAnswerInProgress,
    #[error("there is no answer to regenerate")]
    NothingToRegenerate,
    #[error("there is no finished answer at that place")]
    NoSuchAnswer,
    #[error("there is no prompt at that place")]
    NoSuchPrompt,
    #[error("there is no such version to continue")]
    NoSuchVersion,
}

/// The title a chat gets at once from its first prompt (the model may improve it later).
pub fn title_from_prompt(prompt: &str) -> String {
    let line = prompt.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut title: String = line.chars().take(60).collect();
    if line.chars().count() > 60 {
        title = title.trim_end().to_owned() + "…";
    }
    if title.is_empty() {
        "New chat".into()
    } else {
        title
    }
}

impl Aggregate for Chat {
    type Event = ChatEvent;
    type Command = ChatCommand;
    type Error = ChatRuleError;

    fn apply(&mut self, event: &ChatEvent) {
        self.sequence += 1;
        match event {
            ChatEvent::ChatStarted {
                user_id,
                title,
                model,
                api_key,
            } => {
                self.owner = Some(*user_id);
                self.title = title.clone();
                self.model = model.clone();
                self.api_key = *api_key;
            }
            ChatEvent::CustomInstructionsAttached { instructions } => {
                self.instructions = Some(instructions.clone());
            }
            ChatEvent::ClientContextAttached { messages } => self.context = messages.clone(),
            ChatEvent::UserMessageAppended { text, .. } => {
                self.prompts += 1;
                self.push(self.sequence, Role::User, text);
            }
            ChatEvent::AnswerStarted { model, instance_id } => {
                self.answer_in_progress = Some(AnswerInProgress {
                    model: model.clone(),
                    instance_id: *instance_id,
                    started: self.sequence,
                });
            }
            ChatEvent::AnswerCompleted(answer)
            | ChatEvent::AnswerStopped(answer)
            | ChatEvent::AnswerFailed(answer) => {
                // The answer's id is its `AnswerStarted`'s (the message's row exists from there).
                let id = self
                    .answer_in_progress
                    .take()
                    .map_or(self.sequence, |answer| answer.started);
                self.push(id, Role::Assistant, &answer.text);
            }
            ChatEvent::AnswerDiscarded => {
                if let Some(last) = self
                    .messages
                    .iter()
                    .rposition(|m| m.role == Role::Assistant)
                {
                    self.set_aside_from(last);
                }
            }
            ChatEvent::PromptEdited { rank, text, .. } => {
                self.prompts += 1;
                self.set_aside_from((*rank as usize).saturating_sub(1));
                self.push(self.sequence, Role::User, text);
            }
            ChatEvent::BranchRestored { rank, version } => {
                let choice = BranchChoice {
                    rank: *rank,
                    version: *version,
                };
                if let Some(chosen) = self.version_at(choice) {
                    self.set_aside_from((*rank as usize).saturating_sub(1));
                    self.bring_back(chosen);
                }
            }
            ChatEvent::ChatRenamed { title, source } => {
                self.title = title.clone();
                self.title_source = *source;
            }
            ChatEvent::ChatModelChanged { model } => self.model = model.clone(),
            ChatEvent::ChatLimitChanged { limit } => self.limit_override = *limit,
            ChatEvent::ChatDeleted => self.deleted = true,
            ChatEvent::ChatArchived => self.archived = true,
            ChatEvent::ChatUnarchived => self.archived = false,
            ChatEvent::AnswerRated { rank, rating } => {
                if let Some(message) = self.answer_at(*rank) {
                    message.rating = *rating;
                }
            }
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: ChatCommand) -> Result<Vec<ChatEvent>, ChatRuleError> {
        if let ChatCommand::Start {
            owner,
            prompt,
            model,
            instance_id,
            instructions,
            api,
        } = command
        {
            if self.sequence > 0 {
                return Err(ChatRuleError::AlreadyExists);
            }
            let title = title_from_prompt(&prompt);
            let mut events = vec![ChatEvent::ChatStarted {
                user_id: owner,
                title,
                model: model.clone(),
                api_key: api.as_ref().map(|api| api.key),
            }];
            if let Some(instructions) = instructions.filter(|i| !i.trim().is_empty()) {
                events.push(ChatEvent::CustomInstructionsAttached { instructions });
            }
            if let Some(ApiStart { context, .. }) = api.filter(|api| !api.context.is_empty()) {
                events.push(ChatEvent::ClientContextAttached { messages: context });
            }
            events.push(ChatEvent::UserMessageAppended {
                text: prompt,
                model: model.clone(),
            });
            events.push(ChatEvent::AnswerStarted { model, instance_id });
            return Ok(events);
        }
        if !self.exists() {
            return Err(ChatRuleError::NotFound);
        }
        match command {
            ChatCommand::Start { .. } => Err(ChatRuleError::AlreadyExists),
            ChatCommand::SendPrompt {
                prompt,
                model,
                default_limit,
                instance_id,
                branch,
            } => {
                self.ensure_idle()?;
                self.ensure_below_limit(default_limit)?;
                let restored = match branch {
                    Some(choice) => self.restore(choice)?,
                    None => None,
                };
                let prompt = ChatEvent::UserMessageAppended {
                    text: prompt,
                    model: model.clone(),
                };
                let mut events = self.turn(prompt, model, instance_id);
                if let Some(restored) = restored {
                    // After the model switch (if any), before the prompt that continues it.
                    let at = events.len() - 2;
                    events.insert(at, restored);
                }
                Ok(events)
            }
            ChatCommand::EditPrompt {
                rank,
                prompt,
                model,
                default_limit,
                instance_id,
            } => {
                self.ensure_idle()?;
                let index = (rank as usize).wrapping_sub(1);
                if self.messages.get(index).map(|m| m.role) != Some(Role::User) {
                    return Err(ChatRuleError::NoSuchPrompt);
                }
                self.ensure_below_limit(default_limit)?;
                let prompt = ChatEvent::PromptEdited {
                    rank,
                    text: prompt,
                    model: model.clone(),
                };
                Ok(self.turn(prompt, model, instance_id))
            }
            ChatCommand::FinishAnswer(outcome) => {
                if self.answer_in_progress.is_none() {
                    return Err(ChatRuleError::NoAnswerInProgress);
                }
                Ok(vec![outcome.into_event()])
            }
            ChatCommand::SaveAnswer { started, outcome } => {
                match &self.answer_in_progress {
                    Some(answer) if answer.started == started => Ok(vec![outcome.into_event()]),
                    // Saved already (or settled by recovery): nothing more to record.
                    _ => Ok(Vec::new()),
                }
            }
            ChatCommand::Regenerate {
                model,
                default_limit,
                instance_id,
            } => {
                self.ensure_idle()?;
                self.ensure_below_limit(default_limit)?;
                if self.messages.last().map(|m| m.role) != Some(Role::Assistant) {
                    return Err(ChatRuleError::NothingToRegenerate);
                }
                let mut events = self.model_change(&model);
                events.push(ChatEvent::AnswerDiscarded);
                events.push(ChatEvent::AnswerStarted { model, instance_id });
                Ok(events)
            }
            // A title the model suggests never replaces one the user chose.
            ChatCommand::Rename {
                source: TitleSource::Model,
                ..
            } if self.title_source == TitleSource::User => Ok(Vec::new()),
            ChatCommand::Rename { title, source } => {
                Ok(vec![ChatEvent::ChatRenamed { title, source }])
            }
            ChatCommand::ChangeModel { model } => Ok(self.model_change(&model)),
            ChatCommand::SetLimit { limit } => Ok(vec![ChatEvent::ChatLimitChanged { limit }]),
            ChatCommand::Delete => Ok(vec![ChatEvent::ChatDeleted]),
            ChatCommand::Archive { archived } if archived == self.archived => Ok(Vec::new()),
            ChatCommand::Archive { archived: true } => Ok(vec![ChatEvent::ChatArchived]),
            ChatCommand::Archive { archived: false } => Ok(vec![ChatEvent::ChatUnarchived]),
            ChatCommand::RateAnswer { rank, rating } => {
                let index = (rank as usize).wrapping_sub(1);
                match self.messages.get(index) {
                    Some(message) if message.role == Role::Assistant => {
                        if message.rating == rating {
                            Ok(Vec::new())
                        } else {
                            Ok(vec![ChatEvent::AnswerRated { rank, rating }])
                        }
                    }
                    _ => Err(ChatRuleError::NoSuchAnswer),
                }
            }
        }
    }
}

impl Chat {
    pub fn exists(&self) -> bool {
        self.sequence > 0 && !self.deleted
    }

    /// The prompt limit in force: the admin's override or the global default.
    pub fn limit(&self, default_limit: u32) -> u32 {
        self.limit_override.unwrap_or(default_limit)
    }

    /// The finished answer at `rank` (1-based), if that place holds one.
    fn answer_at(&mut self, rank: u32) -> Option<&mut Message> {
        let index = (rank as usize).checked_sub(1)?;
        self.messages
            .get_mut(index)
            .filter(|m| m.role == Role::Assistant)
    }

    /// Appends a message to the conversation, after its last one.
    fn push(&mut self, id: u64, role: Role, text: &str) {
        let parent = self.origins.last().map(|origin| origin.id);
        self.origins.push(Origin { id, parent });
        self.messages.push(Message {
            role,
            text: text.to_owned(),
            rating: None,
        });
    }

    /// Sets the conversation from `index` (0-based) on aside.
    fn set_aside_from(&mut self, index: usize) {
        let index = index.min(self.messages.len());
        let origins = self.origins.drain(index.min(self.origins.len())..);
        let messages = self.messages.drain(index..);
        self.set_aside.extend(origins.zip(messages));
    }

    /// Brings the set-aside message `id` back after the conversation, then at each rank the
    /// newest set-aside message that followed the one before.
    fn bring_back(&mut self, mut id: u64) {
        while let Some(index) = self.set_aside.iter().position(|(o, _)| o.id == id) {
            let (origin, message) = self.set_aside.remove(index);
            self.origins.push(origin);
            self.messages.push(message);
            let next = self
                .set_aside
                .iter()
                .filter(|(o, _)| o.parent == Some(id))
                .map(|(o, _)| o.id)
                .max();
            match next {
                Some(next) => id = next,
                None => return,
            }
        }
    }

    /// The id of the message `choice` names: among the messages that followed the one before
    /// `choice.rank` (in the conversation or set aside), the `version`-th oldest.
    fn version_at(&self, choice: BranchChoice) -> Option<u64> {
        let index = (choice.rank as usize).checked_sub(1)?;
        self.origins.get(index)?;
        let parent = index.checked_sub(1).map(|above| self.origins[above].id);
        let mut versions: Vec<u64> = self.origins[index..]
            .iter()
            .chain(self.set_aside.iter().map(|(origin, _)| origin))
            .filter(|origin| origin.parent == parent)
            .map(|origin| origin.id)
            .collect();
        versions.sort_unstable();
        let version = (choice.version as usize).checked_sub(1)?;
        versions.get(version).copied()
    }

    /// The event that makes `choice` the conversation (none when it already is): only a version
    /// of a message of the conversation whose branch ends with an answer can be continued.
    fn restore(&self, choice: BranchChoice) -> Result<Option<ChatEvent>, ChatRuleError> {
        let chosen = self
            .version_at(choice)
            .ok_or(ChatRuleError::NoSuchVersion)?;
        if self.origins[choice.rank as usize - 1].id == chosen {
            return Ok(None);
        }
        let event = ChatEvent::BranchRestored {
            rank: choice.rank,
            version: choice.version,
        };
        let mut after = self.clone();
        after.apply(&event);
        match after.messages.last() {
            Some(last) if last.role == Role::Assistant => Ok(Some(event)),
            _ => Err(ChatRuleError::NoSuchVersion),
        }
    }

    /// A prompt's turn: the model switch if any, the prompt, and its answer started.
    fn turn(&self, prompt: ChatEvent, model: String, instance_id: Uuid) -> Vec<ChatEvent> {
        let mut events = self.model_change(&model);
        events.push(prompt);
        events.push(ChatEvent::AnswerStarted { model, instance_id });
        events
    }

    fn ensure_below_limit(&self, default_limit: u32) -> Result<(), ChatRuleError> {
        let limit = self.limit(default_limit);
        if self.prompts >= limit {
            return Err(ChatRuleError::LimitReached { limit });
        }
        Ok(())
    }

    fn ensure_idle(&self) -> Result<(), ChatRuleError> {
        match self.answer_in_progress {
            Some(_) => Err(ChatRuleError::Busy),
            None => Ok(()),
        }
    }

    fn model_change(&self, model: &str) -> Vec<ChatEvent> {
        if self.model == model {
            Vec::new()
        } else {
            vec![ChatEvent::ChatModelChanged {
                model: model.to_owned(),
            }]
        }
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "aggregate_branch_tests.rs"]
mod branch_tests;
