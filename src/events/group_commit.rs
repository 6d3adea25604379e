//! Group commit: the appends that arrive while a commit is in flight share the next one.
//!
//! Every append must hold the `inline` checkpoint row (it hands out gapless, commit-ordered
//! positions), so appends of one database commit one after another. Alone, each pays for its own
//! transaction: the checkpoint lock, the guard that moves it, and a commit (a log flush). Here one
//! writer at a time per process takes every append waiting in the queue (up to `MAX_GROUP`) into
//! one transaction: one checkpoint lock, one multi-row `INSERT` of every append's events, their
//! projections (the usage counters collected over the whole group and written once), one
//! checkpoint move and one commit for all of them.
//!
//! Each append keeps its own optimistic-concurrency check and its own result: an append refused
//! for its own reasons (its stream moved on, a projection's unique key) is answered at once and
//! the transaction runs again without it, so the others go on. (A duplicate key in the group's
//! one insert of events does not say whose append it was: the group then runs again with an
//! insert per append, which tells.) What aborts the transaction itself
//! (a deadlock, a Galera certification conflict, a lost connection) fails every append of the
//! group that was not already refused; a lost race is decided again by each caller, as before.
//!
//! The writer is not a background task: the append that finds no writer running spawns one, which
//! drains the queue and ends when it is empty. Spawned (not run on the caller's future), a group
//! is never cut in half by a caller that stops waiting.
use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use sqlx::mysql::MySqlPool;
use sqlx::pool::PoolConnection;
use sqlx::{MySql, MySqlConnection};
use tokio::sync::oneshot;

use super::append_sql::{advance_checkpoint, check_ahead, insert, insert_events, lock_checkpoint};
use super::known::KnownSequences;
use super::model::RecordedEvent;
use super::projection::{Projections, unique_key};
use super::store::AppendError;

/// At most this many appends share one commit (the rest wait for the next).
const MAX_GROUP: usize = 64;

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

/// The queue of appends and whether a writer drains it.
#[derive(Default)]
pub(super) struct GroupCommit {
    state: Mutex<Queue>,
    /// Transactions committed for this queue's appends.
    commits: AtomicU64,
    pub known: KnownSequences,
}

#[derive(Default)]
struct Queue {
    waiting: VecDeque<Request>,
    writing: bool,
}

impl GroupCommit {
    /// Queues `request`; starts a writer unless one is running.
    pub fn submit(self: &Arc<Self>, request: Request, pool: &MySqlPool, projections: &Projections) {
        let start = {
            let mut queue = self.lock();
            queue.waiting.push_back(request);
            !std::mem::replace(&mut queue.writing, true)
        };
        if start {
            let writer = Writer {
                queue: Arc::clone(self),
                pool: pool.clone(),
                projections: projections.clone(),
                done: false,
            };
            tokio::spawn(writer.drain());
        }
    }

    pub fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        // A panic while the lock is held leaves the queue itself intact.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The next group, or `None` (and no writer any more) when nothing waits.
    fn next_group(&self) -> Option<Vec<Request>> {
        let mut queue = self.lock();
        if queue.waiting.is_empty() {
            queue.writing = false;
            return None;
        }
        let n = queue.waiting.len().min(MAX_GROUP);
        Some(queue.waiting.drain(..n).collect())
    }
}

/// The one writer of a process while appends wait.
struct Writer {
    queue: Arc<GroupCommit>,
    pool: MySqlPool,
    projections: Projections,
    /// Set once the queue was found empty (the flag was cleared under the lock).
    done: bool,
}

impl Drop for Writer {
    /// A writer stopped early (its runtime shut down) lets the next append start another; the
    /// appends of its group learn that their result is unknown (their reply is dropped).
    fn drop(&mut self) {
        if !self.done {
            self.queue.lock().writing = false;
        }
    }
}

impl Writer {
    async fn drain(mut self) {
        while let Some(group) = self.queue.next_group() {
            if commit_group(&self.pool, &self.projections, &self.queue.known, group).await {
                self.queue.commits.fetch_add(1, Ordering::Relaxed);
                COMMITS.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.done = true;
    }
}

/// Why a group's transaction did not commit.
enum Failure {
    /// The append at `index` was refused for its own reasons (the transaction was intact).
    Refused { index: usize, error: AppendError },
    /// The transaction itself failed: every append of the group shares the error.
    Group(AppendError),
    /// The group's one insert of events hit a duplicate key: to be run again append by append.
    Split,
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
}

impl From<sqlx::Error> for Failure {
    fn from(error: sqlx::Error) -> Self {
        Failure::Group(error.into())
    }
}

/// Runs one group's transaction and answers every append of it; `true` once committed. An
/// append refused for its own reasons is answered at once and the transaction runs again
/// without it: a refusal is rare, and no savepoint is paid for on the way of the others.
async fn commit_group(
    pool: &MySqlPool,
    projections: &Projections,
    known: &KnownSequences,
    mut group: Vec<Request>,
) -> bool {
    let mut conn = match pool.acquire().await {
        Ok(conn) => conn,
        Err(error) => {
            fail_all(group, error.into());
            return false;
        }
    };
    let mut inserts = Inserts::Together;
    loop {
        match on_connection(&mut conn, projections, known, &group, inserts).await {
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
        }
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

/// The group's transaction on `conn`, with autocommit off around it on a Galera node.
async fn on_connection(
    conn: &mut PoolConnection<MySql>,
    projections: &Projections,
    known: &KnownSequences,
    group: &[Request],
    inserts: Inserts,
) -> Result<Vec<Vec<RecordedEvent>>, Failure> {
    // On a Galera node another node's write can abort this transaction between two of its
    // statements, and the node does not always say so: the statements after it would each
    // commit on their own. With autocommit off they form one new transaction instead, which
    // the checkpoint guard (`advance_checkpoint`) or certification refuses as a whole.
    let galera = crate::database::on_galera();
    if galera {
        sqlx::query("SET autocommit = 0")
            .execute(&mut **conn)
            .await?;
    }
    let result = transaction(conn, projections, known, group, inserts).await;
    if galera {
        let reset = sqlx::query("SET autocommit = 1").execute(&mut **conn).await;
        if reset.is_err() {
            // Never hand a connection with autocommit off back to the pool.
            conn.close_on_drop();
        }
    }
    result
}

/// One transaction for the whole group: committed, or rolled back.
async fn transaction(
    conn: &mut MySqlConnection,
    projections: &Projections,
    known: &KnownSequences,
    group: &[Request],
    inserts: Inserts,
) -> Result<Vec<Vec<RecordedEvent>>, Failure> {
    use sqlx::Connection;
    let mut tx = conn.begin().await?;
    match appends(&mut tx, projections, known, group, inserts).await {
        // On Galera a lost certification race shows only here, at COMMIT.
        Ok(recorded) => Ok(tx.commit().await.map(|()| recorded)?),
        Err(failure) => {
            // Roll back now: a dropped transaction would keep the checkpoint row locked
            // on an idle pooled connection, blocking every other append.
            if let Err(rollback) = tx.rollback().await {
                tracing::warn!(error = %rollback, "Rolling back a refused append failed");
            }
            Err(failure)
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

/// Every append of the group between one checkpoint lock and one checkpoint move: the events
/// (numbered in the group's order), then their projections.
async fn appends(
    tx: &mut MySqlConnection,
    projections: &Projections,
    known: &KnownSequences,
    group: &[Request],
    inserts: Inserts,
) -> Result<Vec<Vec<RecordedEvent>>, Failure> {
    let first = lock_checkpoint(tx).await?;
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
    if !advance_checkpoint(tx, first, next).await? {
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
