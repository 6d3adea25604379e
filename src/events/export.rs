//! `export-events`: the log for analysts, as JSON lines or CSV, streamed row by row.
use std::io::Write;

use serde::Serialize;
use sha2::Digest;
use sqlx::mysql::MySqlPool;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

use super::RecordedEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExportFormat {
    Jsonl,
    Csv,
    /// Columnar, for pandas/DuckDB/Spark (needs an output file).
    Parquet,
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
    #[error("could not write Parquet: {0}")]
    Parquet(#[from] parquet::errors::ParquetError),
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

fn to_row(event: &RecordedEvent, redact_content: bool) -> ExportRow<'_> {
    let metadata = event.metadata();
    let mut payload = event.redacted_payload();
    if redact_content {
        redact_texts(&mut payload);
    }
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
        payload: payload.to_string(),
    }
}

/// An exported row with owned, typed fields (the Parquet columns).
pub struct ExportRowParts {
    pub position: u64,
    pub recorded_at_micros: i64,
    pub stream_type: String,
    pub stream_id: String,
    pub sequence: u64,
    pub event_type: String,
    pub event_version: u32,
    pub actor: String,
    pub request_id: Option<String>,
    pub payload: String,
}

fn to_parts(event: &RecordedEvent, redact_content: bool) -> ExportRowParts {
    let row = to_row(event, redact_content);
    let at = event.recorded_at.assume_utc();
    ExportRowParts {
        position: row.position,
        recorded_at_micros: (at.unix_timestamp_nanos() / 1_000) as i64,
        stream_type: row.stream_type.to_owned(),
        stream_id: row.stream_id.to_owned(),
        sequence: row.sequence,
        event_type: row.event_type.to_owned(),
        event_version: row.event_version,
        actor: row.actor,
        request_id: Some(row.request_id).filter(|r| !r.is_empty()),
        payload: row.payload,
    }
}

/// The fields that hold what people wrote or read: prompts, answers, titles, instructions and
/// the passages a PDF model was shown.
const CONTENT_FIELDS: &[&str] = &["text", "title", "instructions", "about", "style", "snippet"];

/// `--redact-content`: every content field becomes `{"length": characters, "sha256": hex}`, so
/// analysts can count and join without reading conversations.
fn redact_texts(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                match field {
                    serde_json::Value::String(text) if CONTENT_FIELDS.contains(&key.as_str()) => {
                        let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
                        *field =
                            serde_json::json!({ "length": text.chars().count(), "sha256": digest });
                    }
                    other => redact_texts(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(redact_texts),
        _ => {}
    }
}

/// Which events an export writes.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    /// Recorded at or after.
    pub since: Option<PrimitiveDateTime>,
    /// Recorded before.
    pub until: Option<PrimitiveDateTime>,
    /// Only positions after this one (0 = from the start).
    pub after_position: u64,
    pub stream_type: Option<String>,
    /// Empty = every type.
    pub event_types: Vec<String>,
    /// A user's id: their own stream and everything they did.
    pub user_id: Option<String>,
    pub redact_content: bool,
    /// Parquet only: the payload's fields as typed columns too (`--flatten TYPE`, which also
    /// keeps only that type).
    pub flatten_payload: bool,
}

impl Filter {
    fn keeps(&self, event: &RecordedEvent) -> bool {
        self.since.is_none_or(|since| event.recorded_at >= since)
            && self.until.is_none_or(|until| event.recorded_at < until)
            && self
                .stream_type
                .as_deref()
                .is_none_or(|kind| event.stream_type == kind)
            && (self.event_types.is_empty() || self.event_types.contains(&event.event_type))
            && self.user_id.as_deref().is_none_or(|user| {
                event.stream_id == user || event.metadata().actor == format!("user:{user}")
            })
    }
}

/// What an export wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Written {
    pub events: u64,
    /// The position of the last event written, for the next incremental export.
    pub last_position: Option<u64>,
}

const HEADER: [&str; 10] = [
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
];

/// Writes the events `filter` keeps, in position order, reading the log in batches (memory
/// stays flat however long the log is).
pub async fn export(
    pool: &MySqlPool,
    filter: &Filter,
    format: ExportFormat,
    out: impl Write + Send,
) -> Result<Written, ExportError> {
    let mut written = Written::default();
    let mut jsonl = None;
    let mut csv_out = None;
    let mut parquet_out = None;
    match format {
        ExportFormat::Jsonl => jsonl = Some(std::io::BufWriter::new(out)),
        ExportFormat::Csv => csv_out = Some(csv::Writer::from_writer(out)),
        ExportFormat::Parquet => {
            parquet_out = Some(super::parquet::ParquetSink::new(
                out,
                filter.flatten_payload,
            )?)
        }
    }
    let mut position = filter.after_position;
    loop {
        let events = super::read_all(pool, position, BATCH).await?;
        let Some(last) = events.last() else { break };
        position = last.position;
        for event in events.iter().filter(|e| filter.keeps(e)) {
            written.events += 1;
            written.last_position = Some(event.position);
            if let Some(sink) = parquet_out.as_mut() {
                sink.push(to_parts(event, filter.redact_content));
                continue;
            }
            let row = to_row(event, filter.redact_content);
            if let Some(out) = jsonl.as_mut() {
                serde_json::to_writer(&mut *out, &row)?;
                out.write_all(b"\n")?;
            }
            if let Some(out) = csv_out.as_mut() {
                out.serialize(row)?;
            }
        }
        if let Some(sink) = parquet_out.as_mut() {
            sink.flush_batch()?;
        }
    }
    if let Some(sink) = parquet_out {
        sink.finish()?;
    }
    if let Some(mut out) = jsonl {
        out.flush()?;
    }
    if let Some(mut out) = csv_out {
        if written.events == 0 {
            out.write_record(HEADER)?;
        }
        out.flush()?;
    }
    Ok(written)
}

/// Events read from the log at a time.
const BATCH: u32 = 5_000;
