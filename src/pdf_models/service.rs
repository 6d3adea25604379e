//! The PDF models' use cases, for the admin pages and the source-PDF route: every change goes to
//! the model's actor (which decides through the aggregate and the repository); lists and
//! states come from the catalog (the log folded in memory), progress from the actors.
use std::path::PathBuf;

use serde::Serialize;
use uuid::Uuid;

use super::ModelActors;
use super::actor::{Delete, Execute, GetProgress, Ingest, ModelDeps, ModelError, Snapshot};
use super::aggregate::{ModelCommand, ModelRuleError, PdfModel, Status};
use super::events::SourceFile;
use super::messages::Progress;
use super::runtime::Knowledge;
use crate::catalog::{Catalog, ModelDates};
use crate::domain::{ModelRef, PdfModelId};
use crate::error::AppError;
use crate::events::{Metadata, RepositoryError};
use crate::i18n::Msg;
use crate::registry::Actors;
use crate::site::events::ModelKind;

pub const NAME_MAX_CHARS: usize = 80;
pub const DESCRIPTION_MAX_CHARS: usize = 500;
pub const INSTRUCTIONS_MAX_CHARS: usize = 8_000;

/// What the admin types about a model, checked at the edge.
#[derive(Clone, Debug, PartialEq)]
pub struct ModelDetails {
    pub name: String,
    pub description: String,
    pub instructions: String,
}

impl ModelDetails {
    pub fn parse(name: &str, description: &str, instructions: &str) -> Result<Self, AppError> {
        let invalid = |id| AppError::Unprocessable(Msg::new(id));
        let name = name.trim();
        if name.is_empty() {
            return Err(invalid("admin-model-name-required"));
        }
        let too_long = |field: &'static str, max: usize| {
            AppError::Unprocessable(
                Msg::new("admin-model-too-long")
                    .arg("field", field)
                    .arg("max", max),
            )
        };
        if name.chars().count() > NAME_MAX_CHARS {
            return Err(too_long("name", NAME_MAX_CHARS));
        }
        if description.trim().chars().count() > DESCRIPTION_MAX_CHARS {
            return Err(too_long("description", DESCRIPTION_MAX_CHARS));
        }
        if instructions.trim().chars().count() > INSTRUCTIONS_MAX_CHARS {
            return Err(too_long("instructions", INSTRUCTIONS_MAX_CHARS));
        }
        Ok(ModelDetails {
            name: name.to_owned(),
            description: description.trim().to_owned(),
            instructions: instructions.trim().to_owned(),
        })
    }
}

/// One row of the admin's list.
#[derive(Clone, Debug, Serialize)]
pub struct ModelSummary {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    pub instructions: String,
    pub base_model: String,
    pub base_model_name: String,
    pub status: Status,
    pub launched: bool,
    pub pages: Option<u32>,
    pub chunks: Option<u32>,
    pub pdf_bytes: u64,
    pub pdf_name: String,
    pub failure_code: Option<String>,
    pub failure_detail: Option<String>,
    pub progress: Option<Progress>,
    pub dates: Option<ModelDates>,
}

impl From<ModelError> for AppError {
    fn from(error: ModelError) -> Self {
        match error {
            ModelError::Write(RepositoryError::Rule(rule)) => match rule {
                ModelRuleError::NotFound => AppError::NotFound,
                ModelRuleError::AlreadyExists => AppError::Conflict(Msg::new("error-busy-retry")),
                ModelRuleError::NotReady => {
                    AppError::Conflict(Msg::new("admin-model-launch-not-ready"))
                }
                ModelRuleError::NotIngesting => AppError::Conflict(Msg::new("error-busy-retry")),
                ModelRuleError::ReadElsewhere => {
                    AppError::Conflict(Msg::new("admin-model-read-elsewhere"))
                }
            },
            ModelError::Write(RepositoryError::Contention { .. }) => {
                AppError::Conflict(Msg::new("error-busy-retry"))
            }
            ModelError::NotAnswerable => AppError::Unavailable(
                Msg::new("llm-unavailable").arg("reason", "the model is not launched"),
            ),
            other => AppError::unexpected(other),
        }
    }
}

/// Who asks for a model's PDF.
#[derive(Clone, Copy, Debug)]
pub enum Reader {
    Admin,
    User(Uuid),
}

#[derive(Clone)]
pub struct PdfModels {
    actors: ModelActors,
    catalog: Catalog,
}

impl PdfModels {
    /// Starts the registry, lets the catalog's PDF models answer, and starts an actor for every
    /// model that is not deleted (each settles what a previous run left unfinished).
    pub fn start(deps: ModelDeps, catalog: Catalog) -> Self {
        let actors = Actors::<super::ModelActor>::start(deps);
        catalog.attach_pdf_models(actors.clone());
        for id in catalog.live_pdf_models() {
            let actors = actors.clone();
            actix_web::rt::spawn(async move {
                if let Err(error) = actors.send(id, Snapshot).await {
                    tracing::error!(%id, %error, "A PDF model's actor could not start");
                }
            });
        }
        PdfModels { actors, catalog }
    }

    pub fn knowledge(&self) -> &Knowledge {
        &self.actors.deps().knowledge
    }

    /// The base models a PDF model may use: every enabled model that is not a PDF model.
    pub fn base_models(&self) -> Vec<crate::site::aggregate::CatalogModel> {
        self.catalog
            .models()
            .into_iter()
            .filter(|m| m.enabled && m.kind != ModelKind::Pdf)
            .collect()
    }

    /// Checks a base model choice against the catalog.
    pub fn check_base_model(&self, id: &str) -> Result<String, AppError> {
        self.base_models()
            .into_iter()
            .find(|m| m.id == id)
            .map(|m| m.id)
            .ok_or_else(|| AppError::Unprocessable(Msg::new("admin-model-base-invalid")))
    }

    /// Records a new model whose PDF is already at `knowledge().source_path(id)`, and starts
    /// reading it. `bot`: the user's bot whose knowledge it is (never offered on its own), or
    /// None for the admin's PDF models.
    pub async fn create(
        &self,
        id: PdfModelId,
        bot: Option<Uuid>,
        details: ModelDetails,
        base_model: String,
        file: SourceFile,
        metadata: Metadata,
    ) -> Result<(), AppError> {
        let command = ModelCommand::Create {
            name: details.name,
            description: details.description,
            instructions: details.instructions,
            base_model,
            file,
            bot,
        };
        self.execute(id, command, metadata.clone()).await?;
        self.ingest(id, metadata).await
    }

    /// Asks the model's actor to read its PDF into a fresh table.
    async fn ingest(&self, id: PdfModelId, metadata: Metadata) -> Result<(), AppError> {
        self.send(
            id,
            Ingest {
                metadata,
                taking_over: None,
            },
        )
        .await
    }

    pub async fn edit(
        &self,
        id: PdfModelId,
        details: ModelDetails,
        metadata: Metadata,
    ) -> Result<(), AppError> {
        let command = ModelCommand::Edit {
            name: details.name,
            description: details.description,
            instructions: details.instructions,
        };
        self.execute(id, command, metadata).await
    }

    pub async fn launch(&self, id: PdfModelId, metadata: Metadata) -> Result<(), AppError> {
        self.execute(id, ModelCommand::Launch, metadata).await
    }

    pub async fn unlaunch(&self, id: PdfModelId, metadata: Metadata) -> Result<(), AppError> {
        self.execute(id, ModelCommand::Unlaunch, metadata).await
    }

    /// Reads the PDF again into a fresh table (after a failure, or to rebuild).
    pub async fn reingest(&self, id: PdfModelId, metadata: Metadata) -> Result<(), AppError> {
        self.existing(id)?;
        self.ingest(id, metadata).await
    }

    /// Stops an ingestion, records the deletion, drops the table and removes the PDF.
    pub async fn delete(&self, id: PdfModelId, metadata: Metadata) -> Result<(), AppError> {
        self.existing(id)?;
        self.send(id, Delete { metadata }).await
    }

    /// Every model that exists, newest first, with the progress of those being read.
    pub async fn list(&self) -> Vec<ModelSummary> {
        let mut rows = Vec::new();
        for (id, model, dates) in self.catalog.pdf_models() {
            let progress = if model.status == Status::Ingesting {
                self.actors.send(id, GetProgress).await.ok().flatten()
            } else {
                None
            };
            rows.push(self.summary(id, &model, progress, dates));
        }
        rows.reverse();
        rows
    }

    /// One model (404 when it does not exist or is deleted).
    pub async fn get(&self, id: PdfModelId) -> Result<ModelSummary, AppError> {
        let model = self.existing(id)?;
        let progress = self
            .actors
            .send(id.as_uuid(), GetProgress)
            .await
            .ok()
            .flatten();
        let dates = self.catalog.pdf_dates(id.as_uuid());
        Ok(self.summary(id.as_uuid(), &model, progress, dates))
    }

    /// The PDF of a model `reader` may read: a site model launched and ready (the admin: any
    /// existing site model); a bot's knowledge only for the bot's owner and the users the
    /// catalog offers the bot to.
    pub fn source_pdf(&self, id: PdfModelId, reader: Reader) -> Option<(PathBuf, String)> {
        let model = self.existing(id).ok()?;
        let allowed = match (reader, model.bot) {
            (Reader::Admin, None) => true,
            (Reader::User(_), None) => model.answerable(),
            (Reader::Admin, Some(_)) => false,
            (Reader::User(user), Some(bot)) => self.bot_usable_by(bot, user),
        };
        if !allowed {
            return None;
        }
        let name = model
            .file
            .map(|f| f.original_name)
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "source.pdf".into());
        Some((self.knowledge().source_path(id.as_uuid()), name))
    }

    fn bot_usable_by(&self, bot: Uuid, user: Uuid) -> bool {
        self.catalog.bot(bot).is_some_and(|b| b.owned_by(user))
            || self
                .catalog
                .offered_to(&format!("{}{bot}", ModelRef::BOT_PREFIX), user)
                .is_some()
    }

    /// `id` if it is one of the site's PDF models (the admin's to change); a bot's knowledge
    /// is its owner's, changed only through the bot: 404.
    pub fn site_model(&self, id: PdfModelId) -> Result<PdfModelId, AppError> {
        match self.existing(id)?.bot {
            None => Ok(id),
            Some(_) => Err(AppError::NotFound),
        }
    }

    fn existing(&self, id: PdfModelId) -> Result<PdfModel, AppError> {
        self.catalog
            .pdf_model(&ModelRef::Pdf(id).to_string())
            .filter(PdfModel::exists)
            .ok_or(AppError::NotFound)
    }

    fn summary(
        &self,
        id: Uuid,
        model: &PdfModel,
        progress: Option<Progress>,
        dates: Option<ModelDates>,
    ) -> ModelSummary {
        let file = model.file.clone().unwrap_or_default();
        ModelSummary {
            id,
            name: model.name.clone(),
            description: model.description.clone(),
            instructions: model.instructions.clone(),
            base_model: model.base_model.clone(),
            base_model_name: self
                .catalog
                .name_of(&model.base_model)
                .unwrap_or_else(|| model.base_model.clone()),
            status: model.status,
            launched: model.launched,
            pages: model.index.as_ref().map(|i| i.pages),
            chunks: model.index.as_ref().map(|i| i.chunks),
            pdf_bytes: file.bytes,
            pdf_name: file.original_name,
            failure_code: model.failure.as_ref().map(|(code, _)| code.clone()),
            failure_detail: model.failure.as_ref().map(|(_, detail)| detail.clone()),
            progress: progress.map(Progress::refreshed),
            dates,
        }
    }

    async fn execute(
        &self,
        id: PdfModelId,
        command: ModelCommand,
        metadata: Metadata,
    ) -> Result<(), AppError> {
        self.send(id, Execute { command, metadata }).await.map(drop)
    }

    async fn send<M, T>(&self, id: PdfModelId, msg: M) -> Result<T, AppError>
    where
        M: actix::Message<Result = Result<T, ModelError>> + Clone + Send + 'static,
        T: Send + 'static,
        super::ModelActor: actix::Handler<M>,
    {
        let result = self
            .actors
            .send(id.as_uuid(), msg)
            .await
            .map_err(ModelError::from)?
            .map_err(AppError::from);
        // This instance shows its own change at once (the others follow the log).
        if let Err(error) = self.catalog.catch_up().await {
            tracing::warn!(%error, "The catalog will pick the model's change up on its next round");
        }
        result
    }
}
