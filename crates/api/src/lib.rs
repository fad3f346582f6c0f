//! The JSON API: record ingestion and listing, metric answers (serialised
//! typed results), the OpenAPI document, token capabilities and the errors
//! every HTTP edge answers with.

pub mod auth;
pub mod client_ip;
mod error;
mod metrics;
mod openapi;
mod records;
mod routes;

pub use error::ApiError;
pub use routes::routes;
