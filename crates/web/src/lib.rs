//! The browser side: page specs and the dashboards they declare, sign-in,
//! sessions, MFA, account and admin screens, alert and digest settings, share
//! links. HTML is rendered on the server by askama templates (which
//! escape every value) and works without JavaScript.

pub mod account;
pub mod admin;
pub mod alerts_pages;
pub mod cookies;
pub mod error;
pub mod login;
pub mod mfa;
pub mod pages;
pub mod percent;
pub mod session;
pub mod share;
pub mod stream;
pub mod throttle;

use axum::Router;
use axum::extract::Request;
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
pub use error::PageError;
use quarterdeck_app::AppState;
use quarterdeck_domain::Permission;
pub use session::{Grant, SessionPolicy, SignedIn, Viewer};
use std::sync::Arc;
use throttle::LoginThrottle;

/// Bumped when the stylesheet or script changes, so browsers fetch the new one.
pub const ASSET_VERSION: &str = "10";

/// Browser-side state shared by every request.
#[derive(Debug, Default)]
pub struct WebState {
    /// Failed sign-ins, for rate limiting.
    pub throttle: LoginThrottle,
    /// Session lifetimes.
    pub policy: SessionPolicy,
    /// Recently seen signed-in principals.
    pub principals: session::PrincipalCache,
    /// Computed page data by view and data version.
    pub memo: pages::PageMemo,
    /// Serving the demo company (`quarterdeck demo`): the sign-in page says
    /// that two-factor sign-in is off there only.
    pub demo: bool,
}

impl WebState {
    /// State with these session lifetimes.
    pub fn with_policy(policy: SessionPolicy) -> Self {
        Self {
            policy,
            ..Self::default()
        }
    }
}

/// What a page handler reaches: the application's state and the browser
/// side's own. Derefs to `AppState`, so services take `&state` as they are.
#[derive(Clone)]
pub struct WebApp {
    /// The application (store, engines, clock, mail…).
    pub app: AppState,
    /// Sign-in throttling, session policy, the page memo.
    pub web: Arc<WebState>,
}

impl WebApp {
    /// The pages over `app` with default browser-side state.
    pub fn new(app: AppState) -> Self {
        Self::with_web(app, WebState::default())
    }

    /// The pages over `app` with this browser-side state (tests set session lifetimes).
    pub fn with_web(app: AppState, web: WebState) -> Self {
        Self {
            app,
            web: Arc::new(web),
        }
    }
}

impl std::ops::Deref for WebApp {
    type Target = AppState;

    fn deref(&self) -> &AppState {
        &self.app
    }
}

impl axum::extract::FromRef<WebApp> for AppState {
    fn from_ref(w: &WebApp) -> AppState {
        w.app.clone()
    }
}

/// A link in the navigation.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub href: String,
    pub label: &'static str,
    pub current: bool,
    /// A count shown next to the label (open alerts).
    pub badge: Option<String>,
}

/// What every signed-in page shows around its content.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub title: String,
    pub tenant_name: String,
    pub email: String,
    pub role: &'static str,
    pub csrf: String,
    pub nav: Vec<NavLink>,
    pub admin_nav: Vec<NavLink>,
    /// The query string (`?from=…`) that dashboard links carry along.
    pub query: String,
    /// For a share link: when it expires (and the page is read-only).
    pub shared: Option<String>,
    /// A one-time confirmation ("Token revoked").
    pub flash: Option<String>,
    /// Whether the page listens for new data (`1`) or not (`0`).
    pub live: &'static str,
}

/// The workspace (admin) pages, with what each needs.
const WORKSPACE: [(&str, &str, Permission); 9] = [
    ("/alerts", "Alerts", Permission::ViewSummary),
    ("/admin/alerts", "Alert rules", Permission::ManageAlerts),
    ("/account/digest", "Email digest", Permission::OwnSchedules),
    ("/admin/users", "Users", Permission::ManageUsers),
    ("/admin/tokens", "API tokens", Permission::ManageTokens),
    ("/admin/shares", "Share links", Permission::ShareViews),
    ("/admin/settings", "Settings", Permission::ManageSettings),
    ("/admin/audit", "Audit log", Permission::ViewAudit),
    (
        "/account/mfa",
        "Two-factor sign-in",
        Permission::ViewSummary,
    ),
];

impl Chrome {
    /// The frame for `viewer` on the page at `path`, keeping `query` on dashboard links.
    pub fn new(viewer: &SignedIn, title: impl Into<String>, path: &str, query: &str) -> Self {
        let query = if query.is_empty() {
            String::new()
        } else {
            format!("?{query}")
        };
        let nav = pages::DASHBOARDS
            .iter()
            .filter(|d| viewer.role.allows(d.permission))
            .map(|d| NavLink {
                href: format!("{}{query}", d.path),
                label: d.nav,
                current: d.path == path || (d.path != "/" && path.starts_with(d.path)),
                badge: None,
            })
            .collect();
        let admin_nav = WORKSPACE
            .iter()
            // Everyone manages their own second factor.
            .filter(|(href, _, p)| href.starts_with("/account") || viewer.role.allows(*p))
            .map(|(href, label, _)| NavLink {
                href: href.to_string(),
                label,
                current: *href == path,
                badge: None,
            })
            .collect();
        Self {
            title: title.into(),
            tenant_name: viewer.tenant.name.clone(),
            email: viewer.email.clone(),
            role: viewer.role.label(),
            csrf: viewer.csrf.clone(),
            nav,
            admin_nav,
            query,
            shared: None,
            flash: None,
            live: "1",
        }
    }
}

impl Chrome {
    /// Shows the number of open alerts on the Alerts link.
    pub fn set_open_alerts(&mut self, n: usize) {
        if n > 0
            && let Some(link) = self.admin_nav.iter_mut().find(|l| l.href == "/alerts")
        {
            link.badge = Some(if n >= 100 {
                "99+".into()
            } else {
                n.to_string()
            });
        }
    }
}

/// The first dashboard a role may see (where sign-in lands).
pub fn landing_page(viewer: &SignedIn) -> &'static str {
    pages::DASHBOARDS
        .iter()
        .find(|d| viewer.role.allows(d.permission))
        .map_or("/account/mfa", |d| d.path)
}

/// Routes of the browser side (dashboard pages are added by `pages`).
pub fn routes() -> Router<WebApp> {
    Router::new()
        .route("/static/app.css", get(stylesheet))
        .route("/static/app.js", get(script))
        .merge(login::routes())
        .merge(account::routes())
        .merge(admin::routes())
        .merge(share::routes())
        .merge(pages::routes())
        .merge(alerts_pages::routes())
        .route("/events", get(stream::events))
        // The API's documents are the pages' documents, for a `read` token.
        .route("/api/v1/reports/executive.pdf", get(pages::report::api_pdf))
        .route(
            "/api/v1/reports/executive.xlsx",
            get(pages::report::api_xlsx),
        )
}

async fn stylesheet() -> impl IntoResponse {
    static_asset("text/css; charset=utf-8", include_str!("../static/app.css"))
}

async fn script() -> impl IntoResponse {
    static_asset(
        "text/javascript; charset=utf-8",
        include_str!("../static/app.js"),
    )
}

fn static_asset(content_type: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, content_type),
            // Versioned URLs, so caching for a year is safe.
            (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
        ],
        body,
    )
}

/// Refuses state-changing browser requests sent from another site (login CSRF
/// and defence in depth behind SameSite cookies and form tokens). API calls
/// carry a bearer token, not cookies, and are left alone.
pub async fn same_origin_only(req: Request, next: Next) -> Response {
    let unsafe_method = !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if unsafe_method && !req.uri().path().starts_with("/api/") {
        let headers = req.headers();
        let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
        let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let cross_site = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v == "cross-site");
        let origin_mismatch = match (origin, host) {
            (Some("null"), _) => true,
            (Some(o), Some(h)) => o.split_once("://").map(|(_, rest)| rest) != Some(h),
            _ => false,
        };
        if cross_site || origin_mismatch {
            return (
                StatusCode::FORBIDDEN,
                "This form was sent from another site; Quarterdeck refused it.",
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// The badge class of a severity (red, amber, plain).
pub(crate) fn severity_class(s: quarterdeck_domain::Severity) -> &'static str {
    match s {
        quarterdeck_domain::Severity::Critical => "bad",
        quarterdeck_domain::Severity::Warning => "warn",
        quarterdeck_domain::Severity::Info => "",
    }
}

/// Keeps in-app redirects inside the app (no `//evil.example`).
pub fn safe_next(next: &str) -> Option<&str> {
    // Only visible ASCII: browsers drop tabs and newlines (`/\t/evil` → `//evil`)
    // and read `\` as `/`, and a control character cannot go into `Location`.
    let visible = next.bytes().all(|b| b.is_ascii_graphic() && b != b'\\');
    (visible && next.starts_with('/') && !next.starts_with("//")).then_some(next)
}

/// A form that carries only the anti-forgery token (buttons such as "Revoke").
#[derive(Debug, serde::Deserialize)]
pub struct CsrfForm {
    /// The session's anti-forgery token.
    pub csrf: String,
}

/// Forgets remembered principals after every browser-side POST: sign-out,
/// role, password, MFA and settings changes all arrive that way.
pub async fn forget_principals_after_posts(
    axum::extract::State(state): axum::extract::State<WebApp>,
    req: Request,
    next: Next,
) -> Response {
    let post = req.method() == Method::POST && !req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    if post {
        state.web.principals.clear();
    }
    res
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_inside_the_app() {
        assert_eq!(
            safe_next("/revenue?from=2025-01-01"),
            Some("/revenue?from=2025-01-01")
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\r\nSet-Cookie: x=1",
            "https://evil.example",
            "/a b",
            "/\u{0}",
            "",
        ] {
            assert_eq!(safe_next(bad), None, "{bad:?}");
        }
    }
}
