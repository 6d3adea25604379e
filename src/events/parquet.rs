//! `export-events --format parquet`: one row per event with typed envelope columns (position,
//! stream, sequence, type, version, `recorded_at` as a UTC timestamp, actor, request id) and the
//! payload as JSON text. Written in row groups of one read batch each, so memory stays flat.
//!
//! `--flatten TYPE` adds the payload's top-level fields of that event type as typed columns
//! `payload_<field>`, typed from the first batch: whole numbers `Int64`, other numbers `Float64`,
//! `true`/`false` `Boolean`, text `Utf8`; nested values and fields of mixed types are JSON text.
//! A later value that does not fit its column is null there (the `payload` column keeps it).
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
    UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::export::ExportRowParts;

/// The file's columns, in order.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(envelope_fields()))
}

fn envelope_fields() -> Vec<Field> {
    vec![
        Field::new("position", DataType::UInt64, false),
        Field::new(
            "recorded_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("stream_type", DataType::Utf8, false),
        Field::new("stream_id", DataType::Utf8, false),
        Field::new("sequence", DataType::UInt64, false),
        Field::new("event_type", DataType::Utf8, false),
        Field::new("event_version", DataType::UInt32, false),
        Field::new("actor", DataType::Utf8, false),
        Field::new("request_id", DataType::Utf8, true),
        Field::new("payload", DataType::Utf8, false),
    ]
}

/// A payload field written as a column of its own.
#[derive(Clone, Debug, PartialEq)]
struct FlatColumn {
    field: String,
    kind: FlatKind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum FlatKind {
    Bool,
    Int,
    Float,
    Text,
}

impl FlatKind {
    fn of(value: &serde_json::Value) -> Option<FlatKind> {
        match value {
            serde_json::Value::Null => None,
            serde_json::Value::Bool(_) => Some(FlatKind::Bool),
            serde_json::Value::Number(n) if n.is_i64() => Some(FlatKind::Int),
            serde_json::Value::Number(_) => Some(FlatKind::Float),
            _ => Some(FlatKind::Text),
        }
    }

    /// The narrowest kind holding both (whole and other numbers are Float; anything else Text).
    fn widen(self, other: FlatKind) -> FlatKind {
        match (self, other) {
            (a, b) if a == b => a,
            (FlatKind::Int, FlatKind::Float) | (FlatKind::Float, FlatKind::Int) => FlatKind::Float,
            _ => FlatKind::Text,
        }
    }

    fn data_type(self) -> DataType {
        match self {
            FlatKind::Bool => DataType::Boolean,
            FlatKind::Int => DataType::Int64,
            FlatKind::Float => DataType::Float64,
            FlatKind::Text => DataType::Utf8,
        }
    }
}

/// The payload fields of `payloads` (as each payload lists them, new ones after), with the kind of their values
/// (a field only ever null is text).
fn infer_columns(payloads: &[serde_json::Value]) -> Vec<FlatColumn> {
    let mut columns: Vec<(String, Option<FlatKind>)> = Vec::new();
    for payload in payloads {
        let Some(object) = payload.as_object() else {
            continue;
        };
        for (field, value) in object {
            let kind = FlatKind::of(value);
            match columns.iter_mut().find(|(name, _)| name == field) {
                Some((_, seen)) => {
                    *seen = match (*seen, kind) {
                        (Some(a), Some(b)) => Some(a.widen(b)),
                        (a, b) => a.or(b),
                    }
                }
                None => columns.push((field.clone(), kind)),
            }
        }
    }
    columns
        .into_iter()
        .map(|(field, kind)| FlatColumn {
            field,
            kind: kind.unwrap_or(FlatKind::Text),
        })
        .collect()
}

/// One flattened column's values for `payloads`.
fn flat_array(column: &FlatColumn, payloads: &[serde_json::Value]) -> ArrayRef {
    let values = payloads.iter().map(|p| p.get(&column.field));
    match column.kind {
        FlatKind::Bool => {
            let mut b = BooleanBuilder::with_capacity(payloads.len());
            values.for_each(|v| b.append_option(v.and_then(serde_json::Value::as_bool)));
            Arc::new(b.finish())
        }
        FlatKind::Int => {
            let mut b = Int64Builder::with_capacity(payloads.len());
            values.for_each(|v| b.append_option(v.and_then(serde_json::Value::as_i64)));
            Arc::new(b.finish())
        }
        FlatKind::Float => {
            let mut b = Float64Builder::with_capacity(payloads.len());
            values.for_each(|v| b.append_option(v.and_then(serde_json::Value::as_f64)));
            Arc::new(b.finish())
        }
        FlatKind::Text => {
            let mut b = StringBuilder::new();
            for value in values {
                match value {
                    None | Some(serde_json::Value::Null) => b.append_null(),
                    Some(serde_json::Value::String(text)) => b.append_value(text),
                    Some(other) => b.append_value(other.to_string()),
                }
            }
            Arc::new(b.finish())
        }
    }
}

/// Collects rows and writes them as row groups. With flattening, the file is opened at the
/// first row group (its columns come from that batch's payloads).
pub struct ParquetSink<W: Write + Send> {
    out: Option<W>,
    writer: Option<ArrowWriter<W>>,
    flatten: bool,
    columns: Vec<FlatColumn>,
    schema: SchemaRef,
    rows: Vec<ExportRowParts>,
}

impl<W: Write + Send> ParquetSink<W> {
    /// `flatten`: also write the payload's fields as typed columns (for one event type).
    pub fn new(out: W, flatten: bool) -> Result<Self, parquet::errors::ParquetError> {
        let mut sink = ParquetSink {
            out: Some(out),
            writer: None,
            flatten,
            columns: Vec::new(),
            schema: schema(),
            rows: Vec::new(),
        };
        if !flatten {
            sink.open(Vec::new())?;
        }
        Ok(sink)
    }

    fn open(&mut self, columns: Vec<FlatColumn>) -> Result<(), parquet::errors::ParquetError> {
        let mut fields = envelope_fields();
        fields.extend(
            columns
                .iter()
                .map(|c| Field::new(format!("payload_{}", c.field), c.kind.data_type(), true)),
        );
        self.schema = Arc::new(Schema::new(fields));
        self.columns = columns;
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        let out = self.out.take().ok_or_else(already_open)?;
        self.writer = Some(ArrowWriter::try_new(
            out,
            self.schema.clone(),
            Some(properties),
        )?);
        Ok(())
    }

    pub fn push(&mut self, row: ExportRowParts) {
        self.rows.push(row);
    }

    /// Writes the rows collected so far as one row group.
    pub fn flush_batch(&mut self) -> Result<(), parquet::errors::ParquetError> {
        if self.rows.is_empty() {
            return Ok(());
        }
        let payloads: Vec<serde_json::Value> = if self.flatten {
            self.rows
                .iter()
                .map(|row| serde_json::from_str(&row.payload).unwrap_or_default())
                .collect()
        } else {
            Vec::new()
        };
        if self.writer.is_none() {
            self.open(infer_columns(&payloads))?;
        }
        let rows = std::mem::take(&mut self.rows);
        let mut position = UInt64Builder::with_capacity(rows.len());
        let mut recorded_at =
            TimestampMicrosecondBuilder::with_capacity(rows.len()).with_timezone("UTC");
        let mut stream_type = StringBuilder::new();
        let mut stream_id = StringBuilder::new();
        let mut sequence = UInt64Builder::with_capacity(rows.len());
        let mut event_type = StringBuilder::new();
        let mut event_version = UInt32Builder::with_capacity(rows.len());
        let mut actor = StringBuilder::new();
        let mut request_id = StringBuilder::new();
        let mut payload = StringBuilder::new();
        for row in &rows {
            position.append_value(row.position);
            recorded_at.append_value(row.recorded_at_micros);
            stream_type.append_value(&row.stream_type);
            stream_id.append_value(&row.stream_id);
            sequence.append_value(row.sequence);
            event_type.append_value(&row.event_type);
            event_version.append_value(row.event_version);
            actor.append_value(&row.actor);
            request_id.append_option(row.request_id.as_deref());
            payload.append_value(&row.payload);
        }
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(position.finish()),
            Arc::new(recorded_at.finish()),
            Arc::new(stream_type.finish()),
            Arc::new(stream_id.finish()),
            Arc::new(sequence.finish()),
            Arc::new(event_type.finish()),
            Arc::new(event_version.finish()),
            Arc::new(actor.finish()),
            Arc::new(request_id.finish()),
            Arc::new(payload.finish()),
        ];
        columns.extend(self.columns.iter().map(|c| flat_array(c, &payloads)));
        let batch = RecordBatch::try_new(self.schema.clone(), columns)?;
        let writer = self.writer.as_mut().ok_or_else(not_open)?;
        writer.write(&batch)?;
        writer.flush()
    }

    /// Writes what is left and the file's footer; returns the writer.
    pub fn finish(mut self) -> Result<W, parquet::errors::ParquetError> {
        self.flush_batch()?;
        if self.writer.is_none() {
            // Nothing to flatten: the envelope columns only.
            self.open(Vec::new())?;
        }
        self.writer.ok_or_else(not_open)?.into_inner()
    }
}

fn already_open() -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::General("the Parquet file was opened twice".into())
}

fn not_open() -> parquet::errors::ParquetError {
    parquet::errors::ParquetError::General("the Parquet file was not opened".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use serde_json::json;

    #[test]
    fn columns_take_the_narrowest_type_that_holds_every_value() {
        let payloads = [
            json!({"text": "a", "tokens": 3, "score": 1, "ok": true, "sources": [1], "gone": null}),
            json!({"text": "b", "tokens": 4, "score": 0.5, "ok": false, "extra": "late"}),
            json!({"text": 7}),
        ];
        let kinds: Vec<(String, FlatKind)> = infer_columns(&payloads)
            .into_iter()
            .map(|c| (c.field, c.kind))
            .collect();
        let expected = [
            ("text", FlatKind::Text),
            ("tokens", FlatKind::Int),
            ("score", FlatKind::Float),
            ("ok", FlatKind::Bool),
            ("sources", FlatKind::Text),
            ("gone", FlatKind::Text),
            ("extra", FlatKind::Text),
        ];
        let mut sorted = kinds.clone();
        sorted.sort_by(|a, b| a.0.cmp(&b.0));
        let mut expected: Vec<(String, FlatKind)> = expected
            .iter()
            .map(|(f, k)| ((*f).to_owned(), *k))
            .collect();
        expected.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(sorted, expected);
    }

    #[test]
    fn values_that_do_not_fit_are_null_and_nested_ones_are_json() {
        let payloads = [json!({"n": 1, "list": [1, 2]}), json!({"n": "x"})];
        let int = FlatColumn {
            field: "n".into(),
            kind: FlatKind::Int,
        };
        let array = flat_array(&int, &payloads);
        assert_eq!(array.null_count(), 1);
        let text = FlatColumn {
            field: "list".into(),
            kind: FlatKind::Text,
        };
        let array = flat_array(&text, &payloads);
        let strings = array
            .as_any()
            .downcast_ref::<arrow_array::StringArray>()
            .unwrap();
        assert_eq!(strings.value(0), "[1,2]");
        assert!(strings.is_null(1));
    }
}
