//! PDF models' rows in `model`: each a view of its model's aggregate state (`row_of`), so the
//! aggregate's `apply` is the one place that says what a model's event changes. A rebuild keeps
//! each model's state as it folds the log (`apply`); live, `projection.rs` folds it from the
//! stream's earlier events.
use std::collections::HashMap;

use super::aggregate::PdfModel;
use super::events::ModelEvent;
use crate::domain::ModelRef;
use crate::events::{Aggregate, RecordedEvent};
use crate::rebuild::{ModelRow, Tables};
use crate::site::events::ModelKind;
use crate::site::fold::next_position;

/// `error_detail` keeps at most this many characters.
const DETAIL_MAX_CHARS: usize = 500;

/// The rebuild's fold: `states` holds each model as its aggregate folds it (by stream id), kept
/// by the rebuild beside the tables.
pub fn apply(
    tables: &mut Tables,
    states: &mut HashMap<String, PdfModel>,
    event: &RecordedEvent,
    payload: &ModelEvent,
) {
    let id = row_id(event);
    let model = states.entry(event.stream_id.clone()).or_default();
    model.apply(payload);
    let position = next_position(tables);
    match tables.model_mut(&id) {
        Some(row) => {
            if let Some(new) = row_of(&id, model, Some(row), event, payload, position) {
                *row = new;
            }
        }
        None => tables
            .models
            .extend(row_of(&id, model, None, event, payload, position)),
    }
}

/// A PDF model's id in `model`.
pub(super) fn row_id(event: &RecordedEvent) -> String {
    format!("{}{}", ModelRef::PDF_PREFIX, event.stream_id)
}

/// A model's row after `payload`, from its state after it (`model`) and what only the row keeps
/// (`before`: when it was created, its place in the picker, whether it is the site's default,
/// when it was last launched, the embedder of its last index). `position` is the place a new
/// row takes. None: there is no row to change (a model never created).
pub(super) fn row_of(
    id: &str,
    model: &PdfModel,
    before: Option<&ModelRow>,
    event: &RecordedEvent,
    payload: &ModelEvent,
    position: u32,
) -> Option<ModelRow> {
    let at = event.recorded_at;
    if before.is_none() && !matches!(payload, ModelEvent::ModelCreated { .. }) {
        return None;
    }
    let index = model.index.as_ref();
    let file = model.file.as_ref();
    let failure = model.failure.as_ref();
    let launched_at = match payload {
        ModelEvent::ModelLaunched => Some(at),
        _ => before.and_then(|row| row.launched_at),
    };
    Some(ModelRow {
        id: id.to_owned(),
        name: model.name.clone(),
        file: file.map(|file| file.path.clone()),
        vector: index.map(|index| index.table.clone()),
        date: before.map_or(at, |row| row.date),
        kind: ModelKind::Pdf,
        enabled: model.launched,
        is_default: before.is_some_and(|row| row.is_default),
        position: before.map_or(position, |row| row.position),
        description: Some(model.description.clone()),
        instructions: Some(model.instructions.clone()),
        instructions_version: Some(model.instructions_version),
        base_model: Some(model.base_model.clone()),
        status: Some(model.status.as_str().to_owned()),
        pages: index.map(|index| index.pages),
        chunks: index.map(|index| index.chunks),
        pdf_bytes: file.map(|file| file.bytes),
        sha256: file.map(|file| file.sha256.clone()),
        original_name: file.map(|file| file.original_name.clone()),
        // A failed reading keeps the embedder and width of the last index.
        embedder: index
            .map(|index| index.embedder.clone())
            .or_else(|| before.and_then(|row| row.embedder.clone())),
        dimension: index
            .map(|index| index.dimension)
            .or_else(|| before.and_then(|row| row.dimension)),
        error_code: failure.map(|(code, _)| code.clone()),
        error_detail: failure.map(|(_, detail)| detail.chars().take(DETAIL_MAX_CHARS).collect()),
        launched_at,
        updated_at: Some(at),
    })
}
