//! The router, its middleware, and serving with graceful shutdown.

use axum::Router;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderName, Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use quarterdeck_api::ApiError;
use quarterdeck_app::AppState;
use quarterdeck_app::jobs::JobRegistry;
use quarterdeck_web::{SessionPolicy, WebApp, WebState};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// How long one request may take before it is answered 408 (a backstop:
/// answers have their own 4 s budget, `metrics::limits`).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// What one process serves: the application and the browser side's own state.
pub struct Served {
    /// Store, engines, clock, mail.
    pub app: AppState,
    /// Sign-in throttling, session lifetimes, the page memo.
    pub web: WebState,
}

impl From<AppState> for Served {
    fn from(app: AppState) -> Self {
        Served {
            app,
            web: WebState::default(),
        }
    }
}

impl Served {
    /// The same with other session lifetimes (tests use short ones).
    pub fn with_session_policy(mut self, policy: SessionPolicy) -> Self {
        self.web = WebState::with_policy(policy);
        self
    }
}

/// The whole application: health checks, the API, the pages, and the
/// middleware every request passes.
pub fn router(served: impl Into<Served>) -> Router {
    let Served { app, web } = served.into();
    let pages = WebApp::with_web(app.clone(), web);
    let request_id = HeaderName::from_static("x-request-id");
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .merge(quarterdeck_api::routes())
        .merge(
            quarterdeck_web::routes()
                .layer(axum::middleware::from_fn_with_state(
                    pages.clone(),
                    quarterdeck_web::forget_principals_after_posts,
                ))
                .with_state(pages),
        )
        .fallback(not_found)
        .with_state(app)
        .layer(axum::middleware::from_fn(quarterdeck_web::same_origin_only))
        .layer(axum::middleware::from_fn(refuse_nul_bytes))
        .layer(axum::middleware::from_fn(security_headers))
        // Pages, CSV and JSON compress 5–10x; SSE and images are left alone by default.
        .layer(tower_http::compression::CompressionLayer::new().quality(tower_http::CompressionLevel::Fastest))
        // The ingestion handler enforces its own 10 MiB limit with a clear message.
        .layer(DefaultBodyLimit::max(quarterdeck_app::ingest::MAX_BODY_BYTES + 1))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, REQUEST_TIMEOUT))
        .layer(CatchPanicLayer::new())
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let id = req
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
}

/// Headers every answer carries: no framing (clickjacking), no MIME sniffing,
/// no scripts or styles from anywhere but here.
async fn security_headers(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let set = |h: &mut axum::http::HeaderMap, k: &'static str, v: &'static str| {
        h.entry(k)
            .or_insert(axum::http::HeaderValue::from_static(v));
    };
    set(h, "x-content-type-options", "nosniff");
    set(h, "x-frame-options", "DENY");
    set(h, "referrer-policy", "same-origin");
    set(
        h,
        "content-security-policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    res
}

/// Most bytes of a form body read to look for NUL bytes (forms are small).
const MAX_FORM_BYTES: usize = 1024 * 1024;

/// Refuses a NUL byte in the URL or a form before anything reads it: no text
/// may hold one (PostgreSQL cannot store it), so it is a mistake or a probe.
async fn refuse_nul_bytes(
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    // `%00` has no letters, so no case to fold: a plain byte scan, no allocation.
    let has_nul = |s: &str| s.contains('\0') || s.contains("%00");
    let uri = req.uri();
    if has_nul(uri.path()) || uri.query().is_some_and(has_nul) {
        return ApiError::BadRequest("the URL contains a NUL byte (%00)".into()).into_response();
    }
    let is_form = req
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "form too large").into_response();
    };
    if bytes.contains(&0) || bytes.windows(3).any(|w| w == b"%00") {
        return (
            StatusCode::BAD_REQUEST,
            "A form field contains a NUL byte (%00); remove it and try again.",
        )
            .into_response();
    }
    next.run(axum::extract::Request::from_parts(
        parts,
        axum::body::Body::from(bytes),
    ))
    .await
}

async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ready"),
        Err(e) => {
            tracing::warn!(error = %e, "store not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable")
        }
    }
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such page or endpoint".into())
}

/// The job kinds this process runs: delivery's, and the test-only kind when
/// `QUARTERDECK_TEST_JOBS` is set (the crash-recovery test).
pub fn job_registry() -> JobRegistry {
    let mut jobs = JobRegistry::new();
    quarterdeck_delivery::register(&mut jobs);
    if std::env::var("QUARTERDECK_TEST_JOBS").is_ok() {
        jobs.with_test_jobs();
    }
    jobs
}

/// Serves until `shutdown` completes, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    served: impl Into<Served>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let served = served.into();
    let state = served.app.clone();
    // Serve at once; engines build in the background and a read that comes
    // first simply waits for (or does) its tenant's build.
    quarterdeck_app::install_crypto();
    let engines = state.engines.clone();
    tokio::spawn(async move { engines.warm_up().await });
    tokio::spawn(quarterdeck_app::jobs::run_worker(
        state.clone(),
        Arc::new(job_registry()),
    ));
    tokio::spawn(quarterdeck_delivery::run_scheduler(state));
    axum::serve(
        listener,
        router(served).into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}

/// Completes on SIGINT (Ctrl-C) or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down: finishing in-flight requests");
}
