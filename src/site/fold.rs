//! What the `site` stream's events do to `setting` and `model` (upstream and local models): the
//! one definition, run live (`projection.rs`) and over the whole log in a rebuild
//! (`crate::rebuild`).
use super::events::SiteEvent;
use crate::events::RecordedEvent;
use crate::rebuild::{ModelRow, Tables, collation_key};

pub fn apply(tables: &mut Tables, event: &RecordedEvent, payload: &SiteEvent) {
    match payload {
        SiteEvent::DefaultPromptLimitChanged { limit } => {
            tables
                .settings
                .insert("default_prompt_limit".to_owned(), limit.to_string());
        }
        SiteEvent::ModelAdded { id, name, kind } => {
            let row = ModelRow {
                id: id.clone(),
                name: name.clone(),
                file: None,
                vector: None,
                date: event.recorded_at,
                kind: *kind,
                enabled: true,
                is_default: false,
                position: next_position(tables),
                description: None,
                instructions: None,
                instructions_version: None,
                base_model: None,
                status: None,
                pages: None,
                chunks: None,
                pdf_bytes: None,
                sha256: None,
                original_name: None,
                embedder: None,
                dimension: None,
                error_code: None,
                error_detail: None,
                launched_at: None,
                updated_at: None,
            };
            tables.models.push(row);
        }
        SiteEvent::ModelEnabled { id } | SiteEvent::ModelDisabled { id } => {
            if let Some(model) = tables.model_mut(id) {
                model.enabled = matches!(payload, SiteEvent::ModelEnabled { .. });
            }
        }
        SiteEvent::DefaultModelChosen { id } => {
            let chosen = collation_key(id);
            for model in &mut tables.models {
                model.is_default = collation_key(&model.id) == chosen;
            }
        }
    }
}

/// A new model's place in the picker: after every row already in `model` (`COUNT(*) + 1`).
pub fn next_position(tables: &Tables) -> u32 {
    u32::try_from(tables.models.len() + 1).unwrap_or(u32::MAX)
}
