//! The routes of `/api/v1` (the executive report's are the web crate's:
//! it renders the pages' documents).

use crate::{metrics, openapi, records};
use axum::Router;
use axum::routing::get;
use quarterdeck_app::AppState;

/// Routes of `/api/v1`. Fixed paths win over the `{collection}` routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::serve))
        .route("/api/v1/metrics/summary", get(metrics::summary))
        .route("/api/v1/metrics/series", get(metrics::series))
        .route("/api/v1/metrics/forecast", get(metrics::forecast))
        .route("/api/v1/metrics/movements", get(metrics::movements))
        .route(
            "/api/v1/metrics/movements/{date}/{kind}",
            get(metrics::movement_drilldown),
        )
        .route("/api/v1/metrics/cohorts", get(metrics::cohorts))
        .route("/api/v1/metrics/ar-aging", get(metrics::ar_aging))
        .route("/api/v1/accounts", get(metrics::accounts))
        .route("/api/v1/accounts/{id}", get(metrics::account))
        .route("/api/v1/accounts/{id}/health", get(metrics::account_health))
        .route("/api/v1/health", get(metrics::health))
        .route("/api/v1/renewals", get(metrics::renewals))
        .route("/api/v1/expansion", get(metrics::expansion))
        .route("/api/v1/segments", get(metrics::segments))
        .route("/api/v1/team", get(metrics::team))
        .route(
            "/api/v1/save-plays/summary",
            get(metrics::save_plays_summary),
        )
        .route(
            "/api/v1/{collection}",
            get(records::list).post(records::ingest),
        )
        .route(
            "/api/v1/{collection}/{id}",
            get(records::get_one).delete(records::delete),
        )
}
