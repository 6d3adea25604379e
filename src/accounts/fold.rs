//! What the `user` stream's events do to the `user` and `api_key` rows: the one definition,
//! run live on one user's rows (`projection.rs`) and over the whole log in a rebuild
//! (`crate::rebuild`).
use super::events::UserEvent;
use super::fields;
use crate::events::RecordedEvent;
use crate::rebuild::{ApiKeyRow, Tables, UserRow};

pub fn apply(tables: &mut Tables, event: &RecordedEvent, payload: &UserEvent) {
    let id = event.stream_id.as_str();
    if let UserEvent::UserRegistered {
        username,
        email,
        password_hash,
        verified,
    } = payload
    {
        let row = UserRow {
            id: id.to_owned(),
            username: username.clone(),
            password: password_hash.clone(),
            email: email.clone(),
            date: event.recorded_at,
            verified: *verified,
            blocked: false,
            block_reason: None,
            daily_prompt_quota: 0,
            last_active: Some(event.recorded_at),
            chats: 0,
            prompts: 0,
            prompt_tokens: 0,
            completion_tokens: 0,
            version: event.sequence,
            custom_about: None,
            custom_style: None,
        };
        tables.users.insert(id.to_owned(), row);
        return;
    }
    if let UserEvent::UserDeleted = payload {
        tables.users.remove(id);
        tables.api_keys.retain(|_, key| key.user_id != id);
        return;
    }
    api_key(tables, event, payload);
    // Nothing happens to a user who is not there (deleted, or never registered).
    let Some(user) = tables.user_mut(id) else {
        return;
    };
    user.version = event.sequence;
    fields::apply(user, payload);
    // The latest activity (a prompt's is written at the end of its group: `usage`).
    if let UserEvent::UserLoggedIn = payload {
        user.last_active = user.last_active.max(Some(event.recorded_at));
    }
}

// The `user` row keeps no custom instructions as NULL.
fields::account_fields!(UserRow {
    username: username,
    email: email,
    password_hash: password,
    verified: verified,
    blocked: blocked,
    block_reason: block_reason,
    daily_quota: daily_prompt_quota,
    custom_instructions: |user, about, style| {
        let or_null = |text: &str| (!text.is_empty()).then(|| text.to_owned());
        user.custom_about = or_null(about);
        user.custom_style = or_null(style);
    },
});

/// The `api_key` rows (the usage columns are the chats' to fold: `usage::fold`).
fn api_key(tables: &mut Tables, event: &RecordedEvent, payload: &UserEvent) {
    match payload {
        UserEvent::ApiKeyCreated {
            key_id,
            name,
            prefix,
            secret_hash,
            expires_at,
        } => {
            let row = ApiKeyRow {
                id: key_id.to_string(),
                user_id: event.stream_id.clone(),
                name: name.clone(),
                prefix: prefix.clone(),
                secret_hash: secret_hash.clone(),
                created_at: event.recorded_at,
                expires_at: expires_at.map(utc),
                revoked_at: None,
                revoked_by: None,
                last_used_at: None,
                prompts: 0,
                prompt_tokens: 0,
                completion_tokens: 0,
            };
            tables.api_keys.insert(row.id.clone(), row);
        }
        UserEvent::ApiKeyRevoked { key_id, by } => {
            // Like `UPDATE … WHERE id = ? AND user_id = ?`.
            if let Some(key) = tables
                .api_keys
                .get_mut(&key_id.to_string())
                .filter(|key| key.user_id == event.stream_id)
            {
                key.revoked_at = Some(event.recorded_at);
                key.revoked_by = Some(by.as_str().to_owned());
            }
        }
        _ => {}
    }
}

/// A timestamp as `DATETIME(6)` columns keep it (UTC).
fn utc(at: time::OffsetDateTime) -> time::PrimitiveDateTime {
    let at = at.to_offset(time::UtcOffset::UTC);
    time::PrimitiveDateTime::new(at.date(), at.time())
}
