//! The dashboards: summary, revenue, retention, billing and cash, accounts.
//! Each page parses one `MetricQuery`, asks the same answer functions as the
//! JSON API, and renders HTML with server-drawn SVG charts. `.csv` and `.json`
//! twins of each page return exactly what it shows.

/// Makes a page module's `render`, `json` and `csv` into its `Page`
/// dashboard with `SPEC` (one line per page instead of a repeated impl).
macro_rules! dashboard_page {
    ($spec:expr, $render:ident) => {
        /// This page as a dashboard: routes, twins and share-link view come from its spec.
        pub struct Page;

        impl super::Dashboard for Page {
            const SPEC: PageSpec = $spec;

            fn render(
                state: &WebApp,
                audience: Audience,
                pairs: Vec<(String, String)>,
            ) -> impl std::future::Future<Output = Result<Response, PageError>> + Send {
                $render(state, audience, pairs)
            }

            fn json(
                state: &WebApp,
                viewer: Viewer,
                pairs: Vec<(String, String)>,
            ) -> impl std::future::Future<Output = Result<Response, PageError>> + Send {
                json(state, viewer, pairs)
            }

            fn table(
                state: &WebApp,
                viewer: Viewer,
                pairs: Vec<(String, String)>,
            ) -> impl std::future::Future<Output = Result<(View, export::Table), PageError>> + Send
            {
                table(state, viewer, pairs)
            }
        }
    };
}

mod accounts;
mod billing;
pub(crate) mod controls;
mod expansion;
mod export;
mod frame;
mod health;
mod kpi;
mod renewals;
use quarterdeck_app::metrics::display as numbers;
pub mod report;
mod retention;
mod revenue;
mod screens;
mod segments;
mod summary;
mod team;
mod view;

use crate::PageError;
use crate::Viewer;
use crate::WebApp;
use axum::Router;
use axum::extract::Query;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use quarterdeck_store::{ShareLink, Tenant};
pub use view::{Audience, PageSpec, View};

type Pairs = Query<Vec<(String, String)>>;

/// A dashboard: a page spec and the ways to read it (page, JSON, and its
/// table as CSV, PDF or workbook).
/// Declaring one in `dashboards!` gives it its routes, navigation entry,
/// share-link view and permission check.
pub trait Dashboard: Send + Sync + 'static {
    /// What the page declares once.
    const SPEC: PageSpec;
    /// The page for any audience (members and share links).
    fn render(
        state: &WebApp,
        audience: Audience,
        pairs: Vec<(String, String)>,
    ) -> impl std::future::Future<Output = Result<Response, PageError>> + Send;
    /// The page's JSON twin (the API's answer).
    fn json(
        state: &WebApp,
        viewer: Viewer,
        pairs: Vec<(String, String)>,
    ) -> impl std::future::Future<Output = Result<Response, PageError>> + Send;
    /// The page's table, typed: its CSV twin, and the body of its PDF and workbook.
    fn table(
        state: &WebApp,
        viewer: Viewer,
        pairs: Vec<(String, String)>,
    ) -> impl std::future::Future<Output = Result<(View, export::Table), PageError>> + Send;
}

async fn page<D: Dashboard>(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    if D::SPEC.path == "/" && !viewer.may(D::SPEC.permission) {
        // Land each role on the first page it may see.
        let to = crate::landing_page(&viewer);
        if to != "/" {
            return Ok(Redirect::to(to).into_response());
        }
    }
    D::render(&state, Audience::Member(viewer), pairs).await
}

async fn json<D: Dashboard>(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    D::json(&state, viewer, pairs).await
}

async fn csv<D: Dashboard>(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    let (view, table) = D::table(&state, viewer, pairs).await?;
    export::csv(&state, &view, table).await
}

/// The page as a document: its KPI cards and its table, in PDF or a workbook.
async fn document<D: Dashboard>(
    state: WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
    kind: report::Kind,
) -> Result<Response, PageError> {
    let (view, table) = D::table(&state, viewer, pairs).await?;
    report::page_document(&state, view, &D::SPEC, table, kind, None).await
}

async fn pdf<D: Dashboard>(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    document::<D>(state, viewer, pairs, report::Kind::Pdf).await
}

async fn xlsx<D: Dashboard>(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    document::<D>(state, viewer, pairs, report::Kind::Xlsx).await
}

/// The routes of one dashboard: its page, its `.json` / `.csv` twins and its
/// `.pdf` / `.xlsx` documents.
fn dashboard<D: Dashboard>(router: Router<WebApp>) -> Router<WebApp> {
    let twin = D::SPEC.twin;
    router
        .route(D::SPEC.path, get(page::<D>))
        .route(&format!("{twin}.json"), get(json::<D>))
        .route(&format!("{twin}.csv"), get(csv::<D>))
        .route(&format!("{twin}.pdf"), get(pdf::<D>))
        .route(&format!("{twin}.xlsx"), get(xlsx::<D>))
}

/// The dashboards, in navigation order: everything about them derives from here.
macro_rules! dashboards {
    ($($page:ty),* $(,)?) => {
        /// Every dashboard's spec, in navigation order.
        pub const DASHBOARDS: &[PageSpec] = &[$(<$page as Dashboard>::SPEC),*];

        fn dashboard_routes(router: Router<WebApp>) -> Router<WebApp> {
            $(let router = dashboard::<$page>(router);)*
            router
        }

        /// The dashboard at `path` for a share link, if there is one.
        async fn render_dashboard(
            path: &str,
            state: &WebApp,
            audience: Audience,
            pairs: Vec<(String, String)>,
        ) -> Option<Result<Response, PageError>> {
            $(if path == <$page as Dashboard>::SPEC.path {
                return Some(<$page as Dashboard>::render(state, audience, pairs).await);
            })*
            None
        }
    };
}

dashboards!(
    summary::Page,
    revenue::Page,
    retention::Page,
    billing::Page,
    health::Page,
    renewals::Page,
    expansion::Page,
    segments::Page,
    team::Page,
    accounts::Page,
);

/// Dashboard routes, and the views that hang off them.
pub fn routes() -> Router<WebApp> {
    dashboard_routes(Router::new())
        .route(revenue::MOVEMENTS.path, get(revenue::drilldown))
        .route("/movements.csv", get(revenue::drilldown_csv))
        .route("/movements.pdf", get(revenue::drilldown_pdf))
        .route("/movements.xlsx", get(revenue::drilldown_xlsx))
        .route("/accounts/{id}", get(accounts::one))
        .route(
            "/accounts/{id}/save-plays",
            axum::routing::post(accounts::save_play),
        )
        .route("/team/rebalancing.csv", get(team::rebalancing_csv))
        .route("/report.pdf", get(report::pdf))
        .route("/report.xlsx", get(report::xlsx))
}

/// Whether a path is a view a share link may show.
pub fn is_shareable(path: &str) -> bool {
    DASHBOARDS.iter().any(|d| d.path == path)
        || path == revenue::MOVEMENTS.path
        || path
            .strip_prefix("/accounts/")
            .is_some_and(|id| !id.is_empty() && !id.contains('/'))
}

/// Renders the view a share link points at, read-only.
pub async fn render_shared(
    state: &WebApp,
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
    if path == revenue::MOVEMENTS.path {
        return revenue::render_drilldown(state, audience, pairs).await;
    }
    if let Some(id) = path.strip_prefix("/accounts/") {
        let id = urlencoding::decode(id)
            .map_err(|_| PageError::NotFound("no such view".into()))?
            .into_owned();
        return accounts::render_one(state, audience, &id, pairs).await;
    }
    render_dashboard(path, state, audience, pairs)
        .await
        .unwrap_or_else(|| Err(PageError::NotFound("no such view".into())))
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

/// Computed page data, shared by every viewer of the same view of the same
/// data version: 200 people on the summary page cost one computation.
pub struct PageMemo(quarterdeck_app::memo::Memo<MemoSlot>);

type MemoSlot = tokio::sync::OnceCell<std::sync::Arc<dyn std::any::Any + Send + Sync>>;

impl Default for PageMemo {
    fn default() -> Self {
        Self(quarterdeck_app::memo::Memo::new(MEMO_ENTRIES))
    }
}

impl std::fmt::Debug for PageMemo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PageMemo")
    }
}

/// Most views remembered at once (a new data version starts afresh anyway).
const MEMO_ENTRIES: usize = 256;

/// Like `blocking`, but remembers the result for this view and data version.
async fn cached<T: Send + Sync + 'static>(
    state: &WebApp,
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
    let slot = state.web.memo.0.cell(key);
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
