//! Users' own chatbots: instructions, a base model, conversation starters and optionally one
//! PDF of their own. Each bot is an aggregate (`bot/<uuid>` stream) projected into `bot` and
//! folded by the catalog, which offers it in its users' pickers and answers as it (see
//! docs/ARCHITECTURE.md). A bot's PDF is a PDF model the bot owns (its own `ModelActor` and
//! LanceDB table), never offered on its own.
pub mod aggregate;
pub mod backend;
pub mod details;
pub mod events;
pub mod fold;
pub mod leak;
pub mod ownership;
pub mod pdf;
pub mod pdf_change;
pub mod projection;
pub mod service;

pub use service::Bots;
