//! An answer as OpenAI's clients read it: `chat.completion.chunk` Server-Sent Events ending in
//! `data: [DONE]`, or one `chat.completion` object. A PDF model's (or a bot's) passages come in
//! the extra field `sources` (on the first chunk that knows them, and on the whole reply).
use std::time::Duration;

use bytes::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use time::OffsetDateTime;
use tokio::sync::broadcast::error::RecvError;

use crate::catalog::Catalog;
use crate::chat::live::{AnswerSummary, LiveEvent, Subscription};
use crate::domain::{ChatId, MessageStatus, ModelRef};
use crate::llm::Source;

/// Comments keep a connection open while a shared model (the local one) is busy.
const PING_EVERY: Duration = Duration::from_secs(15);

/// What every chunk of one answer repeats.
pub struct Reply {
    id: String,
    model: String,
    created: i64,
    chat_id: ChatId,
    /// The PDF a cited page opens in (a PDF model's); bots' passages have no public link.
    pdf: Option<String>,
}

impl Reply {
    pub fn new(answer_id: u64, model: &str, chat_id: ChatId, catalog: &Catalog) -> Self {
        let pdf = match ModelRef::parse(model) {
            Some(ModelRef::Pdf(id)) if catalog.pdf_model(model).is_some() => {
                Some(format!("/models/{id}/source.pdf"))
            }
            _ => None,
        };
        Reply {
            id: format!("chatcmpl-{answer_id}"),
            model: model.to_owned(),
            created: OffsetDateTime::now_utc().unix_timestamp(),
            chat_id,
            pdf,
        }
    }

    /// The documented extra field: each passage the model was shown, as it cites it.
    fn sources(&self, sources: &[Source]) -> Value {
        sources
            .iter()
            .map(|s| {
                json!({
                    "label": format!("S{}", s.label),
                    "page": s.page,
                    "score": s.score,
                    "url": self.pdf.as_ref().map(|pdf| format!("{pdf}#page={}", s.page)),
                })
            })
            .collect()
    }

    fn chunk(&self, delta: Value, finish_reason: Option<&str>) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion.chunk",
            "created": self.created,
            "model": self.model,
            "chat_id": self.chat_id,
            "choices": [{ "index": 0, "delta": delta, "logprobs": null, "finish_reason": finish_reason }],
        })
    }

    fn usage(summary: &AnswerSummary) -> Value {
        json!({
            "prompt_tokens": summary.prompt_tokens,
            "completion_tokens": summary.completion_tokens,
            "total_tokens": summary.prompt_tokens + summary.completion_tokens,
        })
    }

    /// The whole answer (`stream: false`).
    pub fn completion(&self, summary: &AnswerSummary, text: String) -> Value {
        json!({
            "id": self.id,
            "object": "chat.completion",
            "created": self.created,
            "model": self.model,
            "chat_id": self.chat_id,
            "choices": [{
                "index": 0,
                "message": { "role": "assistant", "content": text, "refusal": null },
                "logprobs": null,
                "finish_reason": finish_reason(summary),
            }],
            "usage": Self::usage(summary),
            "sources": self.sources(&summary.sources),
        })
    }
}

/// OpenAI's finish reasons: `stop`, `length` (the backends' own words for the others).
fn finish_reason(summary: &AnswerSummary) -> &str {
    match summary.finish_reason.as_deref() {
        Some("length") => "length",
        Some("content_filter") => "content_filter",
        _ => "stop",
    }
}

fn data(value: &Value) -> Bytes {
    Bytes::from(format!("data: {value}\n\n"))
}

/// Follows the answer to its end (or until it is safe on disk while the database is away).
pub async fn whole(mut subscription: Subscription) -> (AnswerSummary, String) {
    loop {
        match subscription.events.recv().await {
            Ok(LiveEvent::Done(summary) | LiveEvent::Saving(summary)) => {
                let text = summary.text.clone();
                return (summary, text);
            }
            Ok(_) | Err(RecvError::Lagged(_)) => {}
            Err(RecvError::Closed) => {
                let text = subscription.current_text();
                let summary = AnswerSummary {
                    answer_id: 0,
                    status: MessageStatus::Failed,
                    model: String::new(),
                    prompt_tokens: 0,
                    completion_tokens: 0,
                    finish_reason: None,
                    error: Some("The answer was interrupted.".into()),
                    text: text.clone(),
                    sources: Vec::new(),
                };
                return (summary, text);
            }
        }
    }
}

struct State {
    reply: Reply,
    subscription: Subscription,
    include_usage: bool,
    /// Bytes of the answer's text already sent.
    sent: usize,
    pending: Vec<Bytes>,
    finished: bool,
}

impl State {
    fn text(&mut self, text: &str) {
        if !text.is_empty() {
            self.sent += text.len();
            let chunk = self.reply.chunk(json!({ "content": text }), None);
            self.pending.push(data(&chunk));
        }
    }

    /// Sends what this follower missed of `full` (it fell behind, or the end brought more).
    fn catch_up(&mut self, full: &str) {
        if let Some(rest) = full.get(self.sent..) {
            let rest = rest.to_owned();
            self.text(&rest);
        }
    }

    fn end(&mut self, summary: &AnswerSummary) {
        self.finished = true;
        self.catch_up(&summary.text);
        if summary.status == MessageStatus::Failed {
            let message = summary
                .error
                .as_deref()
                .unwrap_or("The model could not answer.");
            let error = json!({ "error": { "message": message, "type": "server_error", "param": null, "code": "model_error" } });
            self.pending.push(data(&error));
        } else {
            let last = self.reply.chunk(json!({}), Some(finish_reason(summary)));
            self.pending.push(data(&last));
            if self.include_usage {
                let mut usage = self.reply.chunk(json!({}), None);
                usage["choices"] = json!([]);
                usage["usage"] = Reply::usage(summary);
                self.pending.push(data(&usage));
            }
        }
        self.pending.push(Bytes::from_static(b"data: [DONE]\n\n"));
    }

    fn on_event(&mut self, event: LiveEvent) {
        match event {
            LiveEvent::Queued { .. } => {}
            LiveEvent::Delta { text } => self.text(&text),
            LiveEvent::Sources { sources, .. } => {
                let mut chunk = self.reply.chunk(json!({}), None);
                chunk["sources"] = self.reply.sources(&sources);
                self.pending.push(data(&chunk));
            }
            LiveEvent::Saving(summary) | LiveEvent::Done(summary) => self.end(&summary),
        }
    }
}

/// The streamed answer: a first chunk with the role, the text pieces, the finish reason, the
/// usage when asked (`stream_options.include_usage`), then `[DONE]`.
pub fn chunks(
    reply: Reply,
    subscription: Subscription,
    include_usage: bool,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let first = data(&reply.chunk(json!({ "role": "assistant", "content": "" }), None));
    let mut state = State {
        reply,
        subscription,
        include_usage,
        sent: 0,
        pending: vec![first],
        finished: false,
    };
    let so_far = state.subscription.text_so_far.clone();
    state.text(&so_far);
    if let Some(summary) = state.subscription.saving.clone() {
        state.end(&summary);
    }
    futures::stream::unfold(state, |mut state| async move {
        loop {
            if !state.pending.is_empty() {
                let bytes = Bytes::from(std::mem::take(&mut state.pending).concat());
                return Some((Ok(bytes), state));
            }
            if state.finished {
                return None;
            }
            match tokio::time::timeout(PING_EVERY, state.subscription.events.recv()).await {
                Err(_) => state.pending.push(Bytes::from_static(b": ping\n\n")),
                Ok(Ok(event)) => state.on_event(event),
                Ok(Err(RecvError::Lagged(_))) => {
                    let full = state.subscription.current_text();
                    state.catch_up(&full);
                }
                Ok(Err(RecvError::Closed)) => {
                    state.finished = true;
                    let error = json!({ "error": { "message": "The answer was interrupted.", "type": "server_error", "param": null, "code": "interrupted" } });
                    state.pending.push(data(&error));
                    state.pending.push(Bytes::from_static(b"data: [DONE]\n\n"));
                }
            }
        }
    })
}
