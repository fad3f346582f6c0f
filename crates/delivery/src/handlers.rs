//! The job handlers of delivery: alert evaluation, one alert by email, one
//! alert to one webhook, one digest.

use crate::alerts::service::{self, webhook_body};
use crate::alerts::targets;
use askama::Template;
use quarterdeck_app::AppState;
use quarterdeck_app::jobs::{JobError, JobRegistry, NO_SMTP, kinds, message_id, tenant_of};
use quarterdeck_domain::{DeliveryKind, DeliveryOutcome};
use quarterdeck_store::{Job, NewDelivery};

/// Registers delivery's job kinds with the runner.
pub fn register(registry: &mut JobRegistry) {
    registry
        .register(|state, p: kinds::EvaluateAlerts, _| Box::pin(evaluate(state, p)))
        .register(|state, p: kinds::Webhook, _| Box::pin(send_webhook(state, p)))
        .register(|state, p: kinds::AlertEmail, job| Box::pin(alert_email(state, p, job)))
        .register(|state, p: kinds::Digest, job| Box::pin(digest(state, p, job)));
}

async fn evaluate(state: AppState, p: kinds::EvaluateAlerts) -> Result<(), JobError> {
    let tenant = tenant_of(&state, p.tenant).await?;
    if p.version.is_some_and(|v| v < tenant.data_version) {
        return Ok(()); // a newer ingest queued its own evaluation
    }
    Ok(service::evaluate(&state, &tenant).await.map(|_| ())?)
}

async fn digest(state: AppState, p: kinds::Digest, job: Job) -> Result<(), JobError> {
    let tenant = tenant_of(&state, p.tenant).await?;
    crate::digest::send(&state, &tenant, p.user, p.preview, &job.idempotency_key).await
}

async fn send_webhook(state: AppState, p: kinds::Webhook) -> Result<(), JobError> {
    let tenant = tenant_of(&state, p.tenant).await?;
    let store = state.store.as_ref();
    let hooks = service::webhooks(store, tenant.id)
        .await
        .map_err(|e| e.to_string())?;
    let Some(hook) = hooks.into_iter().find(|h| h.id == p.webhook) else {
        return Ok(()); // removed since: nothing to deliver
    };
    let alert = store
        .alert(tenant.id, p.alert)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the alert no longer exists")?;
    let body = serde_json::to_vec(&webhook_body(&tenant, &alert, &state.base_url))
        .map_err(|e| e.to_string())?;
    let outcome = targets::post_signed(&hook.url, &hook.secret, body, state.allow_private_webhooks)
        .await
        .map_err(|e| e.to_string());
    store
        .record_delivery(&NewDelivery {
            tenant_id: tenant.id,
            kind: DeliveryKind::Webhook,
            recipient: hook.url.clone(),
            subject: alert.title.clone(),
            message_id: None,
            outcome: DeliveryOutcome::of(&outcome),
            // Shown on the alerts page: what failed, never how (the log has that).
            error: outcome.as_ref().err().cloned(),
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(outcome?)
}

async fn alert_email(state: AppState, p: kinds::AlertEmail, job: Job) -> Result<(), JobError> {
    let tenant = tenant_of(&state, p.tenant).await?;
    let store = state.store.as_ref();
    let mailer = quarterdeck_app::mail::mailer_for(&state, tenant.id)
        .await?
        .ok_or(JobError::Never(NO_SMTP.into()))?;
    let user = store
        .user_by_id(p.user)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the user no longer exists")?;
    let alert = store
        .alert(tenant.id, p.alert)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the alert no longer exists")?;
    let link = format!("{}/alerts", state.base_url);
    let opened = alert.opened_at.format("%Y-%m-%d %H:%M").to_string();
    let body = AlertEmailBody {
        title: &alert.title,
        opened: &opened,
        tenant: &tenant.name,
        link: &link,
    };
    let email = quarterdeck_app::mail::Email {
        to: user.email.clone(),
        subject: format!("[Critical] {} — {}", alert.title, tenant.name),
        text: AlertEmailText(&body).render().map_err(|e| e.to_string())?,
        html: body.render().map_err(|e| e.to_string())?,
        inline_png: None,
        attachment: None,
        message_id: message_id(&job.idempotency_key),
    };
    let sent = mailer.send(&email).await;
    store
        .record_delivery(&NewDelivery {
            tenant_id: tenant.id,
            kind: DeliveryKind::Email,
            recipient: user.email,
            subject: email.subject,
            message_id: Some(email.message_id),
            outcome: DeliveryOutcome::of(&sent),
            error: sent.as_ref().err().map(|e| e.to_string()),
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(sent.map_err(|e| e.to_string())?)
}

/// The HTML body of a critical-alert email (askama escapes every value).
#[derive(askama::Template)]
#[template(path = "email_alert.html")]
struct AlertEmailBody<'a> {
    title: &'a str,
    opened: &'a str,
    tenant: &'a str,
    link: &'a str,
}

/// The text body of the same email.
#[derive(askama::Template)]
#[template(path = "email_alert.txt")]
struct AlertEmailText<'a>(&'a AlertEmailBody<'a>);
