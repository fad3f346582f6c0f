//! Background work through the store's durable job queue: a worker that
//! claims and runs jobs (alert evaluation, alert email, webhooks, digests),
//! and a scheduler that queues digests when due and evaluates alerts
//! periodically. Every replica runs both; the queue's leases and
//! idempotency keys make each job run once.

use crate::AppState;
use crate::alerts::service::{self, webhook_body};
use crate::alerts::targets;
use askama::Template;
use chrono::{Duration, Utc};
use quarterdeck_store::{Job, NewDelivery, NewJob, Store, StoreResult, TenantId, backoff};
use serde_json::Value;
use std::sync::Arc;
use tokio::sync::Notify;

/// Evaluate a tenant's alert rules.
pub const EVALUATE_ALERTS: &str = "alerts.evaluate";
/// Email one critical alert to one person.
pub const ALERT_EMAIL: &str = "alert.email";
/// Post one alert to one webhook.
pub const WEBHOOK: &str = "webhook";
/// Send one digest (scheduled or a preview).
pub const DIGEST: &str = "digest";
/// Test-only: sleep, then append a line to a file (the crash-recovery test).
pub const TEST_SLEEP: &str = "test.sleep";

/// Attempts before a job is given up.
const MAX_ATTEMPTS: i32 = 6;

/// Wakes the local worker when a job is queued here.
pub static WAKE: std::sync::LazyLock<Arc<Notify>> =
    std::sync::LazyLock::new(|| Arc::new(Notify::new()));

/// Queues a job unless its idempotency key was queued before.
pub async fn enqueue(
    store: &dyn Store,
    tenant: Option<TenantId>,
    kind: &str,
    payload: Value,
    key: &str,
) -> StoreResult<Option<i64>> {
    let id = store
        .enqueue_job(&NewJob {
            tenant_id: tenant,
            kind: kind.to_string(),
            payload: payload.to_string(),
            idempotency_key: key.to_string(),
            run_at: Utc::now(),
            max_attempts: MAX_ATTEMPTS,
        })
        .await?;
    if id.is_some() {
        WAKE.notify_one();
    }
    Ok(id)
}

/// How long a claimed job is ours before another worker may take it over.
fn lease() -> Duration {
    std::env::var("QUARTERDECK_JOB_LEASE_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .map_or(Duration::minutes(5), Duration::seconds)
}

/// This process's name in job leases.
fn worker_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "host".into());
    format!(
        "{host}-{}-{:08x}",
        std::process::id(),
        rand::random::<u32>()
    )
}

/// Claims and runs jobs until the process stops.
pub async fn run_worker(state: AppState) {
    let name = worker_name();
    loop {
        let claimed = state
            .store
            .claim_jobs(&name, &[], 4, lease(), Utc::now())
            .await;
        let jobs = match claimed {
            Ok(jobs) => jobs,
            Err(e) => {
                tracing::warn!(error = %e, "could not claim jobs");
                Vec::new()
            }
        };
        if jobs.is_empty() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), WAKE.notified()).await;
            continue;
        }
        for job in jobs {
            let outcome = execute(&state, &job).await;
            let recorded = match &outcome {
                Ok(()) => state.store.complete_job(job.id, &name).await,
                Err(e) => {
                    let never = matches!(e, JobError::Never(_));
                    tracing::warn!(job = job.id, kind = %job.kind, attempt = job.attempts, error = e.message(), never, "job failed");
                    let delay = state.job_retry.unwrap_or_else(|| backoff(job.attempts));
                    let retry =
                        (!never && job.attempts < job.max_attempts).then(|| Utc::now() + delay);
                    state
                        .store
                        .fail_job(job.id, &name, e.message(), retry)
                        .await
                }
            };
            if let Err(e) = recorded {
                tracing::warn!(job = job.id, error = %e, "could not record a job's outcome");
            }
        }
    }
}

/// Queues what is due every half minute: digests, and alert evaluation
/// every quarter hour per tenant.
pub async fn run_scheduler(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(30));
    loop {
        tick.tick().await;
        if let Err(e) = schedule(&state).await {
            tracing::warn!(error = %e, "scheduling failed");
        }
    }
}

async fn schedule(state: &AppState) -> StoreResult<()> {
    let store = state.store.as_ref();
    let now = state.clock.now();
    for sub in store.all_digests().await? {
        if let Some(day) = crate::digest::due(&sub, now) {
            enqueue(
                store,
                Some(sub.tenant_id),
                DIGEST,
                serde_json::json!({"tenant": sub.tenant_id, "user": sub.user_id, "day": day.to_string(), "preview": false}),
                &format!("digest:{}:{}:{}:{day}", sub.tenant_id, sub.user_id, sub.cadence),
            )
            .await?;
        }
    }
    let quarter = now.format("%Y-%m-%dT%H").to_string()
        + &format!(":{:02}", (chrono::Timelike::minute(&now) / 15) * 15);
    for t in store.list_tenants().await? {
        enqueue(
            store,
            Some(t.id),
            EVALUATE_ALERTS,
            serde_json::json!({"tenant": t.id}),
            &format!("alerts:{}:{quarter}", t.id),
        )
        .await?;
    }
    Ok(())
}

/// Why a job did not complete: worth another attempt, or never going to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobError {
    /// A passing failure (a server refused, a store hiccup): retried with backoff.
    Retry(String),
    /// It cannot succeed as things stand (no SMTP server, a malformed payload,
    /// a tenant gone): failed once, with the reason, instead of six retries.
    Never(String),
}

impl JobError {
    /// The reason, for the job list.
    pub fn message(&self) -> &str {
        match self {
            JobError::Retry(m) | JobError::Never(m) => m,
        }
    }
}

impl From<String> for JobError {
    fn from(m: String) -> Self {
        JobError::Retry(m)
    }
}

impl From<&str> for JobError {
    fn from(m: &str) -> Self {
        JobError::Retry(m.to_string())
    }
}

/// What a job needing email says when the workspace has no SMTP server.
pub const NO_SMTP: &str =
    "no SMTP server is configured (Alert rules page, or the server's --smtp-host)";

fn field<'a>(payload: &'a Value, name: &str) -> Result<&'a Value, JobError> {
    payload
        .get(name)
        .ok_or_else(|| JobError::Never(format!("payload lacks `{name}`")))
}

async fn tenant_of(
    state: &AppState,
    payload: &Value,
) -> Result<quarterdeck_store::Tenant, JobError> {
    let id = field(payload, "tenant")?
        .as_i64()
        .ok_or(JobError::Never("tenant is not a number".into()))?;
    state
        .store
        .tenant_by_id(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| JobError::Never(format!("tenant {id} no longer exists")))
}

/// Runs one job; a `Retry` error makes it retry later, `Never` ends it.
async fn execute(state: &AppState, job: &Job) -> Result<(), JobError> {
    let payload: Value =
        serde_json::from_str(&job.payload).map_err(|e| JobError::Never(format!("payload: {e}")))?;
    match job.kind.as_str() {
        EVALUATE_ALERTS => {
            let tenant = tenant_of(state, &payload).await?;
            if payload["version"]
                .as_i64()
                .is_some_and(|v| v < tenant.data_version)
            {
                return Ok(()); // a newer ingest queued its own evaluation
            }
            Ok(service::evaluate(state, &tenant).await.map(|_| ())?)
        }
        WEBHOOK => send_webhook(state, &payload).await,
        ALERT_EMAIL => alert_email(state, &payload, job).await,
        DIGEST => {
            let tenant = tenant_of(state, &payload).await?;
            let user = field(&payload, "user")?
                .as_i64()
                .ok_or(JobError::Never("user is not a number".into()))?;
            let preview = payload["preview"].as_bool().unwrap_or(false);
            crate::digest::send(state, &tenant, user, preview, &job.idempotency_key).await
        }
        TEST_SLEEP if std::env::var("QUARTERDECK_TEST_JOBS").is_ok() => {
            let secs = payload["secs"].as_u64().unwrap_or(1);
            tokio::time::sleep(std::time::Duration::from_secs(secs)).await;
            let path = payload["path"]
                .as_str()
                .ok_or(JobError::Never("path".into()))?;
            use std::io::Write;
            let mut f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map_err(|e| e.to_string())?;
            Ok(writeln!(f, "done {}", job.idempotency_key).map_err(|e| e.to_string())?)
        }
        other => Err(JobError::Never(format!("unknown job kind `{other}`"))),
    }
}

async fn send_webhook(state: &AppState, payload: &Value) -> Result<(), JobError> {
    let tenant = tenant_of(state, payload).await?;
    let store = state.store.as_ref();
    let hook_id = field(payload, "webhook")?
        .as_str()
        .unwrap_or_default()
        .to_string();
    let alert_id = field(payload, "alert")?.as_i64().unwrap_or_default();
    let hooks = service::webhooks(store, tenant.id)
        .await
        .map_err(|e| e.to_string())?;
    let Some(hook) = hooks.into_iter().find(|h| h.id == hook_id) else {
        return Ok(()); // removed since: nothing to deliver
    };
    let alert = store
        .alert(tenant.id, alert_id)
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
            kind: "webhook".into(),
            recipient: hook.url.clone(),
            subject: alert.title.clone(),
            message_id: None,
            outcome: if outcome.is_ok() { "sent" } else { "failed" }.into(),
            // Shown on the alerts page: what failed, never how (the log has that).
            error: outcome.as_ref().err().cloned(),
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(outcome?)
}

async fn alert_email(state: &AppState, payload: &Value, job: &Job) -> Result<(), JobError> {
    let tenant = tenant_of(state, payload).await?;
    let store = state.store.as_ref();
    let mailer = crate::mail::mailer_for(state, tenant.id)
        .await?
        .ok_or(JobError::Never(NO_SMTP.into()))?;
    let user = store
        .user_by_id(field(payload, "user")?.as_i64().unwrap_or_default())
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the user no longer exists")?;
    let alert_id = field(payload, "alert")?.as_i64().unwrap_or_default();
    let alert = store
        .alert(tenant.id, alert_id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or("the alert no longer exists")?;
    let link = format!("{}/alerts", state.base_url);
    let opened = alert.opened_at.format("%Y-%m-%d %H:%M").to_string();
    let body = AlertEmail {
        title: &alert.title,
        opened: &opened,
        tenant: &tenant.name,
        link: &link,
    };
    let email = crate::mail::Email {
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
            kind: "email".into(),
            recipient: user.email,
            subject: email.subject,
            message_id: Some(email.message_id),
            outcome: if sent.is_ok() { "sent" } else { "failed" }.into(),
            error: sent.as_ref().err().map(|e| e.to_string()),
        })
        .await
        .map_err(|e| e.to_string())?;
    Ok(sent.map_err(|e| e.to_string())?)
}

/// A Message-ID derived from a job's idempotency key (the same job, the same id).
pub fn message_id(key: &str) -> String {
    format!(
        "<{}@quarterdeck>",
        &crate::credentials::hash_token(key)[..32]
    )
}

/// The HTML body of a critical-alert email (askama escapes every value).
#[derive(askama::Template)]
#[template(path = "email_alert.html")]
struct AlertEmail<'a> {
    title: &'a str,
    opened: &'a str,
    tenant: &'a str,
    link: &'a str,
}

/// The text body of the same email.
#[derive(askama::Template)]
#[template(path = "email_alert.txt")]
struct AlertEmailText<'a>(&'a AlertEmail<'a>);
