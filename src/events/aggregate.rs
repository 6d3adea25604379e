//! The one write path. An aggregate is a fold of its stream's events (`apply`, state only) with
//! rules that turn a command into new events (`handle`, no I/O). `Repository<A>` is the only
//! code that loads a stream, asks the aggregate and appends: at the loaded sequence, and after a
//! conflict (another writer got there first) or a lost commit race (a Galera certification
//! failure) it catches up, waits a jittered moment and decides again. When it gives up it says so with a typed error; a change is never dropped silently.
use std::marker::PhantomData;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use super::model::{DomainEvent, Metadata, RecordedEvent};
use super::store::{AppendError, EventStore};

pub trait Aggregate: Clone + Default + Send + 'static {
    type Event: DomainEvent + Clone;
    type Command: Clone + Send + 'static;
    type Error: std::error::Error + Send + Sync + 'static;

    /// Changes the state for one event. No rules: the event already happened.
    fn apply(&mut self, event: &Self::Event);

    /// The rules: which events `command` produces in this state (none is a valid answer).
    fn handle(&self, command: Self::Command) -> Result<Vec<Self::Event>, Self::Error>;

    /// How many events have been applied (0 = the stream does not exist yet).
    fn sequence(&self) -> u64;

    /// Folds events into a fresh state (for tests and loading).
    fn from_events<'a>(events: impl IntoIterator<Item = &'a Self::Event>) -> Self
    where
        Self::Event: 'a,
    {
        let mut state = Self::default();
        for event in events {
            state.apply(event);
        }
        state
    }
}

#[derive(Debug, thiserror::Error)]
pub enum RepositoryError<E: std::error::Error + 'static> {
    /// The aggregate's rules refused the command.
    #[error(transparent)]
    Rule(E),
    #[error("{stream_type}/{stream_id} kept changing; gave up after {attempts} attempts")]
    Contention {
        stream_type: &'static str,
        stream_id: String,
        attempts: u32,
    },
    #[error(transparent)]
    Store(AppendError),
    #[error("could not load the stream: {0}")]
    Load(#[from] sqlx::Error),
    #[error("a stored event cannot be read: {0}")]
    Decode(#[from] serde_json::Error),
}

impl<E: std::error::Error + 'static> RepositoryError<E> {
    pub fn rule(&self) -> Option<&E> {
        match self {
            RepositoryError::Rule(rule) => Some(rule),
            _ => None,
        }
    }
}

/// How often a conflicting write is decided again before the repository gives up...
pub const MAX_ATTEMPTS: u32 = 40;
/// ...or how long it keeps trying. On one server a conflict means another writer of the same
/// stream; on a Galera cluster every append of one node can lose to another node's (the
/// checkpoint row), so under load a turn may need several tries.
const GIVE_UP_AFTER: Duration = Duration::from_secs(10);
/// The longest pause between two tries.
const LONGEST_PAUSE_MS: u64 = 250;

/// The result of one command: the state after it (or `None` when the state is in doubt and must
/// be reloaded) and the recorded events.
pub type Executed<A> = (
    Option<A>,
    Result<Vec<RecordedEvent>, RepositoryError<<A as Aggregate>::Error>>,
);

pub struct Repository<A> {
    store: EventStore,
    /// Conflicts seen by this repository and its clones (retries after another writer won).
    conflicts: Arc<AtomicU64>,
    _aggregate: PhantomData<fn() -> A>,
}

impl<A> Clone for Repository<A> {
    fn clone(&self) -> Self {
        Repository {
            store: self.store.clone(),
            conflicts: self.conflicts.clone(),
            _aggregate: PhantomData,
        }
    }
}

impl<A: Aggregate> Repository<A> {
    pub fn new(store: EventStore) -> Self {
        Repository {
            store,
            conflicts: Arc::default(),
            _aggregate: PhantomData,
        }
    }

    pub fn store(&self) -> &EventStore {
        &self.store
    }

    /// How many appends lost a race and were decided again.
    pub fn conflicts(&self) -> u64 {
        self.conflicts.load(Ordering::Relaxed)
    }

    /// The aggregate as its whole stream describes it.
    pub async fn load(&self, id: &str) -> Result<A, RepositoryError<A::Error>> {
        self.catch_up(id, A::default()).await
    }

    /// Applies the events written after `state` (by another writer).
    pub async fn catch_up(&self, id: &str, mut state: A) -> Result<A, RepositoryError<A::Error>> {
        let stream_type = <A::Event as DomainEvent>::STREAM_TYPE;
        for event in self
            .store
            .load_after(stream_type, id, state.sequence())
            .await?
        {
            state.apply(&event.decode::<A::Event>()?);
        }
        Ok(state)
    }

    /// Loads the aggregate, decides `command` and appends the events.
    pub async fn execute(
        &self,
        id: &str,
        command: A::Command,
        metadata: &Metadata,
    ) -> Result<(A, Vec<RecordedEvent>), RepositoryError<A::Error>> {
        let (state, result) = self.execute_on(id, None, command, metadata).await;
        let recorded = result?;
        match state {
            Some(state) => Ok((state, recorded)),
            None => Ok((self.load(id).await?, recorded)),
        }
    }

    /// Decides `command` against `cached` (an actor's state) or the stream loaded now, appends
    /// at its sequence, and on a conflict catches up and decides again.
    pub async fn execute_on(
        &self,
        id: &str,
        mut cached: Option<A>,
        command: A::Command,
        metadata: &Metadata,
    ) -> Executed<A> {
        let stream_type = <A::Event as DomainEvent>::STREAM_TYPE;
        let mut stale = false;
        let started = std::time::Instant::now();
        let mut attempts = 0;
        for attempt in 0..MAX_ATTEMPTS {
            attempts = attempt + 1;
            if attempt > 0 && started.elapsed() > GIVE_UP_AFTER {
                break;
            }
            let from_cache = cached.is_some() && !stale;
            let loaded = match (cached.take(), stale) {
                (Some(state), false) => Ok(state),
                (Some(state), true) => self.catch_up(id, state).await,
                (None, _) => self.load(id).await,
            };
            let mut current = match loaded {
                Ok(state) => state,
                Err(error) => return (None, Err(error)),
            };
            let events = match current.handle(command.clone()) {
                Ok(events) => events,
                Err(rule) => return (Some(current), Err(RepositoryError::Rule(rule))),
            };
            if events.is_empty() {
                // Nothing to do, says a cached state: another instance may have written since
                // (an answer it started, which this one is asked to save). Ask the log once.
                if from_cache {
                    cached = Some(current);
                    stale = true;
                    continue;
                }
                return (Some(current), Ok(Vec::new()));
            }
            match self
                .store
                .append(id, current.sequence(), &events, metadata)
                .await
            {
                Ok(recorded) => {
                    for event in &events {
                        current.apply(event);
                    }
                    return (Some(current), Ok(recorded));
                }
                Err(error @ (AppendError::Conflict { .. } | AppendError::LostRace { .. })) => {
                    self.conflicts.fetch_add(1, Ordering::Relaxed);
                    tracing::info!(
                        stream_type,
                        id,
                        attempt,
                        %error,
                        "Stream changed elsewhere or the commit lost a race; deciding again"
                    );
                    cached = Some(current);
                    stale = true;
                    let longest = (30 * (u64::from(attempt) + 1)).min(LONGEST_PAUSE_MS);
                    let jitter = rand::random_range(5..longest);
                    tokio::time::sleep(Duration::from_millis(jitter)).await;
                }
                Err(error) => return (None, Err(RepositoryError::Store(error))),
            }
        }
        let error = RepositoryError::Contention {
            stream_type,
            stream_id: id.to_owned(),
            attempts,
        };
        (None, Err(error))
    }
}
