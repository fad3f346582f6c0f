//! The JSON API under `/api/v1`.

mod records;

use crate::AppState;
use axum::Router;
use axum::routing::get;

/// Routes of `/api/v1`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/{collection}",
            get(records::list).post(records::ingest),
        )
        .route(
            "/api/v1/{collection}/{id}",
            get(records::get_one).delete(records::delete),
        )
}
