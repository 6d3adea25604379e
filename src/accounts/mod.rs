//! Accounts: users (event-sourced in the `user` stream), their device sessions and e-mail
//! tokens, and the main admin (seeded from `.env`).
pub mod admin;
pub mod aggregate;
mod api_key_service;
pub mod api_keys;
pub mod current;
pub mod events;
mod fields;
pub mod fold;
mod login;
mod moderation;
pub mod password;
mod passwords;
mod profile;
pub mod projection;
pub mod rate_limit;
mod registration;
mod service;
pub mod session_store;
pub mod tokens;

pub use api_key_service::{KeyLifetime, NewApiKey};
pub use profile::CUSTOM_INSTRUCTIONS_MAX_CHARS;
pub use registration::Registration;
pub use service::{AccountError, AccountRules, Accounts, FieldErrors};
