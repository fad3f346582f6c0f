//! Sustained ingestion of subscription events through real HTTP, in batches of
//! 1,000, on SQLite and (when `QUARTERDECK_TEST_DATABASE_URL` is set) PostgreSQL.
//!
//! Run: `cargo bench -p quarterdeck-server --bench ingest_http`
//! Options (env): `BENCH_ROWS` (default 200000), `BENCH_CLIENTS` (default 4).
//!
//! Baseline in the same run: the same rows written straight to the store
//! (validated, no HTTP), so the HTTP figure can be read as a ratio.

use quarterdeck_app::{AppState, admin, ingest};
use quarterdeck_domain::{Collection, Scope};
use quarterdeck_store::testing::{Backend, fresh};
use serde_json::{Value, json};
use std::sync::Arc;
use std::time::Instant;

const BATCH: usize = 1_000;

// The same allocator as the `quarterdeck` binary, so the figures are the product's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn event(n: usize) -> Value {
    let customer = n / 4;
    json!({
        "id": format!("se_{n:09}"),
        "customer_id": format!("cus_{customer:08}"),
        "subscription_id": format!("sub_{customer:08}"),
        "type": if n.is_multiple_of(4) { "start" } else { "change" },
        "effective_at": format!("2025-{:02}-{:02}T10:00:00Z", n % 12 + 1, n % 28 + 1),
        "plan": (["starter", "pro", "business"][n % 3]),
        "currency": "USD",
        "amount": format!("{}.00", 20 + n % 400),
        "interval": (["month", "quarter", "year"][n % 3]),
        "quantity": 1 + n % 25,
    })
}

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    quarterdeck_app::install_crypto();
    let rows = env_usize("BENCH_ROWS", 200_000) / BATCH * BATCH;
    let clients = env_usize("BENCH_CLIENTS", 4);
    println!(
        "ingest_http: {rows} subscription events, batches of {BATCH}, {clients} concurrent clients"
    );
    let validate = validate_rate(rows);
    println!("validation alone (one core): {validate:.0} rows/s");
    println!(
        "{:<10} {:>14} {:>16} {:>14} {:>12}",
        "backend", "store rows/s", "direct rows/s", "HTTP rows/s", "HTTP/direct"
    );
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some((store, direct)) = direct_rate(backend, rows).await else {
            continue;
        };
        let http = http_rate(backend, rows, clients)
            .await
            .expect("store available");
        println!(
            "{:<10} {:>14.0} {:>16.0} {:>14.0} {:>12.2}",
            format!("{backend:?}").to_lowercase(),
            store,
            direct,
            http,
            http / direct
        );
    }
}

fn batches(rows: usize) -> Vec<Vec<Value>> {
    (0..rows / BATCH)
        .map(|b| (b * BATCH..(b + 1) * BATCH).map(event).collect())
        .collect()
}

/// Rows per second through `ingest::validate` alone.
fn validate_rate(rows: usize) -> f64 {
    let batches = batches(rows);
    let started = Instant::now();
    for batch in &batches {
        ingest::validate(Collection::SubscriptionEvents, batch).unwrap();
    }
    rows as f64 / started.elapsed().as_secs_f64()
}

/// Rows per second committed from pre-validated rows, and validated + committed
/// in-process (no HTTP), each into a fresh tenant.
async fn direct_rate(backend: Backend, rows: usize) -> Option<(f64, f64)> {
    let t = fresh(backend).await.unwrap()?;
    let s = t.store.as_ref();
    let batches = batches(rows);
    let tenant = admin::create_tenant(s, "bench-store", None, "USD", "UTC")
        .await
        .unwrap();
    let parsed: Vec<_> = batches
        .iter()
        .map(|b| ingest::validate(Collection::SubscriptionEvents, b).unwrap())
        .collect();
    let state = AppState::new(t.store.clone());
    let started = Instant::now();
    for batch in &parsed {
        ingest::commit(&state, tenant.id, batch).await.unwrap();
    }
    let store_rate = rows as f64 / started.elapsed().as_secs_f64();
    let tenant = admin::create_tenant(s, "bench", None, "USD", "UTC")
        .await
        .unwrap();
    let started = Instant::now();
    for batch in &batches {
        ingest::ingest(&state, tenant.id, Collection::SubscriptionEvents, batch)
            .await
            .unwrap();
    }
    Some((store_rate, rows as f64 / started.elapsed().as_secs_f64()))
}

/// Rows per second through `POST /api/v1/subscription-events` with `clients` in parallel.
async fn http_rate(backend: Backend, rows: usize, clients: usize) -> Option<f64> {
    let t = fresh(backend).await.unwrap()?;
    let tenant = admin::create_tenant(t.store.as_ref(), "bench", None, "USD", "UTC")
        .await
        .unwrap();
    let (_, token) = admin::create_token(
        t.store.as_ref(),
        &tenant,
        &[Scope::Ingest],
        "bench",
        &quarterdeck_app::audit::Actor::cli(),
    )
    .await
    .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/subscription-events",
        listener.local_addr().unwrap()
    );
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(quarterdeck_server::serve(
        listener,
        AppState::new(t.store.clone()),
        async {
            let _ = stopped.await;
        },
    ));
    // Bodies are serialised up front so the client measures the server, not itself.
    let bodies: Arc<Vec<Vec<u8>>> = Arc::new(
        (0..rows / BATCH)
            .map(|b| {
                let batch: Vec<Value> = (b * BATCH..(b + 1) * BATCH).map(event).collect();
                serde_json::to_vec(&batch).unwrap()
            })
            .collect(),
    );
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let workers: Vec<_> = (0..clients)
        .map(|_| {
            let (bodies, next, url, token) =
                (bodies.clone(), next.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                let client = reqwest::Client::new();
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let Some(body) = bodies.get(i) else { break };
                    let r = client
                        .post(&url)
                        .bearer_auth(&token)
                        .header("content-type", "application/json")
                        .body(body.clone())
                        .send()
                        .await
                        .unwrap();
                    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
                }
            })
        })
        .collect();
    for w in workers {
        w.await.unwrap();
    }
    let rate = rows as f64 / started.elapsed().as_secs_f64();
    let stored = t
        .store
        .count_records(tenant.id, Collection::SubscriptionEvents)
        .await
        .unwrap();
    assert_eq!(stored as usize, rows, "every row stored");
    let _ = stop.send(());
    Some(rate)
}
