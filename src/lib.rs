//! ChatBot Factory: a self-hosted ChatGPT-style platform. See docs/ARCHITECTURE.md.
pub mod accounts;
pub mod admin;
pub mod allocator;
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

use std::collections::HashMap;

use futures::future::BoxFuture;
use sqlx::MySqlConnection;

use events::{Fold, FoldScope, ProjectionError, Projections, RecordedEvent};
use rebuild::Tables;

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
            Box::new(accounts::projection::PROJECTION),
            Box::new(chat::projection::PROJECTION),
            Box::new(site::projection::PROJECTION),
            Box::new(pdf_models::projection::PROJECTION),
            Box::new(bots::projection::PROJECTION),
            Box::new(usage::UsageProjection::default()),
            Box::new(admin::audit::AuditProjection),
        ],
        Rebuild::boxed,
        events::PerStream {
            stream_type: <chat::events::ChatEvent as events::DomainEvent>::STREAM_TYPE,
            events_per_pass: rebuild::EVENTS_PER_PASS,
        },
    )
}

/// A rebuild in memory: every feature's fold of its own rows into the tables, registered here
/// beside its projection (the rebuild itself knows rows and how to write them, no feature).
struct Rebuild {
    tables: Tables,
    /// Each bot as its aggregate folds it (the `bot` row is written from it).
    bots: HashMap<String, bots::aggregate::Bot>,
    /// Each PDF model as its aggregate folds it (its `model` row is written from it).
    pdf_models: HashMap<String, pdf_models::aggregate::PdfModel>,
}

impl Rebuild {
    /// An empty rebuild of what `scope` covers, as `Projections` asks for one.
    fn boxed(scope: FoldScope) -> Box<dyn Fold> {
        Box::new(Rebuild {
            tables: Tables::new(scope),
            bots: HashMap::new(),
            pdf_models: HashMap::new(),
        })
    }
}

impl Fold for Rebuild {
    /// Each event is decoded once and given to every fold of its stream type, in the order
    /// `projections()` registers the projections. A chat's own rows depend on its own events
    /// alone; everything else (its owner's counters, usage, audit) is shared.
    fn fold(&mut self, event: &RecordedEvent) -> Result<(), ProjectionError> {
        let tables = &mut self.tables;
        let shared = tables.scope.shared();
        if let Some(payload) = event.decode_for::<chat::events::ChatEvent>()? {
            // Each on the rows the pass covers.
            chat::fold::apply(tables, event, &payload)?;
            usage::fold::chat(tables, event, &payload)?;
        } else if !shared {
            return Ok(());
        } else if let Some(payload) = event.decode_for::<accounts::events::UserEvent>()? {
            accounts::fold::apply(tables, event, &payload);
            usage::fold::user(tables, event, &payload);
        } else if let Some(payload) = event.decode_for::<site::events::SiteEvent>()? {
            site::fold::apply(tables, event, &payload);
        } else if let Some(payload) = event.decode_for::<pdf_models::events::ModelEvent>()? {
            pdf_models::fold::apply(tables, &mut self.pdf_models, event, &payload);
        } else if let Some(payload) = event.decode_for::<bots::events::BotEvent>()? {
            bots::fold::apply(tables, &mut self.bots, event, &payload);
        }
        if shared {
            admin::audit::fold(tables, event);
        }
        Ok(())
    }

    fn write<'a>(
        &'a self,
        conn: &'a mut MySqlConnection,
        suffix: &'a str,
    ) -> BoxFuture<'a, Result<u64, sqlx::Error>> {
        Box::pin(self.tables.write(conn, suffix))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_rebuild_writes_every_projection_table() {
        let mut registered: Vec<&str> = super::projections()
            .tables()
            .into_iter()
            .map(|(table, _)| table)
            .collect();
        let mut written = crate::rebuild::TABLES.to_vec();
        registered.sort_unstable();
        written.sort_unstable();
        assert_eq!(registered, written);
    }
}
