//! The PDF model aggregate: one model's life (created → ingesting → ready or failed → launched,
//! unlaunched, edited → deleted) folded from its stream, and the rules for each change. The
//! `ModelActor` does the work (files, LanceDB, embeddings) and reports it as commands.
use uuid::Uuid;

use super::events::{ModelEvent, SourceFile};
use crate::events::Aggregate;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    New,
    Ingesting,
    Ready,
    Failed,
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Ingesting => "ingesting",
            Status::Ready => "ready",
            Status::Failed => "failed",
            Status::Deleted => "deleted",
        }
    }
}

/// What ingestion produced (from `IngestionCompleted`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    pub pages: u32,
    pub chunks: u32,
    pub embedder: String,
    pub dimension: u32,
    pub table: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct PdfModel {
    pub name: String,
    pub description: String,
    pub instructions: String,
    /// Starts at 1; every change of the instructions counts up (chats record which answered).
    pub instructions_version: u32,
    pub base_model: String,
    pub file: Option<SourceFile>,
    /// The bot whose knowledge this is (such a model is never offered on its own).
    pub bot: Option<Uuid>,
    pub status: Status,
    pub launched: bool,
    pub index: Option<Index>,
    pub failure: Option<(String, String)>,
    /// The app instance reading the PDF while `status` is `Ingesting`.
    pub reading_on: Option<Uuid>,
    pub sequence: u64,
}

#[derive(Clone, Debug)]
pub enum ModelCommand {
    Create {
        name: String,
        description: String,
        instructions: String,
        base_model: String,
        file: SourceFile,
        bot: Option<Uuid>,
    },
    /// Read the PDF on `instance`; `taking_over` names an instance whose reading it replaces
    /// (one the caller found dead). Another instance's reading is never replaced silently.
    StartIngestion {
        instance: Uuid,
        taking_over: Option<Uuid>,
    },
    CompleteIngestion {
        instance: Uuid,
        index: Index,
    },
    FailIngestion {
        instance: Uuid,
        code: String,
        detail: String,
    },
    Launch,
    Unlaunch,
    Edit {
        name: String,
        description: String,
        instructions: String,
    },
    Delete,
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModelRuleError {
    #[error("the model does not exist")]
    NotFound,
    #[error("the model already exists")]
    AlreadyExists,
    #[error("only a model whose PDF is ready can be launched")]
    NotReady,
    #[error("no ingestion is running")]
    NotIngesting,
    #[error("another app instance is reading the PDF")]
    ReadElsewhere,
}

impl PdfModel {
    pub fn exists(&self) -> bool {
        self.sequence > 0 && self.status != Status::Deleted
    }

    /// Users may pick it and it can answer.
    pub fn answerable(&self) -> bool {
        self.launched && self.status == Status::Ready
    }
}

impl Aggregate for PdfModel {
    type Event = ModelEvent;
    type Command = ModelCommand;
    type Error = ModelRuleError;

    fn apply(&mut self, event: &ModelEvent) {
        self.sequence += 1;
        match event {
            ModelEvent::ModelCreated {
                name,
                description,
                instructions,
                base_model,
                file,
                bot,
            } => {
                self.bot = *bot;
                self.name = name.clone();
                self.description = description.clone();
                self.instructions = instructions.clone();
                self.instructions_version = 1;
                self.base_model = base_model.clone();
                self.file = Some(file.clone());
            }
            ModelEvent::IngestionStarted { instance } => {
                self.status = Status::Ingesting;
                self.failure = None;
                self.reading_on = *instance;
            }
            ModelEvent::IngestionCompleted {
                pages,
                chunks,
                embedder,
                dimension,
                table,
            } => {
                self.status = Status::Ready;
                self.reading_on = None;
                self.index = Some(Index {
                    pages: *pages,
                    chunks: *chunks,
                    embedder: embedder.clone(),
                    dimension: *dimension,
                    table: table.clone(),
                });
            }
            ModelEvent::IngestionFailed { code, detail } => {
                self.status = Status::Failed;
                self.reading_on = None;
                self.index = None;
                self.failure = Some((code.clone(), detail.clone()));
            }
            ModelEvent::ModelLaunched => self.launched = true,
            ModelEvent::ModelUnlaunched => self.launched = false,
            ModelEvent::ModelEdited {
                name,
                description,
                instructions,
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
            }
            ModelEvent::ModelDeleted => {
                self.status = Status::Deleted;
                self.reading_on = None;
                self.launched = false;
            }
        }
    }

    fn sequence(&self) -> u64 {
        self.sequence
    }

    fn handle(&self, command: ModelCommand) -> Result<Vec<ModelEvent>, ModelRuleError> {
        if let ModelCommand::Create {
            name,
            description,
            instructions,
            base_model,
            file,
            bot,
        } = command
        {
            if self.sequence > 0 {
                return Err(ModelRuleError::AlreadyExists);
            }
            return Ok(vec![ModelEvent::ModelCreated {
                name,
                description,
                instructions,
                base_model,
                file,
                bot,
            }]);
        }
        if !self.exists() {
            return Err(ModelRuleError::NotFound);
        }
        let events = match command {
            ModelCommand::Create { .. } => return Err(ModelRuleError::AlreadyExists),
            // Also after a crash mid-ingestion or a lost table: the log and the PDF are the truth.
            ModelCommand::StartIngestion {
                instance,
                taking_over,
            } => {
                match self.reader() {
                    Some(other) if other != instance && Some(other) != taking_over => {
                        return Err(ModelRuleError::ReadElsewhere);
                    }
                    _ => {}
                }
                vec![ModelEvent::IngestionStarted {
                    instance: Some(instance),
                }]
            }
            ModelCommand::CompleteIngestion { instance, index } => {
                self.ensure_reading_on(instance)?;
                vec![ModelEvent::IngestionCompleted {
                    pages: index.pages,
                    chunks: index.chunks,
                    embedder: index.embedder,
                    dimension: index.dimension,
                    table: index.table,
                }]
            }
            ModelCommand::FailIngestion {
                instance,
                code,
                detail,
            } => {
                self.ensure_reading_on(instance)?;
                vec![ModelEvent::IngestionFailed { code, detail }]
            }
            ModelCommand::Launch if self.status != Status::Ready => {
                return Err(ModelRuleError::NotReady);
            }
            ModelCommand::Launch if self.launched => Vec::new(),
            ModelCommand::Launch => vec![ModelEvent::ModelLaunched],
            ModelCommand::Unlaunch if self.launched => vec![ModelEvent::ModelUnlaunched],
            ModelCommand::Unlaunch => Vec::new(),
            ModelCommand::Edit {
                name,
                description,
                instructions,
            } => {
                let name = (name != self.name).then_some(name);
                let description = (description != self.description).then_some(description);
                let instructions = (instructions != self.instructions).then_some(instructions);
                if name.is_none() && description.is_none() && instructions.is_none() {
                    Vec::new()
                } else {
                    vec![ModelEvent::ModelEdited {
                        name,
                        description,
                        instructions,
                    }]
                }
            }
            ModelCommand::Delete => vec![ModelEvent::ModelDeleted],
        };
        Ok(events)
    }
}

impl PdfModel {
    /// The instance reading the PDF now, if any.
    pub fn reader(&self) -> Option<Uuid> {
        self.reading_on.filter(|_| self.status == Status::Ingesting)
    }

    /// Only the reading that is running may end it (one taken over ends as nothing).
    fn ensure_reading_on(&self, instance: Uuid) -> Result<(), ModelRuleError> {
        match (self.status, self.reading_on) {
            (Status::Ingesting, Some(reader)) if reader != instance => {
                Err(ModelRuleError::ReadElsewhere)
            }
            (Status::Ingesting, _) => Ok(()),
            _ => Err(ModelRuleError::NotIngesting),
        }
    }
}

#[cfg(test)]
#[path = "aggregate_tests.rs"]
mod tests;
