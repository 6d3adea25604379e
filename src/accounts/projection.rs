//! `user` and `api_key` from the `user` stream (the usage counters of both come from the chats:
//! `chat::projection`, `usage`).
use sqlx::AssertSqlSafe;
use sqlx::MySqlConnection;

use super::events::UserEvent;
use crate::events::{RecordedEvent, StreamProjection};

/// `user` and `api_key` rows from the `user` stream.
pub const PROJECTION: StreamProjection<UserEvent> = StreamProjection {
    name: "user",
    tables: &[("user", "id"), ("api_key", "id")],
    project: |conn, event, payload| Box::pin(apply(conn, event, payload)),
};

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
            // The latest activity (a prompt's is written at the end of its group: `usage`).
            sqlx::query(
                "UPDATE `user` SET last_active = GREATEST(COALESCE(last_active, ?), ?), version = ? \
                 WHERE id = ?",
            )
            .bind(event.recorded_at)
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
        UserEvent::PromptRefused { .. } => set_version(conn, id, version).await?,
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
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM api_key WHERE user_id = ?")
                .bind(id)
                .execute(conn)
                .await?;
        }
        UserEvent::ApiKeyCreated {
            key_id,
            name,
            prefix,
            secret_hash,
            expires_at,
        } => {
            sqlx::query(
                "INSERT INTO api_key (id, user_id, name, prefix, secret_hash, created_at, \
                 expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(key_id.to_string())
            .bind(id)
            .bind(name)
            .bind(prefix)
            .bind(secret_hash)
            .bind(event.recorded_at)
            .bind(expires_at.map(utc))
            .execute(&mut *conn)
            .await?;
            set_version(conn, id, version).await?;
        }
        UserEvent::ApiKeyRevoked { key_id, by } => {
            sqlx::query(
                "UPDATE api_key SET revoked_at = ?, revoked_by = ? WHERE id = ? AND user_id = ?",
            )
            .bind(event.recorded_at)
            .bind(by.as_str())
            .bind(key_id.to_string())
            .bind(id)
            .execute(&mut *conn)
            .await?;
            set_version(conn, id, version).await?;
        }
    }
    Ok(())
}

/// Events that change no column of `user` still count in its `version`.
async fn set_version(
    conn: &mut MySqlConnection,
    id: &str,
    version: u64,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE `user` SET version = ? WHERE id = ?")
        .bind(version)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// A timestamp as `DATETIME(6)` columns keep it (UTC).
pub(crate) fn utc(at: time::OffsetDateTime) -> time::PrimitiveDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    time::PrimitiveDateTime::new(at.date(), at.time())
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
