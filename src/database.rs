//! Getting a ready database: create it when missing (utf8mb4), apply the embedded migrations,
//! and explain clearly what to do when the server cannot be reached.
use std::str::FromStr;
use std::time::Duration;

use secrecy::ExposeSecret;
use sqlx::mysql::{MySqlConnectOptions, MySqlPool, MySqlPoolOptions};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Executor};
use url::Url;

use crate::configuration::DatabaseSettings;

mod cluster;
mod migrate_lock;
pub mod values;

pub use cluster::{
    is_galera, node_unavailable, on_galera, prepare_connection, retry_transient, transient,
};
pub use migrate_lock::migrate;

#[derive(Debug, thiserror::Error)]
pub enum DatabaseError {
    #[error(
        "Could not reach the MySQL/MariaDB server at {address} ({reason}).\n\
         Start the database server, or point DATABASE_URL in .env at a running one \
         (format mysql://USER:PASSWORD@HOST:PORT/DATABASE; the database itself is created \
         automatically). On Debian/Ubuntu: `sudo apt-get install mariadb-server && sudo systemctl \
         start mariadb` (or `sudo start-stop-daemon --start --oknodo --background --exec \
         /usr/sbin/mariadbd`); on macOS: `brew install mariadb && brew services start mariadb`. \
         The settings involved are DATABASE_URL in .env or the environment."
    )]
    Unreachable { address: String, reason: String },
    #[error(
        "The MySQL/MariaDB server at {address} refused the login ({reason}). Check the user and \
         password in DATABASE_URL (in .env or the environment); the user needs the right to \
         create the database and its tables."
    )]
    AccessDenied { address: String, reason: String },
    #[error("DATABASE_URL is not valid: {0}")]
    InvalidUrl(String),
    #[error("Could not create the database `{name}`: {source}")]
    Create { name: String, source: sqlx::Error },
    #[error("Could not apply the database migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("Could not take the migration lock: {0}")]
    MigrationLock(#[source] sqlx::Error),
}

/// Where `DATABASE_URL` points, for messages (never shows the password).
pub fn server_address(url: &str) -> String {
    match Url::parse(url) {
        Ok(url) => format!(
            "{}:{}",
            url.host_str().unwrap_or("localhost"),
            url.port().unwrap_or(3306)
        ),
        Err(_) => "an unparsable DATABASE_URL".into(),
    }
}

/// Splits `mysql://…/name` into server options and a database name safe to quote.
fn parse(url: &str) -> Result<(MySqlConnectOptions, String), DatabaseError> {
    let mut parsed = Url::parse(url).map_err(|e| DatabaseError::InvalidUrl(e.to_string()))?;
    let name = parsed.path().trim_start_matches('/').to_owned();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(DatabaseError::InvalidUrl(format!(
            "the database name `{name}` must be letters, digits and _"
        )));
    }
    parsed.set_path("");
    let server = MySqlConnectOptions::from_str(parsed.as_str())
        .map_err(|e| DatabaseError::InvalidUrl(e.to_string()))?
        .charset("utf8mb4")
        .disable_statement_logging();
    Ok((server, name))
}

fn classify(address: String, error: sqlx::Error) -> DatabaseError {
    let reason = error.to_string();
    match &error {
        sqlx::Error::Database(db) if db.code().as_deref() == Some("28000") => {
            DatabaseError::AccessDenied { address, reason }
        }
        _ => DatabaseError::Unreachable { address, reason },
    }
}

/// Creates the database if needed, connects a pool to it and migrates it.
pub async fn prepare(settings: &DatabaseSettings) -> Result<MySqlPool, DatabaseError> {
    let url = settings.url.expose_secret();
    let address = server_address(url);
    let (server, name) = parse(url)?;
    let mut conn = tokio::time::timeout(Duration::from_secs(10), server.connect())
        .await
        .map_err(|_| DatabaseError::Unreachable {
            address: address.clone(),
            reason: "no answer within 10 seconds".into(),
        })?
        .map_err(|e| classify(address.clone(), e))?;
    let create = format!(
        "CREATE DATABASE IF NOT EXISTS `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    );
    conn.execute(sqlx::query(AssertSqlSafe(create)))
        .await
        .map_err(|source| DatabaseError::Create {
            name: name.clone(),
            source,
        })?;
    let _ = conn.close().await;
    let pool = connect_pool(server.database(&name));
    migrate(&pool).await?;
    Ok(pool)
}

/// A pool for an existing database; connections are made lazily.
pub fn connect_pool(options: MySqlConnectOptions) -> MySqlPool {
    pool_options(20, 1).connect_lazy_with(options.statement_cache_capacity(STATEMENTS_KEPT))
}

/// A small pool beside `shared` (same database and settings) for the thread that calls it, a
/// web worker: its connections are made, and so driven, by this thread's runtime. tokio polls a
/// socket from the runtime that opened it, so a query on a connection another thread opened wakes
/// that thread as well, twice per query (the answer, then sqlx's ping as it goes back to the
/// pool). For the read every request makes (its session).
pub fn thread_pool(shared: &MySqlPool) -> MySqlPool {
    pool_options(THREAD_POOL_CONNECTIONS, 0).connect_lazy_with((*shared.connect_options()).clone())
}

/// A worker's session reads take a fraction of a millisecond: a few connections serve hundreds
/// of requests per second.
const THREAD_POOL_CONNECTIONS: u32 = 4;

fn pool_options(max: u32, min: u32) -> MySqlPoolOptions {
    MySqlPoolOptions::new()
        .max_connections(max)
        .min_connections(min)
        // While the server restarts, a request waits this long for a connection, then gets a
        // 503 with Retry-After instead of hanging.
        .acquire_timeout(Duration::from_secs(5))
        // On a Galera node: reads wait for writes other nodes committed, and single statements
        // that lose a certification race are retried by the node (see `cluster`).
        .after_connect(|conn, _| Box::pin(cluster::prepare_connection(conn)))
        // sqlx pings a connection when it goes back to the pool, and by default again when it is
        // taken: two round trips beside every query. The second is kept only for a connection
        // that has waited since its last ping (the server may have closed it, or restarted).
        .test_before_acquire(false)
        .before_acquire(|conn, idle| {
            Box::pin(async move {
                if idle.idle_for >= PING_IF_IDLE_FOR {
                    conn.ping().await?;
                }
                Ok(true)
            })
        })
}

/// A pooled connection idle this long is pinged before it is handed out (a failed ping closes it
/// and the pool takes or makes another, as sqlx's default check does for every connection).
const PING_IF_IDLE_FOR: Duration = Duration::from_secs(1);

/// Prepared statements each connection keeps (sqlx's default is 100). A statement pushed out
/// of the cache is closed with a packet the server does not answer, and the socket (sqlx sets
/// no `TCP_NODELAY`) then holds the next command back until the server's delayed ACK, up to
/// 40 ms: the group commit's statements, whose text changes with the group's size (a row of
/// placeholders per append), pushed each other out and stalled every group.
pub const STATEMENTS_KEPT: usize = 1024;

/// Options for another database on the same server (replay's scratch database, tests).
pub fn options_for(url: &str, database: &str) -> Result<MySqlConnectOptions, DatabaseError> {
    let (server, _) = parse(url)?;
    Ok(server.database(database))
}

/// Creates an empty database next to the configured one and migrates it.
pub async fn create_migrated(url: &str, database: &str) -> Result<MySqlPool, DatabaseError> {
    create_and_migrate(url, database, false).await
}

/// The database `database` on the configured server, created if missing, migrated.
pub async fn open_migrated(url: &str, database: &str) -> Result<MySqlPool, DatabaseError> {
    create_and_migrate(url, database, true).await
}

async fn create_and_migrate(
    url: &str,
    database: &str,
    if_missing: bool,
) -> Result<MySqlPool, DatabaseError> {
    let (server, _) = parse(url)?;
    let address = server_address(url);
    let mut conn = server.connect().await.map_err(|e| classify(address, e))?;
    let only_if = if if_missing { "IF NOT EXISTS " } else { "" };
    let create = format!(
        "CREATE DATABASE {only_if}`{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
    );
    conn.execute(sqlx::query(AssertSqlSafe(create)))
        .await
        .map_err(|source| DatabaseError::Create {
            name: database.to_owned(),
            source,
        })?;
    let pool = connect_pool(server.database(database));
    migrate(&pool).await?;
    Ok(pool)
}

/// Drops a database made by `create_migrated`.
pub async fn drop_database(url: &str, database: &str) -> Result<(), sqlx::Error> {
    let (server, _) = parse(url).map_err(|e| sqlx::Error::Configuration(e.to_string().into()))?;
    let mut conn = server.connect().await?;
    conn.execute(sqlx::query(AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS `{database}`"
    ))))
    .await?;
    Ok(())
}
