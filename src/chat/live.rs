//! The answer being written right now: its text so far and a broadcast of what comes next, so
//! any number of browser tabs (including one that reconnects) can follow it.
use std::sync::{Arc, Mutex};

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
}

/// What a new follower gets: the text so far, then every later event.
pub struct Subscription {
    pub text_so_far: String,
    /// The finished answer, when it is only waiting to be saved.
    pub saving: Option<AnswerSummary>,
    pub events: broadcast::Receiver<LiveEvent>,
    /// The whole text, for a follower that fell behind and skipped events.
    full_text: Arc<Mutex<String>>,
}

impl Subscription {
    pub fn current_text(&self) -> String {
        self.full_text
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
