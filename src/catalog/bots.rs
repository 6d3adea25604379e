//! The catalog's users' bots: who may use which, the picker's "My bots", the admin's list, and
//! the backend a bot answers through (its own PDF's, when it has one).
use std::sync::Arc;

use uuid::Uuid;

use super::{Catalog, Folded};
use crate::bots::aggregate::Bot;
use crate::bots::backend::BotBackend;
use crate::domain::ModelRef;
use crate::llm::{BackendStatus, Backends, ChatBackend, LlmError};
use crate::pdf_models::aggregate::{PdfModel, Status};
use crate::pdf_models::backend::PdfBackend;
use crate::site::aggregate::CatalogModel;
use crate::site::events::ModelKind;

impl Folded {
    pub(super) fn bot(&self, model_id: &str) -> Option<(Uuid, &Bot)> {
        match ModelRef::parse(model_id)? {
            ModelRef::Bot(id) => self.bots.get(&id.as_uuid()).map(|bot| (id.as_uuid(), bot)),
            _ => None,
        }
    }

    /// A bot `user` may chat with now: usable by them, over a model the site offers, with its
    /// knowledge (if any) read.
    pub(super) fn usable_bot(
        &self,
        model_id: &str,
        user: Uuid,
        backends: &Backends,
    ) -> Option<(Uuid, &Bot)> {
        let (id, bot) = self.bot(model_id)?;
        (bot.usable_by(user) && self.offered(&bot.base_model, backends).is_some())
            .then_some((id, bot))
    }
}

fn bot_entry(id: &Uuid, bot: &Bot) -> CatalogModel {
    CatalogModel {
        id: format!("{}{id}", ModelRef::BOT_PREFIX),
        name: bot.name.clone(),
        description: bot.description.clone(),
        kind: ModelKind::Bot,
        enabled: true,
    }
}

impl Catalog {
    /// The model if `user`'s picker offers it: the site's models, and the bots they may use.
    pub fn offered_to(&self, id: &str, user: Uuid) -> Option<CatalogModel> {
        let folded = self.read();
        match folded.usable_bot(id, user, &self.backends) {
            Some((bot_id, bot)) => Some(bot_entry(&bot_id, bot)),
            None => folded.offered(id, &self.backends),
        }
    }

    /// `owner`'s bots that exist, oldest first (disabled ones included).
    pub fn bots_of(&self, owner: Uuid) -> Vec<(Uuid, Bot)> {
        self.read()
            .bots
            .iter()
            .filter(|(_, bot)| bot.owned_by(owner))
            .map(|(id, bot)| (*id, bot.clone()))
            .collect()
    }

    /// `owner`'s bots for the picker: those that can answer now.
    pub fn picker_bots(&self, owner: Uuid) -> Vec<CatalogModel> {
        let folded = self.read();
        folded
            .bots
            .iter()
            .filter(|(id, bot)| {
                bot.owner == owner
                    && folded
                        .usable_bot(
                            &format!("{}{id}", ModelRef::BOT_PREFIX),
                            owner,
                            &self.backends,
                        )
                        .is_some()
            })
            .map(|(id, bot)| bot_entry(id, bot))
            .collect()
    }

    /// Every bot that exists (for the admin), oldest first, with when it was created.
    pub fn all_bots(&self) -> Vec<(Uuid, Bot, Option<time::PrimitiveDateTime>)> {
        let folded = self.read();
        folded
            .bots
            .iter()
            .filter(|(_, bot)| bot.exists())
            .map(|(id, bot)| (*id, bot.clone(), folded.bot_created.get(id).copied()))
            .collect()
    }

    /// The PDF model `reader` may open for the citations of their own bot's answer given at
    /// `at`: the bot's PDF, if it was there already (a file replaced since has other pages).
    pub fn owners_bot_pdf(
        &self,
        id: Uuid,
        reader: Uuid,
        at: time::PrimitiveDateTime,
    ) -> Option<Uuid> {
        let folded = self.read();
        let bot = folded.bots.get(&id).filter(|bot| bot.owned_by(reader))?;
        let pdf = bot.knowledge.as_ref()?.model;
        folded.pdf.get(&pdf).filter(|model| model.exists())?;
        let created = folded.pdf_dates.get(&pdf)?.created;
        (created <= at).then_some(pdf)
    }

    /// A bot as the log describes it (deleted ones included).
    pub fn bot(&self, id: Uuid) -> Option<Bot> {
        self.read().bots.get(&id).cloned()
    }

    /// A bot answering: its instructions over its base model, grounded in its own PDF when it
    /// has one. Whether the asking user may use it was checked when the prompt came in.
    pub(super) fn bot_backend(&self, id: Uuid) -> Result<Arc<dyn ChatBackend>, LlmError> {
        let unavailable = |why: &str| LlmError::Unavailable(why.into());
        let bot = self
            .bot(id)
            .filter(|bot| bot.exists() && bot.disabled.is_none())
            .ok_or_else(|| unavailable("the bot is not available"))?;
        if self.enabled_model(&bot.base_model).is_none() {
            return Err(unavailable("the bot's model is not offered"));
        }
        let base = self.backend_for(&bot.base_model)?;
        let Some(knowledge) = &bot.knowledge else {
            return Ok(Arc::new(BotBackend::new(bot, base)));
        };
        let model = self
            .read()
            .pdf
            .get(&knowledge.model)
            .filter(|m| m.status == Status::Ready)
            .cloned()
            .ok_or_else(|| unavailable("the bot's PDF is still being read"))?;
        let actors = self
            .pdf_actors
            .get()
            .ok_or_else(|| unavailable("PDF models are not running"))?;
        Ok(Arc::new(PdfBackend {
            id: knowledge.model,
            model: PdfModel {
                name: bot.name.clone(),
                instructions: bot.instructions.clone(),
                instructions_version: bot.instructions_version,
                base_model: bot.base_model.clone(),
                bot: Some(id),
                ..model
            },
            base,
            actors: actors.clone(),
        }))
    }

    /// Whether a bot can answer now: not while disabled or deleted, nor while its PDF is read.
    pub(super) fn bot_status(&self, bot: &Bot) -> BackendStatus {
        let knowledge = bot
            .knowledge
            .as_ref()
            .and_then(|k| self.read().pdf.get(&k.model).map(|m| m.status));
        match knowledge {
            _ if !bot.exists() || bot.disabled.is_some() => BackendStatus::Unavailable {
                reason: "the bot is not available".into(),
            },
            Some(Status::New | Status::Ingesting) => BackendStatus::Loading {
                detail: "reading the PDF".into(),
            },
            Some(Status::Failed | Status::Deleted) => BackendStatus::Unavailable {
                reason: "the bot's PDF could not be read".into(),
            },
            _ => self.status(&bot.base_model),
        }
    }
}
