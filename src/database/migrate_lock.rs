//! Migrations that run once however many instances start at the same moment, on one server or
//! on several nodes of a Galera cluster.
//!
//! sqlx serialises migrators with `GET_LOCK`, which a Galera node does not share with the
//! others: two instances starting together on two nodes would both migrate. Instead the
//! migrator takes a row: whoever inserts `migration_lock`'s single row migrates (sqlx's own lock
//! off), refreshing the row while it works; the others wait until every migration is applied.
//! A row left by an instance that died mid-migration goes stale and is taken over.
use std::time::Duration;

use sqlx::MySqlPool;
use sqlx::migrate::Migrator;
use uuid::Uuid;

use super::{DatabaseError, cluster};

/// A lock row not refreshed for this long belongs to a migrator that died.
const STALE_AFTER_SECS: u32 = 30;
/// How often the holder refreshes its row.
const REFRESH: Duration = Duration::from_secs(5);
/// How long a waiting instance waits for another's migrations before giving up.
const WAIT_AT_MOST: Duration = Duration::from_secs(15 * 60);

/// The embedded migrations, without sqlx's node-local `GET_LOCK`.
fn migrator() -> Migrator {
    let mut migrator = sqlx::migrate!("./migrations");
    migrator.set_locking(false);
    migrator
}

/// Applies the embedded migrations that `pool`'s database lacks, once across all instances.
pub async fn migrate(pool: &MySqlPool) -> Result<(), DatabaseError> {
    let migrator = migrator();
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS migration_lock (\
             id       TINYINT UNSIGNED NOT NULL PRIMARY KEY,\
             holder   CHAR(36)         NOT NULL,\
             taken_at DATETIME(6)      NOT NULL\
         ) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_unicode_ci",
    )
    .execute(pool)
    .await
    .map_err(DatabaseError::MigrationLock)?;
    let holder = Uuid::new_v4().to_string();
    let started = std::time::Instant::now();
    let mut said_waiting = false;
    loop {
        if up_to_date(pool, &migrator).await {
            return Ok(());
        }
        if take(pool, &holder)
            .await
            .map_err(DatabaseError::MigrationLock)?
        {
            let refresher = tokio::spawn(refresh(pool.clone(), holder.clone()));
            let result = migrator.run(pool).await;
            refresher.abort();
            let released = sqlx::query("DELETE FROM migration_lock WHERE id = 1 AND holder = ?")
                .bind(&holder)
                .execute(pool)
                .await;
            if let Err(error) = released {
                tracing::warn!(%error, "Could not release the migration lock; it goes stale");
            }
            return Ok(result?);
        }
        if !said_waiting {
            tracing::info!("Another instance is migrating the database; waiting for it");
            said_waiting = true;
        }
        if started.elapsed() > WAIT_AT_MOST {
            return Err(DatabaseError::MigrationLock(sqlx::Error::Protocol(
                "another instance held the migration lock for 15 minutes".into(),
            )));
        }
        tokio::time::sleep(Duration::from_millis(rand::random_range(200..600))).await;
    }
}

/// Whether every embedded migration is applied, unchanged (a changed one is for `run` to
/// report, so it is not "up to date").
async fn up_to_date(pool: &MySqlPool, migrator: &Migrator) -> bool {
    let applied: Vec<(i64, Vec<u8>)> =
        match sqlx::query_as("SELECT version, checksum FROM _sqlx_migrations WHERE success = 1")
            .fetch_all(pool)
            .await
        {
            Ok(applied) => applied,
            // No table yet, or no answer: the lock decides.
            Err(_) => return false,
        };
    migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration())
        .all(|m| {
            applied
                .iter()
                .any(|(version, checksum)| *version == m.version && **checksum == *m.checksum)
        })
}

/// Takes the lock row (first clearing one that went stale); `false` when another holds it.
async fn take(pool: &MySqlPool, holder: &str) -> Result<bool, sqlx::Error> {
    sqlx::query(
        "DELETE FROM migration_lock WHERE id = 1 \
         AND taken_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND",
    )
    .bind(STALE_AFTER_SECS)
    .execute(pool)
    .await?;
    let inserted = sqlx::query(
        "INSERT IGNORE INTO migration_lock (id, holder, taken_at) VALUES (1, ?, UTC_TIMESTAMP(6))",
    )
    .bind(holder)
    .execute(pool)
    .await;
    match inserted {
        Ok(done) => Ok(done.rows_affected() == 1),
        // Another node's insert won the certification race.
        Err(error) if cluster::transient(&error) => Ok(false),
        Err(error) => Err(error),
    }
}

async fn refresh(pool: MySqlPool, holder: String) {
    loop {
        tokio::time::sleep(REFRESH).await;
        let refreshed =
            sqlx::query("UPDATE migration_lock SET taken_at = UTC_TIMESTAMP(6) WHERE holder = ?")
                .bind(&holder)
                .execute(&pool)
                .await;
        if let Err(error) = refreshed {
            tracing::warn!(%error, "Could not refresh the migration lock");
        }
    }
}
