//! The bots' use cases, for the owner's pages, the start page and the admin: every change is a
//! `BotCommand` through `Repository<Bot>` (the aggregate decides who may do what); lists and
//! states come from the catalog (the log folded in memory). A bot's PDF is a PDF model the bot
//! owns: made (and read) before the bot records it, deleted after the bot lets it go — the
//! one the recorded `KnowledgeRemoved` names, never one read earlier (a racing edit may have
//! replaced it meanwhile). How many bots a user has is the `BotOwnership` stream's rule:
//! a creation claims a slot there first.
use uuid::Uuid;

use super::aggregate::{Bot, BotCommand, BotDetails, BotRuleError, By, KnowledgeChange};
use super::events::BotEvent;
use super::ownership::{BotOwnership, OwnershipCommand, OwnershipError};
use super::pdf_change::{NewPdf, PdfChange, PdfUpload};
use crate::accounts::rate_limit::RateLimiter;
use crate::catalog::{Catalog, CatalogError};
use crate::configuration::BotSettings;
use crate::domain::BotId;
use crate::error::AppError;
use crate::events::{EventStore, Metadata, Repository, RepositoryError};
use crate::i18n::Msg;
use crate::pdf_models::PdfModels;
use crate::site::aggregate::CatalogModel;
use crate::site::events::ModelKind;
use crate::store::users::UserRow;

pub const DISABLE_REASON_MAX_CHARS: usize = 500;

#[derive(Clone)]
pub struct Bots {
    pub(super) repo: Repository<Bot>,
    owners: Repository<BotOwnership>,
    pub(super) catalog: Catalog,
    pub(super) pdf: PdfModels,
    pub(super) settings: BotSettings,
    /// Counts creations and PDF uploads per user in hourly windows.
    hourly: RateLimiter,
}

impl From<RepositoryError<BotRuleError>> for AppError {
    fn from(error: RepositoryError<BotRuleError>) -> Self {
        match error {
            RepositoryError::Rule(rule) => match rule {
                BotRuleError::NotFound | BotRuleError::AdminOnly => AppError::NotFound,
                BotRuleError::AlreadyExists => AppError::Conflict(Msg::new("error-busy-retry")),
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

    /// A new bot, with its PDF if the editor sent one: recorded together or not at all. A
    /// PDF the user may not give is refused before anything is made.
    pub async fn create(
        &self,
        user: &UserRow,
        details: BotDetails,
        pdf: Option<NewPdf>,
        metadata: &Metadata,
    ) -> Result<BotId, AppError> {
        self.check_base_model(&details)?;
        let pdf = match pdf {
            Some(pdf) => Some((self.pdf_upload(user).await?, pdf)),
            None => None,
        };
        let id = BotId::new();
        self.create_as(user.uuid(), id, details, pdf, metadata)
            .await?;
        Ok(id)
    }

    /// Under the hourly limit, claims a slot of `user`'s, makes the PDF's model, then records
    /// the bot (with the PDF); a creation that did not happen gives its slot back and lets
    /// the model go.
    async fn create_as(
        &self,
        user: Uuid,
        id: BotId,
        details: BotDetails,
        pdf: Option<(PdfUpload, NewPdf)>,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let limit = self.settings.creations_per_hour;
        let bucket = format!("bot-create:{user}");
        self.within_hour(bucket, limit, Msg::new("bot-creations-too-many"))
            .await?;
        self.claim_slot(user, id, metadata).await?;
        let knowledge = match pdf {
            Some((upload, pdf)) => {
                match self.pdf_model(upload, id, &details, pdf, metadata).await {
                    Ok(knowledge) => Some(knowledge),
                    Err(error) => {
                        self.release_slot(user, id.as_uuid(), metadata).await;
                        return Err(error);
                    }
                }
            }
            None => None,
        };
        let model = knowledge.as_ref().map(|k| k.model);
        let command = BotCommand::Create {
            owner: user,
            details,
            knowledge,
        };
        let created = self.execute(id, command, metadata).await;
        if created.is_err() {
            self.undo_unless_recorded(user, id, model, metadata).await;
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

    /// After a failed creation: the slot goes back and the PDF's model is let go unless the
    /// bot was recorded after all (an answer lost on the way back from the database), or the
    /// log cannot tell.
    async fn undo_unless_recorded(
        &self,
        user: Uuid,
        id: BotId,
        model: Option<Uuid>,
        metadata: &Metadata,
    ) {
        match self.repo.load(&id.to_string()).await {
            Ok(bot) if bot.sequence == 0 => {
                self.release_slot(user, id.as_uuid(), metadata).await;
                if let Some(model) = model {
                    self.drop_pdf(model, metadata).await;
                }
            }
            Ok(_) => {}
            Err(error) => {
                tracing::warn!(%id, %error, "Keeping the slot of a bot whose creation is unsure");
            }
        }
    }

    /// Counts one `bucket` action in this hour; 429 (with `Retry-After`) over `limit`.
    pub(super) async fn within_hour(
        &self,
        bucket: String,
        limit: u32,
        msg: Msg,
    ) -> Result<(), AppError> {
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

    /// Saves the editor's form as one change: the details and what happens to the PDF are
    /// recorded together or not at all. A new PDF's model is made (and starts reading) first,
    /// and is let go again if the bot does not record it; the PDF the change replaced or
    /// removed is let go once recorded.
    pub async fn save(
        &self,
        user: &UserRow,
        id: BotId,
        details: BotDetails,
        pdf: PdfChange,
        metadata: &Metadata,
    ) -> Result<(), AppError> {
        let owner = user.uuid();
        let bot = self.owned(owner, id)?;
        // A base model that left the picker may stay while the owner keeps it.
        if details.base_model != bot.base_model {
            self.check_base_model(&details)?;
        }
        let knowledge = match pdf {
            PdfChange::Keep => KnowledgeChange::Keep,
            PdfChange::Remove => KnowledgeChange::Remove,
            PdfChange::Replace(pdf) => {
                let upload = self.pdf_upload(user).await?;
                KnowledgeChange::Attach(self.pdf_model(upload, id, &details, pdf, metadata).await?)
            }
        };
        let model = match &knowledge {
            KnowledgeChange::Attach(knowledge) => Some(knowledge.model),
            _ => None,
        };
        let by = By::User(owner);
        let command = BotCommand::Edit {
            by,
            details,
            knowledge,
        };
        match self.execute(id, command, metadata).await {
            Ok(recorded) => {
                self.drop_let_go(&recorded, metadata).await;
                Ok(())
            }
            Err(error) => {
                if let Some(model) = model {
                    self.drop_unless_held(id, model, metadata).await;
                }
                Err(error)
            }
        }
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
        let pdf = match (&bot.knowledge, upload) {
            (Some(knowledge), Some(upload)) => {
                self.copy_pdf(id, knowledge).await.map(|pdf| (upload, pdf))
            }
            _ => None,
        };
        let copy = BotId::new();
        self.create_as(owner, copy, details, pdf, metadata).await?;
        Ok(copy)
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
        self.drop_let_go(&recorded, metadata).await;
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
        self.execute(id, command, metadata).await.map(drop)
    }

    pub async fn enable(&self, id: BotId, metadata: &Metadata) -> Result<(), AppError> {
        self.execute(id, BotCommand::Enable { by: By::Admin }, metadata)
            .await
            .map(drop)
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
