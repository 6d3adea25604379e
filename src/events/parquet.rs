//! `export-events --format parquet`: one row per event with typed envelope columns (position,
//! stream, sequence, type, version, `recorded_at` as a UTC timestamp, actor, request id) and the
//! payload as JSON text. Written in row groups of one read batch each, so memory stays flat.
use std::io::Write;
use std::sync::Arc;

use arrow_array::builder::{
    StringBuilder, TimestampMicrosecondBuilder, UInt32Builder, UInt64Builder,
};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::properties::WriterProperties;

use super::export::ExportRowParts;

/// The file's columns, in order.
pub fn schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
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
    ]))
}

/// Collects rows and writes them as row groups.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    rows: Vec<ExportRowParts>,
}

impl<W: Write + Send> ParquetSink<W> {
    pub fn new(out: W) -> Result<Self, parquet::errors::ParquetError> {
        let properties = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .build();
        Ok(ParquetSink {
            writer: ArrowWriter::try_new(out, schema(), Some(properties))?,
            rows: Vec::new(),
        })
    }

    pub fn push(&mut self, row: ExportRowParts) {
        self.rows.push(row);
    }

    /// Writes the rows collected so far as one row group.
    pub fn flush_batch(&mut self) -> Result<(), parquet::errors::ParquetError> {
        if self.rows.is_empty() {
            return Ok(());
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
        let columns: Vec<ArrayRef> = vec![
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
        let batch = RecordBatch::try_new(schema(), columns)?;
        self.writer.write(&batch)?;
        self.writer.flush()
    }

    pub fn finish(mut self) -> Result<(), parquet::errors::ParquetError> {
        self.flush_batch()?;
        self.writer.close()?;
        Ok(())
    }
}
