//! Tenant settings: naming, currency, zone, fiscal year, metric options, MFA rule.

use crate::AppState;
use crate::admin::{self, AdminError, TenantChanges};
use crate::web::{Chrome, PageError, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use quarterdeck_domain::{Permission, Role};
use std::collections::HashMap;

pub(super) fn routes() -> Router<AppState> {
    Router::new().route("/admin/settings", get(show).post(save))
}

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    name: String,
    currency: String,
    timezone: String,
    fiscal_year_start: u32,
    delinquency_days: String,
    gross_margin: String,
    mfa_roles: Vec<(&'static str, bool)>,
    message: Option<String>,
}

fn page(viewer: &Viewer, message: Option<String>) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    let t = grant.tenant();
    let mut chrome = Chrome::new(viewer, "Settings", "/admin/settings", "");
    if message.is_none() {
        chrome.flash = None;
    }
    let page = SettingsPage {
        chrome,
        name: t.name.clone(),
        currency: t.currency.code().to_string(),
        timezone: t.timezone.clone(),
        fiscal_year_start: t.fiscal_year_start,
        delinquency_days: t
            .options
            .delinquency_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        gross_margin: t
            .options
            .gross_margin
            .map(|m| m.to_string())
            .unwrap_or_default(),
        mfa_roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), t.options.mfa_required_for(*r)))
            .collect(),
        message,
    };
    Ok(Html(page.render()?).into_response())
}

async fn show(viewer: Viewer) -> Result<Response, PageError> {
    page(&viewer, None)
}

async fn save(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string());
    let delinquency_days = match field("delinquency_days").as_deref() {
        None | Some("") | Some("off") => None,
        Some(d) => match d.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                return page(
                    &viewer,
                    Some(format!(
                        "Delinquency days must be a whole number of days, not `{d}`."
                    )),
                );
            }
        },
    };
    let fiscal_year_start = match field("fiscal_year_start").map(|v| v.parse::<u32>()) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            return page(
                &viewer,
                Some("The fiscal year start is a month from 1 to 12.".into()),
            );
        }
        None => None,
    };
    let changes = TenantChanges {
        name: field("name"),
        currency: field("currency").map(|c| c.to_ascii_uppercase()),
        timezone: field("timezone"),
        fiscal_year_start,
        delinquency_days: Some(delinquency_days),
        gross_margin: field("gross_margin").filter(|m| !m.is_empty()),
        mfa_roles: Some(
            Role::ALL
                .into_iter()
                .filter(|r| form.contains_key(&format!("mfa_{}", r.as_str())))
                .collect(),
        ),
    };
    match admin::update_tenant(
        state.store.as_ref(),
        &grant.tenant().slug,
        &changes,
        &viewer.actor(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to("/admin/settings").into_response()),
        Err(AdminError::Invalid(m)) => page(&viewer, Some(m)),
        Err(AdminError::Store(e)) => Err(e.into()),
    }
}
