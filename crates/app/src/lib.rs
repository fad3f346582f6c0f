//! Application services every edge shares (HTTP API, pages, CLI, jobs):
//! the state, the clock, the engine cache, ingest as the one write path,
//! administration and audit, the mail transport, the job runner with its
//! registry of job kinds, metric answers and the executive report model.

pub mod admin;
pub mod audit;
pub mod clock;
pub mod credentials;
pub mod engines;
pub mod events;
pub mod ingest;
pub mod jobs;
pub mod mail;
pub mod memo;
pub mod metrics;
pub mod report;
pub mod shares;
mod state;

pub use state::AppState;

/// Chooses ring as the TLS crypto provider (webhooks, SMTP), once per process.
pub fn install_crypto() {
    // An error means a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
}
