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

    /// The model if the site's picker offers it (bots are offered per user: `offered_to`).
    pub fn enabled_model(&self, id: &str) -> Option<CatalogModel> {
        self.read().enabled_model(id)
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

    pub fn default_model(&self) -> Option<String> {
        self.read().site.default_model.clone()
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
