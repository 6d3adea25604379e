//! `user` from the `user` stream (its usage counters come from `chat::projection`).
use futures::future::BoxFuture;
use sqlx::AssertSqlSafe;
use sqlx::MySqlConnection;

use super::events::UserEvent;
use crate::events::{Projection, ProjectionError, RecordedEvent};

pub struct UserProjection;

impl Projection for UserProjection {
    fn name(&self) -> &'static str {
        "user"
    }

    fn tables(&self) -> &'static [(&'static str, &'static str)] {
        &[("user", "id")]
    }

    fn apply<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        event: &'a RecordedEvent,
    ) -> BoxFuture<'a, Result<(), ProjectionError>> {
        Box::pin(async move {
            if let Some(payload) = event.decode_for::<UserEvent>()? {
                apply(conn, event, &payload).await?;
            }
            Ok(())
        })
    }
}

async fn apply(
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
        UserEvent::CustomInstructionsChanged { about, style } => {
            let or_null = |text: &String| (!text.is_empty()).then(|| text.clone());
            sqlx::query(
                "UPDATE `user` SET custom_about = ?, custom_style = ?, version = ? WHERE id = ?",
            )
            .bind(or_null(about))
            .bind(or_null(style))
            .bind(version)
            .bind(id)
            .execute(conn)
            .await?;
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
