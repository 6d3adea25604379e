//! ChatBot Factory: a self-hosted ChatGPT-style platform. See docs/ARCHITECTURE.md.
pub mod accounts;
pub mod admin;
pub mod bots;
pub mod catalog;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod configuration;
pub mod database;
pub mod domain;
pub mod error;
pub mod events;
pub mod i18n;
pub mod knowledge;
pub mod llm;
pub mod mail;
pub mod net;
pub mod pdf_models;
pub mod rebuild;
pub mod registry;
pub mod render;
pub mod site;
pub mod startup;
pub mod store;
pub mod telemetry;
pub mod usage;
pub mod web;

use events::Projections;

/// Every stream type in the log, as the admin's event browser offers them.
pub const STREAM_TYPES: [&str; 6] = [
    <accounts::events::UserEvent as events::DomainEvent>::STREAM_TYPE,
    <chat::events::ChatEvent as events::DomainEvent>::STREAM_TYPE,
    <site::events::SiteEvent as events::DomainEvent>::STREAM_TYPE,
    <pdf_models::events::ModelEvent as events::DomainEvent>::STREAM_TYPE,
    <bots::events::BotEvent as events::DomainEvent>::STREAM_TYPE,
    // No projection: a user's bot slots are read only by their own aggregate.
    <bots::events::BotOwnerEvent as events::DomainEvent>::STREAM_TYPE,
];

/// Every feature's projections, in the order they run for each event (usage reads the chat row
/// the chat projection wrote), and their fold for a rebuild.
pub fn projections() -> Projections {
    Projections::new(
        vec![
            Box::new(accounts::projection::UserProjection),
            Box::new(chat::projection::ChatProjection),
            Box::new(site::projection::SiteProjection),
            Box::new(pdf_models::projection::ModelProjection),
            Box::new(bots::projection::BotProjection),
            Box::new(usage::UsageProjection),
            Box::new(admin::audit::AuditProjection),
        ],
        rebuild::Tables::boxed,
        events::PerStream {
            stream_type: <chat::events::ChatEvent as events::DomainEvent>::STREAM_TYPE,
            events_per_pass: rebuild::EVENTS_PER_PASS,
        },
    )
}
