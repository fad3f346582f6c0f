//! Golden answers: every read endpoint (API and the pages' JSON and CSV
//! twins) on a fixed demo company, compared with the files in `golden/`, on
//! both backends. Refactors must leave these answers as they are; additions
//! are reviewed and recorded with `UPDATE_GOLDEN=1 cargo test -p
//! quarterdeck-server --test golden`.

mod support;

use quarterdeck_domain::Role;
use quarterdeck_store::testing::TestStore;
use serde_json::{Map, Value};
use support::TestApp;

quarterdeck_store::backend_stories!(answers_match_the_golden_files);

/// The demo's "today": fixed, so the data and the answers never drift.
const TODAY: &str = "2026-06-15";

/// API reads, by name.
fn api_queries() -> Vec<(&'static str, String)> {
    let m = "/api/v1/metrics";
    let year = "from=2025-07-01&to=2026-05-31";
    let mut q = vec![
        ("summary", format!("{m}/summary?{year}")),
        (
            "summary_previous_year",
            format!("{m}/summary?{year}&compare=previous_year"),
        ),
        (
            "summary_no_compare_month",
            format!("{m}/summary?from=2026-05-01&to=2026-05-31&compare=none"),
        ),
        (
            "summary_segment",
            format!("{m}/summary?{year}&segment=enterprise&segment=smb"),
        ),
        (
            "summary_plan_region",
            format!("{m}/summary?{year}&plan=growth&region=emea"),
        ),
        ("movements_month", format!("{m}/movements?{year}")),
        (
            "movements_week",
            format!("{m}/movements?from=2026-03-01&to=2026-05-31&interval=week"),
        ),
        (
            "movements_quarter",
            format!("{m}/movements?from=2024-01-01&to=2026-05-31&interval=quarter"),
        ),
        (
            "drilldown_new",
            format!("{m}/movements/2026-03-01/new?{year}"),
        ),
        (
            "drilldown_churn",
            format!("{m}/movements/2026-02-01/churn?{year}"),
        ),
        (
            "drilldown_expansion",
            format!("{m}/movements/2026-04-10/expansion?{year}"),
        ),
        (
            "cohorts_month_logos",
            format!("{m}/cohorts?from=2024-06-01&to=2026-05-31"),
        ),
        (
            "cohorts_quarter_mrr",
            format!("{m}/cohorts?from=2024-01-01&to=2026-05-31&by=quarter&measure=mrr"),
        ),
        ("ar_aging", format!("{m}/ar-aging?{year}")),
        ("ar_aging_as_of", format!("{m}/ar-aging?as_of=2026-01-31")),
        ("forecast", format!("{m}/forecast?{year}")),
        (
            "forecast_mid_month",
            format!("{m}/forecast?from=2026-03-01&to=2026-03-17"),
        ),
        ("accounts", "/api/v1/accounts?to=2026-05-31".to_string()),
        (
            "accounts_by_name",
            "/api/v1/accounts?to=2026-05-31&sort=name&limit=20&cursor=10".to_string(),
        ),
        (
            "accounts_segment_arr",
            "/api/v1/accounts?to=2026-05-31&sort=-arr&segment=smb".to_string(),
        ),
        ("customers_list", "/api/v1/customers?limit=5".to_string()),
        ("invoices_list", "/api/v1/invoices?limit=3".to_string()),
    ];
    for metric in [
        "mrr",
        "arr",
        "paying_customers",
        "arpa",
        "new_mrr",
        "churned_mrr",
        "net_new_mrr",
        "customer_churn_rate",
        "gross_mrr_churn_rate",
        "net_mrr_churn_rate",
        "grr",
        "nrr",
        "grr_period",
        "nrr_period",
        "quick_ratio",
        "ltv",
        "revenue",
        "gross_margin",
        "ar_total",
        "ar_overdue",
        "dso",
        "arr_at_risk",
    ] {
        let name: &'static str = Box::leak(format!("series_{metric}").into_boxed_str());
        q.push((name, format!("{m}/series?metric={metric}&{year}")));
    }
    q.push((
        "series_mrr_day",
        format!("{m}/series?metric=mrr&interval=day&from=2026-05-01&to=2026-05-31"),
    ));
    q.push((
        "series_mrr_quarter",
        format!("{m}/series?metric=mrr&interval=quarter&from=2024-01-01&to=2026-05-31"),
    ));
    q
}

/// The pages' twins, by name.
fn page_queries() -> Vec<(&'static str, &'static str)> {
    let year = "from=2025-07-01&to=2026-05-31";
    let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
    vec![
        ("page_summary_json", leak(format!("/summary.json?{year}"))),
        ("page_revenue_json", leak(format!("/revenue.json?{year}"))),
        (
            "page_retention_json",
            leak(format!("/retention.json?{year}")),
        ),
        ("page_billing_json", leak(format!("/billing.json?{year}"))),
        ("page_accounts_json", leak(format!("/accounts.json?{year}"))),
        ("page_summary_csv", leak(format!("/summary.csv?{year}"))),
        ("page_revenue_csv", leak(format!("/revenue.csv?{year}"))),
        ("page_retention_csv", leak(format!("/retention.csv?{year}"))),
        ("page_billing_csv", leak(format!("/billing.csv?{year}"))),
        ("page_accounts_csv", leak(format!("/accounts.csv?{year}"))),
        (
            "page_accounts_csv_by_name",
            leak(format!("/accounts.csv?{year}&sort=name&segment=smb")),
        ),
    ]
}

fn golden_path(name: &str) -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Replaces what changes between runs (ids of stored rows, generation times).
fn stable(mut v: Value) -> Value {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                for (k, x) in m.iter_mut() {
                    if k == "next_cursor"
                        && x.is_string()
                        && x.as_str().is_some_and(|s| s.parse::<i64>().is_ok())
                    {
                        // Record cursors are store sequence numbers.
                        *x = Value::String("<cursor>".into());
                    } else if k == "generated_at" {
                        *x = Value::String("<time>".into());
                    } else {
                        walk(x);
                    }
                }
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    walk(&mut v);
    v
}

/// Every line of a CSV but the "generated" one.
fn stable_csv(text: &str) -> String {
    text.lines()
        .filter(|l| !l.to_ascii_lowercase().contains("generated"))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn answers_match_the_golden_files(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo_on(120, TODAY.parse().unwrap()).await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;

    let mut api = Map::new();
    for (name, path) in api_queries() {
        let r = app.get(&path, Some(&app.read_token)).await;
        assert_eq!(r.status(), 200, "{path}");
        let v: Value = r.json().await.unwrap();
        api.insert(name.to_string(), stable(v));
    }
    let mut pages = Map::new();
    for (name, path) in page_queries() {
        let r = b.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        let text = r.text().await.unwrap();
        let v = if name.ends_with("_json") {
            stable(serde_json::from_str(&text).unwrap())
        } else {
            Value::String(stable_csv(&text))
        };
        pages.insert(name.to_string(), v);
    }
    for (file, got) in [("api.json", api), ("pages.json", pages)] {
        let path = golden_path(file);
        let got = Value::Object(got);
        if std::env::var_os("UPDATE_GOLDEN").is_some() {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, serde_json::to_string_pretty(&got).unwrap() + "\n").unwrap();
            continue;
        }
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| {
                panic!("{}: {e} (record with UPDATE_GOLDEN=1)", path.display())
            }))
            .unwrap();
        for (name, w) in want.as_object().unwrap() {
            let g = &got[name.as_str()];
            assert!(
                g == w,
                "{file}: `{name}` changed\n--- golden\n{}\n--- now\n{}",
                serde_json::to_string_pretty(w).unwrap(),
                serde_json::to_string_pretty(g).unwrap()
            );
        }
        for name in got.as_object().unwrap().keys() {
            assert!(
                want.get(name).is_some(),
                "{file}: `{name}` is new: record it with UPDATE_GOLDEN=1"
            );
        }
    }
}
