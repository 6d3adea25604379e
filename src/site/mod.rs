//! Site-wide data an admin edits (default prompt limit, offered models), kept as events in
//! the `site` stream and decided by the site aggregate. `.env` only seeds what the stream does
//! not have yet.
pub mod aggregate;
pub mod events;
pub mod fold;
pub mod projection;

use aggregate::{Site, SiteCommand, SiteRuleError, WantedModel};
use events::{ModelKind, SITE_STREAM_ID};

use crate::configuration::Settings;
use crate::error::AppError;
use crate::events::{EventStore, Metadata, RecordedEvent, Repository, RepositoryError};
use crate::i18n::Msg;

pub const LOCAL_MODEL_ID: &str = "local:qwen2.5-coder-0.5b";
pub const LOCAL_MODEL_NAME: &str = "Local · Qwen2.5-Coder 0.5B (offline)";

pub type SiteError = RepositoryError<SiteRuleError>;

impl From<SiteError> for AppError {
    fn from(error: SiteError) -> Self {
        match error {
            RepositoryError::Rule(SiteRuleError::UnknownModel) => AppError::NotFound,
            RepositoryError::Rule(SiteRuleError::LimitTooSmall) => {
                AppError::Unprocessable(Msg::new("admin-number-invalid"))
            }
            RepositoryError::Rule(SiteRuleError::DisablingTheDefault) => {
                AppError::Conflict(Msg::new("admin-model-default-disable"))
            }
            RepositoryError::Rule(SiteRuleError::DefaultMustBeEnabled) => {
                AppError::Conflict(Msg::new("admin-model-enable-first"))
            }
            RepositoryError::Contention { .. } => AppError::Conflict(Msg::new("error-busy-retry")),
            other => AppError::unexpected(other),
        }
    }
}

fn repository(store: &EventStore) -> Repository<Site> {
    Repository::new(store.clone())
}

/// The site as its stream describes it now.
pub async fn load(store: &EventStore) -> Result<Site, SiteError> {
    repository(store).load(SITE_STREAM_ID).await
}

/// Brings the site up to what `.env` describes (models it does not know yet, first defaults).
pub async fn seed(store: &EventStore, settings: &Settings) -> Result<(), SiteError> {
    let mut models = Vec::new();
    if settings.llm.local_model_enabled() {
        models.push(WantedModel {
            id: LOCAL_MODEL_ID.into(),
            name: LOCAL_MODEL_NAME.into(),
            kind: ModelKind::Local,
        });
    }
    models.extend(settings.llm.models.iter().map(|model| WantedModel {
        id: model.clone(),
        name: model.clone(),
        kind: ModelKind::Upstream,
    }));
    let command = SiteCommand::Seed {
        default_limit: settings.chat.default_max_prompts,
        models,
        prefer_upstream: settings.llm.api_key.is_some(),
    };
    change(store, command, Metadata::system()).await?;
    Ok(())
}

/// An admin's (or the seed's) change: applied, or a typed error — never silently dropped.
pub async fn change(
    store: &EventStore,
    command: SiteCommand,
    metadata: Metadata,
) -> Result<Vec<RecordedEvent>, SiteError> {
    let (_, recorded) = repository(store)
        .execute(SITE_STREAM_ID, command, &metadata)
        .await?;
    Ok(recorded)
}
