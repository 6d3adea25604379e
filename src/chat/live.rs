//! The answer being written right now: its text so far and a broadcast of what comes next, so
//! any number of browser tabs (including one that reconnects) can follow it.
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use crate::domain::MessageStatus;
use crate::llm::Source;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum LiveEvent {
    /// Waiting for a shared model (the local one) to be free.
    Queued { position: usize },
    /// A text piece of the answer.
    Delta { text: String },
    /// The passages a PDF model cites as `[Sn]`.
    Sources { model: String, sources: Vec<Source> },
    /// The answer ended as `status` but the database cannot take it yet: it is kept (in memory
    /// and on disk) and `Done` follows once it is saved.
    Saving(AnswerSummary),
    /// The answer ended (saved as `status`).
    Done(AnswerSummary),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnswerSummary {
    pub answer_id: u64,
    pub status: MessageStatus,
    pub model: String,
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
    pub finish_reason: Option<String>,
    pub error: Option<String>,
    pub text: String,
    pub sources: Vec<Source>,
}

#[derive(Clone)]
pub struct Hub {
    text: Arc<Mutex<String>>,
    sender: broadcast::Sender<LiveEvent>,
    /// Set while a finished answer waits for the database.
    saving: Arc<Mutex<Option<AnswerSummary>>>,
    rendered: Arc<Mutex<Rendered>>,
}

/// The answer's HTML as its followers last rendered it: shared, so an answer followed in several
/// tabs is rendered once per interval (and once when it ends), not once per tab.
#[derive(Default)]
struct Rendered {
    /// The text so far, rendered at that time.
    latest: Option<(Instant, Arc<str>)>,
    /// The finished answer.
    finished: Option<Arc<str>>,
}

/// What a new follower gets: the text so far, then every later event.
pub struct Subscription {
    pub text_so_far: String,
    /// The finished answer, when it is only waiting to be saved.
    pub saving: Option<AnswerSummary>,
    pub events: broadcast::Receiver<LiveEvent>,
    /// The whole text, for a follower that fell behind and skipped events.
    full_text: Arc<Mutex<String>>,
    rendered: Arc<Mutex<Rendered>>,
}

impl Subscription {
    pub fn current_text(&self) -> String {
        self.full_text
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The HTML of the text so far: another follower's if rendered less than `every` ago, else
    /// `render`'s (shared with the others).
    pub fn html_so_far(&self, every: Duration, render: impl FnOnce() -> String) -> Arc<str> {
        if let Some((at, html)) = &self.rendered().latest
            && at.elapsed() < every
        {
            return Arc::clone(html);
        }
        // Rendered without the lock: two followers due at once may both render, once.
        let html: Arc<str> = render().into();
        self.rendered().latest = Some((Instant::now(), Arc::clone(&html)));
        html
    }

    /// The HTML of the finished answer, rendered once for every follower.
    pub fn html_finished(&self, render: impl FnOnce() -> String) -> Arc<str> {
        if let Some(html) = &self.rendered().finished {
            return Arc::clone(html);
        }
        let html: Arc<str> = render().into();
        self.rendered().finished = Some(Arc::clone(&html));
        html
    }

    fn rendered(&self) -> std::sync::MutexGuard<'_, Rendered> {
        self.rendered.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Events a follower may fall behind by before it is sent the whole text again (`reset`). The
/// channel's slots are allocated with each answer: 4,096 of them cost ~0.7 MB a turn to fill and
/// free, the largest item of a turn's CPU in the profile; a follower reading a socket keeps up
/// with token pace far within 256.
const FOLLOWER_BACKLOG: usize = 256;

impl Default for Hub {
    fn default() -> Self {
        Hub {
            text: Arc::default(),
            sender: broadcast::channel(FOLLOWER_BACKLOG).0,
            saving: Arc::default(),
            rendered: Arc::default(),
        }
    }
}

impl Hub {
    pub fn subscribe(&self) -> Subscription {
        let text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        let saving = self.saving.lock().unwrap_or_else(|p| p.into_inner());
        // Subscribing while holding the locks: no event can fall between the copy and the feed.
        Subscription {
            text_so_far: text.clone(),
            saving: saving.clone(),
            events: self.sender.subscribe(),
            full_text: self.text.clone(),
            rendered: self.rendered.clone(),
        }
    }

    /// The answer's text so far.
    pub fn text(&self) -> String {
        self.text.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn push_delta(&self, piece: &str) {
        let mut text = self.text.lock().unwrap_or_else(|p| p.into_inner());
        text.push_str(piece);
        let _ = self.sender.send(LiveEvent::Delta {
            text: piece.to_owned(),
        });
    }

    pub fn announce(&self, event: LiveEvent) {
        let _ = self.sender.send(event);
    }

    /// The answer is finished but not yet saved: followers are told, and so is anyone who
    /// starts following later.
    pub fn announce_saving(&self, summary: AnswerSummary) {
        let mut saving = self.saving.lock().unwrap_or_else(|p| p.into_inner());
        *saving = Some(summary.clone());
        let _ = self.sender.send(LiveEvent::Saving(summary));
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;

    #[test]
    fn followers_share_one_rendering_per_interval_and_of_the_finished_answer() {
        let hub = Hub::default();
        let (first, second) = (hub.subscribe(), hub.subscribe());
        let renders = Cell::new(0);
        let render = |text: &str| {
            renders.set(renders.get() + 1);
            text.to_owned()
        };
        let every = Duration::from_secs(60);
        assert_eq!(
            &*first.html_so_far(every, || render("<p>a</p>")),
            "<p>a</p>"
        );
        assert_eq!(
            &*second.html_so_far(every, || render("<p>ab</p>")),
            "<p>a</p>"
        );
        assert_eq!(renders.get(), 1);
        // Once the interval has passed, the next follower due renders again.
        assert_eq!(
            &*second.html_so_far(Duration::ZERO, || render("<p>ab</p>")),
            "<p>ab</p>"
        );
        assert_eq!(renders.get(), 2);
        assert_eq!(&*first.html_finished(|| render("<p>abc</p>")), "<p>abc</p>");
        assert_eq!(&*second.html_finished(|| render("no")), "<p>abc</p>");
        assert_eq!(renders.get(), 3);
    }
}
