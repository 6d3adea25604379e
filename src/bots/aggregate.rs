//! The bot aggregate: one user-made chatbot's life (created → edited, knowledge attached or
//! removed, shared or private, disabled by the admin → deleted) and the rules for each change.
//! Who asks is part of every command: only the owner changes a bot (anyone else is told it does
//! not exist), only the admin disables one.
use uuid::Uuid;

use super::events::{Avatar, BotEvent};
use crate::events::Aggregate;

/// The bot's PDF, read by a PDF model the bot owns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Knowledge {
    pub model: Uuid,
    pub file_name: String,
    pub bytes: u64,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bot {
    pub owner: Uuid,
    pub name: String,
    pub description: String,
    pub instructions: String,
    /// Starts at 1; every change of the instructions counts up (answers record which spoke).
    pub instructions_version: u32,
    pub base_model: String,
    pub avatar: Avatar,
    pub starters: Vec<String>,
    pub knowledge: Option<Knowledge>,
    pub shared: bool,
    /// The admin's reason, while disabled.
    pub disabled: Option<String>,
    pub deleted: bool,
    pub sequence: u64,
}

/// What the owner types about a bot (checked at the edge by `BotDetails::parse`).
#[derive(Clone, Debug, PartialEq)]
pub struct BotDetails {
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub base_model: String,
    pub avatar: Avatar,
    pub starters: Vec<String>,
}

/// Who sends a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum By {
    User(Uuid),
    Admin,
}

/// What an edit does to the bot's PDF.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KnowledgeChange {
    Keep,
    /// This PDF replaces the bot's (if it had one).
    Attach(Knowledge),
    /// The bot's PDF goes (nothing happens when it has none: the form was older).
    Remove,
}

#[derive(Clone, Debug)]
pub enum BotCommand {
    /// The owner's slot is claimed first (`BotOwnership`: `BOTS_PER_USER`).
    Create {
        owner: Uuid,
        details: BotDetails,
        /// A PDF recorded with the bot, in the same append.
        knowledge: Option<Knowledge>,
    },
    /// The editor's form: its details and its PDF change, recorded together or not at all.
    Edit {
        by: By,
        details: BotDetails,
        knowledge: KnowledgeChange,
    },
    Share {
        by: By,
    },
    Unshare {
        by: By,
    },
    Disable {
        by: By,
        reason: String,
    },
    Enable {
        by: By,
    },
    Delete {
        by: By,
    },
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BotRuleError {
    /// Also what anyone but the owner (and the admin) hears about a bot.
    #[error("the bot does not exist")]
    NotFound,
    #[error("the bot already exists")]
    AlreadyExists,
    #[error("only the admin may disable or enable a bot")]
    AdminOnly,
}

/// The PDF models that `events` let go (replaced, removed, or the bot deleted): what to delete
/// once they are recorded.
pub fn let_go(events: &[BotEvent]) -> impl Iterator<Item = Uuid> + '_ {
    events.iter().filter_map(|event| match event {
        BotEvent::KnowledgeRemoved { model } => Some(*model),
        _ => None,
    })
}

impl Bot {
    pub fn exists(&self) -> bool {
        self.sequence > 0 && !self.deleted
    }

    pub fn owned_by(&self, user: Uuid) -> bool {
        self.exists() && self.owner == user
    }

    /// `user` may open its page and chat with it (the base model aside).
    pub fn usable_by(&self, user: Uuid) -> bool {
        self.exists() && self.disabled.is_none() && (self.owner == user || self.shared)
    }

    /// The owner and the admin may change a bot; anyone else is told it does not exist.
    fn check(&self, by: By) -> Result<(), BotRuleError> {
        match by {
            _ if !self.exists() => Err(BotRuleError::NotFound),
            By::Admin => Ok(()),
            By::User(user) if user == self.owner => Ok(()),
            By::User(_) => Err(BotRuleError::NotFound),
        }
    }

    fn edited(&self, details: BotDetails) -> Vec<BotEvent> {
        let BotDetails {
            name,
            description,
            instructions,
            base_model,
            avatar,
            starters,
        } = details;
        let event = BotEvent::BotEdited {
            name: (name != self.name).then_some(name),
            description: (description != self.description).then_some(description),
            instructions: (instructions != self.instructions).then_some(instructions),
            base_model: (base_model != self.base_model).then_some(base_model),
            avatar: (avatar != self.avatar).then_some(avatar),
            starters: (starters != self.starters).then_some(starters),
        };
        let unchanged = BotEvent::BotEdited {
            name: None,
            description: None,
            instructions: None,
            base_model: None,
            avatar: None,
            starters: None,
        };
        if event == unchanged {
            Vec::new()
        } else {
            vec![event]
        }
    }

    /// The bot's PDF let go (nothing when it has none).
    fn removed(&self) -> Vec<BotEvent> {
        self.knowledge
            .iter()
            .map(|old| BotEvent::KnowledgeRemoved { model: old.model })
            .collect()
    }

    /// `knowledge` attached, in place of the bot's PDF if it had one.
    fn attached(&self, knowledge: Knowledge) -> Vec<BotEvent> {
        let mut events = self.removed();
        events.push(BotEvent::KnowledgeAttached {
            model: knowledge.model,
            file_name: knowledge.file_name,
            bytes: knowledge.bytes,
        });
        events
    }
}

impl Aggregate for Bot {
    type Event = BotEvent;
    type Command = BotCommand;
    type Error = BotRuleError;

    fn apply(&mut self, event: &BotEvent) {
        self.sequence += 1;
        match event {
            BotEvent::BotCreated {
                owner,
                name,
                description,
                instructions,
                base_model,
                avatar,
                starters,
            } => {
                self.owner = *owner;
                self.name = name.clone();
                self.description = description.clone();
                self.instructions = instructions.clone();
                self.instructions_version = 1;
                self.base_model = base_model.clone();
                self.avatar = avatar.clone();
                self.starters = starters.clone();
            }
            BotEvent::BotEdited {
                name,
                description,
                instructions,
                base_model,
                avatar,
                starters,
            } => {
                if let Some(name) = name {
                    self.name = name.clone();
                }
                if let Some(description) = description {
                    self.description = description.clone();
                }
                if let Some(instructions) = instructions {
                    self.instructions = instructions.clone();
                    self.instructions_version += 1;
                }
                if let Some(base_model) = base_model {
                    self.base_model = base_model.clone();
                }
                if let Some(avatar) = avatar {
                    self.avatar = avatar.clone();
                }
                if let Some(starters) = starters {
                    self.starters = starters.clone();
                }
            }
            BotEvent::KnowledgeAttached {
                model,
                file_name,
                bytes,
            } => {
                self.knowledge = Some(Knowledge {
                    model: *model,
                    file_name: file_name.clone(),
                    bytes: *bytes,
                });
            }
            BotEvent::KnowledgeRemoved { .. } => self.knowledge = None,
            BotEvent::BotShared => self.shared = true,
            BotEvent::BotUnshared => self.shared = false,
            BotEvent::BotDisabled { reason } => self.disabled = Some(reason.clone()),
            BotEvent::BotEnabled => self.disabled = None,
            BotEvent::BotDeleted => {
                self.deleted = true;
                self.shared = false;
            }
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: BotCommand) -> Result<Vec<BotEvent>, BotRuleError> {
        let events = match command {
            BotCommand::Create { .. } if self.sequence > 0 => {
                return Err(BotRuleError::AlreadyExists);
            }
            BotCommand::Create {
                owner,
                details,
                knowledge,
            } => {
                let created = BotEvent::BotCreated {
                    owner,
                    name: details.name,
                    description: details.description,
                    instructions: details.instructions,
                    base_model: details.base_model,
                    avatar: details.avatar,
                    starters: details.starters,
                };
                let mut events = vec![created];
                // A bot not made yet has no PDF to replace.
                if let Some(knowledge) = knowledge {
                    events.extend(self.attached(knowledge));
                }
                events
            }
            BotCommand::Edit {
                by,
                details,
                knowledge,
            } => {
                self.check(by)?;
                let mut events = self.edited(details);
                match knowledge {
                    KnowledgeChange::Keep => {}
                    KnowledgeChange::Attach(knowledge) => events.extend(self.attached(knowledge)),
                    KnowledgeChange::Remove => events.extend(self.removed()),
                }
                events
            }
            BotCommand::Share { by } => {
                self.check(by)?;
                if self.shared {
                    Vec::new()
                } else {
                    vec![BotEvent::BotShared]
                }
            }
            BotCommand::Unshare { by } => {
                self.check(by)?;
                if self.shared {
                    vec![BotEvent::BotUnshared]
                } else {
                    Vec::new()
                }
            }
            BotCommand::Disable { by, reason } => {
                self.check(by)?;
                if by != By::Admin {
                    return Err(BotRuleError::AdminOnly);
                }
                if self.disabled.as_deref() == Some(reason.as_str()) {
                    Vec::new()
                } else {
                    vec![BotEvent::BotDisabled { reason }]
                }
            }
            BotCommand::Enable { by } => {
                self.check(by)?;
                if by != By::Admin {
                    return Err(BotRuleError::AdminOnly);
                }
                if self.disabled.is_some() {
                    vec![BotEvent::BotEnabled]
                } else {
                    Vec::new()
                }
            }
            BotCommand::Delete { by } => {
                self.check(by)?;
                let mut events = self.removed();
                events.push(BotEvent::BotDeleted);
                events
            }
        };
        Ok(events)
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
