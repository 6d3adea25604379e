//! Site-wide data an admin edits (default prompt limit, offered models), kept as events in
//! the `site` stream. `.env` only seeds what the stream does not have yet.
pub mod events;

use std::collections::HashSet;

use events::{ModelKind, SITE_STREAM_ID, SiteEvent};

use crate::configuration::Settings;
use crate::events::{AppendError, DomainEvent, EventStore, Metadata};

pub const LOCAL_MODEL_ID: &str = "local:qwen2.5-coder-0.5b";
pub const LOCAL_MODEL_NAME: &str = "Local · Qwen2.5-Coder 0.5B (offline)";

#[derive(Debug, thiserror::Error)]
pub enum SiteError {
    #[error(transparent)]
    Load(#[from] sqlx::Error),
    #[error(transparent)]
    Append(#[from] AppendError),
    #[error(transparent)]
    Decode(#[from] serde_json::Error),
}

/// What the `site` stream holds so far.
#[derive(Debug, Default)]
pub struct SiteState {
    pub sequence: u64,
    pub default_limit: Option<u32>,
    pub models: HashSet<String>,
    pub default_model: Option<String>,
}

impl SiteState {
    pub fn apply(&mut self, event: &SiteEvent) {
        self.sequence += 1;
        match event {
            SiteEvent::DefaultPromptLimitChanged { limit } => self.default_limit = Some(*limit),
            SiteEvent::ModelAdded { id, .. } => {
                self.models.insert(id.clone());
            }
            SiteEvent::DefaultModelChosen { id } => self.default_model = Some(id.clone()),
            SiteEvent::ModelEnabled { .. } | SiteEvent::ModelDisabled { .. } => {}
        }
    }
}

pub async fn load(store: &EventStore) -> Result<SiteState, SiteError> {
    let mut state = SiteState::default();
    for event in store.load(SiteEvent::STREAM_TYPE, SITE_STREAM_ID).await? {
        state.apply(&event.decode()?);
    }
    Ok(state)
}

/// The events that bring a fresh (or older) site up to what `.env` describes.
fn seed_events(state: &SiteState, settings: &Settings) -> Vec<SiteEvent> {
    let mut events = Vec::new();
    if state.default_limit.is_none() {
        events.push(SiteEvent::DefaultPromptLimitChanged {
            limit: settings.chat.default_max_prompts,
        });
    }
    let mut wanted: Vec<(String, String, ModelKind)> = Vec::new();
    if settings.llm.local_model_enabled() {
        wanted.push((
            LOCAL_MODEL_ID.into(),
            LOCAL_MODEL_NAME.into(),
            ModelKind::Local,
        ));
    }
    for model in &settings.llm.models {
        wanted.push((model.clone(), model.clone(), ModelKind::Upstream));
    }
    for (id, name, kind) in &wanted {
        if !state.models.contains(id) {
            events.push(SiteEvent::ModelAdded {
                id: id.clone(),
                name: name.clone(),
                kind: *kind,
            });
        }
    }
    if state.default_model.is_none() {
        let preferred = if settings.llm.api_key.is_some() {
            wanted.iter().find(|m| m.2 == ModelKind::Upstream)
        } else {
            None
        };
        if let Some((id, _, _)) = preferred.or(wanted.first()) {
            events.push(SiteEvent::DefaultModelChosen { id: id.clone() });
        }
    }
    events
}

pub async fn seed(store: &EventStore, settings: &Settings) -> Result<(), SiteError> {
    for _ in 0..3 {
        let state = load(store).await?;
        let events = seed_events(&state, settings);
        if events.is_empty() {
            return Ok(());
        }
        match store
            .append(SITE_STREAM_ID, state.sequence, &events, &Metadata::system())
            .await
        {
            Err(AppendError::Conflict { .. }) => continue,
            other => return other.map(|_| ()).map_err(SiteError::from),
        }
    }
    Ok(())
}

/// Records an admin's change to the site settings (appended after the stream's last event).
pub async fn change(
    store: &EventStore,
    event: SiteEvent,
    metadata: Metadata,
) -> Result<(), SiteError> {
    for _ in 0..3 {
        let state = load(store).await?;
        match store
            .append(
                SITE_STREAM_ID,
                state.sequence,
                std::slice::from_ref(&event),
                &metadata,
            )
            .await
        {
            Err(AppendError::Conflict { .. }) => continue,
            other => return other.map(|_| ()).map_err(SiteError::from),
        }
    }
    Ok(())
}
