//! What a MariaDB Galera cluster changes for a client, in one place.
//!
//! Galera is synchronous multi-master: every node takes writes, and a transaction is certified
//! against the others' at COMMIT. Two things follow:
//! - A transaction that lost a certification race (another node committed a conflicting write
//!   first, e.g. to the event store's checkpoint row) fails with `ER_LOCK_DEADLOCK` (1213), at any
//!   statement or at COMMIT, with nothing written. That is a conflict: decide again and retry.
//!   A plain server answers 1213 for a real InnoDB deadlock, which is retried the same way.
//! - A node applies other nodes' writes a moment after they commit. A read that must see a write
//!   made through another node (a session created by another instance, a user just blocked
//!   there) waits for them with `wsrep_sync_wait = 1`.
//!
//! Work that loses a race is done again by its caller (the repository for appends,
//! `retry_transient` for the few other transactions); a single statement that loses one is a
//! 503 with Retry-After, never a 500.
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::MySqlConnection;

/// MySQL's `ER_LOCK_DEADLOCK`: a deadlock, or on Galera a failed certification.
const ER_LOCK_DEADLOCK: u16 = 1213;
/// `ER_LOCK_WAIT_TIMEOUT`: a lock was not granted in time; nothing of the statement was done.
const ER_LOCK_WAIT_TIMEOUT: u16 = 1205;
/// `ER_UNKNOWN_COM_ERROR`, which a Galera node outside the primary component returns for every
/// statement ("WSREP has not yet prepared node for application use").
const ER_UNKNOWN_COM_ERROR: u16 = 1047;
/// `ER_CONNECTION_KILLED`: the server ended the connection (a node shutting down).
const ER_CONNECTION_KILLED: u16 = 1927;

fn mysql_code(error: &sqlx::Error) -> Option<u16> {
    match error {
        sqlx::Error::Database(db) => db
            .try_downcast_ref::<sqlx::mysql::MySqlDatabaseError>()
            .map(|e| e.number()),
        _ => None,
    }
}

/// Whether `error` left nothing written and the same work may simply be done again: a lost
/// certification race, a deadlock or a lock wait that timed out.
pub fn transient(error: &sqlx::Error) -> bool {
    matches!(
        mysql_code(error),
        Some(ER_LOCK_DEADLOCK | ER_LOCK_WAIT_TIMEOUT)
    )
}

/// Whether `error` says this node cannot serve at all right now (a Galera node cut off from
/// the cluster, or shutting down): like an unreachable server, a 503.
pub fn node_unavailable(error: &sqlx::Error) -> bool {
    matches!(
        mysql_code(error),
        Some(ER_UNKNOWN_COM_ERROR | ER_CONNECTION_KILLED)
    )
}

/// Runs `work` again while it fails with a transient error (bounded, jittered back-off).
pub async fn retry_transient<T, F, Fut>(mut work: F) -> Result<T, sqlx::Error>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, sqlx::Error>>,
{
    const ATTEMPTS: u32 = 8;
    let mut attempt = 0;
    loop {
        match work().await {
            Err(error) if transient(&error) && attempt + 1 < ATTEMPTS => {
                attempt += 1;
                tracing::info!(%error, attempt, "Transaction lost a race; doing it again");
                let jitter = rand::random_range(2..20 * u64::from(attempt));
                tokio::time::sleep(Duration::from_millis(jitter)).await;
            }
            result => return result,
        }
    }
}

/// Whether the server is a Galera node with replication on.
pub async fn is_galera(conn: &mut MySqlConnection) -> Result<bool, sqlx::Error> {
    // `SHOW VARIABLES` works on MySQL too, where the variable does not exist (no row).
    let row: Option<(String, String)> = sqlx::query_as("SHOW VARIABLES LIKE 'wsrep_on'")
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.is_some_and(|(_, value)| value.eq_ignore_ascii_case("ON")))
}

/// Whether this process's database is a Galera node (known once a pooled connection was made).
static ON_GALERA: AtomicBool = AtomicBool::new(false);

/// Whether the pooled connections are on a Galera node.
pub fn on_galera() -> bool {
    ON_GALERA.load(Ordering::Relaxed)
}

/// Run on every new connection (pooled, or the event writer's own): on a Galera node, causal reads, and no node-side retry.
///
/// `wsrep_retry_autocommit` (1 by default) must be 0: when another node's write aborts a
/// transaction between two of its statements, the transaction is rolled back and the next
/// statement runs as an autocommit statement, which the node would retry and commit on its own
/// instead of reporting the abort. A cluster test saw the tail of an append committed without
/// its head that way. At 0 every abort reaches the caller, which does the whole work again.
pub async fn prepare_connection(conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
    if is_galera(conn).await? {
        ON_GALERA.store(true, Ordering::Relaxed);
        sqlx::query("SET SESSION wsrep_sync_wait = 1, wsrep_retry_autocommit = 0")
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}
