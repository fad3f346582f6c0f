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

    seed_targets_and_alerts(&state, &tenant).await?;

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

/// Gives the demo what a workspace has after a few weeks of use: its own KPI
/// targets, two threshold rules and the alerts they and the built-in event
/// rules found week by week over the last six months of its history.
async fn seed_targets_and_alerts(
    state: &quarterdeck_app::AppState,
    tenant: &quarterdeck_store::Tenant,
) -> anyhow::Result<()> {
    use quarterdeck_delivery::alerts::rules::{EventSettings, Op, Severity, ThresholdRule, Window};
    use quarterdeck_delivery::alerts::service;
    use quarterdeck_domain::tenancy::Target;
    use rust_decimal::Decimal;
    let s = state.store.as_ref();
    let target = |good: i64, bad: i64, scale: u32| Target {
        good: Decimal::new(good, scale),
        bad: Decimal::new(bad, scale),
    };
    let targets: std::collections::BTreeMap<&str, Target> = [
        ("customer_churn_rate", target(2, 4, 2)),
        ("nrr", target(105, 95, 2)),
        ("gross_margin", target(75, 65, 2)),
    ]
    .into_iter()
    .collect();
    s.set_config(
        tenant.id,
        quarterdeck_app::metrics::targets::TARGETS,
        &serde_json::to_string(&targets)?,
    )
    .await?;
    let rule = |id: &str, name: &str, metric: &str, value: Decimal, severity| ThresholdRule {
        id: id.into(),
        name: name.into(),
        metric: metric.into(),
        op: Op::Above,
        value,
        relative: false,
        for_days: 0,
        filter: Default::default(),
        severity,
        window: Window::Auto,
    };
    let rules = [
        rule(
            "demo-churn",
            "Monthly customer churn above 3 %",
            "customer_churn_rate",
            Decimal::new(3, 2),
            Severity::Warning,
        ),
        rule(
            "demo-overdue",
            "Overdue receivables above $25,000",
            "ar_overdue",
            Decimal::from(25_000),
            Severity::Critical,
        ),
    ];
    s.set_config(tenant.id, service::RULES, &serde_json::to_string(&rules)?)
        .await?;
    seed_capacity(state, tenant).await?;
    // The alerts of the last six months, replayed week by week on the generated
    // history: each opened on the Monday it was found and resolved on the first
    // Monday it no longer held. What still holds today is opened live below.
    let history = {
        let engine = state.engines.read(tenant).await?;
        let today = chrono::Utc::now().date_naive();
        // Weekly looks with the default 7-day lookback: together they cover
        // every day up to the live evaluation's own week.
        let weekly = EventSettings::default();
        let mut open: std::collections::BTreeMap<
            String,
            (
                quarterdeck_delivery::alerts::rules::Finding,
                chrono::NaiveDate,
            ),
        > = Default::default();
        let mut episodes = Vec::new();
        for week in (1..=26).rev() {
            let day = today - chrono::Duration::weeks(week);
            let mut found: Vec<_> = rules
                .iter()
                .filter_map(|r| {
                    quarterdeck_delivery::alerts::rules::evaluate_threshold(&engine, r, day)
                })
                .collect();
            found.extend(quarterdeck_delivery::alerts::rules::evaluate_events(
                &engine, &weekly, day,
            ));
            let keys: std::collections::BTreeSet<String> =
                found.iter().map(|f| f.key.clone()).collect();
            let ended: Vec<String> = open
                .keys()
                .filter(|k| !keys.contains(*k))
                .cloned()
                .collect();
            for key in ended {
                if let Some((f, opened)) = open.remove(&key) {
                    episodes.push((f, opened, day));
                }
            }
            for f in found {
                open.entry(f.key.clone()).or_insert((f, day));
            }
        }
        // Stored in the order they opened, so the list reads as a timeline.
        episodes.sort_by_key(|(_, opened, _)| *opened);
        episodes
    };
    let at_nine = |d: chrono::NaiveDate| d.and_hms_opt(9, 0, 0).expect("9:00").and_utc();
    // A refreshed demo keeps the history it already has.
    let fresh = s.list_alerts(tenant.id, false, 1).await?.is_empty();
    for (f, opened, resolved) in history.iter().filter(|_| fresh) {
        let alert = quarterdeck_store::NewAlert {
            tenant_id: tenant.id,
            key: f.key.clone(),
            rule: f.rule.clone(),
            severity: f.severity,
            title: f.title.clone(),
            detail: f.detail.to_string(),
        };
        s.record_past_alert(&alert, at_nine(*opened), at_nine(*resolved))
            .await?;
    }
    service::evaluate(state, tenant)
        .await
        .map_err(anyhow::Error::msg)
        .context("could not evaluate the demo's alert rules")?;
    Ok(())
}

/// CSM capacity targets a little above each segment's even share per CSM,
/// so the CSM holding the larger share of a segment is over capacity and the
/// Team page has a rebalancing to recommend.
async fn seed_capacity(
    state: &quarterdeck_app::AppState,
    tenant: &quarterdeck_store::Tenant,
) -> anyhow::Result<()> {
    use rust_decimal::Decimal;
    use std::collections::{BTreeMap, BTreeSet};
    let targets = {
        let engine = state.engines.read(tenant).await?;
        let l = &engine.ledger;
        let today = chrono::Utc::now().date_naive();
        // Segment → (accounts, ARR, CSMs).
        let mut by: BTreeMap<String, (u64, Decimal, BTreeSet<String>)> = BTreeMap::new();
        for (slot, arr) in l.paying_on(today, &Default::default()) {
            let c = l.customer_ref(slot);
            let (Some(segment), Some(csm)) = (c.segment, c.csm) else {
                continue;
            };
            let e = by.entry(segment.to_string()).or_default();
            e.0 += 1;
            e.1 += arr;
            e.2.insert(csm.to_string());
        }
        by.into_iter()
            .map(|(segment, (n, arr, csms))| {
                let k = csms.len().max(1) as u64;
                let accounts = (n * 11).div_ceil(10 * k).max(1);
                let thousand = Decimal::from(1000);
                let arr =
                    (arr * Decimal::new(115, 2) / Decimal::from(k) / thousand).round() * thousand;
                (
                    segment,
                    serde_json::json!({"accounts": accounts, "arr": arr.to_string()}),
                )
            })
            .collect::<serde_json::Map<_, _>>()
    };
    state
        .store
        .set_config(
            tenant.id,
            quarterdeck_app::metrics::team::CSM_CAPACITY,
            &serde_json::Value::Object(targets).to_string(),
        )
        .await?;
    Ok(())
}
