//! `export-events`: the log for analysts, as JSON lines or CSV, streamed row by row.
use std::io::Write;

use futures::TryStreamExt;
use serde::Serialize;
use sqlx::mysql::MySqlPool;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

use super::RecordedEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("could not write the export: {0}")]
    Write(#[from] std::io::Error),
    #[error(transparent)]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

/// One exported line: the row with metadata unpacked and secrets (password hashes) removed.
#[derive(Serialize)]
struct ExportRow<'a> {
    position: u64,
    recorded_at: String,
    stream_type: &'a str,
    stream_id: &'a str,
    sequence: u64,
    event_type: &'a str,
    event_version: u32,
    actor: String,
    request_id: String,
    payload: String,
}

fn to_row(event: &RecordedEvent) -> ExportRow<'_> {
    let metadata = event.metadata();
    ExportRow {
        position: event.position,
        recorded_at: event
            .recorded_at
            .assume_utc()
            .format(&Rfc3339)
            .unwrap_or_default(),
        stream_type: &event.stream_type,
        stream_id: &event.stream_id,
        sequence: event.sequence,
        event_type: &event.event_type,
        event_version: event.event_version,
        actor: metadata.actor,
        request_id: metadata.request_id.unwrap_or_default(),
        payload: event.redacted_payload().to_string(),
    }
}

/// Writes every event recorded at or after `since`; returns how many were written.
pub async fn export(
    pool: &MySqlPool,
    since: Option<PrimitiveDateTime>,
    format: ExportFormat,
    out: impl Write,
) -> Result<u64, ExportError> {
    let since = since.unwrap_or(time::macros::datetime!(1970-01-01 0:00));
    let mut rows = sqlx::query_as::<_, RecordedEvent>(
        "SELECT position, stream_type, stream_id, sequence, event_type, event_version, payload, \
         metadata, recorded_at FROM event WHERE recorded_at >= ? ORDER BY position",
    )
    .bind(since)
    .fetch(pool);
    let mut written = 0;
    match format {
        ExportFormat::Jsonl => {
            let mut out = std::io::BufWriter::new(out);
            while let Some(event) = rows.try_next().await? {
                serde_json::to_writer(&mut out, &to_row(&event))?;
                out.write_all(b"\n")?;
                written += 1;
            }
            out.flush()?;
        }
        ExportFormat::Csv => {
            let mut out = csv::Writer::from_writer(out);
            while let Some(event) = rows.try_next().await? {
                out.serialize(to_row(&event))?;
                written += 1;
            }
            if written == 0 {
                out.write_record([
                    "position",
                    "recorded_at",
                    "stream_type",
                    "stream_id",
                    "sequence",
                    "event_type",
                    "event_version",
                    "actor",
                    "request_id",
                    "payload",
                ])?;
            }
            out.flush()?;
        }
    }
    Ok(written)
}
