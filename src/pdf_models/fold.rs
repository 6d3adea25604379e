//! `projection.rs`'s PDF model rows in `model`, folded in memory for a rebuild
//! (`crate::rebuild`).
use super::aggregate::Status;
use super::events::ModelEvent;
use crate::domain::ModelRef;
use crate::events::RecordedEvent;
use crate::rebuild::{ModelRow, Tables};
use crate::site::events::ModelKind;
use crate::site::fold::next_position;

pub fn apply(tables: &mut Tables, event: &RecordedEvent, payload: &ModelEvent) {
    let id = format!("{}{}", ModelRef::PDF_PREFIX, event.stream_id);
    let at = event.recorded_at;
    if let ModelEvent::ModelCreated {
        name,
        description,
        instructions,
        base_model,
        file,
        ..
    } = payload
    {
        let row = ModelRow {
            id,
            name: name.clone(),
            file: Some(file.path.clone()),
            vector: None,
            date: at,
            kind: ModelKind::Pdf,
            enabled: false,
            is_default: false,
            position: next_position(tables),
            description: Some(description.clone()),
            instructions: Some(instructions.clone()),
            instructions_version: Some(1),
            base_model: Some(base_model.clone()),
            status: Some(Status::New.as_str().to_owned()),
            pages: None,
            chunks: None,
            pdf_bytes: Some(file.bytes),
            sha256: Some(file.sha256.clone()),
            original_name: Some(file.original_name.clone()),
            embedder: None,
            dimension: None,
            error_code: None,
            error_detail: None,
            launched_at: None,
            updated_at: Some(at),
        };
        tables.models.push(row);
        return;
    }
    let Some(model) = tables.model_mut(&id) else {
        return;
    };
    model.updated_at = Some(at);
    match payload {
        ModelEvent::IngestionStarted { .. } => {
            model.status = Some(Status::Ingesting.as_str().to_owned());
            model.error_code = None;
            model.error_detail = None;
        }
        ModelEvent::IngestionCompleted {
            pages,
            chunks,
            embedder,
            dimension,
            table,
        } => {
            model.status = Some(Status::Ready.as_str().to_owned());
            model.pages = Some(*pages);
            model.chunks = Some(*chunks);
            model.embedder = Some(embedder.clone());
            model.dimension = Some(*dimension);
            model.vector = Some(table.clone());
        }
        ModelEvent::IngestionFailed { code, detail } => {
            model.status = Some(Status::Failed.as_str().to_owned());
            model.error_code = Some(code.clone());
            model.error_detail = Some(detail.chars().take(500).collect());
            model.vector = None;
            model.pages = None;
            model.chunks = None;
        }
        ModelEvent::ModelLaunched => {
            model.enabled = true;
            model.launched_at = Some(at);
        }
        ModelEvent::ModelUnlaunched => model.enabled = false,
        ModelEvent::ModelEdited {
            name,
            description,
            instructions,
        } => {
            if let Some(name) = name {
                model.name = name.clone();
            }
            if let Some(description) = description {
                model.description = Some(description.clone());
            }
            if let Some(instructions) = instructions {
                model.instructions = Some(instructions.clone());
                model.instructions_version = model.instructions_version.map(|v| v + 1);
            }
        }
        ModelEvent::ModelDeleted => {
            model.status = Some(Status::Deleted.as_str().to_owned());
            model.enabled = false;
        }
        ModelEvent::ModelCreated { .. } => {}
    }
}
