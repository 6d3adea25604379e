//! The bots' use cases, for the owner's pages, the start page and the admin: every change is a
//! `BotCommand` through `Repository<Bot>` (the aggregate decides who may do what); lists and
//! states come from the catalog (the log folded in memory). A bot's PDF is a PDF model the bot
//! owns: made (and read) before the bot records it, deleted after the bot lets it go — the
//! one the recorded `KnowledgeRemoved` names, never one read earlier (a racing edit may have
//! replaced it meanwhile). How many bots a user has is the `BotOwnership` stream's rule:
//! a creation claims a slot there first.
use crate::pdf_models::messages::Progress;
use uuid::Uuid;

use super::aggregate::{Bot, BotCommand, BotDetails, BotRuleError, By, Knowledge, let_go};
use super::events::BotEvent;
use super::ownership::{BotOwnership, OwnershipCommand, OwnershipError};
use crate::accounts::rate_limit::RateLimiter;
use crate::catalog::{Catalog, CatalogError};
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
use crate::store::users::UserRow;

pub const DISABLE_REASON_MAX_CHARS: usize = 500;

#[derive(Clone)]
pub struct Bots {
    repo: Repository<Bot>,
    owners: Repository<BotOwnership>,
    catalog: Catalog,
    pdf: PdfModels,
    settings: BotSettings,
    /// Counts creations and PDF uploads per user in hourly windows.
    hourly: RateLimiter,
}

/// Proof that a user may give a bot a PDF now (verified when verification is on, under the
/// hourly upload limit, counted): only `Bots::pdf_upload` makes one, `attach_pdf` takes one.
#[derive(Debug)]
pub struct PdfUpload(());

impl From<RepositoryError<BotRuleError>> for AppError {
    fn from(error: RepositoryError<BotRuleError>) -> Self {
        match error {
            RepositoryError::Rule(rule) => match rule {
                BotRuleError::NotFound | BotRuleError::AdminOnly => AppError::NotFound,
                BotRuleError::AlreadyExists => AppError::Conflict(Msg::new("error-busy-retry")),
                BotRuleError::NoKnowledge => AppError::Conflict(Msg::new("bot-no-pdf")),
            },
            RepositoryError::Contention { .. } => AppError::Conflict(Msg::new("error-busy-retry")),
            other => AppError::unexpected(other),
        }
    }
}

impl From<RepositoryError<OwnershipError>> for AppError {
    fn from(error: RepositoryError<OwnershipError>) -> Self {
        match error {
            RepositoryError::Rule(OwnershipError::TooMany { cap }) => {
                AppError::Conflict(Msg::new("bot-too-many").arg("max", cap))
            }
            RepositoryError::Contention { .. } => AppError::Conflict(Msg::new("error-busy-retry")),
            other => AppError::unexpected(other),
        }
    }
}

impl Bots {
    /// `hourly`: a limiter whose windows are an hour long (`BOT_*_PER_HOUR`).
    pub fn new(
        store: EventStore,
        catalog: Catalog,
        pdf: PdfModels,
        settings: BotSettings,
        hourly: RateLimiter,
    ) -> Self {
        Bots {
            repo: Repository::new(store.clone()),
            owners: Repository::new(store),
            catalog,
            pdf,
            settings,
            hourly,
        }
    }

    pub fn settings(&self) -> &BotSettings {
        &self.settings
    }

    pub fn pdf_models(&self) -> &PdfModels {
        &self.pdf
    }

    /// The models a bot may answer with: every model of the site's picker (PDF models too,
    /// none this server cannot serve), never another bot.
    pub fn base_models(&self) -> Vec<CatalogModel> {
        self.catalog
            .models()
            .into_iter()
            .filter(|m| m.enabled && m.kind != ModelKind::Bot && self.catalog.set_up(&m.id))
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
        self.create_as(user, id, details, metadata).await?;
        Ok(id)
    }

    /// Under the hourly limit, claims a slot of `user`'s, then records the bot; a creation
    /// that did not happen gives its slot back.
    async fn create_as(
        &self,
        user: Uuid,
        id: BotId,
        details: BotDetails,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let limit = self.settings.creations_per_hour;
        let bucket = format!("bot-create:{user}");
        self.within_hour(bucket, limit, Msg::new("bot-creations-too-many"))
            .await?;
        self.claim_slot(user, id, metadata).await?;
        let command = BotCommand::Create {
            owner: user,
            details,
        };
        let created = self.execute(id, command, metadata).await;
        if created.is_err() {
            self.release_unless_created(user, id, metadata).await;
        }
        created.map(drop)
    }

    /// A slot for `bot` in `user`'s `bot_owner` stream. The first claim of a user who made bots
    /// before that stream existed counts them: the catalog catches up first so it knows every
    /// bot the log has.
    async fn claim_slot(
        &self,
        user: Uuid,
        bot: BotId,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        match self.catalog.catch_up().await {
            Ok(_) => {}
            Err(CatalogError::Read(error)) => return Err(error.into()),
            Err(error) => return Err(AppError::unexpected(error)),
        }
        let alive = self.catalog.bots_of(user).into_iter().map(|(id, _)| id);
        let held = self.owners.load(&user.to_string()).await?;
        let deleted = held
            .bots()
            .filter(|id| self.catalog.bot(*id).is_some_and(|bot| bot.deleted))
            .collect();
        let command = OwnershipCommand::Claim {
            bot: bot.as_uuid(),
            cap: self.settings.per_user,
            alive: alive.collect(),
            deleted,
        };
        self.owners
            .execute(&user.to_string(), command, metadata)
            .await?;
        Ok(())
    }

    /// Gives `bot`'s slot back (a failure is logged: the next claim gives back the slots of
    /// bots the log shows deleted).
    async fn release_slot(&self, user: Uuid, bot: Uuid, metadata: &Metadata) {
        let command = OwnershipCommand::Release { bot };
        if let Err(error) = self
            .owners
            .execute(&user.to_string(), command, metadata)
            .await
        {
            tracing::warn!(%user, %bot, %error, "A bot's slot could not be given back");
        }
    }

    /// After a failed creation: the slot goes back unless the bot was recorded after all (an
    /// answer lost on the way back from the database), or the log cannot tell.
    async fn release_unless_created(&self, user: Uuid, id: BotId, metadata: &Metadata) {
        match self.repo.load(&id.to_string()).await {
            Ok(bot) if bot.sequence == 0 => self.release_slot(user, id.as_uuid(), metadata).await,
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%id, %error, "Keeping the slot of a bot whose creation is unsure");
            }
        }
    }

    /// Counts one `bucket` action in this hour; 429 (with `Retry-After`) over `limit`.
    async fn within_hour(&self, bucket: String, limit: u32, msg: Msg) -> Result<(), AppError> {
        match self.hourly.over(&bucket, limit).await? {
            None => Ok(()),
            Some(retry_after_secs) => Err(AppError::Throttled {
                msg: msg
                    .arg("max", limit)
                    .arg("minutes", retry_after_secs.div_ceil(60).max(1)),
                retry_after_secs,
            }),
        }
    }

    /// Whether `user` may give a bot a PDF now: a verified e-mail address when verification
    /// is on, and at most `BOT_PDF_UPLOADS_PER_HOUR` uploads an hour (this one counted).
    pub async fn pdf_upload(&self, user: &UserRow) -> Result<PdfUpload, AppError> {
        if self.settings.pdf_needs_verified_email && !user.verified {
            return Err(AppError::Forbidden(Msg::new("bot-pdf-verify-first")));
        }
        let limit = self.settings.pdf_uploads_per_hour;
        let bucket = format!("bot-pdf:{}", user.uuid());
        self.within_hour(bucket, limit, Msg::new("bot-pdf-uploads-too-many"))
            .await?;
        Ok(PdfUpload(()))
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
            .map(drop)
    }

    /// A copy with the same details (and a copy of its PDF, read again for the copy: an
    /// upload of the user's, so refused as one before anything is made).
    pub async fn duplicate(
        &self,
        user: &UserRow,
        id: BotId,
        copy_name: String,
        metadata: &Metadata,
    ) -> Result<BotId, AppError> {
        let owner = user.uuid();
        let bot = self.owned(owner, id)?;
        let upload = match bot.knowledge {
            Some(_) => Some(self.pdf_upload(user).await?),
            None => None,
        };
        let details = BotDetails {
            name: copy_name,
            description: bot.description.clone(),
            instructions: bot.instructions.clone(),
            base_model: bot.base_model.clone(),
            avatar: bot.avatar.clone(),
            starters: bot.starters.clone(),
        };
        let copy = BotId::new();
        self.create_as(owner, copy, details, metadata).await?;
        if let (Some(knowledge), Some(upload)) = (bot.knowledge, upload) {
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
                    self.attach_pdf(upload, owner, copy, model, file, metadata)
                        .await?;
                }
                Err(error) => {
                    tracing::warn!(%id, %error, "A bot's PDF could not be copied for its duplicate");
                }
            }
        }
        Ok(copy)
    }

    /// Gives the bot the PDF already saved at `knowledge().source_path(model)`: a PDF model of
    /// the bot's own is made and starts reading it, then the bot records it and lets go the
    /// PDF its decision replaced (the log's, not the one read before: another edit may have
    /// attached one meanwhile).
    pub async fn attach_pdf(
        &self,
        _upload: PdfUpload,
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
        let recorded = match attached {
            Ok(recorded) => recorded,
            Err(error) => {
                self.drop_pdf(model.as_uuid(), metadata).await;
                return Err(error);
            }
        };
        self.drop_let_go(&recorded, metadata).await
    }

    pub async fn remove_pdf(
        &self,
        user: Uuid,
        id: BotId,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        self.owned(user, id)?;
        let by = By::User(user);
        let recorded = self
            .execute(id, BotCommand::RemoveKnowledge { by }, metadata)
            .await?;
        self.drop_let_go(&recorded, metadata).await
    }

    pub async fn share(&self, user: Uuid, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        let by = By::User(user);
        self.execute(id, BotCommand::Share { by }, metadata)
            .await
            .map(drop)
    }

    pub async fn unshare(
        &self,
        user: Uuid,
        id: BotId,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let by = By::User(user);
        self.execute(id, BotCommand::Unshare { by }, metadata)
            .await
            .map(drop)
    }

    /// Records the deletion, then drops the bot's PDF (its table and its file) and gives its
    /// slot back. Its chats stay.
    pub async fn delete(&self, by: By, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        let bot = match by {
            By::User(user) => self.owned(user, id)?,
            By::Admin => self.any(id)?,
        };
        let recorded = self
            .execute(id, BotCommand::Delete { by }, metadata)
            .await?;
        if recorded.contains(&BotEvent::BotDeleted) {
            self.release_slot(bot.owner, id.as_uuid(), metadata).await;
        }
        self.drop_let_go(&recorded, metadata).await
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
        self.execute(id, command, metadata).await.map(drop)
    }

    pub async fn enable(&self, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        self.execute(id, BotCommand::Enable { by: By::Admin }, metadata)
            .await
            .map(drop)
    }

    /// How far the reading of the bot's PDF is (waiting for a slot, pages, chunks), while it is read.
    pub async fn pdf_progress(&self, bot: &Bot) -> Option<Progress> {
        let knowledge = bot.knowledge.as_ref()?;
        let model = self.pdf.get(knowledge.model.into()).await.ok()?;
        model.progress
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

    /// Drops the PDF models that `recorded` let go.
    async fn drop_let_go(
        &self,
        recorded: &[BotEvent],
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        for model in let_go(recorded) {
            self.drop_pdf(model, metadata).await;
        }
        Ok(())
    }

    /// Decides `command` on the bot's stream; the events it recorded.
    async fn execute(
        &self,
        id: BotId,
        command: BotCommand,
        metadata: &Metadata,
    ) -> Result<Vec<BotEvent>, AppError> {
        let result = match self.repo.execute(&id.to_string(), command, metadata).await {
            Ok((_, recorded)) => recorded
                .iter()
                .map(|event| event.decode::<BotEvent>().map_err(AppError::unexpected))
                .collect(),
            Err(error) => Err(AppError::from(error)),
        };
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
