//! Fair use of the machine: at most `PDF_READINGS_AT_ONCE` PDFs (admin models and bots' alike)
//! are read and embedded at a time on this instance; the others wait in arrival order, and each
//! knows how many readings are ahead of it (the admin's list and the bot editor show it).
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

/// How often a waiting reading updates its place in the queue.
const PLACE_EVERY: Duration = Duration::from_millis(250);

#[derive(Clone)]
pub struct ReadingSlots {
    at_once: usize,
    slots: Arc<Semaphore>,
    /// The readings waiting for a slot, first come first served (the semaphore is fair).
    waiting: Arc<Mutex<VecDeque<Uuid>>>,
}

/// The default: every core but one reads (the web server and the database keep one), at least one.
pub fn default_at_once() -> usize {
    std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .saturating_sub(1)
        .max(1)
}

impl ReadingSlots {
    pub fn new(at_once: usize) -> Self {
        let at_once = at_once.max(1);
        ReadingSlots {
            at_once,
            slots: Arc::new(Semaphore::new(at_once)),
            waiting: Arc::default(),
        }
    }

    /// Waits for a slot for the model `id`; `place(n)` is told how many readings are ahead
    /// (being read, or waiting before it) while it waits. `None` if `cancel` fires first (the model was deleted or replaced).
    pub async fn take(
        &self,
        id: Uuid,
        cancel: &CancellationToken,
        mut place: impl FnMut(usize),
    ) -> Option<OwnedSemaphorePermit> {
        self.lock().push_back(id);
        let acquire = self.slots.clone().acquire_owned();
        tokio::pin!(acquire);
        let taken = loop {
            place(self.ahead_of(id));
            tokio::select! {
                permit = &mut acquire => break permit.ok(),
                _ = cancel.cancelled() => break None,
                _ = tokio::time::sleep(PLACE_EVERY) => {}
            }
        };
        self.lock().retain(|waiting| *waiting != id);
        taken
    }

    fn ahead_of(&self, id: Uuid) -> usize {
        let reading = self.at_once - self.slots.available_permits();
        let waiting = self.lock();
        reading + waiting.iter().position(|w| *w == id).unwrap_or(0)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Uuid>> {
        self.waiting.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn readings_beyond_the_slots_wait_in_order_and_know_their_place() {
        let slots = ReadingSlots::new(1);
        let never = CancellationToken::new();
        let first = slots.take(Uuid::new_v4(), &never, |_| {}).await.unwrap();

        let (second_id, third_id) = (Uuid::new_v4(), Uuid::new_v4());
        let places = Arc::new(Mutex::new(Vec::new()));
        let second = tokio::spawn({
            let (slots, never, places) = (slots.clone(), never.clone(), places.clone());
            async move {
                slots
                    .take(second_id, &never, |n| places.lock().unwrap().push(n))
                    .await
            }
        });
        while places.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        let third_places = Arc::new(Mutex::new(Vec::new()));
        let cancel_third = CancellationToken::new();
        let third = tokio::spawn({
            let (slots, cancel, places) =
                (slots.clone(), cancel_third.clone(), third_places.clone());
            async move {
                slots
                    .take(third_id, &cancel, |n| places.lock().unwrap().push(n))
                    .await
            }
        });
        while third_places.lock().unwrap().is_empty() {
            tokio::task::yield_now().await;
        }
        assert_eq!(
            third_places.lock().unwrap()[0],
            2,
            "one being read and one waiting ahead of it"
        );

        // A deleted model leaves the queue at once.
        cancel_third.cancel();
        assert!(third.await.unwrap().is_none());
        // The slot passes on when the first reading ends.
        drop(first);
        assert!(second.await.unwrap().is_some());
        assert_eq!(
            places.lock().unwrap()[0],
            1,
            "first in line, behind the one being read"
        );
        assert!(slots.lock().is_empty());
    }
}
