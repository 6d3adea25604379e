//! Integration tests: the real app against a real MariaDB/MySQL, SMTP listener and
//! OpenAI-compatible upstream (see helpers.rs).
mod browser;
mod helpers;
mod smtp;
mod upstream;

mod accounts;
mod actors;
mod admin;
mod api_keys;
mod bot_fair_use;
mod bots;
mod branches;
mod chat;
mod cli;
mod event_store;
mod events_doc;
mod foundation;
mod hardening;
mod i18n;
mod instances;
mod local_model;
mod openai_api;
mod pdf_models;
mod pdf_safety;
mod pdf_ui;
mod replay;
mod retrieval_quality;
mod robustness;
mod sessions;
mod titles;
mod tour;
mod ui;
mod uploads;
mod upstream_faults;
mod ux_fixes;
mod write_path;
