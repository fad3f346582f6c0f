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
pub use view::{Audience, TARGETS, View, targets_of};

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
    // The same decoding as the `Query` extractor of the pages themselves.
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
        .map_err(|_| PageError::NotFound("no such view".into()))?;
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

/// Runs a computation over the view off the async threads (it may take tens of ms).
async fn blocking<T: Send + 'static>(
    view: View,
    f: impl FnOnce(&View) -> T + Send + 'static,
) -> Result<(View, T), PageError> {
    tokio::task::spawn_blocking(move || {
        let mut view = view;
        let out = f(&view);
        // The numbers are computed: let an ingest in while the page renders.
        view.release_engine();
        (view, out)
    })
    .await
    .map_err(|e| PageError::Internal(format!("page computation crashed: {e}")))
}

/// "Mar 1 – Mar 31, 2026" for a period (digests and reports).
pub fn controls_period_label(p: quarterdeck_engine::Period) -> String {
    controls::period_label(p.from, p.to)
}

/// Computed page data, shared by every viewer of the same view of the same
/// data version: 200 people on the summary page cost one computation.
#[derive(Default)]
pub struct PageMemo {
    entries: std::sync::Mutex<std::collections::HashMap<String, MemoSlot>>,
}

type MemoSlot =
    std::sync::Arc<tokio::sync::OnceCell<std::sync::Arc<dyn std::any::Any + Send + Sync>>>;

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageMemo")
    }
}

/// Most views remembered at once (a new data version starts afresh anyway).
const MEMO_ENTRIES: usize = 256;

/// Like `blocking`, but remembers the result for this view and data version.
async fn cached<T: Send + Sync + 'static>(
    state: &AppState,
    view: View,
    name: &str,
    f: impl FnOnce(&View) -> T + Send + 'static,
) -> Result<(View, std::sync::Arc<T>), PageError> {
    let key = format!(
        "{}:{}:{}:{}:{:?}:{:?}:{}:{:?}",
        view.tenant.id,
        view.version,
        name,
        view.path,
        view.query,
        view.only_csm,
        view.links,
        view.targets
    );
    let slot = {
        let mut map = state.web.memo.entries.lock().expect("memo lock");
        if map.len() >= MEMO_ENTRIES && !map.contains_key(&key) {
            map.clear();
        }
        map.entry(key).or_default().clone()
    };
    let mut view = Some(view);
    let value = slot
        .get_or_try_init(|| async {
            let v = view.take().expect("view is taken once");
            let (v, out) = blocking(v, f).await?;
            view = Some(v);
            Ok::<_, PageError>(
                std::sync::Arc::new(out) as std::sync::Arc<dyn std::any::Any + Send + Sync>
            )
        })
        .await?
        .clone();
    let mut view = view.expect("the view comes back");
    view.release_engine();
    let typed = value
        .downcast::<T>()
        .map_err(|_| PageError::Internal(format!("memo type mismatch for {name}")))?;
    Ok((view, typed))
}
