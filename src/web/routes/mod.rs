//! HTTP handlers, grouped by URL. Handlers stay thin: extract, call a service, render.
pub mod admin;
pub mod api_chats;
pub mod auth;
pub mod bot_editor;
pub mod bots;
pub mod chat;
pub mod health;
pub mod language;
pub mod models;
pub mod openai;
pub mod password;
pub mod profile;
pub mod profile_keys;
pub mod settings;

use serde_json::{Value, json};
use time::format_description::well_known::Rfc3339;

use crate::store::users::UserRow;

/// What templates may show of a user (never the password hash).
pub fn user_json(user: &UserRow) -> Value {
    json!({
        "id": user.id,
        "username": user.username,
        "initial": user.username.chars().next().map(|c| c.to_uppercase().to_string()).unwrap_or_default(),
        "email": user.email,
        "verified": user.verified,
        "joined": user.date.assume_utc().format(&Rfc3339).unwrap_or_default(),
        "joined_date": user.date.date().to_string(),
    })
}
