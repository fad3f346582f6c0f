//! The dashboards: summary, revenue, retention, billing and cash, accounts.
//! Each page parses one `MetricQuery`, asks the same answer functions as the
//! JSON API, and renders HTML with server-drawn SVG charts. `.csv` and `.json`
//! twins of each page return exactly what it shows.

mod accounts;
mod billing;
mod controls;
mod export;
mod frame;
mod kpi;
mod numbers;
pub mod report;
mod retention;
mod revenue;
mod summary;
mod view;

use crate::AppState;
use crate::web::PageError;
use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use quarterdeck_store::{ShareLink, Tenant};
pub use view::{Audience, View};

type Pairs = Query<Vec<(String, String)>>;

/// Dashboard routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(summary::page))
        .route("/summary.csv", get(summary::csv))
        .route("/summary.json", get(summary::json))
        .route("/revenue", get(revenue::page))
        .route("/revenue.csv", get(revenue::csv))
        .route("/revenue.json", get(revenue::json))
        .route("/movements", get(revenue::drilldown))
        .route("/retention", get(retention::page))
        .route("/retention.csv", get(retention::csv))
        .route("/retention.json", get(retention::json))
        .route("/billing", get(billing::page))
        .route("/billing.csv", get(billing::csv))
        .route("/billing.json", get(billing::json))
        .route("/accounts", get(accounts::list))
        .route("/accounts.csv", get(accounts::csv))
        .route("/accounts.json", get(accounts::json))
        .route("/accounts/{id}", get(accounts::one))
        .route("/report.pdf", get(report::pdf))
        .route("/report.xlsx", get(report::xlsx))
}

/// Whether a path is a view a share link may show.
pub fn is_shareable(path: &str) -> bool {
    matches!(
        path,
        "/" | "/revenue" | "/retention" | "/billing" | "/accounts" | "/movements"
    ) || path
        .strip_prefix("/accounts/")
        .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Renders the view a share link points at, read-only.
pub async fn render_shared(
    state: &AppState,
    tenant: Tenant,
    share: &ShareLink,
) -> Result<Response, PageError> {
    let (path, query) = share.view.split_once('?').unwrap_or((&share.view, ""));
    let pairs: Vec<(String, String)> = serde_urlencoded_pairs(query);
    let audience = Audience::Shared {
        tenant,
        expires: format!("{} UTC", share.expires_at.format("%Y-%m-%d %H:%M")),
    };
    match path {
        "/" => summary::render(state, audience, pairs).await,
        "/revenue" => revenue::render(state, audience, pairs).await,
        "/movements" => revenue::render_drilldown(state, audience, pairs).await,
        "/retention" => retention::render(state, audience, pairs).await,
        "/billing" => billing::render(state, audience, pairs).await,
        "/accounts" => accounts::render_list(state, audience, pairs).await,
        p => match p.strip_prefix("/accounts/") {
            Some(id) => {
                let id = urlencoding::decode(id)
                    .map_err(|_| PageError::NotFound("no such view".into()))?
                    .into_owned();
                accounts::render_one(state, audience, &id, pairs).await
            }
            None => Err(PageError::NotFound("no such view".into())),
        },
    }
}

/// Splits a query string into decoded pairs.
fn serde_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let d = |s: &str| {
                urlencoding::decode(&s.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (d(k), d(v))
        })
        .collect()
}

/// Runs a computation over the view off the async threads (it may take tens of ms).
async fn blocking<T: Send + 'static>(
    view: View,
    f: impl FnOnce(&View) -> T + Send + 'static,
) -> Result<(View, T), PageError> {
    tokio::task::spawn_blocking(move || {
        let out = f(&view);
        (view, out)
    })
    .await
    .map_err(|e| PageError::Internal(format!("page computation crashed: {e}")))
}
