//! The vector store against real LanceDB folders.
use super::*;

fn row(id: u64, page: u32, text: &str, vector: [f32; 3]) -> ChunkRow {
    ChunkRow {
        id,
        page,
        chunk: id as u32,
        text: text.into(),
        section: String::new(),
        kind: PassageKind::Body,
        vector: vector.to_vec(),
    }
}

fn rows() -> Vec<ChunkRow> {
    vec![
        row(
            0,
            1,
            "The value added tax rate is twelve percent.",
            [1.0, 0.0, 0.0],
        ),
        row(
            1,
            2,
            "Samarkand is a city on the Silk Road.",
            [0.0, 1.0, 0.0],
        ),
        row(
            2,
            3,
            "Plov is cooked in a kazan over a fire.",
            [0.0, 0.0, 1.0],
        ),
    ]
}

#[tokio::test]
async fn a_table_is_written_searched_counted_and_dropped_with_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let store = VectorStore::open(dir.path()).await.unwrap();
    assert_eq!(store.row_count("model_a").await.unwrap(), None);
    store.create_table("model_a", rows(), 3).await.unwrap();
    assert_eq!(store.row_count("model_a").await.unwrap(), Some(3));
    assert!(store.table_dir("model_a").is_dir());

    // The words and the vector agree: the Silk Road passage comes first.
    let hits = store
        .hybrid_search("model_a", "Silk Road city", &[0.1, 0.9, 0.0], 20, 2)
        .await
        .unwrap();
    assert_eq!(hits.len(), 2);
    assert_eq!((hits[0].id, hits[0].page), (1, 2));
    assert!(hits[0].score > hits[1].score);

    // Only stop words: the text side finds nothing, the vector still does.
    let hits = store
        .hybrid_search("model_a", "the of a", &[0.0, 0.0, 1.0], 20, 1)
        .await
        .unwrap();
    assert_eq!(hits[0].page, 3);

    store.drop_table("model_a").await.unwrap();
    assert!(!store.table_dir("model_a").exists());
    assert_eq!(store.row_count("model_a").await.unwrap(), None);
    // Dropping again is not an error (a deletion retried after a crash).
    store.drop_table("model_a").await.unwrap();
}

#[tokio::test]
async fn a_vector_of_the_wrong_size_is_refused_before_writing() {
    let dir = tempfile::tempdir().unwrap();
    let store = VectorStore::open(dir.path()).await.unwrap();
    let error = store.create_table("model_b", rows(), 4).await.unwrap_err();
    assert!(matches!(
        error,
        VectorError::Dimension {
            expected: 4,
            found: 3
        }
    ));
    assert_eq!(store.row_count("model_b").await.unwrap(), None);
}

#[tokio::test]
async fn a_table_written_again_replaces_the_old_rows() {
    let dir = tempfile::tempdir().unwrap();
    let store = VectorStore::open(dir.path()).await.unwrap();
    store.create_table("model_c", rows(), 3).await.unwrap();
    store
        .create_table("model_c", rows().into_iter().take(1).collect(), 3)
        .await
        .unwrap();
    assert_eq!(store.row_count("model_c").await.unwrap(), Some(1));
}

/// A table past the threshold gets an IVF index on its vectors, and a row's own vector still
/// finds that row first (cosine through the index).
#[tokio::test]
async fn a_large_table_gets_a_vector_index_and_still_finds_the_nearest_row() {
    let dir = tempfile::tempdir().unwrap();
    let store = VectorStore::open(dir.path())
        .await
        .unwrap()
        .with_vector_index_from(500);
    let dimension = 16;
    let vector = |i: u64| -> Vec<f32> {
        (0..dimension)
            .map(|d| (((i * 7919 + d as u64 * 104_729) % 1_000) as f32 / 500.0) - 1.0)
            .collect()
    };
    let rows: Vec<ChunkRow> = (0..600)
        .map(|i| ChunkRow {
            id: i,
            page: i as u32 / 3 + 1,
            chunk: i as u32,
            text: format!("passage number {i}"),
            section: String::new(),
            kind: PassageKind::Body,
            vector: vector(i),
        })
        .collect();
    store
        .create_table("big", rows[..499].to_vec(), dimension)
        .await
        .unwrap();
    assert!(
        !store
            .indexed_columns("big")
            .await
            .unwrap()
            .contains(&"vector".to_owned())
    );
    store.create_table("big", rows, dimension).await.unwrap();
    let indexed = store.indexed_columns("big").await.unwrap();
    assert!(indexed.contains(&"vector".to_owned()), "{indexed:?}");
    let hits = store
        .hybrid_search("big", "zzz", &vector(321), 10, 1)
        .await
        .unwrap();
    assert_eq!(hits[0].id, 321);
}
