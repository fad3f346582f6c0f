//! Workspace administration pages: users, API tokens, settings, audit log.
//! Each handler starts by obtaining its `Grant`; without it nothing runs.

mod audit_log;
mod settings;
mod tokens;
mod users;

use crate::WebApp;
use axum::Router;
use axum::http::HeaderMap;
use chrono::{DateTime, Utc};

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .merge(users::routes())
        .merge(tokens::routes())
        .merge(settings::routes())
        .merge(audit_log::routes())
}

/// A timestamp as admins read it.
pub(crate) fn when(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M").to_string()
}

/// An optional timestamp, or "never".
pub(crate) fn when_or_never(at: Option<DateTime<Utc>>) -> String {
    at.map_or_else(|| "never".into(), when)
}

/// The address the browser used to reach us, for links we hand out.
pub(crate) fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1:8080");
    let scheme = if super::cookies::is_https(headers) {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}
