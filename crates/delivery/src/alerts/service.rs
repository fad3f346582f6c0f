//! Evaluating a tenant's alert rules against its store and engine: open new
//! alerts (one per key), resolve those whose condition cleared, and queue
//! their deliveries (webhooks for every new alert, email at once for
//! critical ones; the others go into digests).

use super::rules::{
    EventSettings, Finding, Severity, ThresholdRule, evaluate_events, evaluate_threshold,
};
use hmac::{Hmac, KeyInit, Mac};
use quarterdeck_app::AppState;
use quarterdeck_app::jobs;
use quarterdeck_domain::Role;
use quarterdeck_store::{Alert, NewAlert, Store, StoreResult, Tenant, TenantId};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::Sha256;

/// Config names in the store.
pub const RULES: &str = "alert_rules";
pub const EVENTS: &str = "alert_events";
pub const WEBHOOKS: &str = "webhooks";

/// A webhook that receives every new alert.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    /// HMAC-SHA256 key for the `X-Quarterdeck-Signature` header.
    pub secret: String,
}

/// A config document, or its default when absent; one that does not parse is
/// an error (dropping it would lose the tenant's rules on the next save).
async fn config<T: serde::de::DeserializeOwned + Default>(
    store: &dyn Store,
    tenant: TenantId,
    name: &str,
) -> StoreResult<T> {
    let text = store.get_config(tenant, name).await?;
    parse_config(name, text.as_deref())
}

fn parse_config<T: serde::de::DeserializeOwned + Default>(
    name: &str,
    text: Option<&str>,
) -> StoreResult<T> {
    match text {
        None => Ok(T::default()),
        Some(t) => serde_json::from_str(t)
            .map_err(|e| quarterdeck_store::StoreError::Corrupt(format!("config `{name}`: {e}"))),
    }
}

/// Edits a config document atomically: reads it, applies `edit`, and writes
/// it only if nobody changed it meanwhile (else reads again and retries), so
/// two admins saving at once both keep their edit.
pub async fn edit_config<T, R, E>(
    store: &dyn Store,
    tenant: TenantId,
    name: &str,
    mut edit: impl FnMut(&mut T) -> Result<R, E>,
) -> Result<R, E>
where
    T: serde::de::DeserializeOwned + Serialize + Default,
    E: From<quarterdeck_store::StoreError>,
{
    for _ in 0..64 {
        let before = store.get_config(tenant, name).await?;
        let mut doc: T = parse_config(name, before.as_deref())?;
        let out = edit(&mut doc)?;
        let after = serde_json::to_string(&doc).expect("config serialises");
        if store
            .replace_config(tenant, name, before.as_deref(), &after)
            .await?
        {
            return Ok(out);
        }
    }
    Err(quarterdeck_store::StoreError::Corrupt(format!(
        "config `{name}` kept changing under 64 attempts to edit it"
    ))
    .into())
}

/// The tenant's threshold rules.
pub async fn rules(store: &dyn Store, tenant: TenantId) -> StoreResult<Vec<ThresholdRule>> {
    config(store, tenant, RULES).await
}

/// The tenant's event-rule settings.
pub async fn event_settings(store: &dyn Store, tenant: TenantId) -> StoreResult<EventSettings> {
    config(store, tenant, EVENTS).await
}

/// The tenant's webhooks.
pub async fn webhooks(store: &dyn Store, tenant: TenantId) -> StoreResult<Vec<Webhook>> {
    config(store, tenant, WEBHOOKS).await
}

/// `sha256=<hex>` of the body under the webhook's secret.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// The JSON a webhook receives for an alert (with a Slack-compatible `text`).
pub fn webhook_body(tenant: &Tenant, alert: &Alert, base_url: &str) -> serde_json::Value {
    let detail: serde_json::Value = serde_json::from_str(&alert.detail).unwrap_or_default();
    json!({
        "text": format!("[{}] {} — {} ({}/alerts)", alert.severity.as_str().to_uppercase(), alert.title, tenant.name, base_url),
        "tenant": tenant.slug,
        "alert": {
            "id": alert.id, "key": alert.key, "rule": alert.rule, "severity": alert.severity,
            "title": alert.title, "state": alert.state, "opened_at": alert.opened_at.to_rfc3339(),
            "detail": detail,
        },
    })
}

/// What one evaluation did.
#[derive(Debug, Default)]
pub struct Outcome {
    pub opened: Vec<Alert>,
    pub resolved: u64,
}

/// Evaluates every rule of the tenant now.
pub async fn evaluate(state: &AppState, tenant: &Tenant) -> Result<Outcome, String> {
    let store = state.store.as_ref();
    let fail = |e: quarterdeck_store::StoreError| e.to_string();
    let threshold = rules(store, tenant.id).await.map_err(fail)?;
    let mut events = event_settings(store, tenant.id).await.map_err(fail)?;
    events.capacity = quarterdeck_app::metrics::team::load_capacity(store, tenant.id)
        .await
        .map_err(fail)?;
    let engine = state.engines.read(tenant).await.map_err(fail)?;
    let tz = quarterdeck_app::engines::settings_of(tenant).time_zone;
    let today = state.clock.today_in(tz);
    let findings: Vec<Finding> = tokio::task::spawn_blocking(move || {
        let mut out: Vec<Finding> = threshold
            .iter()
            .filter_map(|r| evaluate_threshold(&engine, r, today))
            .collect();
        out.extend(evaluate_events(&engine, &events, today));
        out
    })
    .await
    .map_err(|e| format!("alert evaluation crashed: {e}"))?;
    let mut outcome = Outcome::default();
    for f in &findings {
        let new = NewAlert {
            tenant_id: tenant.id,
            key: f.key.clone(),
            rule: f.rule.clone(),
            severity: f.severity,
            title: f.title.clone(),
            detail: f.detail.to_string(),
        };
        if let Some(alert) = store.open_alert(&new).await.map_err(fail)? {
            outcome.opened.push(alert);
        }
    }
    let cleared: Vec<String> = store
        .list_alerts(tenant.id, true, 10_000)
        .await
        .map_err(fail)?
        .into_iter()
        .filter(|a| !findings.iter().any(|f| f.key == a.key))
        .map(|a| a.key)
        .collect();
    outcome.resolved = store
        .resolve_alerts(tenant.id, &cleared)
        .await
        .map_err(fail)?;
    for alert in &outcome.opened {
        deliver(state, tenant, alert).await.map_err(fail)?;
    }
    if !outcome.opened.is_empty() || outcome.resolved > 0 {
        // Open pages refresh their alert lists.
        let version = store.data_version(tenant.id).await.map_err(fail)?;
        state.events.announce(tenant.id, version);
    }
    Ok(outcome)
}

/// Queues a new alert's deliveries.
async fn deliver(state: &AppState, tenant: &Tenant, alert: &Alert) -> StoreResult<()> {
    let store = state.store.as_ref();
    for hook in webhooks(store, tenant.id).await? {
        jobs::enqueue(
            store,
            Some(tenant.id),
            &jobs::kinds::Webhook {
                tenant: tenant.id,
                webhook: hook.id.clone(),
                alert: alert.id,
            },
            &format!("webhook:{}:{}:alert:{}", tenant.id, hook.id, alert.id),
        )
        .await?;
    }
    if alert.severity == Severity::Critical {
        for m in store.list_members(tenant.id).await? {
            if matches!(m.role, Role::Admin | Role::Executive) {
                jobs::enqueue(
                    store,
                    Some(tenant.id),
                    &jobs::kinds::AlertEmail {
                        tenant: tenant.id,
                        alert: alert.id,
                        user: m.user_id,
                    },
                    &format!("alert-email:{}:{}:{}", tenant.id, alert.id, m.user_id),
                )
                .await?;
            }
        }
    }
    Ok(())
}
