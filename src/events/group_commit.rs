//! Group commit: the appends that arrive while a commit is in flight share the next one.
//!
//! Every append must hold the `inline` checkpoint row (it hands out gapless, commit-ordered
//! positions), so appends of one database commit one after another. Alone, each pays for its own
//! transaction: the checkpoint lock, the guard that moves it, and a commit (a log flush). Here one
//! writer at a time per process takes every append waiting in the queue (up to `MAX_GROUP`) into
//! one transaction: one checkpoint lock, one multi-row `INSERT` of every append's events, their
//! projections (the usage counters collected over the whole group and written once), one
//! checkpoint move and one commit for all of them. While appends arrive side by side (the last
//! group had more than one), the writer waits up to `LINGER` for more before it begins.
//!
//! Each append keeps its own optimistic-concurrency check and its own result: an append refused
//! for its own reasons (its stream moved on, a projection's unique key) is answered at once and
//! the transaction runs again without it, so the others go on. (A duplicate key in the group's
//! one insert of events does not say whose append it was: the group then runs again with an
//! insert per append, which tells.) What aborts the transaction itself
//! (a deadlock, a Galera certification conflict, a lost connection) fails every append of the
//! group that was not already refused; a lost race is decided again by each caller, as before.
//!
//! The writer is one thread per store with a runtime and a database connection of its own:
//! nothing it waits for (the connection's I/O, a timer) depends on a worker of the web server,
//! which may be busy, or stopped with the server, while a group holds the checkpoint lock. A
//! group whose transaction did not end cleanly closes the connection (the server rolls it back);
//! the next group opens another. A panic while writing fails that group's appends (their result
//! is not known: `Interrupted`) and the writer goes on.
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use futures::FutureExt;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool};
use sqlx::{ConnectOptions, MySqlConnection};
use tokio::sync::{mpsc, oneshot};

use super::append_sql::{
    advance_checkpoint, check_ahead, insert, insert_events, lock_checkpoint, take_positions,
};
use super::known::KnownSequences;
use super::model::RecordedEvent;
use super::projection::{Projections, unique_key};
use super::store::AppendError;

/// At most this many appends share one commit (the rest wait for the next).
const MAX_GROUP: usize = 64;
/// How long the writer waits for more appends when the last group had more than one (appends
/// arriving side by side): at 50 streams this made groups of 5.5 appends instead of 3.5, with
/// fewer statements and commits per turn (`benches/chat_turns.rs`); a lone append never waits.
const LINGER: Duration = Duration::from_millis(1);

/// How long the writer waits for its connection to the database (as a request waits for a
/// pooled one) before it fails the group.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Transactions this process committed for appends (a group is one).
static COMMITS: AtomicU64 = AtomicU64::new(0);

/// How many transactions this process committed for appends (`/healthz`; appends per commit
/// is `append_counts().0` divided by this).
pub fn commit_count() -> u64 {
    COMMITS.load(Ordering::Relaxed)
}

/// One append waiting for a commit: its events (positions not yet given) and where its result
/// goes.
pub(super) struct Request {
    pub events: Vec<RecordedEvent>,
    pub expected_sequence: u64,
    pub reply: oneshot::Sender<Result<Vec<RecordedEvent>, AppendError>>,
}

impl Request {
    fn stream(&self) -> (&str, &str) {
        let first = &self.events[0];
        (&first.stream_type, &first.stream_id)
    }
}

/// The way to a store's writer: its queue of appends, and what it reports.
pub(super) struct GroupCommit {
    requests: mpsc::UnboundedSender<Request>,
    /// Transactions committed for this queue's appends.
    commits: Arc<AtomicU64>,
    pub known: Arc<KnownSequences>,
}

impl GroupCommit {
    /// Starts the writer of a store: its thread ends once every handle to the queue is gone.
    pub fn start(pool: &MySqlPool, projections: &Projections) -> Self {
        let (requests, queue) = mpsc::unbounded_channel();
        let commits = Arc::new(AtomicU64::new(0));
        let known = Arc::new(KnownSequences::default());
        let writer = Writer {
            options: pool.connect_options(),
            conn: None,
            projections: projections.clone(),
            commits: Arc::clone(&commits),
            known: Arc::clone(&known),
        };
        std::thread::Builder::new()
            .name("event-writer".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("the event writer's runtime");
                runtime.block_on(writer.run(queue));
            })
            .expect("the event writer's thread");
        GroupCommit {
            requests,
            commits,
            known,
        }
    }

    /// Queues `request` for the next group; a request the writer can no longer take is
    /// answered `Interrupted` (its reply dropped).
    pub fn submit(&self, request: Request) {
        let _ = self.requests.send(request);
    }

    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }
}

/// The one writer of a store.
struct Writer {
    options: Arc<MySqlConnectOptions>,
    /// Open between groups while it is known to be clean (no transaction left open).
    conn: Option<MySqlConnection>,
    projections: Projections,
    commits: Arc<AtomicU64>,
    known: Arc<KnownSequences>,
}

impl Writer {
    /// Takes every append waiting (up to `MAX_GROUP`) into the next transaction, until the
    /// queue is closed.
    async fn run(mut self, mut queue: mpsc::UnboundedReceiver<Request>) {
        let mut last_group = 0;
        while let Some(first) = queue.recv().await {
            // Appends arriving side by side: wait a moment for more to share the commit.
            let linger = if last_group > 1 {
                LINGER
            } else {
                Duration::ZERO
            };
            let group = gather(&mut queue, first, linger).await;
            last_group = group.len();
            match AssertUnwindSafe(self.commit_group(group))
                .catch_unwind()
                .await
            {
                Ok(true) => {
                    self.commits.fetch_add(1, Ordering::Relaxed);
                    COMMITS.fetch_add(1, Ordering::Relaxed);
                }
                Ok(false) => {}
                Err(_) => {
                    // The group's replies were dropped with it (`Interrupted`); its
                    // transaction, if one was open, ends with the connection.
                    tracing::error!("The event writer panicked; its group was not committed");
                    self.conn = None;
                }
            }
        }
    }

    /// The writer's connection, opened (and prepared like a pooled one, with autocommit off)
    /// when it has none.
    async fn connection(&mut self) -> Result<&mut MySqlConnection, AppendError> {
        if self.conn.is_none() {
            let connecting = async {
                let mut conn = self.options.connect().await?;
                crate::database::prepare_connection(&mut conn).await?;
                // A group's first statement begins its transaction: no `BEGIN` is paid for.
                sqlx::query("SET autocommit = 0").execute(&mut conn).await?;
                Ok::<_, sqlx::Error>(conn)
            };
            let conn = tokio::time::timeout(CONNECT_TIMEOUT, connecting)
                .await
                .map_err(|_| sqlx::Error::PoolTimedOut)??;
            self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("opened above"))
    }

    /// Runs one group's transaction and answers every append of it; `true` once committed.
    /// An append refused for its own reasons is answered at once and the transaction runs
    /// again without it: a refusal is rare, and no savepoint is paid for on the way of the
    /// others.
    async fn commit_group(&mut self, mut group: Vec<Request>) -> bool {
        let projections = self.projections.clone();
        let known = Arc::clone(&self.known);
        let mut inserts = Inserts::Together;
        // A connection kept from an earlier group may have been closed by the server since
        // (a restart, `wait_timeout`): a group that could not begin on it tries a new one once.
        let mut retry_unstarted = self.conn.is_some();
        loop {
            let conn = match self.connection().await {
                Ok(conn) => conn,
                Err(error) => {
                    fail_all(group, error);
                    return false;
                }
            };
            let (result, clean) = transaction(conn, &projections, &known, &group, inserts).await;
            if !clean {
                // Closed, not kept: whatever it was left in, the server ends it.
                self.conn = None;
            }
            match result {
                Ok(recorded) => {
                    for (request, recorded) in group.into_iter().zip(recorded) {
                        if let Some(last) = recorded.last() {
                            known.saw(last);
                        }
                        let _ = request.reply.send(Ok(recorded));
                    }
                    return true;
                }
                Err(Failure::Refused { index, error }) => {
                    let refused = group.remove(index);
                    let _ = refused.reply.send(Err(error));
                    if group.is_empty() {
                        return false;
                    }
                }
                Err(Failure::Group(error)) => {
                    fail_all(group, error);
                    return false;
                }
                Err(Failure::Split) => inserts = Inserts::OneByOne,
                Err(Failure::Unstarted(_)) if std::mem::take(&mut retry_unstarted) => {}
                Err(Failure::Unstarted(error)) => {
                    fail_all(group, error);
                    return false;
                }
            }
        }
    }
}

/// `first` and the appends queued behind it, up to `MAX_GROUP`: those waiting now and those
/// that arrive within `linger` (a timeout polls the queue before its deadline, so with no
/// linger it takes exactly what is waiting).
async fn gather(
    queue: &mut mpsc::UnboundedReceiver<Request>,
    first: Request,
    linger: Duration,
) -> Vec<Request> {
    let until = tokio::time::Instant::now() + linger;
    let mut group = vec![first];
    while group.len() < MAX_GROUP {
        match tokio::time::timeout_at(until, queue.recv()).await {
            Ok(Some(request)) => group.push(request),
            Ok(None) | Err(_) => break,
        }
    }
    group
}

/// Why a group's transaction did not commit.
enum Failure {
    /// The append at `index` was refused for its own reasons (the transaction was intact).
    Refused { index: usize, error: AppendError },
    /// The transaction itself failed: every append of the group shares the error.
    Group(AppendError),
    /// The group's one insert of events hit a duplicate key: to be run again append by append.
    Split,
    /// The transaction did not begin (a connection the server closed while it was idle, say):
    /// nothing was written.
    Unstarted(AppendError),
}

impl Failure {
    /// `error` of the append at `index`: its own refusal, or the whole group's failure.
    fn of(index: usize, error: AppendError) -> Self {
        if error.is_own_refusal() {
            Failure::Refused { index, error }
        } else {
            Failure::Group(error)
        }
    }

    /// The group's first statement failed: with the server's answer (a lock wait, a deadlock),
    /// the whole group shares it; without one, the connection is gone and nothing began.
    fn first_statement(error: sqlx::Error) -> Self {
        if error.as_database_error().is_some() {
            Failure::Group(error.into())
        } else {
            Failure::Unstarted(error.into())
        }
    }
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::Group(error.into())
    }
}

/// The same failure for every append of a group (each told as its own stream's lost race when
/// the database aborted the transaction for one).
fn fail_all(group: Vec<Request>, error: AppendError) {
    if group.len() == 1 {
        let request = group.into_iter().next().expect("one request");
        let (stream_type, stream_id) = request.stream();
        let error = error.or_lost_race(stream_type, stream_id);
        let _ = request.reply.send(Err(error));
        return;
    }
    let shared = Arc::new(error);
    for request in group {
        let (stream_type, stream_id) = request.stream();
        let error = if shared.is_lost_race() {
            AppendError::LostRace {
                stream_type: stream_type.into(),
                stream_id: stream_id.into(),
            }
        } else {
            AppendError::Group(Arc::clone(&shared))
        };
        let _ = request.reply.send(Err(error));
    }
}

/// One transaction for the whole group on the writer's connection (autocommit off: its first
/// statement begins it): committed, or rolled back; and whether it ended (a commit or rollback
/// that failed leaves the connection in doubt). On a Galera node another node's write can abort
/// the transaction between two of its statements without saying so: the statements after it
/// form a new transaction (not one each), which the checkpoint guard (`advance_checkpoint`) or
/// certification refuses as a whole.
async fn transaction(
    conn: &mut MySqlConnection,
    projections: &Projections,
    known: &KnownSequences,
    group: &[Request],
    inserts: Inserts,
) -> (Result<Vec<Vec<RecordedEvent>>, Failure>, bool) {
    match appends(conn, projections, known, group, inserts).await {
        // Not begun (the connection is gone): nothing to end, and the connection is not kept.
        Err(Failure::Unstarted(error)) => (Err(Failure::Unstarted(error)), false),
        // On Galera a lost certification race shows only here, at COMMIT.
        Ok(recorded) => match sqlx::query("COMMIT").execute(&mut *conn).await {
            Ok(_) => (Ok(recorded), true),
            // A lost race (a deadlock, a certification conflict) ended the transaction.
            Err(error) => {
                let ended = crate::database::transient(&error);
                (Err(error.into()), ended)
            }
        },
        Err(failure) => {
            // Roll back now: a transaction left open would keep the checkpoint row locked.
            match sqlx::query("ROLLBACK").execute(&mut *conn).await {
                Ok(_) => (Err(failure), true),
                Err(rollback) => {
                    tracing::warn!(error = %rollback, "Rolling back a refused append failed");
                    (Err(failure), false)
                }
            }
        }
    }
}

/// How a group's events go into `event`.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Inserts {
    /// All in one statement.
    Together,
    /// Append by append, after a duplicate key in the one statement: to tell whose it was.
    OneByOne,
}

/// Every append of the group after the checkpoint is locked and moved past all of them (one
/// statement): the events (numbered in the group's order), then their projections. On a Galera
/// node the checkpoint is locked first and moved at the end, guarded: a transaction the node
/// aborted between two statements without saying so (see `on_connection`) is caught there.
async fn appends(
    tx: &mut MySqlConnection,
    projections: &Projections,
    known: &KnownSequences,
    group: &[Request],
    inserts: Inserts,
) -> Result<Vec<Vec<RecordedEvent>>, Failure> {
    let galera = crate::database::on_galera();
    let first = if galera {
        lock_checkpoint(tx).await
    } else {
        let count = group
            .iter()
            .map(|request| request.events.len() as u64)
            .sum();
        take_positions(tx, count).await
    }
    .map_err(Failure::first_statement)?;
    let mut next = first;
    let mut written = Vec::with_capacity(group.len());
    for request in group {
        let recorded = numbered(request, next);
        next += recorded.len() as u64;
        written.push(recorded);
    }
    for (index, (request, recorded)) in group.iter().zip(&written).enumerate() {
        let (stream_type, stream_id) = request.stream();
        let known = known.get(stream_type, stream_id);
        let expected = request.expected_sequence;
        let checked = match inserts {
            Inserts::Together => check_ahead(tx, &recorded[0], expected, known).await,
            Inserts::OneByOne => insert_events(tx, recorded, expected, known).await,
        };
        checked.map_err(|error| Failure::of(index, error))?;
    }
    if inserts == Inserts::Together
        && let Err(error) = insert(tx, written.iter().flatten()).await
    {
        return Err(match unique_key(&error) {
            Some(_) => Failure::Split,
            None => Failure::Group(error.into()),
        });
    }
    let mut batch = projections.batch();
    for (index, recorded) in written.iter().enumerate() {
        for event in recorded {
            if let Err(error) = projections.apply(tx, event, &mut batch).await {
                return Err(Failure::of(index, error.into()));
            }
        }
    }
    // The counters collected over the whole group, a few statements for all of it.
    if let Err(error) = projections.finish(tx, batch).await {
        return Err(Failure::Group(error.into()));
    }
    if galera && !advance_checkpoint(tx, first, next).await? {
        let (stream_type, stream_id) = group[0].stream();
        return Err(Failure::Group(AppendError::LostRace {
            stream_type: stream_type.into(),
            stream_id: stream_id.into(),
        }));
    }
    Ok(written)
}

/// The request's events, numbered from `position + 1`.
fn numbered(request: &Request, position: u64) -> Vec<RecordedEvent> {
    let mut recorded = request.events.clone();
    for (i, event) in recorded.iter_mut().enumerate() {
        event.position = position + i as u64 + 1;
    }
    recorded
}
