//! Share links: `/s/<token>` shows one view, read-only, with its dates and
//! filters, to anyone holding the link until it expires or is revoked.

use super::admin::{base_url, when, when_or_never};
use super::cookies;
use super::session::{ClientIp, constant_time_eq};
use super::{Chrome, CsrfForm, PageError, Viewer, pages};
use crate::WebApp;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use hmac::{Hmac, KeyInit, Mac};
use quarterdeck_app::AppState;
use quarterdeck_app::audit::{self, Actor};
use quarterdeck_app::credentials::{hash_token, verify_password};
use quarterdeck_app::shares;
pub use quarterdeck_app::shares::{MAX_SHARE_DAYS, ShareError, ShareRequest, parse_days};
use quarterdeck_domain::Permission;
use quarterdeck_store::{ShareLink, Tenant};
use serde::Deserialize;
use sha2::Sha256;

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/admin/shares", get(list).post(create_from_form))
        .route("/admin/shares/{id}/revoke", post(revoke))
        .route("/s/{token}", get(open).post(unlock))
}

/// Checks that `view` is a dashboard page (path and query) a share link may show.
pub fn check_view(view: &str) -> Result<String, String> {
    let view = view.trim();
    let view = view
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| &rest[i..]))
        .unwrap_or(view);
    let path = view.split(['?', '#']).next().unwrap_or("");
    if pages::is_shareable(path) && view.len() <= 2000 {
        Ok(view.split('#').next().unwrap_or(view).to_string())
    } else {
        Err(format!(
            "`{view}` is not a view that can be shared; use a dashboard page such as /revenue?from=2026-01-01&to=2026-03-31"
        ))
    }
}

/// Creates a share link of a dashboard view; returns it and its secret
/// token (shown once).
pub async fn create_share(
    state: &AppState,
    tenant: &Tenant,
    request: ShareRequest<'_>,
    actor: &Actor,
) -> Result<(ShareLink, String), ShareError> {
    let view = check_view(request.view).map_err(ShareError::Invalid)?;
    shares::create_share(
        state,
        tenant,
        ShareRequest {
            view: &view,
            ..request
        },
        actor,
    )
    .await
}

/// Whether a link keeps the dates it was made with or moves with the calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dates {
    /// The dates the view showed when the link was made (for board packs).
    Frozen,
    /// The view's preset ("last month"), read again on each opening.
    Rolling,
}

/// A view's `range` preset, if it has one.
fn preset_of(view: &str) -> Option<String> {
    let query = view.split_once('?')?.1;
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(k, v)| k == "range" && v != "custom")
        .map(|(_, v)| v)
}

/// The view with a preset turned into the dates it stands for on
/// `calendar.today`, so the link keeps showing them; a view with dates, or
/// without a known preset, is returned as it is.
pub fn freeze(view: &str, calendar: quarterdeck_app::metrics::Calendar) -> String {
    let Some((path, query)) = view.split_once('?') else {
        return view.to_string();
    };
    let Some(period) =
        preset_of(view).and_then(|p| quarterdeck_app::metrics::query::preset_range(&p, calendar))
    else {
        return view.to_string();
    };
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).unwrap_or_default();
    let mut kept: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(k, _)| !["range", "from", "to"].contains(&k.as_str()))
        .collect();
    kept.insert(0, ("to".into(), period.to.to_string()));
    kept.insert(0, ("from".into(), period.from.to_string()));
    format!(
        "{path}?{}",
        serde_urlencoded::to_string(&kept).unwrap_or_default()
    )
}

/// How a stored view reads in the list: its page, its dates, frozen or rolling.
fn view_words(view: &str) -> (String, &'static str) {
    let path = view.split(['?', '#']).next().unwrap_or(view);
    let page = crate::pages::DASHBOARDS
        .iter()
        .find(|d| d.path == path)
        .map_or_else(
            || {
                if path.starts_with("/accounts/") {
                    "Account".to_string()
                } else {
                    "Movements".to_string()
                }
            },
            |d| d.nav.to_string(),
        );
    match preset_of(view) {
        Some(p) => {
            let label = quarterdeck_app::metrics::query::PRESETS
                .iter()
                .find(|(n, _)| *n == p)
                .map_or(p.as_str(), |(_, l)| l);
            (format!("{page} · {label}"), "rolling")
        }
        None => {
            let pairs: Vec<(String, String)> = view
                .split_once('?')
                .and_then(|(_, q)| serde_urlencoded::from_str(q).ok())
                .unwrap_or_default();
            let get = |k: &str| {
                pairs
                    .iter()
                    .find(|(n, _)| n == k)
                    .and_then(|(_, v)| v.parse::<chrono::NaiveDate>().ok())
            };
            match (get("from"), get("to")) {
                (Some(f), Some(t)) => (
                    format!(
                        "{page} · {}",
                        quarterdeck_app::metrics::display::period_label(f, t)
                    ),
                    "frozen",
                ),
                _ => (format!("{page} · the page's default dates"), "rolling"),
            }
        }
    }
}

struct ShareRow {
    id: i64,
    view: String,
    /// The view in words, and "frozen" or "rolling".
    words: (String, &'static str),
    created_by: String,
    created: String,
    expires: String,
    uses: i64,
    last_used: String,
    status: &'static str,
    status_class: &'static str,
    protected: bool,
    live: bool,
}

#[derive(Template)]
#[template(path = "admin_shares.html")]
struct SharesPage {
    chrome: Chrome,
    shares: Vec<ShareRow>,
    view: String,
    /// For a view with a preset: (its frozen dates, its preset), in words.
    choice: Option<(String, String)>,
    new_url: Option<String>,
    message: Option<String>,
}

async fn page(
    state: &WebApp,
    viewer: &Viewer,
    view: String,
    new_url: Option<String>,
    message: Option<String>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ShareViews)?;
    let now = Utc::now();
    let shares = state
        .store
        .list_shares(grant.tenant().id)
        .await?
        .into_iter()
        .map(|s| {
            let (status, status_class) = if s.revoked_at.is_some() {
                ("Revoked", "bad")
            } else if s.expires_at < now {
                ("Expired", "warn")
            } else {
                ("Active", "good")
            };
            ShareRow {
                id: s.id,
                words: view_words(&s.view),
                view: s.view,
                created_by: s.created_by,
                created: when(s.created_at),
                expires: when(s.expires_at),
                uses: s.uses,
                last_used: when_or_never(s.last_used_at),
                status,
                status_class,
                protected: s.password_hash.is_some(),
                live: status == "Active",
            }
        })
        .collect();
    let choice = preset_of(&view).map(|_| {
        let calendar = state.calendar_of(grant.tenant());
        (view_words(&freeze(&view, calendar)).0, view_words(&view).0)
    });
    let page = SharesPage {
        chrome: Chrome::new(viewer, "Share links", "/admin/shares", ""),
        shares,
        choice,
        view,
        new_url,
        message,
    };
    Ok(Html(page.render()?).into_response())
}

#[derive(Debug, Deserialize)]
struct ListQuery {
    #[serde(default)]
    view: String,
}

async fn list(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    page(&state, &viewer, q.view, None, None).await
}

#[derive(Debug, Deserialize)]
struct CreateForm {
    csrf: String,
    #[serde(default)]
    view: String,
    #[serde(default)]
    days: String,
    #[serde(default)]
    password: String,
    /// `frozen` (the default) or `rolling`.
    #[serde(default)]
    dates: String,
}

async fn create_from_form(
    State(state): State<WebApp>,
    viewer: Viewer,
    headers: HeaderMap,
    Form(form): Form<CreateForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ShareViews)?;
    viewer.check_csrf(&form.csrf)?;
    let days = match parse_days(&form.days) {
        Ok(d) => d,
        Err(m) => return page(&state, &viewer, form.view, None, Some(m)).await,
    };
    let dates = match form.dates.as_str() {
        "rolling" => Dates::Rolling,
        "" | "frozen" => Dates::Frozen,
        other => {
            let m = format!("dates: `{other}` is not frozen or rolling");
            return page(&state, &viewer, form.view, None, Some(m)).await;
        }
    };
    let view = match dates {
        Dates::Frozen => freeze(&form.view, state.calendar_of(grant.tenant())),
        Dates::Rolling => form.view.clone(),
    };
    let request = ShareRequest {
        view: &view,
        days,
        password: Some(form.password.as_str()),
    };
    let made = create_share(&state, grant.tenant(), request, &viewer.actor()).await;
    match made {
        Ok((_, secret)) => {
            let url = format!("{}/s/{secret}", base_url(&headers));
            page(&state, &viewer, String::new(), Some(url), None).await
        }
        Err(ShareError::Invalid(m)) => page(&state, &viewer, form.view, None, Some(m)).await,
        Err(ShareError::Store(e)) => Err(e.into()),
    }
}

async fn revoke(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ShareViews)?;
    viewer.check_csrf(&form.csrf)?;
    if !state.store.revoke_share(grant.tenant().id, id).await? {
        return Err(PageError::NotFound("no such active share link".into()));
    }
    audit::record(
        state.store.as_ref(),
        Some(grant.tenant().id),
        &viewer.actor(),
        "share.revoke",
        Some(format!("share {id}")),
        None,
    )
    .await?;
    Ok(Redirect::to("/admin/shares").into_response())
}

/// The share link behind a token, if it still works.
async fn live_share(state: &WebApp, token: &str) -> Result<ShareLink, PageError> {
    let share = state
        .store
        .share_by_hash(&hash_token(token))
        .await?
        .ok_or_else(|| PageError::NotFound("There is no such shared view.".into()))?;
    if share.revoked_at.is_some() {
        return Err(PageError::Gone(
            "This shared view has been revoked by its owner.".into(),
        ));
    }
    if share.expires_at < state.clock.now() {
        return Err(PageError::Gone(
            "This shared view has expired. Ask its owner for a new link.".into(),
        ));
    }
    Ok(share)
}

fn unlock_cookie_name(share: &ShareLink) -> String {
    format!("qd_share_{}", share.id)
}

fn unlock_value(key: &[u8], share: &ShareLink) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key).expect("HMAC takes any key");
    mac.update(format!("{}:{}", share.id, share.prefix).as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[derive(Template)]
#[template(path = "share_password.html")]
struct PasswordPage {
    /// Why the last attempt did not open it, if one was made.
    message: Option<String>,
}

async fn open(
    State(state): State<WebApp>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
) -> Result<Response, PageError> {
    let share = live_share(&state, &token).await?;
    if share.password_hash.is_some() {
        let key = state.signing_key().await?;
        let sent = cookies::get(&headers, &unlock_cookie_name(&share)).unwrap_or("");
        if !constant_time_eq(sent.as_bytes(), unlock_value(key, &share).as_bytes()) {
            return Ok(Html(PasswordPage { message: None }.render()?).into_response());
        }
    }
    let tenant = state
        .store
        .tenant_by_id(share.tenant_id)
        .await?
        .ok_or_else(|| PageError::NotFound("There is no such shared view.".into()))?;
    state.store.touch_share(share.id, state.clock.now()).await?;
    let actor = Actor {
        name: format!("share:{}", share.prefix),
        ip: Some(ip),
    };
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &actor,
        "share.view",
        Some(format!("share {}", share.id)),
        Some(share.view.clone()),
    )
    .await?;
    let mut response = pages::render_shared(&state, tenant, &share).await?;
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, "no-store".parse().expect("static"));
    headers.insert("x-robots-tag", "noindex".parse().expect("static"));
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct UnlockForm {
    #[serde(default)]
    password: String,
}

async fn unlock(
    State(state): State<WebApp>,
    Path(token): Path<String>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Form(form): Form<UnlockForm>,
) -> Result<Response, PageError> {
    let share = live_share(&state, &token).await?;
    let Some(hash) = &share.password_hash else {
        return Ok(Redirect::to(&format!("/s/{token}")).into_response());
    };
    // Guesses are throttled like sign-ins: per link and per address.
    let throttle = &state.web.throttle;
    let key = format!("share:{}", share.id);
    let wait = throttle.wait(&key, &ip);
    if !wait.is_zero() {
        let minutes = wait.as_secs().div_ceil(60);
        let message = format!(
            "Too many wrong passwords. Wait {minutes} minute{} and try again.",
            if minutes == 1 { "" } else { "s" }
        );
        return Ok((
            axum::http::StatusCode::TOO_MANY_REQUESTS,
            Html(
                PasswordPage {
                    message: Some(message),
                }
                .render()?,
            ),
        )
            .into_response());
    }
    if !verify_password(&form.password, hash) {
        throttle.failed(&key, &ip);
        let actor = Actor {
            name: format!("share:{}", share.prefix),
            ip: Some(ip),
        };
        audit::record(
            state.store.as_ref(),
            Some(share.tenant_id),
            &actor,
            "share.password_failed",
            Some(format!("share {}", share.id)),
            None,
        )
        .await?;
        return Ok((
            axum::http::StatusCode::UNAUTHORIZED,
            Html(
                PasswordPage {
                    message: Some("That password is not right.".into()),
                }
                .render()?,
            ),
        )
            .into_response());
    }
    throttle.succeeded(&key);
    let key = state.signing_key().await?;
    let lifetime = (share.expires_at - Utc::now()).num_seconds().max(0);
    let mut response = Redirect::to(&format!("/s/{token}")).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        cookies::set(
            &unlock_cookie_name(&share),
            &unlock_value(key, &share),
            &format!("/s/{token}"),
            lifetime,
            cookies::is_https(&headers),
        ),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shareable_views() {
        assert_eq!(
            check_view("/revenue?from=2026-01-01").unwrap(),
            "/revenue?from=2026-01-01"
        );
        assert_eq!(
            check_view("http://x:8080/?segment=smb").unwrap(),
            "/?segment=smb"
        );
        assert!(check_view("/admin/users").is_err());
        assert!(check_view("/api/v1/customers").is_err());
        assert!(check_view("/s/abc").is_err());
    }

    #[test]
    fn frozen_links_keep_their_dates_rolling_ones_their_preset() {
        let calendar = quarterdeck_app::metrics::Calendar {
            today: "2026-12-03".parse().unwrap(),
            fiscal_start: 1,
        };
        let frozen = freeze("/revenue?range=last_month&segment=smb", calendar);
        assert_eq!(frozen, "/revenue?from=2026-11-01&to=2026-11-30&segment=smb");
        assert_eq!(
            view_words(&frozen),
            ("Revenue · Nov 1 – Nov 30, 2026".to_string(), "frozen")
        );
        assert_eq!(
            view_words("/revenue?range=last_month&segment=smb"),
            ("Revenue · Last month".to_string(), "rolling")
        );
        // Dates already fixed, or no preset: unchanged.
        let fixed = "/?from=2026-01-01&to=2026-03-31";
        assert_eq!(freeze(fixed, calendar), fixed);
        assert_eq!(freeze("/accounts/c1", calendar), "/accounts/c1");
    }
}
