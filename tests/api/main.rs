//! Integration tests: the real app against a real MariaDB/MySQL, SMTP listener and
//! OpenAI-compatible upstream (see helpers.rs).
mod browser;
mod helpers;
mod smtp;
mod upstream;

mod accounts;
mod actors;
mod admin;
mod chat;
mod cli;
mod event_store;
mod foundation;
mod i18n;
mod local_model;
mod pdf_models;
mod pdf_ui;
mod replay;
mod robustness;
mod sessions;
mod titles;
mod ui;
mod uploads;
mod write_path;
