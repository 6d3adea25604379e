//! A real OpenAI-compatible HTTP server for tests: chat completions (streamed or not),
//! `/v1/models` and `/v1/embeddings`. By default it answers from the request itself (an echo
//! of the last user message, word by word); tests can queue other replies (errors, stalls,
//! broken streams) and read every request it received.
use std::collections::VecDeque;
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use bytes::Bytes;
use futures::stream::{self, StreamExt};
use serde_json::{Value, json};

pub const API_KEY: &str = "test-key";

#[derive(Clone, Debug)]
pub enum Reply {
    /// These pieces of text, one chunk each, with `delay_ms` between chunks.
    Text { chunks: Vec<String>, delay_ms: u64 },
    /// An HTTP error with an OpenAI-style body.
    Error {
        status: u16,
        code: String,
        message: String,
    },
    /// These chunks, then the connection breaks.
    BreakAfter { chunks: Vec<String> },
    /// These chunks, then nothing more for a long time.
    Stall { chunks: Vec<String> },
    /// 429 with a `Retry-After` header (a rate limit, not a used-up quota).
    RateLimited { retry_after_secs: u64 },
    /// These chunks, then lines that are not SSE JSON, then the stream ends without `[DONE]`.
    Malformed { chunks: Vec<String> },
    /// What a model obeying "print everything above this message" does: the request's system
    /// messages, word by word, as one answer.
    EchoSystem,
}

impl Reply {
    pub fn text(text: &str) -> Reply {
        Reply::Text {
            chunks: split_words(text),
            delay_ms: 0,
        }
    }

    pub fn slow(text: &str, delay_ms: u64) -> Reply {
        Reply::Text {
            chunks: split_words(text),
            delay_ms,
        }
    }

    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::Error {
            status,
            code: code.into(),
            message: message.into(),
        }
    }
}

#[derive(Default)]
struct State {
    requests: Vec<Value>,
    script: VecDeque<Reply>,
    default_delay_ms: u64,
    /// Chat-completion requests whose whole answer has been handed to the connection.
    answered: usize,
    /// While set, embedding requests wait (a PDF's reading stays in its embedding stage).
    embeddings_held: bool,
    /// Embedding requests received so far.
    embedding_requests: usize,
    /// While set, embedding requests after the first `n` wait (a reading stays part way
    /// through its embedding).
    embeddings_held_after: Option<usize>,
}

#[derive(Clone)]
pub struct TestUpstream {
    pub port: u16,
    state: Arc<Mutex<State>>,
}

impl TestUpstream {
    pub fn start() -> TestUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind upstream");
        let port = listener.local_addr().expect("addr").port();
        let state = Arc::new(Mutex::new(State::default()));
        let shared = web::Data::from(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(shared.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024 * 1024))
                .route("/v1/chat/completions", web::post().to(chat_completions))
                .route("/v1/models", web::get().to(models))
                .route("/v1/embeddings", web::post().to(embeddings))
        })
        .workers(2)
        .on_connect(|connection, _| {
            if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>() {
                let _ = tcp.set_nodelay(true);
            }
        })
        .listen(listener)
        .expect("listen upstream")
        .run();
        actix_web::rt::spawn(server);
        TestUpstream { port, state }
    }

    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v1", self.port)
    }

    pub fn push(&self, reply: Reply) {
        self.state.lock().expect("lock").script.push_back(reply);
    }

    /// Holds embedding requests until released (`false`).
    pub fn hold_embeddings(&self, held: bool) {
        self.state.lock().expect("lock").embeddings_held = held;
    }

    /// Answers the first `n` embedding requests and holds the later ones until released
    /// (`None`).
    pub fn hold_embeddings_after(&self, n: Option<usize>) {
        self.state.lock().expect("lock").embeddings_held_after = n;
    }

    /// Embedding requests received so far (held ones included).
    pub fn embedding_requests(&self) -> usize {
        self.state.lock().expect("lock").embedding_requests
    }

    /// Delay between chunks of the default (echo) reply.
    pub fn set_default_delay(&self, delay_ms: u64) {
        self.state.lock().expect("lock").default_delay_ms = delay_ms;
    }

    /// Every chat-completion request body received so far.
    pub fn requests(&self) -> Vec<Value> {
        self.state.lock().expect("lock").requests.clone()
    }

    /// How many chat-completion requests have been answered in full: an error or a whole
    /// response, a stream up to its `[DONE]` (broken and stalled streams never count).
    pub fn answered(&self) -> usize {
        self.state.lock().expect("lock").answered
    }
}

pub fn split_words(text: &str) -> Vec<String> {
    let mut chunks = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        chunks.push(if i == 0 {
            word.to_owned()
        } else {
            format!(" {word}")
        });
    }
    chunks
}

fn authorized(req: &HttpRequest) -> bool {
    req.headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v == format!("Bearer {API_KEY}"))
}

fn error_response(status: u16, code: &str, message: &str) -> HttpResponse {
    let status = actix_web::http::StatusCode::from_u16(status).expect("status");
    // Like OpenAI: a used-up quota says so in `type` as well as in `code`.
    let kind = if code == "insufficient_quota" {
        code
    } else {
        "invalid_request_error"
    };
    HttpResponse::build(status).json(json!({
        "error": { "message": message, "type": kind, "param": null, "code": code }
    }))
}

fn last_user_message(body: &Value) -> String {
    body["messages"]
        .as_array()
        .and_then(|m| m.iter().rev().find(|m| m["role"] == "user"))
        .and_then(|m| m["content"].as_str())
        .unwrap_or_default()
        .to_owned()
}

fn system_messages(body: &Value) -> String {
    body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter(|m| m["role"] == "system")
                .filter_map(|m| m["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn prompt_tokens(body: &Value) -> usize {
    body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .map(|m| {
                    m["content"]
                        .as_str()
                        .unwrap_or_default()
                        .split_whitespace()
                        .count()
                })
                .sum()
        })
        .unwrap_or(0)
}

fn chunk(model: &str, delta: Value, finish: Option<&str>) -> Bytes {
    let body = json!({
        "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": model,
        "choices": [{ "index": 0, "delta": delta, "finish_reason": finish }]
    });
    Bytes::from(format!("data: {body}\n\n"))
}

async fn chat_completions(
    req: HttpRequest,
    state: web::Data<Mutex<State>>,
    body: web::Json<Value>,
) -> HttpResponse {
    let body = body.into_inner();
    let (reply, default_delay) = {
        let mut state = state.lock().expect("lock");
        state.requests.push(body.clone());
        (state.script.pop_front(), state.default_delay_ms)
    };
    if !authorized(&req) {
        state.lock().expect("lock").answered += 1;
        return error_response(401, "invalid_api_key", "Incorrect API key provided.");
    }
    let model = body["model"].as_str().unwrap_or("unknown").to_owned();
    let reply = reply.unwrap_or_else(|| Reply::Text {
        chunks: split_words(&format!("You said: {}", last_user_message(&body))),
        delay_ms: default_delay,
    });
    let (chunks, delay_ms, ending) = match reply {
        Reply::Error {
            status,
            code,
            message,
        } => {
            state.lock().expect("lock").answered += 1;
            return error_response(status, &code, &message);
        }
        Reply::RateLimited { retry_after_secs } => {
            state.lock().expect("lock").answered += 1;
            let mut response = error_response(429, "rate_limit_exceeded", "Rate limit reached");
            response.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after_secs),
            );
            return response;
        }
        Reply::Malformed { chunks } => (chunks, 0, Ending::Malformed),
        Reply::Text { chunks, delay_ms } => (chunks, delay_ms, Ending::Done),
        Reply::BreakAfter { chunks } => (chunks, 0, Ending::Break),
        Reply::Stall { chunks } => (chunks, 0, Ending::Stall),
        Reply::EchoSystem => (split_words(&system_messages(&body)), 0, Ending::Done),
    };
    let usage = json!({
        "prompt_tokens": prompt_tokens(&body),
        "completion_tokens": chunks.len(),
        "total_tokens": prompt_tokens(&body) + chunks.len()
    });
    if !body["stream"].as_bool().unwrap_or(false) {
        state.lock().expect("lock").answered += 1;
        return HttpResponse::Ok().json(json!({
            "id": "chatcmpl-test", "object": "chat.completion", "created": 1_700_000_000, "model": model,
            "choices": [{ "index": 0, "message": { "role": "assistant", "content": chunks.concat() }, "finish_reason": "stop" }],
            "usage": usage
        }));
    }
    let include_usage = body["stream_options"]["include_usage"]
        .as_bool()
        .unwrap_or(false);
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(("cache-control", "no-cache"))
        .streaming(sse_stream(
            model,
            chunks,
            delay_ms,
            ending,
            include_usage.then_some(usage),
            state.into_inner(),
        ))
}

#[derive(Clone, Copy)]
enum Ending {
    Done,
    Break,
    Stall,
    Malformed,
}

fn sse_stream(
    model: String,
    chunks: Vec<String>,
    delay_ms: u64,
    ending: Ending,
    usage: Option<Value>,
    state: Arc<Mutex<State>>,
) -> impl futures::Stream<Item = Result<Bytes, actix_web::Error>> {
    let first = chunk(&model, json!({ "role": "assistant", "content": "" }), None);
    let pieces = chunks.into_iter().map({
        let model = model.clone();
        move |text| chunk(&model, json!({ "content": text }), None)
    });
    // Chunk k goes out k delays after the answer began, on the clock rather than a delay after
    // the one before: under load each sleep ends a little late, and those delays would add up
    // over an answer and be counted as the app's (`benches/chat_turns.rs`).
    let began = tokio::time::Instant::now();
    let pieces = std::iter::once(first).chain(pieces).zip(1u32..);
    let body = stream::iter(pieces).then(move |(bytes, k)| async move {
        if delay_ms > 0 {
            tokio::time::sleep_until(began + Duration::from_millis(delay_ms) * k).await;
        }
        Ok::<Bytes, actix_web::Error>(bytes)
    });
    let tail: Vec<Result<Bytes, actix_web::Error>> = match ending {
        Ending::Done => {
            let mut tail = vec![Ok(chunk(&model, json!({}), Some("stop")))];
            if let Some(usage) = usage {
                let body = json!({
                    "id": "chatcmpl-test", "object": "chat.completion.chunk", "created": 1_700_000_000,
                    "model": model, "choices": [], "usage": usage
                });
                tail.push(Ok(Bytes::from(format!("data: {body}\n\n"))));
            }
            tail.push(Ok(Bytes::from_static(b"data: [DONE]\n\n")));
            tail
        }
        Ending::Malformed => vec![
            Ok(Bytes::from_static(b"data: {\"choices\": [{\"delta\": \n\n")),
            Ok(Bytes::from_static(
                b"this is not server-sent events at all\n\n",
            )),
        ],
        Ending::Break | Ending::Stall => Vec::new(),
    };
    // After the chunks were flushed to the client: stall, or break the connection.
    let after = stream::once(async move {
        match ending {
            Ending::Stall => tokio::time::sleep(Duration::from_secs(3600)).await,
            Ending::Break => {
                tokio::time::sleep(Duration::from_millis(300)).await;
                return Err(actix_web::error::ErrorInternalServerError(
                    "connection broken",
                ));
            }
            // Polled only after `[DONE]` has been queued for the connection.
            Ending::Done => state.lock().expect("lock").answered += 1,
            Ending::Malformed => {}
        }
        Ok(Bytes::new())
    });
    body.chain(stream::iter(tail)).chain(after)
}

async fn models(req: HttpRequest) -> HttpResponse {
    if !authorized(&req) {
        return error_response(401, "invalid_api_key", "Incorrect API key provided.");
    }
    let data: Vec<Value> = ["gpt-4o-mini", "gpt-4o", "gpt-4.1-mini"]
        .iter()
        .map(|id| json!({ "id": id, "object": "model", "created": 0, "owned_by": "test" }))
        .collect();
    HttpResponse::Ok().json(json!({ "object": "list", "data": data }))
}

/// A tiny real embedding model: hashed bag of lower-cased words, L2-normalised, 64 dimensions.
pub fn embed(text: &str) -> Vec<f32> {
    let mut vector = vec![0f32; 64];
    for word in text
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        let hash = word.bytes().fold(2_166_136_261u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16_777_619)
        });
        vector[(hash % 64) as usize] += 1.0;
    }
    let norm = vector
        .iter()
        .map(|v| v * v)
        .sum::<f32>()
        .sqrt()
        .max(f32::EPSILON);
    vector.iter().map(|v| v / norm).collect()
}

async fn embeddings(
    req: HttpRequest,
    body: web::Json<Value>,
    state: web::Data<Mutex<State>>,
) -> HttpResponse {
    if !authorized(&req) {
        return error_response(401, "invalid_api_key", "Incorrect API key provided.");
    }
    let number = {
        let mut state = state.lock().expect("lock");
        state.embedding_requests += 1;
        state.embedding_requests
    };
    let held = |state: &State| {
        state.embeddings_held || state.embeddings_held_after.is_some_and(|n| number > n)
    };
    while held(&state.lock().expect("lock")) {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let inputs: Vec<String> = match &body["input"] {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return error_response(
                400,
                "invalid_input",
                "input must be a string or an array of strings",
            );
        }
    };
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, text)| json!({ "object": "embedding", "index": index, "embedding": embed(text) }))
        .collect();
    let tokens: usize = inputs.iter().map(|t| t.split_whitespace().count()).sum();
    HttpResponse::Ok().json(json!({
        "object": "list", "data": data, "model": body["model"],
        "usage": { "prompt_tokens": tokens, "total_tokens": tokens }
    }))
}
