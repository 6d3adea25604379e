//! The web layer: templates, static files, middleware and routes.
pub mod assets;
pub mod csrf;
pub mod errors;
pub mod forward;
pub mod page;
pub mod pdf_form;
pub mod routes;
pub mod security;
pub mod sse;
pub mod templates;
pub mod upload;
