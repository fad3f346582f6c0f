//! Quarterdeck's HTTP server and the services its edges share (ingestion,
//! administration), so the CLI and the API take the same paths.

pub mod admin;
pub mod alerts;
pub mod api;
pub mod audit;
mod auth;
pub mod clock;
pub mod credentials;
pub mod digest;
pub mod engines;
mod error;
pub mod ingest;
pub mod jobs;
pub mod mail;
pub mod metrics;
mod serve;
mod state;
pub mod web;

pub use error::ApiError;
pub use serve::{router, serve, shutdown_signal};
pub use state::AppState;

/// Chooses ring as the TLS crypto provider (webhooks, SMTP), once per process.
pub fn install_crypto() {
    // An error means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
