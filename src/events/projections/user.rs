//! `user` from the `user` stream.
use sqlx::AssertSqlSafe;
use sqlx::MySqlConnection;

use super::stats::{self, Counter};
use crate::accounts::events::UserEvent;
use crate::events::RecordedEvent;

pub async fn apply(
    conn: &mut MySqlConnection,
    event: &RecordedEvent,
    payload: &UserEvent,
) -> Result<(), sqlx::Error> {
    let id = event.stream_id.as_str();
    let version = event.sequence;
    match payload {
        UserEvent::UserRegistered {
            username,
            email,
            password_hash,
            verified,
        } => {
            sqlx::query(
                "INSERT INTO `user` (id, username, password, email, date, verified, last_active, version) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(username)
            .bind(password_hash)
            .bind(email)
            .bind(event.recorded_at)
            .bind(verified)
            .bind(event.recorded_at)
            .bind(version)
            .execute(&mut *conn)
            .await?;
            stats::bump(conn, event.recorded_at.date(), Counter::NewUsers).await?;
        }
        UserEvent::EmailVerified { .. } => {
            update(conn, "verified = TRUE", id, version).await?;
        }
        UserEvent::PasswordChanged { password_hash, .. } => {
            sqlx::query("UPDATE `user` SET password = ?, version = ? WHERE id = ?")
                .bind(password_hash)
                .bind(version)
                .bind(id)
                .execute(conn)
                .await?;
        }
        UserEvent::ProfileUpdated {
            username,
            email,
            verified,
        } => {
            sqlx::query(
                "UPDATE `user` SET username = COALESCE(?, username), email = COALESCE(?, email), \
                 verified = ?, version = ? WHERE id = ?",
            )
            .bind(username)
            .bind(email)
            .bind(verified)
            .bind(version)
            .bind(id)
            .execute(conn)
            .await?;
        }
        UserEvent::UserLoggedIn => {
            sqlx::query("UPDATE `user` SET last_active = ?, version = ? WHERE id = ?")
                .bind(event.recorded_at)
                .bind(version)
                .bind(id)
                .execute(conn)
                .await?;
        }
        UserEvent::UserBlocked { reason } => {
            sqlx::query(
                "UPDATE `user` SET blocked = TRUE, block_reason = ?, version = ? WHERE id = ?",
            )
            .bind(reason)
            .bind(version)
            .bind(id)
            .execute(conn)
            .await?;
        }
        UserEvent::UserUnblocked => {
            update(conn, "blocked = FALSE, block_reason = NULL", id, version).await?;
        }
        UserEvent::DailyQuotaChanged { prompts } => {
            sqlx::query("UPDATE `user` SET daily_prompt_quota = ?, version = ? WHERE id = ?")
                .bind(prompts)
                .bind(version)
                .bind(id)
                .execute(conn)
                .await?;
        }
        UserEvent::UserDeleted => {
            sqlx::query("DELETE FROM `user` WHERE id = ?")
                .bind(id)
                .execute(conn)
                .await?;
        }
    }
    Ok(())
}

async fn update(
    conn: &mut MySqlConnection,
    set: &'static str,
    id: &str,
    version: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE `user` SET {set}, version = ? WHERE id = ?"
    )))
    .bind(version)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}
