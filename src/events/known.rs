//! Where each stream is at least, as this process saw it.
use std::collections::HashMap;
use std::sync::Mutex;

use super::model::RecordedEvent;

/// Streams remembered at most (then forgotten all at once, and learnt again from the log).
const KNOWN_STREAMS: usize = 100_000;

/// The last sequence this process saw each stream reach (loaded, or appended by it): where the
/// stream is at least (a stream never shrinks), so an append at or below it needs no read of
/// the stream's last sequence before its insert (the unique key catches one that moved on).
#[derive(Default)]
pub(super) struct KnownSequences {
    streams: Mutex<HashMap<String, u64>>,
}

impl KnownSequences {
    fn key(stream_type: &str, stream_id: &str) -> String {
        format!("{stream_type}/{stream_id}")
    }

    pub fn get(&self, stream_type: &str, stream_id: &str) -> Option<u64> {
        let streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        streams.get(&Self::key(stream_type, stream_id)).copied()
    }

    /// `event`'s stream has reached its sequence (committed).
    pub fn saw(&self, event: &RecordedEvent) {
        let mut streams = self.streams.lock().unwrap_or_else(|e| e.into_inner());
        if streams.len() >= KNOWN_STREAMS {
            streams.clear();
        }
        let known = streams
            .entry(Self::key(&event.stream_type, &event.stream_id))
            .or_default();
        *known = (*known).max(event.sequence);
    }
}
