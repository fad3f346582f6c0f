//! `quarterdeck demo`: create or refresh tenant "demo" with a synthetic company, then serve.

use crate::options::DemoArgs;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use quarterdeck_app::audit::Actor;
use quarterdeck_app::{admin, credentials, ingest};
use quarterdeck_demo::{DemoConfig, estimate_rows, generate};
use quarterdeck_domain::{Role, Scope};
use std::time::Instant;

/// The demo tenant's slug.
pub const DEMO_TENANT: &str = "demo";
/// The demo admin's login.
pub const DEMO_ADMIN_EMAIL: &str = "admin@example.com";
/// Rows per generated batch.
const BATCH: usize = 5_000;

/// Generates the company, prints the logins, serves.
pub async fn run(args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let store = super::admin::open_store(&args.store).await?;
    let s = store.as_ref();
    let tenant = match s.tenant_by_slug(DEMO_TENANT).await? {
        Some(t) => {
            let removed = s.delete_all_records(t.id).await?;
            if removed > 0 {
                eprintln!("Refreshing the demo company (replacing {removed} records)…");
            }
            t
        }
        None => admin::create_tenant(s, DEMO_TENANT, Some("Demo Company"), "USD", "UTC").await?,
    };

    let config = DemoConfig {
        customers: args.customers,
        seed: args.seed,
        today: chrono::Utc::now().date_naive(),
    };
    let bar = ProgressBar::new(estimate_rows(&config) as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "Generating {msg:>20} [{bar:36}] {human_pos}/~{human_len} records ({per_sec}, {eta})",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );

    // Generate and validate on a blocking thread while this task stores:
    // the two halves use both cores.
    let (tx, mut rx) = tokio::sync::mpsc::channel::<ingest::ValidBatch>(4);
    let generator = tokio::task::spawn_blocking(move || {
        generate(&config, BATCH, &mut |collection, rows| {
            let parsed = ingest::validate(collection, &rows).map_err(|errs| {
                format!(
                    "the generator made invalid {collection} rows: {:?}",
                    &errs[..errs.len().min(3)]
                )
            })?;
            tx.blocking_send(parsed)
                .map_err(|_| "storage stopped".to_string())
        })
    });
    let state = quarterdeck_app::AppState::new(store.clone());
    while let Some(batch) = rx.recv().await {
        bar.set_message(batch.collection.slug());
        ingest::commit(&state, tenant.id, &batch)
            .await
            .with_context(|| format!("could not store generated {}", batch.collection))?;
        bar.inc(batch.len() as u64);
    }
    let summary = generator
        .await
        .context("the generator crashed")?
        .map_err(anyhow::Error::msg)
        .context("could not generate the demo company")?;
    bar.finish_and_clear();

    let password = credentials::generate_password();
    admin::create_user(s, &tenant, DEMO_ADMIN_EMAIL, Role::Admin, &password).await?;
    // The demo runs on one machine for one person trying it out: two-factor
    // sign-in is offered but not required (turn it on in Settings).
    let no_mfa = admin::TenantChanges {
        mfa_roles: Some(Vec::new()),
        ..Default::default()
    };
    admin::update_tenant(s, DEMO_TENANT, &no_mfa, &Actor::cli()).await?;
    let (_, token) = admin::create_token(
        s,
        &tenant,
        &[Scope::Ingest, Scope::Read],
        "demo",
        &Actor::cli(),
    )
    .await?;
    println!(
        "Demo company ready: {} customers, {} records in {:.1} s.",
        args.customers,
        summary.rows,
        started.elapsed().as_secs_f64()
    );
    let print_logins = |url: &str| {
        println!("  URL:       {url}");
        println!("  Login:     tenant {DEMO_TENANT}, {DEMO_ADMIN_EMAIL} / {password}");
        println!("  API token: {token} (ingest, read)");
        println!(
            "  Try:       curl -H 'Authorization: Bearer {token}' '{url}/api/v1/customers?limit=3'"
        );
    };
    if args.no_serve {
        print_logins(&format!("http://{}", args.listen));
        println!("  (not serving: start it with `quarterdeck serve`)");
        return Ok(());
    }
    super::serve::serve(
        store.clone(),
        args.listen,
        &args.delivery,
        true,
        print_logins,
    )
    .await
}
