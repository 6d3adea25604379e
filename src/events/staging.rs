//! A rebuild writes into staging tables beside the projection tables and swaps them in with
//! one `RENAME TABLE`: readers see the old rows until the new ones are complete, and no
//! projection table is ever half empty.
//!
//! The staging tables are created without their FULLTEXT indexes and get them back once the
//! rows are in: InnoDB then builds each index once, by sorting, instead of row by row (indexing
//! `chat_history.content` row by row was most of a rebuild's time).
use sqlx::{AssertSqlSafe, MySqlConnection};

/// The suffix of a table being rebuilt.
pub(super) const STAGED: &str = "__rebuild";
/// The suffix of a table just swapped out (dropped right after the swap).
const RETIRED: &str = "__retired";

/// The staging tables of one rebuild.
pub(super) struct Staging {
    tables: Vec<StagedTable>,
}

struct StagedTable {
    name: &'static str,
    fulltext: Vec<FullText>,
}

struct FullText {
    index: String,
    columns: Vec<String>,
}

impl Staging {
    /// Creates `t__rebuild` like every table `t` of `tables`, without its FULLTEXT indexes
    /// (after dropping what an interrupted rebuild left).
    pub(super) async fn create(
        conn: &mut MySqlConnection,
        tables: &[&'static str],
    ) -> Result<Self, sqlx::Error> {
        let mut staged = Vec::with_capacity(tables.len());
        for &name in tables {
            drop_if_exists(conn, &format!("{name}{STAGED}")).await?;
            drop_if_exists(conn, &format!("{name}{RETIRED}")).await?;
            execute(conn, format!("CREATE TABLE `{name}{STAGED}` LIKE `{name}`")).await?;
            let fulltext = fulltext_indexes(conn, name).await?;
            for index in &fulltext {
                execute(
                    conn,
                    format!("ALTER TABLE `{name}{STAGED}` DROP INDEX `{}`", index.index),
                )
                .await?;
            }
            staged.push(StagedTable { name, fulltext });
        }
        Ok(Staging { tables: staged })
    }

    /// Builds the FULLTEXT indexes of the filled staging tables.
    pub(super) async fn index(&self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        for table in &self.tables {
            // InnoDB adds one FULLTEXT index per statement.
            for index in &table.fulltext {
                let columns: Vec<String> = index.columns.iter().map(|c| format!("`{c}`")).collect();
                execute(
                    conn,
                    format!(
                        "ALTER TABLE `{}{STAGED}` ADD FULLTEXT INDEX `{}` ({})",
                        table.name,
                        index.index,
                        columns.join(", ")
                    ),
                )
                .await?;
            }
        }
        Ok(())
    }

    /// Puts every staging table in its table's place with one atomic `RENAME TABLE`, then drops
    /// the old tables.
    pub(super) async fn swap(self, conn: &mut MySqlConnection) -> Result<(), sqlx::Error> {
        let renames: Vec<String> = self
            .tables
            .iter()
            .map(|t| {
                let name = t.name;
                format!("`{name}` TO `{name}{RETIRED}`, `{name}{STAGED}` TO `{name}`")
            })
            .collect();
        execute(conn, format!("RENAME TABLE {}", renames.join(", "))).await?;
        for table in &self.tables {
            drop_if_exists(conn, &format!("{}{RETIRED}", table.name)).await?;
        }
        Ok(())
    }

    /// Drops the staging tables (after a failed rebuild; the projection tables are untouched).
    pub(super) async fn discard(self, conn: &mut MySqlConnection) {
        for table in &self.tables {
            if let Err(error) = drop_if_exists(conn, &format!("{}{STAGED}", table.name)).await {
                tracing::warn!(%error, table = table.name, "Dropping a staging table failed");
            }
        }
    }
}

/// The FULLTEXT indexes of `table` in the connection's database, with their columns in order.
async fn fulltext_indexes(
    conn: &mut MySqlConnection,
    table: &str,
) -> Result<Vec<FullText>, sqlx::Error> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT CAST(INDEX_NAME AS CHAR), CAST(COLUMN_NAME AS CHAR) \
         FROM information_schema.STATISTICS \
         WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? AND INDEX_TYPE = 'FULLTEXT' \
         ORDER BY INDEX_NAME, SEQ_IN_INDEX",
    )
    .bind(table)
    .fetch_all(&mut *conn)
    .await?;
    let mut indexes: Vec<FullText> = Vec::new();
    for (index, column) in rows {
        match indexes.last_mut() {
            Some(last) if last.index == index => last.columns.push(column),
            _ => indexes.push(FullText {
                index,
                columns: vec![column],
            }),
        }
    }
    Ok(indexes)
}

async fn drop_if_exists(conn: &mut MySqlConnection, table: &str) -> Result<(), sqlx::Error> {
    execute(conn, format!("DROP TABLE IF EXISTS `{table}`")).await
}

/// Runs DDL built from the registered projections' table names and the server's own index
/// names (never from user input).
async fn execute(conn: &mut MySqlConnection, sql: String) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(sql)).execute(conn).await?;
    Ok(())
}
