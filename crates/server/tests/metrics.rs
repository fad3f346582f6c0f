//! The metrics and accounts API through real HTTP, on SQLite and PostgreSQL,
//! over a hand-built company whose every number is worked out below.

mod support;

use quarterdeck_store::testing::TestStore;
use serde_json::{Value, json};
use support::TestApp;

quarterdeck_store::backend_stories!(
    summary_matches_the_worked_scenario,
    movements_sum_and_drill_down_to_customers,
    filters_select_and_empty_filters_give_nulls,
    reads_reflect_writes_at_once,
    writes_by_another_process_are_seen,
    series_cohorts_and_ar_aging,
    accounts_list_and_detail,
    accounts_flag_overdue_and_next_renewal,
    bad_parameters_are_400_naming_them,
    tenants_never_see_each_others_metrics,
    openapi_document_is_served,
    settings_changes_are_seen_at_once,
    delinquency_churns_and_payment_reactivates,
    forecast_states_its_backtest_beside_the_naive_one,
    partial_periods_and_buckets_say_so,
);

/// Twelve customers, one more each month of 2025 at $100: MRR grows in a
/// straight line, which the trend predicts exactly and "flat" misses by $100.
async fn forecast_states_its_backtest_beside_the_naive_one(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let events: Vec<Value> = (1..=12)
        .map(|m| json!({"id": format!("e{m}"), "customer_id": format!("c{m}"), "subscription_id": format!("s{m}"),
            "type": "start", "effective_at": format!("2025-{m:02}-01"), "amount": 100}))
        .collect();
    let r = app
        .post("subscription-events", &app.token, &Value::Array(events))
        .await;
    assert_eq!(r.status(), 200);
    let f = get(
        &app,
        "/api/v1/metrics/forecast?from=2025-12-01&to=2025-12-31",
    )
    .await;
    assert_eq!(f["history"].as_array().unwrap().len(), 12);
    assert_eq!(
        f["history"][11],
        json!({"date": "2025-12-31", "value": 1200})
    );
    assert_eq!(f["points"][0]["date"], "2026-01-31");
    assert_eq!(f["points"][0]["value"], 1300);
    assert_eq!(f["points"][5]["date"], "2026-06-30");
    assert_eq!(f["points"][5]["value"], 1800);
    let b = &f["backtest"];
    assert_eq!(b["months"], 6);
    assert_eq!(b["method"], json!({"mape": 0, "mase": 0}));
    // Flat MRR misses each of Jul–Dec by $100: MASE 1; MAPE the mean of 100/700 … 100/1200.
    assert_eq!(b["naive"]["mase"], 1);
    assert_eq!(b["naive"]["mape"], 0.108868);
    // Mid-month: the history ends with the last whole month.
    let f = get(
        &app,
        "/api/v1/metrics/forecast?from=2025-12-01&to=2025-12-15",
    )
    .await;
    assert_eq!(f["history"][11]["date"], "2025-11-30");
}

/// A period or bucket ending after today is partial (metrics.md, Time).
async fn partial_periods_and_buckets_say_so(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let today = chrono::Utc::now().date_naive();
    let next_month = today + chrono::Duration::days(40);
    let s = get(
        &app,
        &format!("/api/v1/metrics/summary?from={today}&to={next_month}"),
    )
    .await;
    assert_eq!(s["partial"], true);
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2025-01-01&to=2025-03-31",
    )
    .await;
    assert_eq!(s["partial"], false);
    let series = get(
        &app,
        &format!(
            "/api/v1/metrics/series?metric=mrr&interval=month&from=2025-01-01&to={next_month}"
        ),
    )
    .await;
    let points = series["points"].as_array().unwrap();
    assert_eq!(points[0].get("partial"), None, "January 2025 is over");
    assert_eq!(points.last().unwrap()["partial"], true);
    let m = get(
        &app,
        &format!("/api/v1/metrics/movements?interval=month&from=2025-01-01&to={next_month}"),
    )
    .await;
    assert_eq!(
        m["buckets"].as_array().unwrap().last().unwrap()["partial"],
        true
    );
}

/// c1 (smb): $100/month from Jan 1 2025, $150 from Mar 1 (expansion 50).
/// c2 (enterprise): $1,200/year from Jan 15 (MRR 100), cancelled Apr 1 (churn 100).
/// Invoice i1 of c1: $100 issued Mar 1, due Mar 31; $40 paid Apr 10.
async fn scenario(app: &TestApp) {
    app.post_ok(
        "customers",
        json!([
            {"id": "c1", "name": "Alpha", "segment": "smb", "csm": "ana", "region": "emea"},
            {"id": "c2", "name": "Beta", "segment": "enterprise", "csm": "bo", "region": "na"},
        ]),
    )
    .await;
    app.post_ok("subscription-events", json!([
        {"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100, "plan": "pro"},
        {"id": "e2", "customer_id": "c2", "subscription_id": "s2", "type": "start", "effective_at": "2025-01-15", "amount": "1200.00", "interval": "year", "plan": "ent"},
        {"id": "e3", "customer_id": "c1", "subscription_id": "s1", "type": "change", "effective_at": "2025-03-01", "amount": 150, "plan": "pro"},
        {"id": "e4", "customer_id": "c2", "subscription_id": "s2", "type": "cancel", "effective_at": "2025-04-01"},
    ])).await;
    app.post_ok("invoices", json!([
        {"id": "i1", "customer_id": "c1", "issued_at": "2025-03-01", "due_at": "2025-03-31", "currency": "USD", "amount": 100},
    ])).await;
    app.post_ok(
        "payments",
        json!([{"id": "p1", "invoice_id": "i1", "paid_at": "2025-04-10", "amount": 40}]),
    )
    .await;
}

async fn get(app: &TestApp, path: &str) -> Value {
    let r = app.get(path, Some(&app.read_token)).await;
    assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn metric<'a>(summary: &'a Value, name: &str) -> &'a Value {
    &summary["metrics"][name]
}

async fn summary_matches_the_worked_scenario(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2025-03-01&to=2025-03-31",
    )
    .await;
    assert_eq!(
        s["period"],
        json!({"from": "2025-03-01", "to": "2025-03-31"})
    );
    // A whole month compares with the whole month before (metrics.md, Time).
    assert_eq!(
        s["compare"],
        json!({"from": "2025-02-01", "to": "2025-02-28"})
    );
    assert_eq!(s["currency"], "USD");
    assert_eq!(s["partial"], false);
    assert_eq!(
        metric(&s, "mrr"),
        &json!({"value": 250, "previous": 200, "change": 0.25})
    );
    assert_eq!(metric(&s, "arr")["value"], 3000);
    assert_eq!(metric(&s, "paying_customers")["value"], 2);
    assert_eq!(metric(&s, "arpa")["value"], 125);
    assert_eq!(metric(&s, "expansion_mrr")["value"], 50);
    assert_eq!(metric(&s, "net_new_mrr")["value"], 50);
    assert_eq!(metric(&s, "new_mrr")["value"], 0);
    assert_eq!(metric(&s, "revenue")["value"], 100);
    assert_eq!(metric(&s, "nrr_period")["value"], 1.25);
    assert_eq!(metric(&s, "grr_period")["value"], 1);
    assert_eq!(metric(&s, "customer_churn_rate")["value"], 0);
    // One whole month: its average monthly rate is its own rate.
    assert_eq!(metric(&s, "avg_monthly_customer_churn_rate")["value"], 0);
    // Ratios carry their change in points: GRR 1 now, 1 in February.
    assert_eq!(metric(&s, "grr_period")["change_pp"], 0);
    assert!(
        metric(&s, "mrr").get("change_pp").is_none(),
        "money has no pp"
    );
    assert!(
        metric(&s, "quick_ratio")["value"].is_null(),
        "no losses: undefined"
    );
    // AR on Mar 31: i1 due that day, nothing paid: current.
    assert_eq!(metric(&s, "ar_total")["value"], 100);
    assert_eq!(metric(&s, "ar_overdue")["value"], 0);
    // DSO = 100 ÷ 100 × 31 days.
    assert_eq!(metric(&s, "dso")["value"], 31);

    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2025-04-01&to=2025-04-30&compare=none",
    )
    .await;
    assert!(s["compare"].is_null());
    assert_eq!(metric(&s, "mrr")["value"], 150);
    assert!(metric(&s, "mrr")["previous"].is_null());
    assert_eq!(metric(&s, "churned_mrr")["value"], 100);
    assert_eq!(metric(&s, "churned_customers")["value"], 1);
    assert_eq!(metric(&s, "customer_churn_rate")["value"], 0.5);
    assert_eq!(metric(&s, "gross_mrr_churn_rate")["value"], 0.4);
    assert_eq!(metric(&s, "net_mrr_churn_rate")["value"], 0.4);
    assert_eq!(metric(&s, "quick_ratio")["value"], 0);
    assert_eq!(metric(&s, "grr_period")["value"], 0.6);
    // AR on Apr 30: 60 open, 30 days past due.
    assert_eq!(metric(&s, "ar_overdue")["value"], 60);
    // Twelve months ending Apr 30 start on 2024-04-30, when nobody paid.
    assert!(metric(&s, "nrr")["value"].is_null());
    assert!(metric(&s, "grr")["value"].is_null());
    // Health on Apr 30: c1 is the only account paying and its only data is
    // the invoice 30 days past due (payment 100 − 40 = 60, at risk), so no
    // ARR is in the critical band.
    assert_eq!(metric(&s, "arr_at_risk")["value"], 0);

    // January 2026, by hand (metrics.md, Churn and retention):
    // S = 2025-01-31: c1 100, c2 100; E = 2026-01-31: c1 150, c2 0.
    // NRR = 150 / 200; GRR = (min(150, 100) + min(0, 100)) / 200.
    // No cost data: gross margin is the setting's default 0.80.
    // Monthly logo churn, Feb 2025–Jan 2026: April 1 of 2, the rest 0 of 2 or
    // of 1: average 0.5 / 12. LTV = ARPA 150 × 0.80 ÷ (0.5 / 12) = 2,880.
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2026-01-01&to=2026-01-31&compare=none",
    )
    .await;
    assert_eq!(metric(&s, "nrr")["value"], 0.75);
    assert_eq!(metric(&s, "grr")["value"], 0.5);
    assert_eq!(metric(&s, "gross_margin")["value"], 0.8);
    assert_eq!(metric(&s, "arpa")["value"], 150);
    assert_eq!(metric(&s, "ltv")["value"], 2880);

    // With cost data: a $30 cost of service in March against $100 billed.
    let r = app
        .post(
            "costs",
            &app.token,
            &json!([{"id": "k1", "date": "2025-03-10", "amount": 30, "currency": "USD",
                     "category": "hosting", "cost_of_service": true}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2025-03-01&to=2025-03-31&compare=none",
    )
    .await;
    assert_eq!(metric(&s, "gross_margin")["value"], 0.7);
    // LTV takes the margin of its own twelve months (Feb 2025–Jan 2026): 0.70.
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2026-01-01&to=2026-01-31&compare=none",
    )
    .await;
    assert_eq!(metric(&s, "ltv")["value"], 2520);
}

async fn movements_sum_and_drill_down_to_customers(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let m = get(
        &app,
        "/api/v1/metrics/movements?from=2025-01-01&to=2025-04-30&interval=month",
    )
    .await;
    let buckets = m["buckets"].as_array().unwrap();
    assert_eq!(buckets.len(), 4);
    assert_eq!(buckets[0]["date"], "2025-01-31");
    assert_eq!(buckets[0]["new"], 200);
    assert_eq!(buckets[2]["expansion"], 50);
    assert_eq!(buckets[3]["churn"], 100);
    for b in buckets {
        let f = |k: &str| b[k].as_f64().unwrap();
        let net = f("new") + f("reactivation") + f("expansion") - f("contraction") - f("churn");
        assert_eq!(net, f("net_new"));
        assert_eq!(f("mrr_end") - f("mrr_start"), net, "{b}");
    }
    let d = get(
        &app,
        "/api/v1/metrics/movements/2025-04-30/churn?from=2025-01-01&to=2025-04-30",
    )
    .await;
    assert_eq!(
        d["customers"],
        json!([{"id": "c2", "name": "Beta", "amount": 100}])
    );
    assert_eq!(d["total"], 100);
    let d = get(
        &app,
        "/api/v1/metrics/movements/2025-01-20/new?from=2025-01-01&to=2025-04-30&segment=smb",
    )
    .await;
    assert_eq!(
        d["customers"],
        json!([{"id": "c1", "name": "Alpha", "amount": 100}])
    );
    assert_eq!(d["filters"], json!({"segment": ["smb"]}));
}

async fn filters_select_and_empty_filters_give_nulls(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let q = "/api/v1/metrics/summary?from=2025-03-01&to=2025-03-31";
    let smb = get(&app, &format!("{q}&segment=smb")).await;
    let ent = get(&app, &format!("{q}&segment=enterprise")).await;
    let both = get(&app, &format!("{q}&segment=smb&segment=enterprise")).await;
    assert_eq!(metric(&smb, "mrr")["value"], 150);
    assert_eq!(metric(&ent, "mrr")["value"], 100);
    assert_eq!(metric(&both, "mrr")["value"], 250);
    assert_eq!(
        metric(&get(&app, &format!("{q}&plan=ent")).await, "mrr")["value"],
        100
    );
    assert_eq!(
        metric(&get(&app, &format!("{q}&csm=ana&region=emea")).await, "mrr")["value"],
        150
    );
    let none = get(&app, &format!("{q}&segment=nobody")).await;
    assert_eq!(metric(&none, "mrr")["value"], 0);
    for ratio in [
        "arpa",
        "customer_churn_rate",
        "gross_mrr_churn_rate",
        "nrr",
        "grr",
        "quick_ratio",
        "ltv",
    ] {
        assert!(
            metric(&none, ratio)["value"].is_null(),
            "{ratio} should be null"
        );
    }
    assert_eq!(none["filters"], json!({"segment": ["nobody"]}));
}

async fn reads_reflect_writes_at_once(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let q = "/api/v1/metrics/summary?from=2025-05-01&to=2025-05-31";
    assert_eq!(metric(&get(&app, q).await, "mrr")["value"], 150);
    let r = app.post("subscription-events", &app.token, &json!([
        {"id": "e5", "customer_id": "c1", "subscription_id": "s1", "type": "change", "effective_at": "2025-05-10", "amount": 175},
    ])).await;
    assert_eq!(r.status(), 200);
    assert_eq!(metric(&get(&app, q).await, "mrr")["value"], 175);
    assert_eq!(
        app.delete("/api/v1/subscription-events/e5", &app.token)
            .await
            .status(),
        204
    );
    assert_eq!(metric(&get(&app, q).await, "mrr")["value"], 150);
}

async fn writes_by_another_process_are_seen(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let q = "/api/v1/metrics/summary?from=2025-05-01&to=2025-05-31";
    assert_eq!(metric(&get(&app, q).await, "mrr")["value"], 150);
    // Another replica writes straight to the shared store.
    let other =
        quarterdeck_app::AppState::new(quarterdeck_store::open(&app.store.target).await.unwrap());
    let batch = quarterdeck_app::ingest::validate(
        quarterdeck_domain::Collection::SubscriptionEvents,
        &[json!({"id": "e9", "customer_id": "c3", "subscription_id": "s9", "type": "start", "effective_at": "2025-05-02", "amount": 10})],
    )
    .unwrap();
    quarterdeck_app::ingest::commit(&other, app.tenant.id, &batch)
        .await
        .unwrap();
    assert_eq!(metric(&get(&app, q).await, "mrr")["value"], 160);
}

async fn series_cohorts_and_ar_aging(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let s = get(
        &app,
        "/api/v1/metrics/series?metric=mrr&interval=month&from=2025-01-01&to=2025-04-15",
    )
    .await;
    let points: Vec<(String, f64)> = s["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["date"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        points,
        vec![
            ("2025-01-31".into(), 200.0),
            ("2025-02-28".into(), 200.0),
            ("2025-03-31".into(), 250.0),
            ("2025-04-15".into(), 150.0)
        ]
    );
    let r = get(
        &app,
        "/api/v1/metrics/series?metric=revenue&interval=month&from=2025-01-01&to=2025-03-31",
    )
    .await;
    assert_eq!(r["points"][2]["value"], 100);
    let c = get(
        &app,
        "/api/v1/metrics/cohorts?by=month&measure=logos&from=2025-01-01&to=2025-04-30",
    )
    .await;
    let jan = &c["cohorts"][0];
    assert_eq!(jan["cohort"], "2025-01");
    assert_eq!(jan["size"], 2);
    assert_eq!(jan["values"], json!([1, 1, 1, 0.5]));
    let c = get(
        &app,
        "/api/v1/metrics/cohorts?by=month&measure=mrr&from=2025-01-01&to=2025-04-30",
    )
    .await;
    assert_eq!(c["cohorts"][0]["values"], json!([1, 1, 1.25, 0.75]));
    let a = get(&app, "/api/v1/metrics/ar-aging?as_of=2025-04-15").await;
    assert_eq!(
        a["buckets"],
        json!({"current": 0, "d1_30": 60, "d31_60": 0, "d61_90": 0, "d90_plus": 0})
    );
    assert_eq!(a["total"], 60);
    let a = get(&app, "/api/v1/metrics/ar-aging?as_of=2025-03-15").await;
    assert_eq!(a["buckets"]["current"], 100);
}

async fn accounts_list_and_detail(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let l = get(&app, "/api/v1/accounts?to=2025-03-31").await;
    let ids: Vec<&str> = l["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["c1", "c2"]);
    assert_eq!(l["data"][0]["mrr"], 150);
    assert_eq!(l["data"][0]["arr"], 1800);
    assert_eq!(l["data"][0]["plan"], "pro");
    let l = get(&app, "/api/v1/accounts?to=2025-03-31&sort=name&limit=1").await;
    assert_eq!(l["data"][0]["id"], "c1");
    let next = l["next_cursor"].as_str().unwrap();
    let l2 = get(
        &app,
        &format!("/api/v1/accounts?to=2025-03-31&sort=name&limit=1&cursor={next}"),
    )
    .await;
    assert_eq!(l2["data"][0]["id"], "c2");
    assert!(l2["next_cursor"].is_null());
    let one = get(&app, "/api/v1/accounts/c2?from=2025-01-01&to=2025-04-30").await;
    assert_eq!(one["name"], "Beta");
    assert_eq!(one["history"].as_array().unwrap().len(), 4);
    let kinds: Vec<&str> = one["movements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["new", "churn"]);
    assert_eq!(
        app.get("/api/v1/accounts/nope", Some(&app.read_token))
            .await
            .status(),
        404
    );
}

/// The accounts list flags what is overdue and says when an annual
/// subscription renews; the account page says both.
async fn accounts_flag_overdue_and_next_renewal(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    app.no_mfa_rule().await;
    app.user("exec@acme.test", quarterdeck_domain::Role::Executive, None)
        .await;
    let mut b = app.browser("exec@acme.test").await;
    // Beta's yearly subscription (from Jan 15) is active on Mar 31.
    let page = b.page("/accounts?from=2025-03-01&to=2025-03-31").await;
    let beta = support::between(&page, ">Beta</a>", "</td>").unwrap();
    assert!(beta.contains("Renews Jan 15, 2026"), "{beta}");
    let alpha = support::between(&page, ">Alpha</a>", "</td>").unwrap();
    assert!(
        !alpha.contains("Renews"),
        "monthly billing has no renewal: {alpha}"
    );
    assert!(!alpha.contains("Overdue"), "nothing past due yet: {alpha}");
    // Alpha's invoice fell due on Mar 31 and is paid only on Apr 10.
    let page = b.page("/accounts?from=2025-04-01&to=2025-04-05").await;
    let alpha = support::between(&page, ">Alpha</a>", "</td>").unwrap();
    assert!(alpha.contains("Overdue $100.00"), "{alpha}");
    let one = b.page("/accounts/c2?from=2025-03-01&to=2025-03-31").await;
    assert!(one.contains("Next renewal") && one.contains("Jan 15, 2026"));
    let one = b.page("/accounts/c1?from=2025-04-01&to=2025-04-05").await;
    assert!(
        one.contains("$100.00"),
        "the account page says what is overdue"
    );
}

async fn bad_parameters_are_400_naming_them(store: TestStore) {
    let app = TestApp::spawn(store).await;
    for (path, param) in [
        ("/api/v1/metrics/summary?from=2025-02-30", "from"),
        (
            "/api/v1/metrics/summary?from=2025-03-02&to=2025-03-01",
            "from",
        ),
        ("/api/v1/metrics/summary?compare=lastweek", "compare"),
        ("/api/v1/metrics/summary?country=de", "country"),
        ("/api/v1/metrics/series?metric=happiness", "metric"),
        ("/api/v1/metrics/series", "metric"),
        (
            "/api/v1/metrics/series?metric=mrr&interval=hour",
            "interval",
        ),
        ("/api/v1/metrics/cohorts?by=week", "by"),
        ("/api/v1/metrics/ar-aging?as_of=soon", "as_of"),
        ("/api/v1/accounts?sort=vibes", "sort"),
        ("/api/v1/metrics/movements/2025-01-01/loss", "kind"),
    ] {
        let r = app.get(path, Some(&app.read_token)).await;
        assert_eq!(r.status(), 400, "{path}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["error"]["param"], param, "{path}: {body}");
    }
    assert_eq!(app.get("/api/v1/metrics/summary", None).await.status(), 401);
    assert_eq!(
        app.get("/api/v1/metrics/summary", Some(&app.ingest_token))
            .await
            .status(),
        403
    );
}

async fn tenants_never_see_each_others_metrics(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let (_, other) = app.other_tenant("globex").await;
    let r = app
        .get(
            "/api/v1/metrics/summary?from=2025-03-01&to=2025-03-31",
            Some(&other),
        )
        .await;
    let s: Value = r.json().await.unwrap();
    assert_eq!(metric(&s, "mrr")["value"], 0);
    assert_eq!(s["currency"], "EUR");
    assert_eq!(
        app.get("/api/v1/accounts/c1", Some(&other)).await.status(),
        404
    );
    let l: Value = app
        .get("/api/v1/accounts", Some(&other))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(l["total"], 0);
}

async fn openapi_document_is_served(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let doc = get(&app, "/api/v1/openapi.json").await;
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/customers",
        "/api/v1/metrics/summary",
        "/api/v1/accounts/{id}",
    ] {
        assert!(doc["paths"][path].is_object(), "{path}");
    }
}

async fn settings_changes_are_seen_at_once(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let q = "/api/v1/metrics/series?metric=mrr&interval=quarter&from=2025-01-01&to=2025-06-30";
    let dates = |v: &Value| -> Vec<String> {
        v["points"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["date"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(dates(&get(&app, q).await), vec!["2025-03-31", "2025-06-30"]);
    let changes = quarterdeck_app::admin::TenantChanges {
        fiscal_year_start: Some(2),
        gross_margin: Some("0.5".into()),
        ..Default::default()
    };
    quarterdeck_app::admin::update_tenant(
        app.store.store.as_ref(),
        "acme",
        &changes,
        &quarterdeck_app::audit::Actor::cli(),
    )
    .await
    .unwrap();
    assert_eq!(
        dates(&get(&app, q).await),
        vec!["2025-01-31", "2025-04-30", "2025-06-30"]
    );
    let s = get(
        &app,
        "/api/v1/metrics/summary?from=2025-03-01&to=2025-03-31",
    )
    .await;
    assert_eq!(
        metric(&s, "gross_margin")["value"],
        0.5,
        "no cost data: the setting"
    );
}

async fn delinquency_churns_and_payment_reactivates(store: TestStore) {
    let app = TestApp::spawn(store).await;
    scenario(&app).await;
    let mrr_on = |day: &'static str| {
        let app = &app;
        async move {
            let s = get(
                app,
                &format!("/api/v1/metrics/summary?from={day}&to={day}&compare=none"),
            )
            .await;
            metric(&s, "mrr")["value"].clone()
        }
    };
    assert_eq!(mrr_on("2025-04-30").await, 150, "off by default");
    let changes = quarterdeck_app::admin::TenantChanges {
        delinquency_days: Some(Some(30)),
        ..Default::default()
    };
    quarterdeck_app::admin::update_tenant(
        app.store.store.as_ref(),
        "acme",
        &changes,
        &quarterdeck_app::audit::Actor::cli(),
    )
    .await
    .unwrap();
    // i1 (due Mar 31) still owes 60: c1 counts as churned from Apr 30 (due + 30).
    assert_eq!(mrr_on("2025-04-29").await, 150);
    assert_eq!(mrr_on("2025-04-30").await, 0);
    let r = app
        .post(
            "payments",
            &app.token,
            &json!([{"id": "p2", "invoice_id": "i1", "paid_at": "2025-05-05", "amount": 60}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(mrr_on("2025-05-05").await, 150);
    let may = get(
        &app,
        "/api/v1/metrics/summary?from=2025-05-01&to=2025-05-31&compare=none",
    )
    .await;
    assert_eq!(metric(&may, "reactivation_mrr")["value"], 150);
}
