//! Server-Sent Events for an answer: a few opening events, then the answer's text pieces, the
//! Markdown rendered to safe HTML every 100 ms (once for all the answer's followers), and a final
//! `done`. A follower that falls behind gets the whole text again (`reset`); comments keep idle
//! connections open.
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use actix_web::http::header;
use bytes::Bytes;
use futures::Stream;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use crate::chat::live::{AnswerSummary, LiveEvent, Subscription};
use crate::llm::Source;
use crate::render;

const HTML_EVERY: Duration = Duration::from_millis(100);
const PING_EVERY: Duration = Duration::from_secs(15);

pub fn event(name: &str, data: &Value) -> Bytes {
    Bytes::from(format!("event: {name}\ndata: {data}\n\n"))
}

struct State {
    opening: Vec<Bytes>,
    subscription: Subscription,
    text: String,
    /// A PDF model's cited passages, once it said which (for citation links).
    model: String,
    sources: Vec<Source>,
    last_html: Instant,
    finished: bool,
}

impl State {
    fn html_if_due(&mut self, out: &mut Vec<Bytes>) {
        if self.last_html.elapsed() >= HTML_EVERY {
            self.last_html = Instant::now();
            let html = self.subscription.html_so_far(HTML_EVERY, || {
                render::answer(&self.text, &self.model, &self.sources)
            });
            out.push(event("html", &json!({ "html": &*html })));
        }
    }

    fn on_event(&mut self, live: LiveEvent) -> Vec<Bytes> {
        let mut out = Vec::new();
        match live {
            LiveEvent::Queued { position } => {
                out.push(event("queued", &json!({ "position": position })))
            }
            LiveEvent::Sources { model, sources } => {
                out.push(event("sources", &json!({ "sources": sources })));
                self.model = model;
                self.sources = sources;
            }
            LiveEvent::Delta { text } => {
                self.text.push_str(&text);
                out.push(event("delta", &json!({ "text": text })));
                self.html_if_due(&mut out);
            }
            LiveEvent::Saving(summary) => {
                out.push(summary_event("saving", &summary, &self.subscription))
            }
            LiveEvent::Done(summary) => {
                self.finished = true;
                out.push(summary_event("done", &summary, &self.subscription));
            }
        }
        out
    }
}

/// `done` (or `saving`: finished, waiting for the database) with the answer's final HTML
/// (rendered once for all its followers).
fn summary_event(name: &str, summary: &AnswerSummary, subscription: &Subscription) -> Bytes {
    let mut data = serde_json::to_value(summary).unwrap_or_default();
    let html = subscription
        .html_finished(|| render::answer(&summary.text, &summary.model, &summary.sources));
    data["html"] = json!(&*html);
    event(name, &data)
}

/// The SSE body: `opening` events first, then the live answer until it is done.
pub fn answer_stream(
    opening: Vec<Bytes>,
    subscription: Subscription,
) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    let text = subscription.text_so_far.clone();
    let mut opening = opening;
    if !text.is_empty() {
        opening.push(event(
            "reset",
            &json!({ "text": text, "html": render::markdown(&text) }),
        ));
    }
    if let Some(summary) = &subscription.saving {
        opening.push(summary_event("saving", summary, &subscription));
    }
    let state = State {
        opening,
        subscription,
        text,
        model: String::new(),
        sources: Vec::new(),
        last_html: Instant::now(),
        finished: false,
    };
    futures::stream::unfold(state, |mut state| async move {
        if !state.opening.is_empty() {
            let chunk: Vec<Bytes> = std::mem::take(&mut state.opening);
            return Some((Ok(Bytes::from(chunk.concat())), state));
        }
        if state.finished {
            return None;
        }
        let received = tokio::time::timeout(PING_EVERY, state.subscription.events.recv()).await;
        let chunk = match received {
            Err(_) => vec![Bytes::from_static(b": ping\n\n")],
            Ok(Ok(live)) => state.on_event(live),
            Ok(Err(RecvError::Lagged(_))) => {
                state.text = state.subscription.current_text();
                vec![event(
                    "reset",
                    &json!({ "text": state.text, "html": render::markdown(&state.text) }),
                )]
            }
            Ok(Err(RecvError::Closed)) => return None,
        };
        Some((Ok(Bytes::from(chunk.concat())), state))
    })
}

pub fn response(
    body: impl Stream<Item = Result<Bytes, actix_web::Error>> + 'static,
) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .insert_header(("X-Accel-Buffering", "no"))
        .streaming(body)
}
