//! Customer health through real HTTP on SQLite and PostgreSQL: the portfolio
//! adds up and agrees with the accounts list and the summary; an account's
//! score shows its parts; new tickets move scores at once.

mod support;

use quarterdeck_store::testing::TestStore;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use support::TestApp;

quarterdeck_store::backend_stories!(
    the_portfolio_adds_up_and_agrees_with_accounts_and_summary,
    an_account_score_shows_its_components_and_history,
    a_new_ticket_moves_the_score_at_once,
    weights_and_bands_are_set_in_settings,
    renewals_answer_the_worked_example,
    expansion_answers_the_worked_example,
    segments_side_by_side_add_up_to_all,
    team_books_capacity_and_rebalancing,
    save_plays_count_a_saved_account_that_churned_as_lost,
    page_json_twins_are_the_api_answers,
);

async fn get(app: &TestApp, path: &str) -> Value {
    let r = app.get(path, Some(&app.read_token)).await;
    assert_eq!(r.status(), 200, "{path}: {}", r.text().await.unwrap());
    r.json().await.unwrap()
}

fn dec(v: &Value) -> Decimal {
    v.to_string().parse().unwrap()
}

async fn the_portfolio_adds_up_and_agrees_with_accounts_and_summary(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.load_demo(300).await;
    let h = get(&app, "/api/v1/health").await;
    let scored = h["scored"].as_u64().unwrap();
    assert!(scored > 50, "{h}");
    let bands = ["healthy", "at_risk", "critical"];
    let sum: u64 = bands
        .iter()
        .map(|b| h["bands"][b]["customers"].as_u64().unwrap())
        .sum();
    assert_eq!(sum, scored, "band counts sum to the customers scored");
    let arr: Decimal = bands.iter().map(|b| dec(&h["bands"][b]["arr"])).sum();
    assert_eq!(arr, dec(&h["arr"]));
    assert_eq!(dec(&h["arr_at_risk"]), dec(&h["bands"]["critical"]["arr"]));
    // ARR at risk is the sum over the critical accounts the list gives.
    let to = h["period"]["to"].as_str().unwrap();
    let critical = get(
        &app,
        &format!("/api/v1/accounts?to={to}&health=critical&paying=all&limit=1000"),
    )
    .await;
    let listed: Decimal = critical["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            assert_eq!(a["health_band"], "critical");
            dec(&a["arr"])
        })
        .sum();
    assert_eq!(listed, dec(&h["arr_at_risk"]), "{critical}");
    // The summary's ARR at risk is the same number.
    let summary = get(&app, "/api/v1/metrics/summary").await;
    assert_eq!(
        dec(&summary["metrics"]["arr_at_risk"]["value"]),
        dec(&h["arr_at_risk"])
    );
    // And so is the series' point for the same days.
    let series = get(
        &app,
        "/api/v1/metrics/series?metric=arr_at_risk&interval=month",
    )
    .await;
    let points = series["points"].as_array().unwrap();
    assert_eq!(
        dec(&points.last().unwrap()["value"]),
        dec(&h["arr_at_risk"]),
        "{series}"
    );
    // The most at risk: ten at most, lowest score first.
    let top = h["top_at_risk"].as_array().unwrap();
    assert!(!top.is_empty() && top.len() <= 10);
    let scores: Vec<u64> = top.iter().map(|a| a["score"].as_u64().unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] <= w[1]), "{scores:?}");
    // By segment: the segments' counts sum to the whole.
    let seg: u64 = h["by_segment"]
        .as_object()
        .unwrap()
        .values()
        .map(|t| t["scored"].as_u64().unwrap())
        .sum();
    assert_eq!(seg, scored);
    // The predictive check covers twelve month ends and says how it did.
    let months = h["backtest"]["months"].as_array().unwrap();
    assert_eq!(months.len(), 12);
    assert!(h["backtest"]["auc"].is_number() || h["backtest"]["auc"].is_null());
    assert!(
        h["previous"]["as_of"].is_string(),
        "compared with the month before"
    );
    // Expected churn: each band's ARR × its measured 90-day churn share.
    let mut expected = Decimal::ZERO;
    for b in bands {
        let rate = &h["backtest"]["rates"][b];
        if rate.is_number() {
            expected += dec(&h["bands"][b]["arr"]) * dec(rate);
        }
    }
    let forecast = dec(&h["churn_forecast_90d"]);
    assert!(
        (forecast - expected).abs() < Decimal::ONE,
        "{forecast} vs {expected}"
    );
    // Of it, renewals due: never more than the ARR due in the next 90 days.
    let renewals_due = dec(&h["renewal_churn_forecast_90d"]);
    assert!(renewals_due >= Decimal::ZERO);
    let as_of = h["as_of"].as_str().unwrap();
    let next = get(
        &app,
        &format!("/api/v1/renewals?from={as_of}&to={as_of}&as_of={as_of}"),
    )
    .await;
    assert!(next["due"].is_object());
    // Actual retention ARR is twelve times the summary's MRR movements.
    for (arr, mrr) in [
        ("churned_arr", "churned_mrr"),
        ("contraction_arr", "contraction_mrr"),
        ("expansion_arr", "expansion_mrr"),
    ] {
        let m = &summary["metrics"][mrr]["value"];
        if m.is_number() {
            // The summary's MRR is rounded to cents: twelve roundings apart at most.
            let gap = (dec(&h["retention"][arr]) - dec(m) * Decimal::from(12)).abs();
            assert!(gap <= Decimal::new(6, 2), "{arr}: {gap}");
        }
    }
    // A segment filter narrows every figure.
    let smb = get(&app, "/api/v1/health?segment=smb").await;
    assert!(smb["scored"].as_u64().unwrap() < scored);
    assert_eq!(
        smb["scored"], h["by_segment"]["smb"]["scored"],
        "the filter and the breakdown agree"
    );
}

async fn an_account_score_shows_its_components_and_history(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.load_demo(200).await;
    let h = get(&app, "/api/v1/health").await;
    let id = h["top_at_risk"][0]["id"].as_str().unwrap().to_string();
    let a = get(&app, &format!("/api/v1/accounts/{id}/health")).await;
    assert_eq!(a["score"], h["top_at_risk"][0]["score"]);
    let comps = a["components"].as_array().unwrap();
    assert!(!comps.is_empty());
    let weights: Decimal = comps.iter().map(|c| dec(&c["weight"])).sum();
    assert!(
        (weights - Decimal::ONE).abs() < Decimal::new(1, 4),
        "{weights}"
    );
    let total: Decimal = comps.iter().map(|c| dec(&c["contribution"])).sum();
    let score = Decimal::from(a["score"].as_u64().unwrap());
    assert!(
        (total - score).abs() <= Decimal::new(6, 1),
        "{total} vs {score}"
    );
    assert!(a["history"].as_array().unwrap().len() >= 12);
    let r = app
        .get("/api/v1/accounts/nobody/health", Some(&app.read_token))
        .await;
    assert_eq!(r.status(), 404);
    let r = app
        .get(
            &format!("/api/v1/accounts/{id}/health?as_of=2025-02-30"),
            Some(&app.read_token),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["param"], "as_of");
}

async fn a_new_ticket_moves_the_score_at_once(store: TestStore) {
    let owned = TestApp::spawn(store).await;
    let app = &owned;
    app.post_ok(
        "customers",
        json!([
            {"id": "c1", "name": "Alpha", "segment": "smb"},
            {"id": "c2", "name": "Beta", "segment": "smb"},
        ]),
    )
    .await;
    app.post_ok("subscription-events", json!([
        {"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100},
        {"id": "e2", "customer_id": "c2", "subscription_id": "s2", "type": "start", "effective_at": "2025-01-01", "amount": 100},
    ]))
    .await;
    app.post_ok(
        "tickets",
        json!([{"id": "t0", "customer_id": "c2", "opened_at": "2025-05-01", "priority": "low"}]),
    )
    .await;
    let path = "/api/v1/accounts/c1/health?as_of=2025-05-31";
    let before = get(app, path).await;
    assert_eq!(before["score"], 100, "{before}");
    app.post_ok(
        "tickets",
        json!([
            {"id": "t1", "customer_id": "c1", "opened_at": "2025-05-10", "priority": "urgent"},
            {"id": "t2", "customer_id": "c1", "opened_at": "2025-05-12", "priority": "urgent"},
            {"id": "t3", "customer_id": "c1", "opened_at": "2025-05-20", "priority": "high"},
        ]),
    )
    .await;
    let after = get(app, path).await;
    assert!(
        after["score"].as_u64().unwrap() < 100,
        "tickets lower the support component: {after}"
    );
    // A ticket opened after the day asked changes nothing about that day.
    app.post_ok(
        "tickets",
        json!([{"id": "t4", "customer_id": "c1", "opened_at": "2025-06-02", "priority": "urgent"}]),
    )
    .await;
    assert_eq!(get(app, path).await["score"], after["score"]);
}

/// Settings take weights in percent and band limits; bad ones are refused
/// with the field named and change nothing; good ones re-score at once.
async fn weights_and_bands_are_set_in_settings(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", quarterdeck_domain::Role::Admin, None)
        .await;
    let t = &app.token;
    for (c, rows) in [
        (
            "customers",
            json!([{"id": "c1", "name": "Alpha", "segment": "smb"}]),
        ),
        (
            "subscription-events",
            json!([{"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100}]),
        ),
        (
            "invoices",
            json!([{"id": "i1", "customer_id": "c1", "issued_at": "2025-04-01", "due_at": "2025-04-15", "currency": "USD", "amount": 100}]),
        ),
        (
            "tickets",
            json!([{"id": "t1", "customer_id": "c1", "opened_at": "2025-01-05", "priority": "low"}]),
        ),
    ] {
        let r = app.post(c, t, &rows).await;
        assert_eq!(r.status(), 200, "{c}");
    }
    // On May 31: payment 15 (46 days past due −70, a month of MRR −15),
    // support 100; usage, engagement and profitability have no data.
    let path = "/api/v1/accounts/c1/health?as_of=2025-05-31";
    assert_eq!(
        get(&app, path).await["score"],
        51,
        "(15 × 40 + 100 × 30) ÷ 70"
    );
    let mut b = app.browser("boss@acme.test").await;
    let csrf = b.csrf("/admin/settings").await;
    let form = |payment: &'static str, healthy: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("w_payment", payment.to_string()),
            ("w_usage", "0".into()),
            ("w_support", "50".into()),
            ("w_engagement", "0".into()),
            ("w_profitability", "0".into()),
            ("healthy_from", healthy.to_string()),
            ("critical_below", "40".into()),
        ]
    };
    async fn post(b: &mut support::Browser, f: Vec<(&'static str, String)>) -> reqwest::Response {
        let refs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        b.post("/admin/settings/health", &refs).await
    }
    let bad = post(&mut b, form("lots", "70")).await;
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("Payment weight: `lots` is not a number")
    );
    let bad = post(&mut b, form("50", "30")).await;
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("must be below the healthy one")
    );
    assert_eq!(get(&app, path).await["score"], 51, "nothing changed");
    let ok = post(&mut b, form("50", "70")).await;
    assert_eq!(ok.status(), 303);
    // Equal weights: (15 + 100) ÷ 2 = 57.5, rounded half up.
    let a = get(&app, path).await;
    assert_eq!(a["score"], 58, "{a}");
    assert_eq!(a["band"], "at_risk");
    assert!(
        b.page("/admin/settings")
            .await
            .contains("id=\"w_payment\" name=\"w_payment\" value=\"50\"")
    );
}

/// metrics.md's worked example through HTTP: renewals due $100k, renewed
/// $40k, on track $30k, at risk $20k, churned $10k: forecast rate 70 %.
async fn renewals_answer_the_worked_example(store: TestStore) {
    let owned = TestApp::spawn(store).await;
    let app = &owned;
    app.post_ok(
        "customers",
        json!([
            {"id": "a", "name": "A", "segment": "smb", "csm": "ana"},
            {"id": "b", "name": "B", "segment": "smb"},
            {"id": "c", "name": "C", "segment": "smb"},
            {"id": "d", "name": "D", "segment": "smb"},
        ]),
    )
    .await;
    // C is paying and critical: an invoice 100 days past due, nothing else.
    app.post_ok("subscription-events", json!([
        {"id": "e1", "customer_id": "c", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100},
    ]))
    .await;
    app.post_ok("invoices", json!([
        {"id": "i1", "customer_id": "c", "issued_at": "2025-01-01", "due_at": "2025-01-10", "currency": "USD", "amount": 100},
    ]))
    .await;
    app.post_ok("opportunities", json!([
        {"id": "o1", "customer_id": "a", "type": "renewal", "amount": 40000, "close_date": "2025-06-10", "stage": "closed", "status": "won"},
        {"id": "o2", "customer_id": "b", "type": "renewal", "amount": 30000, "close_date": "2025-06-20", "stage": "proposal", "status": "open"},
        {"id": "o3", "customer_id": "c", "type": "renewal", "amount": 20000, "close_date": "2025-06-25", "stage": "proposal", "status": "open"},
        {"id": "o4", "customer_id": "d", "type": "renewal", "amount": 10000, "close_date": "2025-06-05", "stage": "closed", "status": "lost"},
        {"id": "o5", "customer_id": "d", "type": "upsell", "amount": 5000, "close_date": "2025-06-05", "stage": "closed", "status": "won"},
    ]))
    .await;
    let r = get(
        app,
        "/api/v1/renewals?from=2025-06-01&to=2025-06-30&as_of=2025-06-15",
    )
    .await;
    assert_eq!(r["due"]["arr"], 100000, "{r}");
    assert_eq!(r["due"]["count"], 4, "upsells are not renewals");
    assert_eq!(r["stages"]["renewed"]["arr"], 40000);
    assert_eq!(r["stages"]["on_track"]["arr"], 30000);
    assert_eq!(r["stages"]["at_risk"]["arr"], 20000, "{r}");
    assert_eq!(r["stages"]["churned"]["arr"], 10000);
    assert_eq!(r["forecast_rate"], 0.7);
    assert_eq!(r["target"], 0.9);
    let stage_sum: u64 = ["renewed", "on_track", "at_risk", "late", "churned"]
        .iter()
        .map(|s| r["stages"][s]["arr"].as_u64().unwrap())
        .sum();
    assert_eq!(stage_sum, 100000, "stage ARR sums to ARR due");
    assert_eq!(r["items"].as_array().unwrap().len(), 4);
    assert_eq!(
        r["upcoming"]["d0_30"]["count"], 2,
        "o2 and o3 fall due in 30 days"
    );
}

/// metrics.md's worked example through HTTP: expansion closed, 3 won worth
/// $30k and 1 lost worth $50k: win rate 75 % by count, 37.5 % by amount.
async fn expansion_answers_the_worked_example(store: TestStore) {
    let owned = TestApp::spawn(store).await;
    let app = &owned;
    app.post_ok(
        "customers",
        json!([{"id": "a", "name": "A", "segment": "smb"}]),
    )
    .await;
    app.post_ok("opportunities", json!([
        {"id": "w1", "customer_id": "a", "type": "upsell", "amount": 10000, "close_date": "2025-06-02", "stage": "closed", "status": "won"},
        {"id": "w2", "customer_id": "a", "type": "cross_sell", "amount": 10000, "close_date": "2025-06-03", "stage": "closed", "status": "won"},
        {"id": "w3", "customer_id": "a", "type": "upgrade", "amount": 10000, "close_date": "2025-06-04", "stage": "closed", "status": "won"},
        {"id": "l1", "customer_id": "a", "type": "upsell", "amount": 50000, "close_date": "2025-06-05", "stage": "closed", "status": "lost"},
        {"id": "o1", "customer_id": "a", "type": "upsell", "amount": 8000, "close_date": "2025-09-01", "stage": "demo", "status": "open", "probability": 0.25},
    ]))
    .await;
    let x = get(app, "/api/v1/expansion?from=2025-06-01&to=2025-06-30").await;
    assert_eq!(x["won"]["value"], 30000, "{x}");
    assert_eq!(x["lost"]["count"], 1);
    assert_eq!(x["win_rate"]["count"], 0.75);
    assert_eq!(x["win_rate"]["amount"], 0.375);
    assert_eq!(x["open"]["value"], 8000);
    assert_eq!(x["open"]["weighted"], 2000);
    assert_eq!(x["top"][0]["id"], "o1");
    assert!(x["target"].is_null(), "no target set");
}

/// Segments side by side: one row per segment, then all customers, whose
/// customers, ARR and tickets are the segments' sums.
async fn segments_side_by_side_add_up_to_all(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.load_demo(200).await;
    let s = get(&app, "/api/v1/segments").await;
    let rows = s["segments"].as_array().unwrap();
    let (all, segs) = rows.split_last().unwrap();
    assert_eq!(all["segment"], "all");
    assert!(segs.len() >= 2, "{s}");
    let sum = |k: &str| -> Decimal { segs.iter().map(|r| dec(&r[k])).sum() };
    assert_eq!(sum("customers"), dec(&all["customers"]));
    // Each row is rounded to cents; the whole sums the unrounded values.
    let cents = Decimal::new(1, 2) * Decimal::from(segs.len() as u64);
    assert!((sum("arr") - dec(&all["arr"])).abs() <= cents, "{s}");
    assert_eq!(sum("tickets"), dec(&all["tickets"]));
    assert!(all["avg_health"].is_number(), "{all}");
    // A segment filter keeps that segment's row and all of it.
    let one = get(&app, "/api/v1/segments?segment=smb").await;
    let rows = one["segments"].as_array().unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["customers"], rows[1]["customers"]);
}

/// A crafted team: Ana holds four small-business accounts against a target
/// of three, Ben and Cam one each; the one move is Ana's smallest account.
async fn team_books_capacity_and_rebalancing(store: TestStore) {
    let owned = TestApp::spawn(store).await;
    let app = &owned;
    let owners = [
        ("a1", "ana", 100),
        ("a2", "ana", 200),
        ("a3", "ana", 50),
        ("a4", "ana", 300),
        ("b1", "ben", 400),
        ("c1", "cam", 100),
    ];
    let customers: Vec<Value> = owners
        .iter()
        .map(|(id, csm, _)| json!({"id": id, "name": id.to_uppercase(), "segment": "smb", "csm": csm}))
        .chain(std::iter::once(json!({"id": "z", "name": "Z", "segment": "smb"})))
        .collect();
    app.post_ok("customers", Value::Array(customers)).await;
    let subs: Vec<Value> = owners
        .iter()
        .chain(std::iter::once(&("z", "", 10)))
        .map(|(id, _, mrr)| json!({"id": format!("s_{id}"), "customer_id": id, "subscription_id": format!("sub_{id}"), "type": "start", "effective_at": "2025-01-01", "amount": mrr}))
        .collect();
    app.post_ok("subscription-events", Value::Array(subs)).await;
    app.post_ok("activities", json!([
        {"id": "x1", "customer_id": "a1", "type": "meeting", "at": "2025-06-03T10:00:00Z", "csm": "ana"},
        {"id": "x2", "customer_id": "a2", "type": "email", "at": "2025-06-04T10:00:00Z", "csm": "ana"},
        {"id": "x3", "customer_id": "b1", "type": "call", "at": "2025-06-05T10:00:00Z", "csm": "ben"},
    ]))
    .await;
    app.post_ok("tickets", json!([
        {"id": "t1", "customer_id": "a1", "opened_at": "2025-06-02T09:00:00Z", "first_response_at": "2025-06-02T13:00:00Z"},
        {"id": "t2", "customer_id": "a2", "opened_at": "2025-06-02T09:00:00Z", "first_response_at": "2025-06-02T10:00:00Z"},
        {"id": "t3", "customer_id": "a3", "opened_at": "2025-06-02T09:00:00Z", "first_response_at": "2025-06-02T11:00:00Z"},
    ]))
    .await;
    app.post_ok("opportunities", json!([
        {"id": "o1", "customer_id": "b1", "type": "upsell", "amount": 6000, "close_date": "2025-06-10", "stage": "closed", "status": "won"},
        {"id": "o2", "customer_id": "a4", "type": "renewal", "amount": 3600, "close_date": "2025-07-20", "stage": "proposal", "status": "open"},
    ]))
    .await;
    let team = "/api/v1/team?from=2025-06-01&to=2025-06-30";
    let r = get(app, team).await;
    let csms = r["csms"].as_array().unwrap();
    assert_eq!(csms.len(), 3, "{r}");
    let ana = &csms[0];
    assert_eq!(ana["csm"], "ana");
    assert_eq!(ana["accounts"], 4);
    assert_eq!(dec(&ana["arr"]), Decimal::from(12 * 650));
    assert_eq!(ana["activities"]["meeting"], 1);
    assert_eq!(ana["activities"]["email"], 1);
    assert_eq!(ana["activities"]["call"], 0);
    assert_eq!(
        ana["median_first_response_hours"], 2,
        "1, 2 and 4 hours: the median is 2"
    );
    assert_eq!(ana["renewals_due_90d"]["count"], 1);
    assert_eq!(ana["utilisation"], Value::Null, "no capacity targets yet");
    assert_eq!(csms[1]["expansion_won"], 6000);
    assert_eq!(r["leaderboard"]["expansion_won"][0], "ben");
    assert_eq!(r["unassigned"]["accounts"], 1);
    assert_eq!(
        r["team_average"]["accounts"], 2,
        "six accounts over three CSMs"
    );
    assert!(r["rebalancing"]["moves"].as_array().unwrap().is_empty());
    // Capacity: three accounts per CSM in smb.
    app.store
        .store
        .set_config(
            app.tenant.id,
            "csm_capacity",
            &json!({"smb": {"accounts": 3}}).to_string(),
        )
        .await
        .unwrap();
    let r = get(app, team).await;
    assert_eq!(
        dec(&r["csms"][0]["utilisation"]),
        "1.333333".parse::<Decimal>().unwrap(),
        "{r}"
    );
    let moves = r["rebalancing"]["moves"].as_array().unwrap();
    assert_eq!(moves.len(), 1, "{r}");
    assert_eq!(moves[0]["customer_id"], "a3", "the smallest account moves");
    assert_eq!(moves[0]["from"], "ana");
    assert_eq!(moves[0]["segment"], "smb");
    assert_eq!(dec(&moves[0]["arr"]), Decimal::from(600));
    // Two accounts per CSM: six accounts need three CSMs... there are three.
    // One per CSM: the segment lacks three.
    app.store
        .store
        .set_config(
            app.tenant.id,
            "csm_capacity",
            &json!({"smb": {"accounts": 1}}).to_string(),
        )
        .await
        .unwrap();
    let r = get(app, team).await;
    assert_eq!(r["rebalancing"]["short_of_csms"]["smb"], 3, "{r}");
    // A CSM filter narrows the books.
    let r = get(app, &format!("{team}&csm=ben")).await;
    assert_eq!(r["csms"].as_array().unwrap().len(), 1);
    assert_eq!(r["csms"][0]["csm"], "ben");
    // Every column obeys the other filters too: no account is enterprise.
    let r = get(app, &format!("{team}&segment=enterprise")).await;
    for row in r["csms"].as_array().unwrap() {
        assert_eq!(row["accounts"], 0, "{r}");
        assert_eq!(row["avg_health"], Value::Null, "{r}");
        assert_eq!(row["at_risk_accounts"], 0, "{r}");
    }
    assert!(
        r["csms"][0]["avg_health"].is_null()
            && !get(app, team).await["csms"][0]["avg_health"].is_null()
    );
    // Ben's account contracts and Cam's churns within June: each book's
    // figures are the summary's for that CSM's customers.
    app.post_ok("subscription-events", json!([
        {"id": "s_b1_down", "customer_id": "b1", "subscription_id": "sub_b1", "type": "change", "effective_at": "2025-06-15", "amount": 300},
        {"id": "s_c1_end", "customer_id": "c1", "subscription_id": "sub_c1", "type": "cancel", "effective_at": "2025-06-20"},
    ]))
    .await;
    let r = get(app, team).await;
    let rows = r["csms"].as_array().unwrap();
    assert_eq!(rows[1]["grr"], 0.75, "{r}");
    assert_eq!(rows[2]["grr"], 0, "{r}");
    for row in rows {
        let csm = row["csm"].as_str().unwrap();
        let s = get(
            app,
            &format!("/api/v1/metrics/summary?from=2025-06-01&to=2025-06-30&csm={csm}"),
        )
        .await;
        let metric = |name: &str| s["metrics"][name]["value"].clone();
        assert_eq!(row["grr"], metric("grr_period"), "{csm}: {s}");
        assert_eq!(row["nrr"], metric("nrr_period"), "{csm}");
        assert_eq!(row["accounts"], metric("paying_customers"), "{csm}");
        assert_eq!(dec(&row["arr"]), dec(&metric("arr")), "{csm}");
    }
}

/// Save plays through HTTP: stored like every collection, and a saved
/// account that churned within 90 days of the close counts as lost.
async fn save_plays_count_a_saved_account_that_churned_as_lost(store: TestStore) {
    let owned = TestApp::spawn(store).await;
    let app = &owned;
    let t = &app.token;
    app.post_ok(
        "customers",
        json!([{"id": "a", "name": "A"}, {"id": "b", "name": "B"}, {"id": "c", "name": "C"}]),
    )
    .await;
    app.post_ok("subscription-events", json!([
        {"id": "e1", "customer_id": "a", "subscription_id": "s1", "type": "start", "effective_at": "2025-01-01", "amount": 100},
        {"id": "e2", "customer_id": "b", "subscription_id": "s2", "type": "start", "effective_at": "2025-01-01", "amount": 100},
        {"id": "e3", "customer_id": "b", "subscription_id": "s2", "type": "cancel", "effective_at": "2025-05-01"},
        {"id": "e4", "customer_id": "c", "subscription_id": "s3", "type": "start", "effective_at": "2025-01-01", "amount": 100},
    ]))
    .await;
    // A closed play without a close date is refused, naming the field.
    let bad = app
        .post("save-plays", t, &json!([{"id": "p0", "customer_id": "a", "owner": "ana", "opened_at": "2025-03-01", "status": "saved"}]))
        .await;
    assert_eq!(bad.status(), 422);
    let body: Value = bad.json().await.unwrap();
    assert_eq!(body["errors"][0]["field"], "closed_at", "{body}");
    app.post_ok("save-plays", json!([
        {"id": "p1", "customer_id": "a", "owner": "ana", "reason": "usage fell", "opened_at": "2025-03-01", "target_date": "2025-04-01", "status": "saved", "closed_at": "2025-04-01"},
        {"id": "p2", "customer_id": "b", "owner": "ana", "opened_at": "2025-03-01", "status": "saved", "closed_at": "2025-04-01"},
        {"id": "p3", "customer_id": "c", "owner": "ben", "opened_at": "2025-04-10", "status": "open"},
    ]))
    .await;
    let one = get(app, "/api/v1/save-plays/p1").await;
    assert_eq!(one["reason"], "usage fell");
    let q1 = get(
        app,
        "/api/v1/save-plays/summary?from=2025-04-01&to=2025-04-30",
    )
    .await;
    assert_eq!(
        (q1["open"].clone(), q1["saved"].clone(), q1["lost"].clone()),
        (json!(1), json!(2), json!(0)),
        "{q1}"
    );
    assert_eq!(q1["success_rate"], 1);
    // B cancelled on May 1, 30 days after its play was saved.
    let may = get(
        app,
        "/api/v1/save-plays/summary?from=2025-04-01&to=2025-05-31",
    )
    .await;
    assert_eq!(may["saved"], 1, "{may}");
    assert_eq!(may["lost"], 1);
    assert_eq!(may["success_rate"], 0.5);
    // Closing the open play as lost.
    app.post_ok("save-plays", json!([{"id": "p3", "customer_id": "c", "owner": "ben", "opened_at": "2025-04-10", "status": "lost", "closed_at": "2025-05-20"}])).await;
    let may = get(
        app,
        "/api/v1/save-plays/summary?from=2025-04-01&to=2025-05-31",
    )
    .await;
    assert_eq!(
        (may["open"].clone(), may["lost"].clone()),
        (json!(0), json!(2)),
        "{may}"
    );
}

/// Each customer-success page's `.json` twin is the API's answer to the
/// same query (and answers at all: a twin that read the engine after the
/// page let go of it crashed).
async fn page_json_twins_are_the_api_answers(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.load_demo(200).await;
    app.no_mfa_rule().await;
    app.user("exec@acme.test", quarterdeck_domain::Role::Executive, None)
        .await;
    let mut b = app.browser("exec@acme.test").await;
    let q = "from=2026-09-01&to=2026-11-30";
    for (page, api) in [
        ("/health.json", "/api/v1/health"),
        ("/renewals.json", "/api/v1/renewals"),
        ("/expansion.json", "/api/v1/expansion"),
        ("/segments.json", "/api/v1/segments"),
        ("/team.json", "/api/v1/team"),
    ] {
        let r = b.get(&format!("{page}?{q}")).await;
        assert_eq!(r.status(), 200, "{page}");
        let twin: Value = r.json().await.unwrap();
        assert_eq!(twin, get(&app, &format!("{api}?{q}")).await, "{page}");
    }
}
