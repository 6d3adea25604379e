//! `export-events`: the log for analysts, as JSON lines or CSV, streamed row by row.
use std::io::Write;

use serde::Serialize;
use sha2::Digest;
use sqlx::mysql::MySqlPool;
use time::PrimitiveDateTime;
use time::format_description::well_known::Rfc3339;

use super::RecordedEvent;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Jsonl,
    Csv,
    /// Columnar, for pandas/DuckDB/Spark (needs an output file).
    Parquet,
}

impl ExportFormat {
    /// The file name's extension (also the word in the admin's download path).
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Parquet => "parquet",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Jsonl => "application/x-ndjson",
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Parquet => "application/vnd.apache.parquet",
        }
    }
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

/// One exported line: the row with metadata unpacked and secrets (password hashes, API key
/// hashes) removed.
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

/// The fields that hold what people wrote or read: prompts, answers, titles, instructions,
/// descriptions, a bot's conversation starters and the passages a PDF model was shown.
const CONTENT_FIELDS: &[&str] = &[
    "text",
    "title",
    "instructions",
    "about",
    "style",
    "snippet",
    "description",
    "starters",
];

fn redacted(text: &str) -> serde_json::Value {
    let digest = hex::encode(sha2::Sha256::digest(text.as_bytes()));
    serde_json::json!({ "length": text.chars().count(), "sha256": digest })
}

/// `--redact-content`: every content field becomes `{"length": characters, "sha256": hex}`, so
/// analysts can count and join without reading conversations.
fn redact_texts(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, field) in map.iter_mut() {
                let content = CONTENT_FIELDS.contains(&key.as_str());
                match field {
                    serde_json::Value::String(text) if content => *field = redacted(text),
                    serde_json::Value::Array(items) if content => {
                        for item in items.iter_mut() {
                            if let serde_json::Value::String(text) = item {
                                *item = redacted(text);
                            }
                        }
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
/// stays flat however long the log is). The log is read here; the rows are encoded (JSON, CSV,
/// Parquet with its compression) on the blocking pool, never on the caller's async thread.
/// Returns the writer when done.
pub async fn export<W: Write + Send + 'static>(
    pool: &MySqlPool,
    filter: &Filter,
    format: ExportFormat,
    out: W,
) -> Result<(Written, W), ExportError> {
    let (batches, received) = tokio::sync::mpsc::channel::<Vec<RecordedEvent>>(2);
    let options = WriteOptions {
        format,
        redact_content: filter.redact_content,
        flatten_payload: filter.flatten_payload,
    };
    let writer = tokio::task::spawn_blocking(move || write_rows(received, options, out));
    let mut written = Written::default();
    let mut position = filter.after_position;
    let read: Result<(), ExportError> = async {
        loop {
            let events = super::read_all(pool, position, BATCH).await?;
            let Some(last) = events.last() else {
                return Ok(());
            };
            position = last.position;
            let kept: Vec<RecordedEvent> = events.into_iter().filter(|e| filter.keeps(e)).collect();
            written.events += kept.len() as u64;
            written.last_position = kept.last().map(|e| e.position).or(written.last_position);
            if batches.send(kept).await.is_err() {
                // The writer stopped early: its own result says why.
                return Ok(());
            }
        }
    }
    .await;
    drop(batches);
    let out = writer
        .await
        .map_err(|e| ExportError::Write(std::io::Error::other(e.to_string())))??;
    read?;
    Ok((written, out))
}

#[derive(Clone, Copy)]
struct WriteOptions {
    format: ExportFormat,
    redact_content: bool,
    flatten_payload: bool,
}

/// Encodes the batches as they arrive (a blocking thread); returns the writer at the end.
fn write_rows<W: Write + Send>(
    mut batches: tokio::sync::mpsc::Receiver<Vec<RecordedEvent>>,
    options: WriteOptions,
    out: W,
) -> Result<W, ExportError> {
    let redact = options.redact_content;
    match options.format {
        ExportFormat::Jsonl => {
            let mut out = std::io::BufWriter::new(out);
            while let Some(events) = batches.blocking_recv() {
                for event in &events {
                    serde_json::to_writer(&mut out, &to_row(event, redact))?;
                    out.write_all(b"\n")?;
                }
            }
            out.into_inner()
                .map_err(|e| ExportError::Write(e.into_error()))
        }
        ExportFormat::Csv => {
            let mut out = csv::Writer::from_writer(out);
            let mut any = false;
            while let Some(events) = batches.blocking_recv() {
                for event in &events {
                    out.serialize(to_row(event, redact))?;
                    any = true;
                }
            }
            if !any {
                out.write_record(HEADER)?;
            }
            out.into_inner()
                .map_err(|e| ExportError::Write(std::io::Error::other(e.to_string())))
        }
        ExportFormat::Parquet => {
            let mut sink = super::parquet::ParquetSink::new(out, options.flatten_payload)?;
            while let Some(events) = batches.blocking_recv() {
                for event in &events {
                    sink.push(to_parts(event, redact));
                }
                sink.flush_batch()?;
            }
            Ok(sink.finish()?)
        }
    }
}

/// Events read from the log at a time.
const BATCH: u32 = 5_000;
