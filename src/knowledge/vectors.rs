//! The vectors of PDF models: one LanceDB table per model under `LANCEDB_DIR`, rows
//! `(id, page, chunk, text, section, kind, vector)` with a full-text index on `text` (tables
//! written before `section`/`kind` existed are read as body text without a section). Retrieval is hybrid:
//! cosine nearest neighbours and BM25 over the same rows, fused by LanceDB's reciprocal-rank
//! fusion; when the text side cannot run (a question of stop words only) the vector side alone
//! answers.
//!
//! LanceDB does its work (encoding, index builds, scans) on the tokio runtime that polls it. It
//! gets a runtime of its own here, so a long index build never stalls the web workers' threads
//! and its calls never depend on which runtime (actix's single-threaded one, a test's) asks.
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use arrow_array::types::Float32Type;
use arrow_array::{
    Array, FixedSizeListArray, Float32Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema};
use futures::TryStreamExt;
use lance_index::scalar::FullTextSearchQuery;
use lancedb::database::CreateTableMode;
use lancedb::index::Index;
use lancedb::index::scalar::FtsIndexBuilder;
use lancedb::index::vector::IvfFlatIndexBuilder;
use lancedb::query::{ExecutableQuery, QueryBase, QueryExecutionOptions, Select};
use lancedb::{Connection, DistanceType};

use crate::knowledge::chunk::{Chunk, PassageKind};

/// Threads of the runtime LanceDB runs on (one process-wide runtime, whatever the number of
/// stores: tests start many apps in one process).
const LANCE_THREADS: usize = 2;

/// One passage of a model's PDF with its embedding.
#[derive(Clone, Debug, PartialEq)]
pub struct ChunkRow {
    pub id: u64,
    pub page: u32,
    pub chunk: u32,
    pub text: String,
    /// The headings the passage sits under (see `Chunk::section`).
    pub section: String,
    pub kind: PassageKind,
    pub vector: Vec<f32>,
}

impl ChunkRow {
    /// The row of `chunk` with its embedding.
    pub fn of(chunk: &Chunk, vector: Vec<f32>) -> ChunkRow {
        ChunkRow {
            id: u64::from(chunk.index),
            page: chunk.page,
            chunk: chunk.index,
            text: chunk.text.clone(),
            section: chunk.section.clone(),
            kind: chunk.kind,
            vector,
        }
    }
}

/// A passage found for a question; `score` is the fused relevance (higher is closer).
#[derive(Clone, Debug, PartialEq)]
pub struct Hit {
    pub id: u64,
    pub page: u32,
    pub chunk: u32,
    pub text: String,
    pub section: String,
    pub kind: PassageKind,
    pub score: f32,
    /// The passage's embedding, for ranking candidates again (empty when not asked for).
    pub vector: Vec<f32>,
}

#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    #[error("LanceDB: {0}")]
    Lance(#[from] lancedb::Error),
    #[error("Arrow: {0}")]
    Arrow(#[from] arrow_schema::ArrowError),
    #[error("the vector store's folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("a vector has {found} dimensions, the table {expected}")]
    Dimension { expected: usize, found: usize },
    #[error("a result lacks the column {0}")]
    Column(&'static str),
    #[error("the vector store's runtime stopped: {0}")]
    Runtime(String),
}

/// The folder of LanceDB tables, shared by every model actor.
#[derive(Clone)]
pub struct VectorStore {
    db: Connection,
    dir: Arc<PathBuf>,
    /// Tables of at least this many rows get an IVF vector index (smaller ones are searched
    /// exhaustively, which is exact and fast enough).
    vector_index_from: usize,
}

/// Rows from which a table gets its IVF index (~6,000 pages of PDF).
pub const VECTOR_INDEX_FROM: usize = 20_000;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(LANCE_THREADS)
            .thread_name("lancedb")
            .enable_all()
            .build()
            .expect("the LanceDB runtime starts")
    })
}

/// Runs `work` on LanceDB's runtime and waits for it from any runtime.
async fn on_lance<T, F>(work: F) -> Result<T, VectorError>
where
    F: Future<Output = Result<T, VectorError>> + Send + 'static,
    T: Send + 'static,
{
    runtime()
        .spawn(work)
        .await
        .map_err(|e| VectorError::Runtime(e.to_string()))?
}

impl VectorStore {
    /// Opens (creating if needed) the folder of tables.
    pub async fn open(dir: &Path) -> Result<Self, VectorError> {
        tokio::fs::create_dir_all(dir).await?;
        let uri = dir.to_string_lossy().into_owned();
        let db = on_lance(async move { Ok(lancedb::connect(&uri).execute().await?) }).await?;
        Ok(VectorStore {
            db,
            dir: Arc::new(dir.to_path_buf()),
            vector_index_from: VECTOR_INDEX_FROM,
        })
    }

    /// The same store, indexing vectors from `rows` rows on (tests use small tables).
    pub fn with_vector_index_from(mut self, rows: usize) -> Self {
        self.vector_index_from = rows;
        self
    }

    /// The folder a table lives in (`<dir>/<name>.lance`).
    pub fn table_dir(&self, name: &str) -> PathBuf {
        self.dir.join(format!("{name}.lance"))
    }

    /// Writes `rows` as the table `name` (replacing any older one) and builds its full-text
    /// index; the table is complete when this returns.
    pub async fn create_table(
        &self,
        name: &str,
        rows: Vec<ChunkRow>,
        dimension: usize,
    ) -> Result<(), VectorError> {
        let indexed = rows.len() >= self.vector_index_from;
        let batch = to_batch(rows, dimension)?;
        let (db, name) = (self.db.clone(), name.to_owned());
        on_lance(async move {
            let table = db
                .create_table(name, batch)
                .mode(CreateTableMode::Overwrite)
                .execute()
                .await?;
            table
                .create_index(&["text"], Index::FTS(FtsIndexBuilder::default()))
                .execute()
                .await?;
            if indexed {
                // IVF with full vectors in each partition: cosine distances stay exact, only
                // the partitions far from the question are skipped.
                let ivf = IvfFlatIndexBuilder::default().distance_type(DistanceType::Cosine);
                table
                    .create_index(&["vector"], Index::IvfFlat(ivf))
                    .execute()
                    .await?;
            }
            Ok(())
        })
        .await
    }

    /// The rows of a table, or `None` when there is no such table.
    pub async fn row_count(&self, name: &str) -> Result<Option<usize>, VectorError> {
        let (db, name) = (self.db.clone(), name.to_owned());
        on_lance(async move {
            match db.open_table(name).execute().await {
                Ok(table) => Ok(Some(table.count_rows(None).await?)),
                Err(lancedb::Error::TableNotFound { .. }) => Ok(None),
                Err(error) => Err(error.into()),
            }
        })
        .await
    }

    /// The columns of a table that have an index.
    pub async fn indexed_columns(&self, name: &str) -> Result<Vec<String>, VectorError> {
        let (db, name) = (self.db.clone(), name.to_owned());
        on_lance(async move {
            let table = db.open_table(name).execute().await?;
            let indices = table.list_indices().await?;
            Ok(indices.into_iter().flat_map(|i| i.columns).collect())
        })
        .await
    }

    /// Drops a table and its folder; a table that is already gone is fine.
    pub async fn drop_table(&self, name: &str) -> Result<(), VectorError> {
        let (db, owned) = (self.db.clone(), name.to_owned());
        on_lance(async move {
            match db.drop_table(&owned, &[]).await {
                Ok(()) | Err(lancedb::Error::TableNotFound { .. }) => Ok(()),
                Err(error) => Err(error.into()),
            }
        })
        .await?;
        // A table cut short before its first commit is only a folder LanceDB does not know.
        match tokio::fs::remove_dir_all(self.table_dir(name)).await {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => Err(error.into()),
            _ => Ok(()),
        }
    }

    /// The `n` rows nearest to `vector` by cosine, nearest first (`score` = 1 − distance).
    pub async fn nearest(
        &self,
        name: &str,
        vector: &[f32],
        n: usize,
    ) -> Result<Vec<Hit>, VectorError> {
        let (db, name, vector) = (self.db.clone(), name.to_owned(), vector.to_vec());
        on_lance(async move {
            let table = db.open_table(name).execute().await?;
            let columns = columns_of(&table).await?;
            let stream = table
                .query()
                .select(columns)
                .nearest_to(vector.as_slice())?
                .distance_type(DistanceType::Cosine)
                .limit(n)
                .execute()
                .await?;
            let mut hits = Vec::new();
            for batch in &stream.try_collect::<Vec<_>>().await? {
                hits.extend(hits_of(batch, Score::Distance)?);
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score));
            Ok(hits)
        })
        .await
    }

    /// The `n` rows that best match `text` by BM25, best first; none when the words cannot be
    /// searched (only stop words, or nothing the index knows).
    pub async fn matching(
        &self,
        name: &str,
        text: &str,
        n: usize,
    ) -> Result<Vec<Hit>, VectorError> {
        let (db, name, text) = (self.db.clone(), name.to_owned(), text.to_owned());
        on_lance(async move {
            let table = db.open_table(name).execute().await?;
            let columns = columns_of(&table).await?;
            let found = async {
                let stream = table
                    .query()
                    .full_text_search(FullTextSearchQuery::new(text))
                    .select(columns)
                    .limit(n)
                    .execute()
                    .await?;
                stream.try_collect::<Vec<_>>().await
            };
            let batches = match found.await {
                Ok(batches) => batches,
                Err(error) => {
                    tracing::debug!(%error, "Full-text search could not run");
                    return Ok(Vec::new());
                }
            };
            let mut hits = Vec::new();
            for batch in &batches {
                hits.extend(hits_of(batch, Score::Bm25)?);
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score));
            Ok(hits)
        })
        .await
    }

    /// The `keep` passages closest to a question: `candidates` from each side, fused.
    pub async fn hybrid_search(
        &self,
        name: &str,
        text: &str,
        vector: &[f32],
        candidates: usize,
        keep: usize,
    ) -> Result<Vec<Hit>, VectorError> {
        let (db, name, text, vector) = (
            self.db.clone(),
            name.to_owned(),
            text.to_owned(),
            vector.to_vec(),
        );
        on_lance(async move {
            let table = db.open_table(name).execute().await?;
            let columns = columns_of(&table).await?;
            let hybrid = async {
                let stream = table
                    .query()
                    .full_text_search(FullTextSearchQuery::new(text.clone()))
                    .select(columns.clone())
                    .nearest_to(vector.as_slice())?
                    .distance_type(DistanceType::Cosine)
                    .limit(candidates)
                    .execute_hybrid(QueryExecutionOptions::default())
                    .await?;
                stream.try_collect::<Vec<_>>().await
            };
            let (batches, score) = match hybrid.await {
                Ok(batches) => (batches, Score::Relevance),
                Err(error) => {
                    tracing::debug!(%error, "Full-text search could not run; vectors alone answer");
                    let stream = table
                        .query()
                        .select(columns)
                        .nearest_to(vector.as_slice())?
                        .distance_type(DistanceType::Cosine)
                        .limit(candidates)
                        .execute()
                        .await?;
                    (stream.try_collect::<Vec<_>>().await?, Score::Distance)
                }
            };
            let mut hits = Vec::new();
            for batch in &batches {
                hits.extend(hits_of(batch, score)?);
            }
            hits.sort_by(|a, b| b.score.total_cmp(&a.score));
            hits.truncate(keep);
            Ok(hits)
        })
        .await
    }
}

/// The columns a search returns: the passage, its place, its vector, and `section`/`kind` when
/// the table has them (tables written before them do not).
async fn columns_of(table: &lancedb::Table) -> Result<Select, VectorError> {
    let present = table.schema().await?;
    let mut wanted = vec!["id", "page", "chunk", "text", "vector"];
    wanted.extend(
        ["section", "kind"]
            .into_iter()
            .filter(|c| present.column_with_name(c).is_some()),
    );
    Ok(Select::columns(&wanted))
}

/// Which column ranks the rows of a result.
#[derive(Clone, Copy)]
enum Score {
    /// `_score` of a full-text search (BM25, higher is better).
    Bm25,
    /// `_relevance_score` of the fused list (higher is better).
    Relevance,
    /// `_distance` of a cosine search (lower is better; reported as `1 - distance`).
    Distance,
}

fn schema(dimension: usize) -> Arc<Schema> {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::UInt64, false),
        Field::new("page", DataType::UInt32, false),
        Field::new("chunk", DataType::UInt32, false),
        Field::new("text", DataType::Utf8, false),
        Field::new("section", DataType::Utf8, false),
        Field::new("kind", DataType::Utf8, false),
        Field::new(
            "vector",
            DataType::FixedSizeList(
                Arc::new(Field::new("item", DataType::Float32, true)),
                dimension as i32,
            ),
            false,
        ),
    ]))
}

fn to_batch(rows: Vec<ChunkRow>, dimension: usize) -> Result<RecordBatch, VectorError> {
    if let Some(row) = rows.iter().find(|r| r.vector.len() != dimension) {
        return Err(VectorError::Dimension {
            expected: dimension,
            found: row.vector.len(),
        });
    }
    let ids = UInt64Array::from_iter_values(rows.iter().map(|r| r.id));
    let pages = UInt32Array::from_iter_values(rows.iter().map(|r| r.page));
    let chunks = UInt32Array::from_iter_values(rows.iter().map(|r| r.chunk));
    let texts = StringArray::from_iter_values(rows.iter().map(|r| r.text.as_str()));
    let sections = StringArray::from_iter_values(rows.iter().map(|r| r.section.as_str()));
    let kinds = StringArray::from_iter_values(rows.iter().map(|r| r.kind.as_str()));
    let vectors = FixedSizeListArray::from_iter_primitive::<Float32Type, _, _>(
        rows.iter()
            .map(|r| Some(r.vector.iter().copied().map(Some).collect::<Vec<_>>())),
        dimension as i32,
    );
    Ok(RecordBatch::try_new(
        schema(dimension),
        vec![
            Arc::new(ids),
            Arc::new(pages),
            Arc::new(chunks),
            Arc::new(texts),
            Arc::new(sections),
            Arc::new(kinds),
            Arc::new(vectors),
        ],
    )?)
}

fn column<'a, T: 'static>(
    batch: &'a RecordBatch,
    name: &'static str,
) -> Result<&'a T, VectorError> {
    batch
        .column_by_name(name)
        .and_then(|c| c.as_any().downcast_ref::<T>())
        .ok_or(VectorError::Column(name))
}

fn hits_of(batch: &RecordBatch, score: Score) -> Result<Vec<Hit>, VectorError> {
    let ids = column::<UInt64Array>(batch, "id")?;
    let pages = column::<UInt32Array>(batch, "page")?;
    let chunks = column::<UInt32Array>(batch, "chunk")?;
    let texts = column::<StringArray>(batch, "text")?;
    let sections = column::<StringArray>(batch, "section").ok();
    let kinds = column::<StringArray>(batch, "kind").ok();
    let vectors = column::<FixedSizeListArray>(batch, "vector").ok();
    let scores: Vec<f32> = match score {
        Score::Relevance => column::<Float32Array>(batch, "_relevance_score")?
            .iter()
            .map(|s| s.unwrap_or_default())
            .collect(),
        Score::Distance => column::<Float32Array>(batch, "_distance")?
            .iter()
            .map(|d| 1.0 - d.unwrap_or(1.0))
            .collect(),
        Score::Bm25 => column::<Float32Array>(batch, "_score")?
            .iter()
            .map(|s| s.unwrap_or_default())
            .collect(),
    };
    let vector_of = |i: usize| -> Vec<f32> {
        vectors
            .filter(|v| v.is_valid(i))
            .and_then(|v| {
                v.value(i)
                    .as_any()
                    .downcast_ref::<Float32Array>()
                    .map(|values| values.values().to_vec())
            })
            .unwrap_or_default()
    };
    Ok((0..batch.num_rows())
        .filter(|&i| ids.is_valid(i))
        .map(|i| Hit {
            id: ids.value(i),
            page: pages.value(i),
            chunk: chunks.value(i),
            text: texts.value(i).to_owned(),
            section: sections.map(|s| s.value(i).to_owned()).unwrap_or_default(),
            kind: kinds.map_or(PassageKind::Body, |k| PassageKind::parse(k.value(i))),
            score: scores[i],
            vector: vector_of(i),
        })
        .collect())
}

#[cfg(test)]
#[path = "vectors_tests.rs"]
mod tests;
