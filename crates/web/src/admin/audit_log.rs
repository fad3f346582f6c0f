//! The audit log: newest entries on a page, everything as CSV.

use super::when;
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use quarterdeck_app::audit;
use quarterdeck_domain::Permission;
use quarterdeck_render::csv_cell::safe_record;

/// Entries shown on the page (the CSV has every one).
const PAGE_ENTRIES: u32 = 500;
/// The CSV's bound, far above what a tenant accumulates in years.
const CSV_ENTRIES: u32 = 1_000_000;

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/admin/audit", get(show))
        .route("/admin/audit.csv", get(csv))
}

struct EntryRow {
    at: String,
    actor: String,
    action: String,
    /// The action in words ("Signed in").
    action_words: &'static str,
    target: String,
    detail: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "admin_audit.html")]
struct AuditPage {
    chrome: Chrome,
    entries: Vec<EntryRow>,
}

async fn show(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ViewAudit)?;
    let entries = state
        .store
        .list_audit(grant.tenant().id, PAGE_ENTRIES)
        .await?
        .into_iter()
        .map(|e| EntryRow {
            at: when(e.at),
            actor: e.actor,
            action_words: action_words(&e.action),
            action: e.action,
            target: e.target.unwrap_or_default(),
            detail: e.detail.unwrap_or_default(),
            ip: e.ip.unwrap_or_default(),
        })
        .collect();
    let page = AuditPage {
        chrome: Chrome::new(&viewer, "Audit log", "/admin/audit", ""),
        entries,
    };
    Ok(Html(page.render()?).into_response())
}

async fn csv(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ViewAudit)?;
    let tenant = grant.tenant();
    let entries = state.store.list_audit(tenant.id, CSV_ENTRIES).await?;
    let mut out = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| PageError::Internal(e.to_string());
    out.write_record(["id", "at", "actor", "action", "target", "detail", "ip"])
        .map_err(fail)?;
    for e in &entries {
        // Targets and details carry names people typed: no cell may start a
        // spreadsheet formula.
        out.write_record(safe_record([
            e.id.to_string(),
            e.at.to_rfc3339(),
            e.actor.clone(),
            e.action.clone(),
            e.target.clone().unwrap_or_default(),
            e.detail.clone().unwrap_or_default(),
            e.ip.clone().unwrap_or_default(),
        ]))
        .map_err(fail)?;
    }
    let body = out
        .into_inner()
        .map_err(|e| PageError::Internal(e.to_string()))?;
    audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        "export.audit_csv",
        None,
        Some(format!("{} entries", entries.len())),
    )
    .await?;
    let disposition = format!("attachment; filename=\"{}-audit-log.csv\"", tenant.slug);
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response())
}

/// An audit action as people say it; the code stays beside it (and in the
/// CSV) for searching. An action without words here shows its code.
fn action_words(action: &str) -> &'static str {
    match action {
        "login" => "Signed in",
        "login.failed" => "Sign-in failed",
        "login.throttled" => "Sign-in throttled",
        "logout" => "Signed out",
        "mfa.enable" => "Two-factor sign-in on",
        "mfa.disable" => "Two-factor sign-in off",
        "mfa.recovery_code_used" => "Recovery code used",
        "password.reset" => "Password reset",
        "password.reset_link" => "Reset link created",
        "tenant.create" => "Workspace created",
        "settings.update" => "Settings changed",
        "settings.targets" => "KPI targets changed",
        "settings.capacity" => "CSM capacity changed",
        "settings.stages" => "Stage probabilities changed",
        "save_play.open" => "Save play opened",
        "save_play.close" => "Save play closed",
        "settings.smtp" => "Mail server changed",
        "user.create" => "User added",
        "user.invite" => "User invited",
        "user.join" => "Invitation accepted",
        "user.remove" => "User removed",
        "user.role" => "Role changed",
        "token.create" => "API token created",
        "token.revoke" => "API token revoked",
        "share.create" => "Share link created",
        "share.revoke" => "Share link revoked",
        "share.view" => "Share link opened",
        "share.password_failed" => "Share password wrong",
        "alert_rule.create" => "Alert rule added",
        "alert_rule.delete" => "Alert rule removed",
        "alert_events.update" => "Event alert settings changed",
        "webhook.create" => "Webhook added",
        "webhook.delete" => "Webhook removed",
        "digest.subscribe" => "Digest settings changed",
        "record.delete" => "Record deleted",
        "export.csv" => "CSV downloaded",
        "export.pdf" => "PDF downloaded",
        "export.xlsx" => "Workbook downloaded",
        "export.audit_csv" => "Audit log downloaded",
        _ => "",
    }
}
