//! The bots' use cases, for the owner's pages, the start page and the admin: every change is a
//! `BotCommand` through `Repository<Bot>` (the aggregate decides who may do what); lists and
//! states come from the catalog (the log folded in memory). A bot's PDF is a PDF model the bot
//! owns: made (and read) before the bot records it, deleted after the bot lets it go.
use uuid::Uuid;

use super::aggregate::{Bot, BotCommand, BotDetails, BotRuleError, By, Knowledge};
use crate::catalog::Catalog;
use crate::configuration::BotSettings;
use crate::domain::{BotId, ModelRef, PdfModelId};
use crate::error::AppError;
use crate::events::{EventStore, Metadata, Repository, RepositoryError};
use crate::i18n::Msg;
use crate::pdf_models::PdfModels;
use crate::pdf_models::events::SourceFile;
use crate::pdf_models::service::ModelDetails;
use crate::site::aggregate::CatalogModel;
use crate::site::events::ModelKind;

pub const DISABLE_REASON_MAX_CHARS: usize = 500;

#[derive(Clone)]
pub struct Bots {
    repo: Repository<Bot>,
    catalog: Catalog,
    pdf: PdfModels,
    settings: BotSettings,
}

impl From<RepositoryError<BotRuleError>> for AppError {
    fn from(error: RepositoryError<BotRuleError>) -> Self {
        match error {
            RepositoryError::Rule(rule) => match rule {
                BotRuleError::NotFound | BotRuleError::AdminOnly => AppError::NotFound,
                BotRuleError::AlreadyExists => AppError::Conflict(Msg::new("error-busy-retry")),
                BotRuleError::TooMany { cap } => {
                    AppError::Conflict(Msg::new("bot-too-many").arg("max", cap))
                }
                BotRuleError::NoKnowledge => AppError::Conflict(Msg::new("bot-no-pdf")),
            },
            RepositoryError::Contention { .. } => AppError::Conflict(Msg::new("error-busy-retry")),
            other => AppError::unexpected(other),
        }
    }
}

impl Bots {
    pub fn new(store: EventStore, catalog: Catalog, pdf: PdfModels, settings: BotSettings) -> Self {
        Bots {
            repo: Repository::new(store),
            catalog,
            pdf,
            settings,
        }
    }

    pub fn settings(&self) -> &BotSettings {
        &self.settings
    }

    pub fn pdf_models(&self) -> &PdfModels {
        &self.pdf
    }

    /// The models a bot may answer with: every model of the site's picker (PDF models too),
    /// never another bot.
    pub fn base_models(&self) -> Vec<CatalogModel> {
        self.catalog
            .models()
            .into_iter()
            .filter(|m| m.enabled && m.kind != ModelKind::Bot)
            .collect()
    }

    fn check_base_model(&self, details: &BotDetails) -> Result<(), AppError> {
        if self
            .base_models()
            .iter()
            .any(|m| m.id == details.base_model)
        {
            Ok(())
        } else {
            Err(AppError::Unprocessable(Msg::new("bot-base-invalid")))
        }
    }

    /// `user`'s bots, newest first.
    pub fn list(&self, user: Uuid) -> Vec<(Uuid, Bot)> {
        let mut bots = self.catalog.bots_of(user);
        bots.reverse();
        bots
    }

    /// A bot its owner may change (404 for anyone else and for a deleted bot).
    pub fn owned(&self, user: Uuid, id: BotId) -> Result<Bot, AppError> {
        self.catalog
            .bot(id.as_uuid())
            .filter(|bot| bot.owned_by(user))
            .ok_or(AppError::NotFound)
    }

    /// A bot whose start page `user` may open: their own (also while disabled, to read why) or a
    /// shared one that is not disabled.
    pub fn visible(&self, user: Uuid, id: BotId) -> Result<Bot, AppError> {
        self.catalog
            .bot(id.as_uuid())
            .filter(|bot| bot.owned_by(user) || bot.usable_by(user))
            .ok_or(AppError::NotFound)
    }

    /// Any bot that exists (the admin).
    pub fn any(&self, id: BotId) -> Result<Bot, AppError> {
        self.catalog
            .bot(id.as_uuid())
            .filter(Bot::exists)
            .ok_or(AppError::NotFound)
    }

    pub async fn create(
        &self,
        user: Uuid,
        details: BotDetails,
        metadata: &Metadata,
    ) -> Result<BotId, AppError> {
        self.check_base_model(&details)?;
        let id = BotId::new();
        let owned = self.catalog.bots_of(user).len();
        let command = BotCommand::Create {
            owner: user,
            details,
            owned,
            cap: self.settings.per_user,
        };
        self.execute(id, command, metadata).await?;
        Ok(id)
    }

    pub async fn edit(
        &self,
        user: Uuid,
        id: BotId,
        details: BotDetails,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let bot = self.owned(user, id)?;
        // A base model that left the picker may stay while the owner keeps it.
        if details.base_model != bot.base_model {
            self.check_base_model(&details)?;
        }
        let by = By::User(user);
        self.execute(id, BotCommand::Edit { by, details }, metadata)
            .await
    }

    /// A copy with the same details (and a copy of its PDF, read again for the copy).
    pub async fn duplicate(
        &self,
        user: Uuid,
        id: BotId,
        copy_name: String,
        metadata: &Metadata,
    ) -> Result<BotId, AppError> {
        let bot = self.owned(user, id)?;
        let details = BotDetails {
            name: copy_name,
            description: bot.description.clone(),
            instructions: bot.instructions.clone(),
            base_model: bot.base_model.clone(),
            avatar: bot.avatar.clone(),
            starters: bot.starters.clone(),
        };
        let command = BotCommand::Create {
            owner: user,
            details,
            owned: self.catalog.bots_of(user).len(),
            cap: self.settings.per_user,
        };
        let copy = BotId::new();
        self.execute(copy, command, metadata).await?;
        if let Some(knowledge) = bot.knowledge {
            let model = PdfModelId::new();
            let knowledge_dir = self.pdf.knowledge();
            let from = knowledge_dir.source_path(knowledge.model);
            let to = knowledge_dir.source_path(model.as_uuid());
            let copied = async {
                tokio::fs::create_dir_all(knowledge_dir.folder(model.as_uuid())).await?;
                let bytes = tokio::fs::copy(&from, &to).await?;
                let sha256 = sha256_of(to.clone()).await?;
                Ok::<_, std::io::Error>((bytes, sha256))
            }
            .await;
            match copied {
                Ok((bytes, sha256)) => {
                    let file = SourceFile {
                        path: crate::pdf_models::Knowledge::relative_source_path(model.as_uuid()),
                        sha256,
                        bytes,
                        original_name: knowledge.file_name.clone(),
                    };
                    self.attach_pdf(user, copy, model, file, metadata).await?;
                }
                Err(error) => {
                    tracing::warn!(%id, %error, "A bot's PDF could not be copied for its duplicate");
                }
            }
        }
        Ok(copy)
    }

    /// Gives the bot the PDF already saved at `knowledge().source_path(model)`: a PDF model of
    /// the bot's own is made and starts reading it, then the bot records it (and lets its
    /// earlier PDF go).
    pub async fn attach_pdf(
        &self,
        user: Uuid,
        id: BotId,
        model: PdfModelId,
        file: SourceFile,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let bot = self.owned(user, id)?;
        let knowledge = Knowledge {
            model: model.as_uuid(),
            file_name: file.original_name.clone(),
            bytes: file.bytes,
        };
        let details = ModelDetails {
            name: bot.name.clone(),
            description: String::new(),
            instructions: String::new(),
        };
        self.pdf
            .create(
                model,
                Some(id.as_uuid()),
                details,
                bot.base_model.clone(),
                file,
                metadata.clone(),
            )
            .await?;
        let by = By::User(user);
        let attached = self
            .execute(id, BotCommand::AttachKnowledge { by, knowledge }, metadata)
            .await;
        if let Err(error) = attached {
            self.drop_pdf(model.as_uuid(), metadata).await;
            return Err(error);
        }
        if let Some(old) = bot.knowledge {
            self.drop_pdf(old.model, metadata).await;
        }
        Ok(())
    }

    pub async fn remove_pdf(
        &self,
        user: Uuid,
        id: BotId,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let bot = self.owned(user, id)?;
        let by = By::User(user);
        self.execute(id, BotCommand::RemoveKnowledge { by }, metadata)
            .await?;
        if let Some(old) = bot.knowledge {
            self.drop_pdf(old.model, metadata).await;
        }
        Ok(())
    }

    pub async fn share(&self, user: Uuid, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        let by = By::User(user);
        self.execute(id, BotCommand::Share { by }, metadata).await
    }

    pub async fn unshare(
        &self,
        user: Uuid,
        id: BotId,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let by = By::User(user);
        self.execute(id, BotCommand::Unshare { by }, metadata).await
    }

    /// Records the deletion, then drops the bot's PDF (its table and its file). Its chats stay.
    pub async fn delete(&self, by: By, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        let bot = match by {
            By::User(user) => self.owned(user, id)?,
            By::Admin => self.any(id)?,
        };
        self.execute(id, BotCommand::Delete { by }, metadata)
            .await?;
        if let Some(old) = bot.knowledge {
            self.drop_pdf(old.model, metadata).await;
        }
        Ok(())
    }

    /// A deleted account takes its bots (and their PDFs) with it.
    pub async fn delete_all_of(&self, user: Uuid, metadata: &Metadata) -> Result<(), AppError> {
        for (id, _) in self.catalog.bots_of(user) {
            self.delete(By::User(user), id.into(), metadata).await?;
        }
        Ok(())
    }

    pub async fn disable(
        &self,
        id: BotId,
        reason: &str,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(AppError::Unprocessable(Msg::new(
                "bot-disable-reason-required",
            )));
        }
        if reason.chars().count() > DISABLE_REASON_MAX_CHARS {
            return Err(AppError::Unprocessable(
                Msg::new("bot-too-long")
                    .arg("field", "reason")
                    .arg("max", DISABLE_REASON_MAX_CHARS),
            ));
        }
        let command = BotCommand::Disable {
            by: By::Admin,
            reason: reason.to_owned(),
        };
        self.execute(id, command, metadata).await
    }

    pub async fn enable(&self, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        self.execute(id, BotCommand::Enable { by: By::Admin }, metadata)
            .await
    }

    /// Whether the bot's PDF is still being read, was read, or could not be read.
    pub fn pdf_status(&self, bot: &Bot) -> Option<&'static str> {
        let knowledge = bot.knowledge.as_ref()?;
        let model = self
            .catalog
            .pdf_model(&ModelRef::Pdf(knowledge.model.into()).to_string())?;
        Some(model.status.as_str())
    }

    /// The PDF model is deleted by its actor (table and folder); a failure is logged, and the
    /// actor's start-up settling removes what is left.
    async fn drop_pdf(&self, model: Uuid, metadata: &Metadata) {
        if let Err(error) = self.pdf.delete(model.into(), metadata.clone()).await {
            tracing::warn!(%model, ?error, "A bot's old PDF could not be deleted yet");
        }
    }

    async fn execute(
        &self,
        id: BotId,
        command: BotCommand,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let result = self
            .repo
            .execute(&id.to_string(), command, metadata)
            .await
            .map(drop)
            .map_err(AppError::from);
        // This instance shows its own change at once (the others follow the log).
        if let Err(error) = self.catalog.catch_up().await {
            tracing::warn!(%error, "The catalog will pick the bot's change up on its next round");
        }
        result
    }
}

/// The hex SHA-256 of a file, read off the async runtime.
async fn sha256_of(path: std::path::PathBuf) -> std::io::Result<String> {
    tokio::task::spawn_blocking(move || {
        use sha2::{Digest, Sha256};
        let mut file = std::fs::File::open(path)?;
        let mut hasher = Sha256::new();
        std::io::copy(&mut file, &mut hasher)?;
        Ok(hex::encode(hasher.finalize()))
    })
    .await
    .map_err(std::io::Error::other)?
}
