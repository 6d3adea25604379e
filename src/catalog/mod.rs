//! The model catalog every part reads: which models the picker offers, the default model and
//! the default prompt limit (the site aggregate's state), and which backend answers each model.
//! It lives in memory and follows the event log: a catch-up reader folds every catalog event
//! after the last position it saw, so a change made on another instance arrives here too (within
//! `follow`'s interval), and this instance's own writes are folded at once (`catch_up`).
use std::sync::{Arc, OnceLock, RwLock};
use std::time::Duration;

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::bots::aggregate::Bot;
use crate::bots::events::BotEvent;
use crate::domain::ModelRef;
use crate::events::{Aggregate, DomainEvent, EventStore, RecordedEvent};
use crate::llm::{BackendStatus, Backends, ChatBackend, LlmError};
use crate::pdf_models::actor::ModelActor;
use crate::pdf_models::aggregate::{PdfModel, Status};
use crate::pdf_models::backend::PdfBackend;
use crate::pdf_models::events::ModelEvent;
use crate::registry::Actors;
use crate::site::aggregate::{CatalogModel, Site};
use crate::site::events::{ModelKind, SiteEvent};

mod bots;

/// The stream types the catalog folds.
const STREAM_TYPES: &[&str] = &[
    SiteEvent::STREAM_TYPE,
    ModelEvent::STREAM_TYPE,
    BotEvent::STREAM_TYPE,
];
const BATCH: u32 = 500;

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("could not read the catalog's events: {0}")]
    Read(#[from] sqlx::Error),
    #[error("a catalog event cannot be read: {0}")]
    Decode(#[from] serde_json::Error),
}

#[derive(Clone, Default)]
struct Folded {
    site: Site,
    /// PDF models by id, deleted ones included (old chats still name them).
    pdf: BTreeMap<Uuid, PdfModel>,
    /// When each PDF model was created and last launched (for the admin's list).
    pdf_dates: BTreeMap<Uuid, ModelDates>,
    /// Users' bots by id, deleted ones included (their chats still name them).
    bots: BTreeMap<Uuid, Bot>,
    /// When each bot was created.
    bot_created: BTreeMap<Uuid, time::PrimitiveDateTime>,
    position: u64,
}

impl Folded {
    fn apply(&mut self, event: &RecordedEvent) -> Result<(), CatalogError> {
        match event.stream_type.as_str() {
            SiteEvent::STREAM_TYPE => self.site.apply(&event.decode::<SiteEvent>()?),
            ModelEvent::STREAM_TYPE => {
                if let Ok(id) = Uuid::parse_str(&event.stream_id) {
                    let payload = event.decode::<ModelEvent>()?;
                    let dates = self.pdf_dates.entry(id).or_insert(ModelDates {
                        created: event.recorded_at,
                        launched: None,
                    });
                    if matches!(payload, ModelEvent::ModelLaunched) {
                        dates.launched = Some(event.recorded_at);
                    }
                    self.pdf.entry(id).or_default().apply(&payload);
                }
            }
            BotEvent::STREAM_TYPE => {
                if let Ok(id) = Uuid::parse_str(&event.stream_id) {
                    let payload = event.decode::<BotEvent>()?;
                    self.bot_created.entry(id).or_insert(event.recorded_at);
                    self.bots.entry(id).or_default().apply(&payload);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn pdf_model(&self, model_id: &str) -> Option<&PdfModel> {
        match ModelRef::parse(model_id)? {
            ModelRef::Pdf(id) => self.pdf.get(&id.as_uuid()),
            _ => None,
        }
    }

    /// Whether this server can serve `id` at all (`Backends::set_up`); a PDF model or a bot
    /// needs its base model to be.
    fn set_up(&self, id: &str, backends: &Backends) -> bool {
        match ModelRef::parse(id) {
            Some(ModelRef::Pdf(_)) => self
                .pdf_model(id)
                .is_some_and(|m| backends.set_up(&m.base_model)),
            Some(ModelRef::Bot(_)) => self.bot(id).is_some_and(|(_, bot)| {
                !matches!(ModelRef::parse(&bot.base_model), Some(ModelRef::Bot(_)))
                    && self.set_up(&bot.base_model, backends)
            }),
            _ => backends.set_up(id),
        }
    }

    /// The model if the site's picker offers it and this server can serve it: an upstream model
    /// of a site without an API key is left out (the admin's settings still list it).
    fn offered(&self, id: &str, backends: &Backends) -> Option<CatalogModel> {
        self.enabled_model(id).filter(|_| self.set_up(id, backends))
    }

    /// The model if the site's picker offers it (site models and launched PDF models).
    fn enabled_model(&self, id: &str) -> Option<CatalogModel> {
        if let Some(model) = self.site.enabled_model(id) {
            return Some(model.clone());
        }
        let model = self
            .pdf_model(id)
            .filter(|m| m.exists() && m.launched && m.bot.is_none())?;
        Some(CatalogModel {
            id: id.to_owned(),
            name: model.name.clone(),
            description: model.description.clone(),
            kind: ModelKind::Pdf,
            enabled: true,
        })
    }
}

/// The admin's default model that this server cannot serve, and the model used instead.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DefaultFallback {
    pub chosen: String,
    pub chosen_name: String,
    /// Why it cannot answer, for the admin (it may name a setting).
    pub reason: String,
    pub instead: Option<String>,
    pub instead_name: Option<String>,
}

/// When a PDF model was created and last launched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ModelDates {
    #[serde(serialize_with = "crate::store::iso::serialize")]
    pub created: time::PrimitiveDateTime,
    #[serde(serialize_with = "crate::store::iso::option::serialize")]
    pub launched: Option<time::PrimitiveDateTime>,
}

fn pdf_entry(id: &Uuid, model: &PdfModel) -> CatalogModel {
    CatalogModel {
        id: format!("{}{id}", ModelRef::PDF_PREFIX),
        name: model.name.clone(),
        description: model.description.clone(),
        kind: ModelKind::Pdf,
        enabled: model.launched,
    }
}

#[derive(Clone)]
pub struct Catalog {
    store: EventStore,
    backends: Backends,
    state: Arc<RwLock<Folded>>,
    /// One catch-up at a time, so an event is never folded twice.
    reading: Arc<tokio::sync::Mutex<()>>,
    /// The PDF models' actors (they search their tables); attached once at start-up, since
    /// the actors themselves tell the catalog about their changes.
    pdf_actors: Arc<OnceLock<Actors<ModelActor>>>,
}

impl Catalog {
    /// A catalog folded up to the log's current end.
    pub async fn load(store: EventStore, backends: Backends) -> Result<Catalog, CatalogError> {
        let catalog = Catalog {
            store,
            backends,
            state: Arc::default(),
            reading: Arc::default(),
            pdf_actors: Arc::default(),
        };
        catalog.catch_up().await?;
        Ok(catalog)
    }

    /// Folds the catalog events written since the last call (by any instance).
    pub async fn catch_up(&self) -> Result<usize, CatalogError> {
        let _reading = self.reading.lock().await;
        let mut folded = 0;
        loop {
            let after = self.read().position;
            let events = self.store.read_types(STREAM_TYPES, after, BATCH).await?;
            let Some(last) = events.last().map(|e| e.position) else {
                return Ok(folded);
            };
            let mut next = self.read().clone();
            for event in &events {
                next.apply(event)?;
            }
            next.position = last;
            folded += events.len();
            *self
                .state
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner()) = next;
        }
    }

    /// Follows the log in the background, every `every`.
    pub fn follow(&self, every: Duration) {
        let catalog = self.clone();
        actix_web::rt::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                if let Err(error) = catalog.catch_up().await {
                    tracing::warn!(%error, "The model catalog could not catch up; retrying");
                }
            }
        });
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Folded> {
        self.state
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The last log position folded (for tests and diagnostics).
    pub fn position(&self) -> u64 {
        self.read().position
    }

    /// Every model in the catalog: the site's in the order they were added, then the PDF
    /// models that exist (enabled = launched; bots' knowledge is not a model of its own).
    pub fn models(&self) -> Vec<CatalogModel> {
        let folded = self.read();
        let mut models = folded.site.models.clone();
        models.extend(
            folded
                .pdf
                .iter()
                .filter(|(_, model)| model.exists() && model.bot.is_none())
                .map(|(id, model)| pdf_entry(id, model)),
        );
        models
    }

    /// The model if the site's picker offers it and this server can serve it (bots are offered
    /// per user: `offered_to`).
    pub fn enabled_model(&self, id: &str) -> Option<CatalogModel> {
        self.read().offered(id, &self.backends)
    }

    /// Whether this server can serve `id` at all: an upstream model needs an API key, the
    /// local model `LOCAL_MODEL`; a PDF model or a bot needs its base model to be.
    pub fn set_up(&self, id: &str) -> bool {
        self.read().set_up(id, &self.backends)
    }

    /// A PDF model's state as the log describes it (deleted ones included).
    pub fn pdf_model(&self, id: &str) -> Option<PdfModel> {
        self.read().pdf_model(id).cloned()
    }

    /// The display name of any model id (also a deleted PDF model's), for old chats.
    pub fn name_of(&self, id: &str) -> Option<String> {
        let folded = self.read();
        if let Some(model) = folded.site.model(id) {
            return Some(model.name.clone());
        }
        if let Some((_, bot)) = folded.bot(id) {
            return Some(bot.name.clone());
        }
        folded.pdf_model(id).map(|m| m.name.clone())
    }

    /// The model a new chat starts with: the admin's default while this server can serve it;
    /// otherwise (a site restarted without its API key) the model used instead.
    pub fn default_model(&self) -> Option<String> {
        match self.default_fallback() {
            Some(fallback) => fallback.instead,
            None => self.read().site.default_model.clone(),
        }
    }

    /// The admin's default when this server cannot serve it, and what new chats start with
    /// instead: the local model when it can answer, else the first offered model that can,
    /// else the first offered at all (it says why it cannot answer).
    pub fn default_fallback(&self) -> Option<DefaultFallback> {
        let folded = self.read();
        let chosen = folded.site.default_model.clone()?;
        if folded.offered(&chosen, &self.backends).is_some() {
            return None;
        }
        let offered: Vec<&CatalogModel> = folded
            .site
            .models
            .iter()
            .filter(|m| m.enabled && folded.set_up(&m.id, &self.backends))
            .collect();
        let answers = |m: &&&CatalogModel| {
            !matches!(
                self.backends.status(&m.id),
                BackendStatus::Unavailable { .. }
            )
        };
        let instead = offered
            .iter()
            .filter(answers)
            .find(|m| m.kind == ModelKind::Local)
            .or_else(|| offered.iter().find(answers))
            .or_else(|| offered.first());
        Some(DefaultFallback {
            reason: match self.backends.status(&chosen) {
                BackendStatus::Unavailable { reason } => reason,
                _ => "disabled".into(),
            },
            chosen_name: folded
                .site
                .model(&chosen)
                .map_or_else(|| chosen.clone(), |m| m.name.clone()),
            chosen,
            instead: instead.map(|m| m.id.clone()),
            instead_name: instead.map(|m| m.name.clone()),
        })
    }

    /// Says once, at start-up, that the admin's default model cannot answer on this server.
    pub fn log_default_fallback(&self) {
        if let Some(fallback) = self.default_fallback() {
            tracing::warn!(
                default = %fallback.chosen,
                reason = %fallback.reason,
                instead = fallback.instead.as_deref().unwrap_or("none"),
                "The default model cannot answer on this server: new chats start with another model until it is set up or an admin chooses another default"
            );
        }
    }

    pub fn default_limit(&self) -> Option<u32> {
        self.read().site.default_limit
    }

    /// Lets PDF models answer (their actors search their tables).
    pub fn attach_pdf_models(&self, actors: Actors<ModelActor>) {
        let _ = self.pdf_actors.set(actors);
    }

    /// Who answers `model_id`: a PDF model retrieves from its table, then its base model
    /// answers; any other id goes to its backend. A PDF model that is not launched and ready
    /// (unlaunched, deleted, re-ingesting) is unavailable, so its old chats are read-only.
    pub fn backend_for(&self, model_id: &str) -> Result<Arc<dyn ChatBackend>, LlmError> {
        let id = match ModelRef::parse(model_id) {
            Some(ModelRef::Pdf(id)) => id,
            Some(ModelRef::Bot(id)) => return self.bot_backend(id.as_uuid()),
            _ => return self.backends.for_model(model_id),
        };
        let unavailable = |why: &str| LlmError::Unavailable(why.into());
        let model = self
            .pdf_model(model_id)
            .filter(PdfModel::answerable)
            .ok_or_else(|| unavailable("the PDF model is not launched"))?;
        let actors = self
            .pdf_actors
            .get()
            .ok_or_else(|| unavailable("PDF models are not running"))?;
        let base = self.backends.for_model(&model.base_model)?;
        Ok(Arc::new(PdfBackend {
            id: id.as_uuid(),
            model,
            base,
            actors: actors.clone(),
        }))
    }

    /// Every PDF model that is not deleted, oldest first, with its dates (bots' knowledge left
    /// out: it belongs to the bot).
    pub fn pdf_models(&self) -> Vec<(Uuid, PdfModel, Option<ModelDates>)> {
        let folded = self.read();
        folded
            .pdf
            .iter()
            .filter(|(_, model)| model.exists() && model.bot.is_none())
            .map(|(id, model)| (*id, model.clone(), folded.pdf_dates.get(id).copied()))
            .collect()
    }

    /// When a PDF model was created and last launched.
    pub fn pdf_dates(&self, id: Uuid) -> Option<ModelDates> {
        self.read().pdf_dates.get(&id).copied()
    }

    /// Every PDF model that is not deleted, by id (for starting their actors).
    pub fn live_pdf_models(&self) -> Vec<Uuid> {
        self.read()
            .pdf
            .iter()
            .filter(|(_, model)| model.exists())
            .map(|(id, _)| *id)
            .collect()
    }

    /// The OpenAI-compatible backend when it is the one that answers `model_id`.
    pub fn upstream_for(&self, model_id: &str) -> Option<Arc<dyn ChatBackend>> {
        self.backends.upstream_for(model_id)
    }

    pub fn status(&self, model_id: &str) -> BackendStatus {
        let bot = self.read().bot(model_id).map(|(_, bot)| bot.clone());
        if let Some(bot) = bot {
            return self.bot_status(&bot);
        }
        if let Some(model) = self.read().pdf_model(model_id) {
            return match model.status {
                Status::Ready if model.launched => self.backends.status(&model.base_model),
                Status::New | Status::Ingesting => BackendStatus::Loading {
                    detail: "reading the PDF".into(),
                },
                _ => BackendStatus::Unavailable {
                    reason: "the model is not launched".into(),
                },
            };
        }
        self.backends.status(model_id)
    }
}
