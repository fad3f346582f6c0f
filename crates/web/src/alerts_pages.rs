//! Alert list (everyone who sees the summary), alert rules, test sends and
//! the jobs/deliveries record (admins and executives), webhooks (admins
//! only: the server posts to them), and each person's digest subscription
//! and unsubscribe link.

use super::admin::when;
use super::{Chrome, CsrfForm, PageError, SignedIn, Viewer};
use crate::WebApp;
use askama::Template;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use quarterdeck_app::{audit, jobs};
use quarterdeck_delivery::alerts::rules::{
    self, EventSettings, Op, Severity, ThresholdRule, Window,
};
use quarterdeck_delivery::alerts::service::{self, Webhook};
use quarterdeck_delivery::alerts::targets;
use quarterdeck_domain::{AlertState, Cadence, Permission};
use quarterdeck_engine::Filter;
use quarterdeck_store::DigestSubscription;
use serde::Deserialize;
use std::collections::HashMap;

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/alerts", get(list))
        .route("/alerts/{id}/{action}", post(set_state))
        .route("/admin/alerts", get(rules_page))
        .route("/admin/alerts/rules", post(add_rule))
        .route("/admin/alerts/rules/{id}/delete", post(delete_rule))
        .route("/admin/alerts/events", post(save_events))
        .route("/admin/alerts/webhooks", post(add_webhook))
        .route("/admin/alerts/webhooks/{id}/{action}", post(webhook_action))
        .route("/admin/alerts/test-email", post(test_email))
        .route("/admin/alerts/smtp", post(save_smtp))
        .route("/account/digest", get(digest_page).post(save_digest))
        .route(
            "/account/digest/preview",
            get(show_digest).post(preview_digest),
        )
        .route(
            "/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe),
        )
}

struct AlertRow {
    id: i64,
    severity: &'static str,
    class: &'static str,
    title: String,
    rule: String,
    state: &'static str,
    opened: String,
}

#[derive(Template)]
#[template(path = "alerts.html")]
struct AlertsPage {
    chrome: Chrome,
    alerts: Vec<AlertRow>,
    can_manage: bool,
}

async fn list(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ViewSummary)?;
    let currency = grant.tenant().currency.code().to_string();
    let alerts = state
        .store
        .list_alerts(grant.tenant().id, false, 200)
        .await?
        .into_iter()
        .map(|a| AlertRow {
            id: a.id,
            class: crate::severity_class(a.severity),
            severity: a.severity.as_str(),
            title: a.title,
            // What was measured, over which days, against what (threshold rules).
            rule: serde_json::from_str(&a.detail)
                .ok()
                .and_then(|d| rules::explain(&d, &currency))
                .unwrap_or_default(),
            state: a.state.as_str(),
            opened: when(a.opened_at),
        })
        .collect();
    let page = AlertsPage {
        chrome: Chrome::new(&viewer, "Alerts", "/alerts", ""),
        alerts,
        can_manage: viewer.may(Permission::ManageAlerts),
    };
    Ok(Html(page.render()?).into_response())
}

async fn set_state(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageAlerts)?;
    viewer.check_csrf(&form.csrf)?;
    let to = match action.as_str() {
        "acknowledge" => AlertState::Acknowledged,
        "resolve" => AlertState::Resolved,
        _ => return Err(PageError::NotFound("no such action".into())),
    };
    if !state
        .store
        .set_alert_state(grant.tenant().id, id, to, &viewer.email)
        .await?
    {
        return Err(PageError::NotFound("no such open alert".into()));
    }
    audit::record(
        state.store.as_ref(),
        Some(grant.tenant().id),
        &viewer.actor(),
        &format!("alert.{action}"),
        Some(format!("alert {id}")),
        None,
    )
    .await?;
    Ok(Redirect::to("/alerts").into_response())
}

#[derive(Template)]
#[template(path = "admin_alerts.html")]
struct RulesPage {
    chrome: Chrome,
    rules: Vec<(String, String, &'static str, String)>,
    /// (name, label, is a rate) of every metric a rule may watch.
    metrics: Vec<(&'static str, &'static str, bool)>,
    /// (name, words) of each window.
    windows: Vec<(&'static str, &'static str)>,
    currency: String,
    /// Jobs that ran fine, not listed.
    routine_jobs: usize,
    events: EventSettings,
    /// The major-expansion share as typed: a percentage.
    expansion_share: String,
    utilisation_limit: String,
    /// The webhooks, for those who may manage them (others see a count).
    webhooks: Vec<Webhook>,
    webhook_count: usize,
    may_manage_webhooks: bool,
    allow_private_webhooks: bool,
    new_secret: Option<String>,
    smtp: String,
    /// Whether mail can be sent at all (else no test button).
    has_smtp: bool,
    /// The tenant's own SMTP settings: (host, port, security, user, from).
    smtp_form: Option<(String, u16, String, String, String)>,
    may_edit_smtp: bool,
    deliveries: Vec<(String, String, String, String, String)>,
    jobs: Vec<(String, String, i32, String, String)>,
    message: Option<String>,
    notice: Option<String>,
}

async fn render_rules(
    state: &WebApp,
    viewer: &Viewer,
    message: Option<String>,
    notice: Option<String>,
    new_secret: Option<String>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageAlerts)?;
    let t = grant.tenant();
    let store = state.store.as_ref();
    let currency = t.currency.code().to_string();
    let rules = service::rules(store, t.id)
        .await?
        .into_iter()
        .map(|r| {
            (
                r.name.clone(),
                r.describe(&currency),
                r.severity.as_str(),
                r.id,
            )
        })
        .collect();
    // Routine runs that went well are not news; failures and waiting jobs are.
    let all_jobs = store.list_jobs(Some(t.id), 50).await?;
    let routine_jobs = all_jobs
        .iter()
        .filter(|j| j.state.as_str() == "done")
        .count();
    let jobs = all_jobs
        .into_iter()
        .filter(|j| j.state.as_str() != "done")
        .take(20)
        .map(|j| {
            (
                j.kind,
                j.state.as_str().to_string(),
                j.attempts,
                j.last_error.unwrap_or_default(),
                when(j.updated_at),
            )
        })
        .collect();
    let webhooks = service::webhooks(store, t.id).await?;
    let may_manage_webhooks = viewer.may(Permission::ManageWebhooks);
    let events = service::event_settings(store, t.id).await?;
    let page = RulesPage {
        chrome: Chrome::new(viewer, "Alert rules", "/admin/alerts", ""),
        rules,
        metrics: quarterdeck_engine::catalogue::names()
            .map(|m| {
                let label = quarterdeck_engine::catalogue::metric(m).map_or(m, |d| d.label);
                (m, label, rules::is_rate(m))
            })
            .collect(),
        windows: Window::CHOICES.iter().map(|(_, n, w)| (*n, *w)).collect(),
        currency,
        routine_jobs,
        expansion_share: crate::percent::show(events.major_expansion_share),
        utilisation_limit: crate::percent::show(events.csm_utilisation_above),
        events,
        webhook_count: webhooks.len(),
        webhooks: if may_manage_webhooks {
            webhooks
        } else {
            Vec::new()
        },
        may_manage_webhooks,
        allow_private_webhooks: state.allow_private_webhooks,
        new_secret,
        smtp_form: quarterdeck_app::mail::tenant_smtp(store, t.id).await.map_err(PageError::Internal)?.map(|c| {
            (c.host, c.port, format!("{:?}", c.security).to_lowercase(), c.username.unwrap_or_default(), c.from)
        }),
        may_edit_smtp: viewer.may(Permission::ManageSettings),
        has_smtp: quarterdeck_app::mail::mailer_for(state, t.id).await.map_err(PageError::Internal)?.is_some(),
        smtp: quarterdeck_app::mail::mailer_for(state, t.id).await.map_err(PageError::Internal)?.as_ref().map_or_else(
            || "No SMTP server is configured: start the server with --smtp-host (see the README) to send digests and critical alerts.".to_string(),
            |m| format!("Email goes through {}.", m.describe),
        ),
        deliveries: store
            .list_deliveries(t.id, 20)
            .await?
            .into_iter()
            .map(|d| (when(d.at), d.kind.to_string(), d.recipient, d.subject, match d.error { Some(e) => format!("{}: {e}", d.outcome), None => d.outcome.to_string() }))
            .collect(),
        jobs,
        message,
        notice,
    };
    Ok(Html(page.render()?).into_response())
}

async fn rules_page(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    render_rules(&state, &viewer, None, None, None).await
}

async fn add_rule(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageAlerts)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    // Every field is checked; an unknown value is refused, never guessed.
    let parsed = (|| -> Result<ThresholdRule, String> {
        let metric = get("metric");
        let relative = form.contains_key("relative");
        let typed = get("value");
        // Rates and changes are typed as percentages (3 = 3 %) and kept as fractions.
        let value = if relative || rules::is_rate(&metric) {
            crate::percent::parse(&typed).map_err(|e| format!("value: {e}"))?
        } else {
            typed
                .trim()
                .replace(',', "")
                .parse::<rust_decimal::Decimal>()
                .map_err(|_| format!("value: `{typed}` is not a number"))?
        };
        let window = match get("window").as_str() {
            "" => Window::Auto,
            w => Window::parse(w).map_err(|m| format!("window: {m}"))?,
        };
        let op = match get("op").as_str() {
            "above" => Op::Above,
            "below" => Op::Below,
            other => return Err(format!("op: `{other}` is not above or below")),
        };
        let for_days = match get("for_days").as_str() {
            "" => 0,
            days => days
                .parse()
                .map_err(|_| format!("for_days: `{days}` is not a whole number of days"))?,
        };
        let severity = Severity::parse(&get("severity")).map_err(|m| format!("severity: {m}"))?;
        let segment = get("segment");
        Ok(ThresholdRule {
            id: format!("r{:08x}", rand::random::<u32>()),
            name: get("name"),
            metric,
            op,
            value,
            relative,
            window,
            for_days,
            filter: if segment.is_empty() {
                Filter::all()
            } else {
                Filter::segments([segment])
            },
            severity,
        })
    })()
    .and_then(|rule| rule.validate().map(|()| rule));
    let rule = match parsed {
        Ok(rule) => rule,
        Err(m) => return render_rules(&state, &viewer, Some(m), None, None).await,
    };
    let store = state.store.as_ref();
    service::edit_config(
        store,
        grant.tenant().id,
        service::RULES,
        |rules: &mut Vec<ThresholdRule>| {
            rules.push(rule.clone());
            Ok::<_, PageError>(())
        },
    )
    .await?;
    audit::record(
        store,
        Some(grant.tenant().id),
        &viewer.actor(),
        "alert_rule.create",
        Some(rule.id.clone()),
        Some(rule.name.clone()),
    )
    .await?;
    evaluate_soon(&state, grant.tenant().id).await?;
    Ok(Redirect::to("/admin/alerts").into_response())
}

async fn evaluate_soon(state: &WebApp, tenant: i64) -> Result<(), PageError> {
    let key = format!(
        "alerts:{tenant}:rules:{}",
        chrono::Utc::now().timestamp_millis()
    );
    jobs::enqueue(
        state.store.as_ref(),
        Some(tenant),
        &jobs::kinds::EvaluateAlerts {
            tenant,
            version: None,
        },
        &key,
    )
    .await?;
    Ok(())
}

async fn delete_rule(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageAlerts)?;
    viewer.check_csrf(&form.csrf)?;
    let store = state.store.as_ref();
    service::edit_config(
        store,
        grant.tenant().id,
        service::RULES,
        |rules: &mut Vec<ThresholdRule>| {
            let before = rules.len();
            rules.retain(|r| r.id != id);
            if rules.len() == before {
                return Err(PageError::NotFound("no such rule".into()));
            }
            Ok(())
        },
    )
    .await?;
    audit::record(
        store,
        Some(grant.tenant().id),
        &viewer.actor(),
        "alert_rule.delete",
        Some(id),
        None,
    )
    .await?;
    evaluate_soon(&state, grant.tenant().id).await?;
    Ok(Redirect::to("/admin/alerts").into_response())
}

async fn save_events(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageAlerts)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let num = |k: &str| form.get(k).and_then(|v| v.trim().parse().ok());
    let (Some(arr), Some(share), Some(min), Some(days), Some(utilisation)) = (
        num("large_account_arr"),
        form.get("major_expansion_share")
            .and_then(|v| crate::percent::parse(v).ok()),
        num("major_expansion_min"),
        form.get("lookback_days")
            .and_then(|v| v.trim().parse::<i64>().ok()),
        form.get("csm_utilisation_above")
            .map_or(Some(rust_decimal::Decimal::ONE), |v| {
                crate::percent::parse(v).ok()
            }),
    ) else {
        return render_rules(
            &state,
            &viewer,
            Some("Every event setting is a number.".into()),
            None,
            None,
        )
        .await;
    };
    if !(1..=90).contains(&days) {
        return render_rules(
            &state,
            &viewer,
            Some("lookback_days: 1–90".into()),
            None,
            None,
        )
        .await;
    }
    let events = EventSettings {
        large_account_arr: arr,
        major_expansion_share: share,
        major_expansion_min: min,
        lookback_days: days,
        csm_utilisation_above: utilisation,
        capacity: Default::default(),
    };
    let store = state.store.as_ref();
    store
        .set_config(
            grant.tenant().id,
            service::EVENTS,
            &serde_json::to_string(&events).expect("serialises"),
        )
        .await?;
    audit::record(
        store,
        Some(grant.tenant().id),
        &viewer.actor(),
        "alert_events.update",
        None,
        None,
    )
    .await?;
    Ok(Redirect::to("/admin/alerts").into_response())
}

#[derive(Debug, Deserialize)]
struct WebhookForm {
    csrf: String,
    #[serde(default)]
    url: String,
}

async fn add_webhook(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<WebhookForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageWebhooks)?;
    viewer.check_csrf(&form.csrf)?;
    let url = match targets::check_on_save(form.url.trim(), state.allow_private_webhooks).await {
        Ok(url) => url.to_string(),
        Err(refusal) => {
            return render_rules(&state, &viewer, Some(refusal.to_string()), None, None).await;
        }
    };
    let store = state.store.as_ref();
    let secret = quarterdeck_app::credentials::new_token_secret();
    let hook = Webhook {
        id: format!("w{:08x}", rand::random::<u32>()),
        url: url.clone(),
        secret: secret.clone(),
    };
    service::edit_config(
        store,
        grant.tenant().id,
        service::WEBHOOKS,
        |hooks: &mut Vec<Webhook>| {
            hooks.push(hook.clone());
            Ok::<_, PageError>(())
        },
    )
    .await?;
    audit::record(
        store,
        Some(grant.tenant().id),
        &viewer.actor(),
        "webhook.create",
        Some(url),
        None,
    )
    .await?;
    render_rules(
        &state,
        &viewer,
        None,
        Some("Webhook added.".into()),
        Some(secret),
    )
    .await
}

async fn webhook_action(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path((id, action)): Path<(String, String)>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageWebhooks)?;
    viewer.check_csrf(&form.csrf)?;
    let store = state.store.as_ref();
    let hooks = service::webhooks(store, grant.tenant().id).await?;
    let Some(hook) = hooks.iter().find(|h| h.id == id).cloned() else {
        return Err(PageError::NotFound("no such webhook".into()));
    };
    match action.as_str() {
        "delete" => {
            service::edit_config(
                store,
                grant.tenant().id,
                service::WEBHOOKS,
                |hooks: &mut Vec<Webhook>| {
                    hooks.retain(|h| h.id != id);
                    Ok::<_, PageError>(())
                },
            )
            .await?;
            audit::record(
                store,
                Some(grant.tenant().id),
                &viewer.actor(),
                "webhook.delete",
                Some(hook.url),
                None,
            )
            .await?;
            Ok(Redirect::to("/admin/alerts").into_response())
        }
        "test" => {
            let body = serde_json::json!({"text": format!("Test from Quarterdeck ({})", grant.tenant().name), "test": true});
            // The answer says only whether it arrived: which port is open,
            // what timed out and what the receiver said stay in the log.
            let outcome = targets::post_signed(
                &hook.url,
                &hook.secret,
                serde_json::to_vec(&body).expect("json"),
                state.allow_private_webhooks,
            )
            .await;
            match outcome {
                Ok(()) => {
                    render_rules(
                        &state,
                        &viewer,
                        None,
                        Some(format!("Test delivered to {}.", hook.url)),
                        None,
                    )
                    .await
                }
                Err(e) => {
                    render_rules(
                        &state,
                        &viewer,
                        Some(format!("Test failed: {e}")),
                        None,
                        None,
                    )
                    .await
                }
            }
        }
        _ => Err(PageError::NotFound("no such action".into())),
    }
}

async fn test_email(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    viewer.grant(Permission::ManageAlerts)?;
    viewer.check_csrf(&form.csrf)?;
    let Some(mailer) = quarterdeck_app::mail::mailer_for(&state, viewer.tenant.id)
        .await
        .map_err(PageError::Internal)?
    else {
        return render_rules(
            &state,
            &viewer,
            Some("No SMTP server is configured.".into()),
            None,
            None,
        )
        .await;
    };
    let email = quarterdeck_app::mail::Email {
        to: viewer.email.clone(),
        subject: "Quarterdeck test email".into(),
        text: "Email from Quarterdeck works.".into(),
        html: "<p>Email from Quarterdeck works.</p>".into(),
        inline_png: None,
        attachment: None,
        message_id: jobs::message_id(&format!("test:{}", chrono::Utc::now().timestamp_millis())),
    };
    match mailer.send(&email).await {
        Ok(()) => {
            render_rules(
                &state,
                &viewer,
                None,
                Some(format!("Sent a test email to {}.", viewer.email)),
                None,
            )
            .await
        }
        Err(e) => {
            // Which port answered and what the server said stay in the log: the
            // page must not work as a probe of the network behind the server.
            tracing::warn!(tenant = viewer.tenant.id, error = %e, "test email failed");
            render_rules(
                &state,
                &viewer,
                Some("The test email could not be sent: the SMTP server could not be reached or refused it. The server log has the cause.".into()),
                None,
                None,
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "account_digest.html")]
struct DigestPage {
    chrome: Chrome,
    cadence: &'static str,
    weekday: i32,
    monthday: i32,
    hour: i32,
    time_zone: String,
    /// Whether the person never saved a schedule (the page then offers the
    /// browser's own zone).
    unsaved: bool,
    /// Every IANA zone name, for the zone field's suggestions.
    zones: Vec<&'static str>,
    /// Whether mail can be sent (else only the browser preview is offered).
    has_smtp: bool,
    weekdays: Vec<(i32, &'static str)>,
    message: Option<String>,
    notice: Option<String>,
}

async fn render_digest(
    state: &WebApp,
    who: &SignedIn,
    message: Option<String>,
    notice: Option<String>,
) -> Result<Response, PageError> {
    let sub = state.store.digest_for(who.tenant.id, who.user_id).await?;
    let page = DigestPage {
        chrome: Chrome::new(who, "Email digest", "/account/digest", ""),
        cadence: sub.as_ref().map_or("off", |s| s.cadence.as_str()),
        weekday: sub.as_ref().map_or(1, |s| s.weekday),
        monthday: sub.as_ref().map_or(1, |s| s.monthday),
        hour: sub.as_ref().map_or(8, |s| s.hour),
        time_zone: sub
            .as_ref()
            .map_or(who.tenant.timezone.clone(), |s| s.time_zone.clone()),
        unsaved: sub.is_none(),
        has_smtp: quarterdeck_app::mail::mailer_for(state, who.tenant.id)
            .await
            .map_err(PageError::Internal)?
            .is_some(),
        zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
        weekdays: vec![
            (1, "Monday"),
            (2, "Tuesday"),
            (3, "Wednesday"),
            (4, "Thursday"),
            (5, "Friday"),
            (6, "Saturday"),
            (7, "Sunday"),
        ],
        message,
        notice,
    };
    Ok(Html(page.render()?).into_response())
}

async fn digest_page(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    render_digest(&state, &viewer, None, None).await
}

async fn save_digest(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::OwnSchedules)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let store = state.store.as_ref();
    let cadence = get("cadence");
    if cadence == "off" {
        store
            .delete_digest(grant.tenant().id, viewer.user_id)
            .await?;
        return render_digest(
            &state,
            &viewer,
            None,
            Some("You will get no digest.".into()),
        )
        .await;
    }
    let int =
        |k: &str, lo: i32, hi: i32| get(k).parse::<i32>().ok().filter(|v| (lo..=hi).contains(v));
    let (Some(weekday), Some(monthday), Some(hour)) = (
        int("weekday", 1, 7),
        int("monthday", 1, 28),
        int("hour", 0, 23),
    ) else {
        return render_digest(
            &state,
            &viewer,
            Some("Day of week 1–7, day of month 1–28, hour 0–23.".into()),
            None,
        )
        .await;
    };
    let Ok(cadence) = Cadence::parse(&cadence) else {
        return render_digest(
            &state,
            &viewer,
            Some("Choose daily, weekly or monthly.".into()),
            None,
        )
        .await;
    };
    let time_zone = get("time_zone");
    if quarterdeck_domain::TenantTimeZone::parse(&time_zone).is_err() {
        return render_digest(
            &state,
            &viewer,
            Some(format!(
                "`{time_zone}` is not a time zone (e.g. Europe/Berlin)."
            )),
            None,
        )
        .await;
    }
    let key = state.signing_key().await?;
    let token =
        quarterdeck_delivery::digest::unsubscribe_token(key, grant.tenant().id, viewer.user_id);
    let sub = DigestSubscription {
        tenant_id: grant.tenant().id,
        user_id: viewer.user_id,
        email: viewer.email.clone(),
        cadence,
        weekday,
        monthday,
        hour,
        time_zone,
    };
    store
        .set_digest(&sub, &quarterdeck_app::credentials::hash_token(&token))
        .await?;
    audit::record(
        store,
        Some(grant.tenant().id),
        &viewer.actor(),
        "digest.subscribe",
        None,
        Some(cadence.to_string()),
    )
    .await?;
    render_digest(&state, &viewer, None, Some("Saved.".into())).await
}

/// `GET /account/digest/preview`: the digest as it would be sent now, in the
/// browser (no SMTP server needed), its chart inline.
async fn show_digest(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::OwnSchedules)?;
    let email = quarterdeck_delivery::digest::compose(
        &state,
        grant.tenant(),
        viewer.user_id,
        true,
        "browser-preview",
    )
    .await
    .map_err(|e| PageError::Internal(format!("{e:?}")))?;
    let mut html = email.html;
    if let Some((cid, png)) = &email.inline_png {
        use base64::Engine as _;
        let data = base64::engine::general_purpose::STANDARD.encode(png);
        html = html.replace(
            &format!("cid:{cid}"),
            &format!("data:image/png;base64,{data}"),
        );
    }
    // A bar above the message says what this is and leads back.
    let bar = format!(
        "<div style=\"font-family:Arial,sans-serif;font-size:14px;background:#e8eefc;color:#1b2430;padding:10px 16px\">Preview of your digest as it would be sent now to {} · subject “{}” · the PDF report goes with it · <a href=\"/account/digest\">Back to digest settings</a></div>",
        quarterdeck_render::svg::escape(&email.to),
        quarterdeck_render::svg::escape(&email.subject)
    );
    if let Some(i) = html
        .find("<body")
        .and_then(|b| html[b..].find('>').map(|e| b + e + 1))
    {
        html.insert_str(i, &bar);
    }
    Ok(Html(html).into_response())
}

async fn preview_digest(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<CsrfForm>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::OwnSchedules)?;
    viewer.check_csrf(&form.csrf)?;
    if quarterdeck_app::mail::mailer_for(&state, grant.tenant().id)
        .await
        .map_err(PageError::Internal)?
        .is_none()
    {
        return render_digest(
            &state,
            &viewer,
            Some("No SMTP server is configured, so no email can be sent: see the preview in your browser instead.".into()),
            None,
        )
        .await;
    }
    let key = format!(
        "digest-preview:{}:{}:{}",
        grant.tenant().id,
        viewer.user_id,
        chrono::Utc::now().timestamp_millis()
    );
    jobs::enqueue(
        state.store.as_ref(),
        Some(grant.tenant().id),
        &jobs::kinds::Digest {
            tenant: grant.tenant().id,
            user: viewer.user_id,
            day: None,
            preview: true,
        },
        &key,
    )
    .await?;
    render_digest(
        &state,
        &viewer,
        None,
        Some(format!("A preview is on its way to {}.", viewer.email)),
    )
    .await
}

#[derive(Template)]
#[template(path = "error.html")]
struct Done<'a> {
    status: u16,
    heading: &'a str,
    message: &'a str,
}

#[derive(Template)]
#[template(path = "unsubscribe.html")]
struct UnsubscribePage {
    action: String,
}

async fn unsubscribe_page(Path(token): Path<String>) -> Result<Response, PageError> {
    let action = format!("/unsubscribe/{}", urlencoding::encode(&token));
    Ok(Html(UnsubscribePage { action }.render()?).into_response())
}

async fn unsubscribe(
    State(state): State<WebApp>,
    Path(token): Path<String>,
) -> Result<Response, PageError> {
    let done = state
        .store
        .unsubscribe(&quarterdeck_app::credentials::hash_token(&token))
        .await?;
    let page = Done {
        status: 200,
        heading: if done {
            "Unsubscribed"
        } else {
            "Already unsubscribed"
        },
        message: "You will get no more digests. You can subscribe again under Email digest in Quarterdeck.",
    };
    Ok(Html(page.render()?).into_response())
}

async fn save_smtp(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let get = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let store = state.store.as_ref();
    let tenant = grant.tenant().id;
    if get("host").is_empty() {
        store
            .set_config(tenant, quarterdeck_app::mail::TENANT_SMTP, "null")
            .await?;
        audit::record(
            store,
            Some(tenant),
            &viewer.actor(),
            "settings.smtp",
            None,
            Some("server default".into()),
        )
        .await?;
        return render_rules(
            &state,
            &viewer,
            None,
            Some("This workspace now uses the server's email settings.".into()),
            None,
        )
        .await;
    }
    let Ok(port) = get("port").parse::<u16>() else {
        return render_rules(
            &state,
            &viewer,
            Some("port: a number such as 587".into()),
            None,
            None,
        )
        .await;
    };
    let security = match quarterdeck_app::mail::SmtpSecurity::parse(&get("security")) {
        Ok(s) => s,
        Err(m) => {
            return render_rules(&state, &viewer, Some(format!("security: {m}")), None, None).await;
        }
    };
    let previous = quarterdeck_app::mail::tenant_smtp(store, tenant)
        .await
        .map_err(PageError::Internal)?;
    let password = match get("password") {
        // An empty password field keeps the stored one (it is never shown).
        p if p.is_empty() => previous.and_then(|c| c.password),
        p => Some(p),
    };
    let config = quarterdeck_app::mail::SmtpConfig {
        host: get("host"),
        port,
        security,
        username: Some(get("username")).filter(|u| !u.is_empty()),
        password,
        from: get("from"),
    };
    if let Err(e) = quarterdeck_app::mail::Mailer::new(&config) {
        return render_rules(&state, &viewer, Some(e.to_string()), None, None).await;
    }
    store
        .set_config(
            tenant,
            quarterdeck_app::mail::TENANT_SMTP,
            &serde_json::to_string(&config).expect("serialises"),
        )
        .await?;
    audit::record(
        store,
        Some(tenant),
        &viewer.actor(),
        "settings.smtp",
        Some(config.host.clone()),
        None,
    )
    .await?;
    render_rules(
        &state,
        &viewer,
        None,
        Some("Email settings saved. Send a test to check them.".into()),
        None,
    )
    .await
}
