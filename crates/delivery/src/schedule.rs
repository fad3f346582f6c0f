//! Queues what is due every half minute: digests, and alert evaluation every
//! quarter hour per tenant.

use quarterdeck_app::AppState;
use quarterdeck_app::jobs::{enqueue, kinds};
use quarterdeck_store::StoreResult;

/// Queues due work until the process stops.
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
            let job = kinds::Digest {
                tenant: sub.tenant_id,
                user: sub.user_id,
                day: Some(day.to_string()),
                preview: false,
            };
            let key = format!(
                "digest:{}:{}:{}:{day}",
                sub.tenant_id, sub.user_id, sub.cadence
            );
            enqueue(store, Some(sub.tenant_id), &job, &key).await?;
        }
    }
    let quarter = now.format("%Y-%m-%dT%H").to_string()
        + &format!(":{:02}", (chrono::Timelike::minute(&now) / 15) * 15);
    for t in store.list_tenants().await? {
        let job = kinds::EvaluateAlerts {
            tenant: t.id,
            version: None,
        };
        enqueue(
            store,
            Some(t.id),
            &job,
            &format!("alerts:{}:{quarter}", t.id),
        )
        .await?;
    }
    Ok(())
}
