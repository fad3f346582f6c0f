//! Reports and delivery through the real server: PDF and XLSX equal to the
//! API, digests through a real SMTP server (retry after a refusal, exactly
//! one message), alert rules on crafted scenarios, signed webhooks.

mod support;

use base64::Engine as _;
use chrono::{Duration, Utc};
use quarterdeck_app::AppState;
use quarterdeck_app::mail::Mailer;
use quarterdeck_delivery::alerts::rules::{Op, Severity, ThresholdRule, Window};
use quarterdeck_delivery::alerts::service;
use quarterdeck_domain::Role;
use quarterdeck_store::testing::TestStore;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use support::{Browser, SmtpSink, TestApp, between};

quarterdeck_store::backend_stories!(
    pdf_and_workbook_state_what_the_api_says,
    every_page_downloads_itself,
    digest_preview_shows_in_the_browser_without_smtp,
    digest_preview_arrives_with_html_text_chart_and_pdf,
    a_refused_send_is_retried_and_delivered_once,
    threshold_rules_fire_once_and_resolve_when_clear,
    event_rules_fire_on_crafted_scenarios,
    webhooks_are_signed,
    a_workspace_sets_its_own_smtp_server_and_tests_it,
    revenue_page_states_exchange_rate_impact,
);

fn money(v: &Value) -> String {
    let d: Decimal = v.to_string().parse().unwrap();
    quarterdeck_render::format::money(d, "USD")
}

async fn api_summary(app: &TestApp, query: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/metrics/summary?{query}"),
            Some(&app.token),
        )
        .await;
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

fn run(cmd: &str, args: &[&str]) -> Option<std::process::Output> {
    std::process::Command::new(cmd).args(args).output().ok()
}

async fn pdf_and_workbook_state_what_the_api_says(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(200).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("exec@acme.test").await;
    let today = Utc::now().date_naive();
    let from = today - Duration::days(89);
    let q = format!("from={from}&to={today}&segment=enterprise");
    let r = b.get(&format!("/report.pdf?{q}")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let summary = api_summary(&app, &q).await;
    let mrr = money(&summary["metrics"]["mrr"]["value"]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.pdf");
    std::fs::write(&path, &pdf).unwrap();
    match run("pdftotext", &["-layout", path.to_str().unwrap(), "-"]) {
        Some(out) => {
            assert!(
                out.status.success(),
                "pdftotext could not read the PDF: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8_lossy(&out.stdout);
            assert!(
                text.contains("Segment: Enterprise"),
                "filters on the report"
            );
            assert!(
                text.contains(&from.format("%b %-d").to_string()),
                "period on the report"
            );
            assert!(text.contains(&mrr), "MRR {mrr} as the API says");
            assert!(text.contains("Page 1 of"));
        }
        None => {
            quarterdeck_store::testing::skip_or_fail("pdftotext (poppler-utils) is not installed")
        }
    }
    // A picture of the first page, to look at.
    let artifacts =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/report-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let _ = run(
        "pdftoppm",
        &[
            "-r",
            "60",
            "-png",
            path.to_str().unwrap(),
            artifacts.join("report").to_str().unwrap(),
        ],
    );

    let r = b.get(&format!("/report.xlsx?{q}")).await;
    assert_eq!(r.status(), 200);
    let xlsx = r.bytes().await.unwrap();
    use calamine::{DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
    let names = wb.sheet_names();
    assert_eq!(names[0], "About");
    let kpis = wb.worksheet_range("KPIs").unwrap();
    // The KPI values are numbers (with number formats), the API's to the cent.
    let api_mrr: f64 = summary["metrics"]["mrr"]["value"]
        .to_string()
        .parse()
        .unwrap();
    let mrr_row = kpis.rows().find(|r| r[0] == "MRR").expect("an MRR row");
    assert!(
        (mrr_row[1].get_float().unwrap() - api_mrr).abs() < 0.005,
        "KPIs sheet has MRR {mrr}: {mrr_row:?}"
    );
    let movements = wb.worksheet_range(&names[2]).unwrap();
    let api: Value = app
        .get(
            &format!("/api/v1/metrics/movements?{q}&interval=month"),
            Some(&app.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let last = api["buckets"].as_array().unwrap().last().unwrap().clone();
    let end: f64 = last["mrr_end"].to_string().parse().unwrap();
    let sheet_end = movements
        .rows()
        .next_back()
        .unwrap()
        .last()
        .unwrap()
        .get_float()
        .unwrap();
    assert!((sheet_end - end).abs() < 0.005, "{sheet_end} vs {end}");
    // The API serves the same document with a read token.
    let r = app
        .get(
            &format!("/api/v1/reports/executive.pdf?{q}"),
            Some(&app.read_token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .get("/api/v1/reports/executive.pdf", Some(&app.ingest_token))
        .await;
    assert_eq!(r.status(), 403);
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(
        audit.iter().any(|e| e.action == "export.pdf")
            && audit.iter().any(|e| e.action == "export.xlsx")
    );
}

/// Each page's "Download PDF" and "Excel" give that page (its cards and its
/// table), not the executive report; drill-down lists download with a total.
async fn every_page_downloads_itself(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(150).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("exec@acme.test").await;
    let q = "range=last_12_months";
    let api = api_summary(&app, &format!("from={}&to={}", last_12().0, last_12().1)).await;
    let mrr: f64 = api["metrics"]["mrr"]["value"].to_string().parse().unwrap();
    for (page, title) in [
        ("/revenue", "Revenue"),
        ("/retention", "Retention"),
        ("/billing", "Billing"),
        ("/health", "Health & risk"),
        ("/renewals", "Renewals"),
        ("/expansion", "Expansion"),
        ("/segments", "Segments"),
        ("/team", "Team"),
        ("/accounts", "Accounts"),
        // The drill-down's document is titled by the movement it lists.
        ("/movements", "New MRR"),
    ] {
        let q = if page == "/movements" {
            format!("{q}&kind=new")
        } else {
            q.to_string()
        };
        let html = b.get(&format!("{page}?{q}")).await.text().await.unwrap();
        assert!(
            html.contains(&format!("href=\"{page}.pdf?")),
            "{page} offers its own PDF: {}",
            html.find("Download PDF")
                .map_or("no download", |i| &html[i.saturating_sub(120)..i])
        );
        let r = b.get(&format!("{page}.pdf?{q}")).await;
        assert_eq!(r.status(), 200, "{page}.pdf");
        assert_eq!(r.headers()["content-type"], "application/pdf");
        let pdf = r.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF"));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("page.pdf");
        std::fs::write(&path, &pdf).unwrap();
        match run("pdftotext", &["-layout", path.to_str().unwrap(), "-"]) {
            Some(out) => {
                let text = String::from_utf8_lossy(&out.stdout);
                assert!(text.contains(title), "{page}: {text}");
                assert!(!text.contains("Executive report"), "{page}");
            }
            None => quarterdeck_store::testing::skip_or_fail("pdftotext is not installed"),
        }
        if page == "/revenue" || page == "/movements" {
            let artifacts = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../../target/report-artifacts");
            std::fs::create_dir_all(&artifacts).unwrap();
            let stem = artifacts.join(format!("page{}", page.replace('/', "-")));
            let _ = run(
                "pdftoppm",
                &[
                    "-r",
                    "60",
                    "-png",
                    "-l",
                    "1",
                    path.to_str().unwrap(),
                    stem.to_str().unwrap(),
                ],
            );
        }

        let r = b.get(&format!("{page}.xlsx?{q}")).await;
        assert_eq!(r.status(), 200, "{page}.xlsx");
        let xlsx = r.bytes().await.unwrap();
        use calamine::{Data, DataType, Reader, Xlsx};
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(xlsx.to_vec())).unwrap();
        let names = wb.sheet_names();
        assert_eq!(
            names[..2],
            ["About".to_string(), "KPIs".to_string()],
            "{page}"
        );
        let table = wb.worksheet_range(&names[2]).unwrap();
        assert!(table.height() > 1, "{page}: the table has rows");
        if page == "/revenue" {
            let kpis = wb.worksheet_range("KPIs").unwrap();
            assert_eq!(kpis.get((1, 0)), Some(&Data::String("MRR".into())));
            let Some(Data::Float(v)) = kpis.get((1, 1)) else {
                panic!("MRR is a number: {:?}", kpis.get((1, 1)));
            };
            assert!((v - mrr).abs() < 0.005, "{v} vs {mrr}");
        }
        if page == "/movements" {
            let last = table.rows().next_back().unwrap();
            assert_eq!(last[0], Data::String("Total".into()));
            let total = last[5].as_f64().unwrap();
            let sum: f64 = table
                .rows()
                .skip(1)
                .take(table.height() - 2)
                .map(|r| r[5].as_f64().unwrap())
                .sum();
            assert!((total - sum).abs() < 0.005, "{total} vs {sum}");
            let csv = b.get(&format!("/movements.csv?{q}")).await;
            assert_eq!(csv.status(), 200);
            let csv = csv.text().await.unwrap();
            assert!(
                csv.contains("customer_id,name,date,segment,csm,amount"),
                "{csv}"
            );
        }
    }
}

/// Without any SMTP server, the digest page previews the message itself:
/// the same KPIs, the chart inline, and no email button that cannot work.
async fn digest_preview_shows_in_the_browser_without_smtp(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(100).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("exec@acme.test").await;
    let page = b.page("/account/digest").await;
    assert!(page.contains("Preview in the browser"));
    assert!(
        !page.contains("Email me a preview now"),
        "no mail server, no email button"
    );
    let preview = b.page("/account/digest/preview").await;
    assert!(preview.contains("Preview of your digest as it would be sent now"));
    assert!(
        preview.contains("data:image/png;base64,"),
        "the chart is inline"
    );
    assert!(
        !preview.contains("cid:"),
        "no reference to a mail attachment"
    );
    assert!(preview.contains("MRR"));
    assert!(
        !preview.contains("Customer success"),
        "an executive's digest has no CS section"
    );
    // A CS lead's digest carries the customer-success section.
    app.user("lead@acme.test", Role::CsLead, None).await;
    let mut lead = app.browser("lead@acme.test").await;
    let preview = lead.page("/account/digest/preview").await;
    assert!(preview.contains("Customer success"), "{preview}");
    assert!(preview.contains("ARR at risk:"), "{preview}");
    assert!(preview.contains("Renewals in the next 30 days:"));
    assert!(preview.contains("Save plays:"));
}

/// The last twelve whole months before today.
fn last_12() -> (chrono::NaiveDate, chrono::NaiveDate) {
    use chrono::{Datelike, Months};
    let first = Utc::now().date_naive().with_day(1).unwrap();
    (first - Months::new(12), first.pred_opt().unwrap())
}

/// The MIME parts of a message: (headers, decoded body).
fn parts(message: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for chunk in message.split("\r\n--") {
        let Some((head, body)) = chunk.split_once("\r\n\r\n") else {
            continue;
        };
        let lower = head.to_ascii_lowercase();
        if !lower.contains("content-type:") || lower.contains("multipart/") {
            continue;
        }
        let body = body.trim_end_matches(['\r', '\n', '-']);
        let decoded = if lower.contains("base64") {
            base64::engine::general_purpose::STANDARD
                .decode(body.replace(['\r', '\n'], ""))
                .unwrap_or_default()
        } else if lower.contains("quoted-printable") {
            quoted_printable(body)
        } else {
            body.as_bytes().to_vec()
        };
        out.push((lower, decoded));
    }
    out
}

fn quoted_printable(s: &str) -> Vec<u8> {
    let s = s.replace("=\r\n", "");
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'='
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

async fn digest_app(store: TestStore, sink: &SmtpSink) -> TestApp {
    let mailer = Mailer::new(&sink.config()).unwrap();
    let app = TestApp::spawn_with(store, |s| {
        s.with_mailer(mailer)
            .with_job_retry(Duration::milliseconds(300))
    })
    .await;
    app.no_mfa_rule().await;
    app.load_demo(150).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    app
}

async fn subscribe_and_preview(b: &mut Browser) {
    let csrf = b.csrf("/account/digest").await;
    let r = b
        .post(
            "/account/digest",
            &[
                ("csrf", &csrf),
                ("cadence", "weekly"),
                ("weekday", "1"),
                ("monthday", "1"),
                ("hour", "8"),
                ("time_zone", "Europe/Berlin"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Saved."));
    let r = b.post("/account/digest/preview", &[("csrf", &csrf)]).await;
    assert!(r.text().await.unwrap().contains("A preview is on its way"));
}

async fn digest_preview_arrives_with_html_text_chart_and_pdf(store: TestStore) {
    let sink = SmtpSink::start(false).await;
    let app = digest_app(store, &sink).await;
    let mut b = app.browser("exec@acme.test").await;
    subscribe_and_preview(&mut b).await;
    let message = sink.wait_for(1).await.remove(0);
    assert!(message.contains("Message-ID: <"));
    assert!(message.contains("To: exec@acme.test"));
    let ps = parts(&message);
    let find = |kind: &str| {
        ps.iter()
            .find(|(h, _)| h.contains(kind))
            .unwrap_or_else(|| panic!("no {kind} part"))
    };
    let text = String::from_utf8(find("text/plain").1.clone()).unwrap();
    let html = String::from_utf8(find("text/html").1.clone()).unwrap();
    let png = &find("image/png").1;
    let pdf = &find("application/pdf").1;
    assert!(png.starts_with(b"\x89PNG"));
    assert!(find("image/png").0.contains("content-id: <mrr-chart>"));
    assert!(pdf.starts_with(b"%PDF"));
    assert!(html.contains("cid:mrr-chart"));
    // The digest's MRR is the API's for the week that ended yesterday.
    let today = Utc::now().date_naive();
    let (from, to) = (today - Duration::days(7), today - Duration::days(1));
    let summary = api_summary(&app, &format!("from={from}&to={to}")).await;
    let mrr = money(&summary["metrics"]["mrr"]["value"]);
    assert!(text.contains(&format!("MRR: {mrr}")), "{text}");
    assert!(html.contains(&mrr));
    let unsubscribe = text
        .split("Unsubscribe: ")
        .nth(1)
        .and_then(|t| t.lines().next())
        .unwrap()
        .to_string();
    let path = unsubscribe
        .trim()
        .trim_start_matches("http://127.0.0.1:8080")
        .to_string();
    let mut anon = Browser::new(&app.base);
    assert!(anon.page(&path).await.contains("Unsubscribe"));
    assert!(
        anon.post(&path, &[])
            .await
            .text()
            .await
            .unwrap()
            .contains("Unsubscribed")
    );
    assert!(app.store.store.all_digests().await.unwrap().is_empty());
    let sent = app
        .store
        .store
        .list_deliveries(app.tenant.id, 10)
        .await
        .unwrap();
    assert_eq!(sent[0].outcome, quarterdeck_domain::DeliveryOutcome::Sent);
    assert!(sent[0].message_id.is_some());
}

async fn a_refused_send_is_retried_and_delivered_once(store: TestStore) {
    let sink = SmtpSink::start(true).await;
    let app = digest_app(store, &sink).await;
    let mut b = app.browser("exec@acme.test").await;
    subscribe_and_preview(&mut b).await;
    let got = sink.wait_for(1).await;
    // Give a wrongly repeated job time to show itself.
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(
        sink.messages.lock().unwrap().len(),
        1,
        "exactly one message"
    );
    assert_eq!(
        sink.attempts.load(std::sync::atomic::Ordering::SeqCst),
        2,
        "refused once, then accepted"
    );
    assert!(!got[0].is_empty());
    use quarterdeck_domain::DeliveryOutcome::{Failed, Sent};
    let outcomes: Vec<_> = app
        .store
        .store
        .list_deliveries(app.tenant.id, 10)
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.outcome)
        .collect();
    assert_eq!(outcomes, vec![Sent, Failed]);
}

/// Ingests customers and subscription events through the API.
async fn ingest(app: &TestApp, customers: Value, events: Value) {
    assert_eq!(
        app.post("customers", &app.token, &customers).await.status(),
        200
    );
    assert_eq!(
        app.post("subscription-events", &app.token, &events)
            .await
            .status(),
        200
    );
}

fn start(id: &str, day: chrono::NaiveDate, amount: &str) -> Value {
    json!({"id": format!("{id}-s{day}"), "customer_id": id, "subscription_id": format!("{id}-sub"), "type": "start",
           "effective_at": day.to_string(), "plan": "pro", "currency": "USD", "amount": amount, "interval": "month"})
}

fn change(id: &str, day: chrono::NaiveDate, amount: &str) -> Value {
    json!({"id": format!("{id}-c{day}"), "customer_id": id, "subscription_id": format!("{id}-sub"), "type": "change",
           "effective_at": day.to_string(), "plan": "pro", "currency": "USD", "amount": amount, "interval": "month"})
}

fn cancel(id: &str, day: chrono::NaiveDate) -> Value {
    json!({"id": format!("{id}-x{day}"), "customer_id": id, "subscription_id": format!("{id}-sub"), "type": "cancel", "effective_at": day.to_string()})
}

async fn threshold_rules_fire_once_and_resolve_when_clear(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let state = AppState::new(app.store.store.clone());
    let today = Utc::now().date_naive();
    let month_start = chrono::Datelike::with_day(&today, 1).unwrap();
    let long_ago = month_start - Duration::days(60);
    // Two customers paying before this month; one cancels this month: churn 50 %.
    ingest(
        &app,
        json!([{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]),
        json!([
            start("a", long_ago, "100"),
            start("b", long_ago, "100"),
            cancel("b", month_start)
        ]),
    )
    .await;
    let rule = |value: &str| ThresholdRule {
        id: "churn".into(),
        name: "Monthly churn above threshold".into(),
        metric: "customer_churn_rate".into(),
        op: Op::Above,
        value: value.parse().unwrap(),
        relative: false,
        for_days: 0,
        filter: Default::default(),
        severity: Severity::Warning,
        // This month's churn: the rule says so (rates default to the last whole month).
        window: Window::MonthToDate,
    };
    let s = app.store.store.as_ref();
    s.set_config(
        app.tenant.id,
        service::RULES,
        &serde_json::to_string(&[rule("0.3")]).unwrap(),
    )
    .await
    .unwrap();
    let tenant = s.tenant_by_id(app.tenant.id).await.unwrap().unwrap();
    // The server's own worker may evaluate at the same time: look at the store.
    let open_keys = || async {
        s.list_alerts(app.tenant.id, true, 100)
            .await
            .unwrap()
            .into_iter()
            .map(|a| a.key)
            .collect::<Vec<_>>()
    };
    service::evaluate(&state, &tenant).await.unwrap();
    service::evaluate(&state, &tenant).await.unwrap();
    let keys = open_keys().await;
    assert_eq!(
        keys.iter().filter(|k| *k == "threshold:churn").count(),
        1,
        "one alert, de-duplicated: {keys:?}"
    );
    // A relative rule: MRR down more than 5 % against the span before.
    let relative = ThresholdRule {
        id: "mrr-down".into(),
        name: "MRR down".into(),
        metric: "mrr".into(),
        op: Op::Below,
        value: "0.05".parse().unwrap(),
        relative: true,
        ..rule("0")
    };
    s.set_config(
        app.tenant.id,
        service::RULES,
        &serde_json::to_string(&[rule("0.3"), relative]).unwrap(),
    )
    .await
    .unwrap();
    service::evaluate(&state, &tenant).await.unwrap();
    assert!(
        open_keys()
            .await
            .contains(&"threshold:mrr-down".to_string()),
        "MRR halved"
    );
    // "For N days": the churn cannot have held for 40 days (this month is younger).
    let slow = ThresholdRule {
        id: "slow".into(),
        for_days: 40,
        ..rule("0.3")
    };
    s.set_config(
        app.tenant.id,
        service::RULES,
        &serde_json::to_string(&[slow]).unwrap(),
    )
    .await
    .unwrap();
    service::evaluate(&state, &tenant).await.unwrap();
    // The slow rule has not held long enough, and the old rules are gone: nothing open.
    let keys = open_keys().await;
    assert!(
        keys.iter().all(|k| !k.starts_with("threshold:")),
        "{keys:?}"
    );
    let all = s.list_alerts(app.tenant.id, false, 100).await.unwrap();
    assert!(
        all.iter()
            .filter(|a| a.key.starts_with("threshold:"))
            .all(|a| a.state == quarterdeck_domain::AlertState::Resolved && a.resolved_at.is_some())
    );
}

async fn event_rules_fire_on_crafted_scenarios(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let state = AppState::new(app.store.store.clone());
    let today = Utc::now().date_naive();
    let d = |n: i64| today - Duration::days(n);
    let mut customers = vec![
        json!({"id": "big", "name": "Big Co"}),
        json!({"id": "grow", "name": "Grow Co"}),
    ];
    let mut events = vec![
        start("big", d(400), "10000"),
        cancel("big", d(2)),
        start("grow", d(400), "1000"),
        change("grow", d(1), "3000"),
    ];
    // Twenty steady customers for a year, five of whom churn this month: a spike.
    for i in 0..20 {
        let id = format!("s{i}");
        customers.push(json!({"id": id, "name": format!("Steady {i}")}));
        events.push(start(&id, d(400), "100"));
        if i < 5 {
            events.push(cancel(&id, today));
        }
    }
    // A large account whose invoice fell due 5 days ago and whose payment
    // failed 3 days ago: healthy a week ago, critical today; its renewal in
    // ten days is at risk.
    customers.push(json!({"id": "risky", "name": "Risky Co"}));
    events.push(start("risky", d(400), "10000"));
    // Ana carries two accounts against a capacity of one; one of them won
    // a large upsell yesterday.
    for id in ["ana1", "ana2"] {
        customers.push(json!({"id": id, "name": id, "csm": "ana"}));
        events.push(start(id, d(400), "100"));
    }
    ingest(&app, json!(customers), json!(events)).await;
    app.store
        .store
        .set_config(
            app.tenant.id,
            "csm_capacity",
            &json!({"(none)": {"accounts": 1}}).to_string(),
        )
        .await
        .unwrap();
    for (c, rows) in [
        (
            "invoices",
            json!([{"id": "ri1", "customer_id": "risky", "issued_at": d(20).to_string(), "due_at": d(5).to_string(), "currency": "USD", "amount": 10000}]),
        ),
        (
            "payments",
            json!([{"id": "rp1", "invoice_id": "ri1", "paid_at": d(3).to_string(), "amount": 10000, "status": "failed"}]),
        ),
        (
            "opportunities",
            json!([
                {"id": "ro1", "customer_id": "risky", "type": "renewal", "amount": 120000, "close_date": (today + Duration::days(10)).to_string(), "stage": "proposal", "status": "open"},
                {"id": "up1", "customer_id": "ana1", "type": "upsell", "amount": 24000, "close_date": d(1).to_string(), "stage": "closed", "status": "won"},
                {"id": "up2", "customer_id": "ana2", "type": "upsell", "amount": 500, "close_date": d(1).to_string(), "stage": "closed", "status": "won"},
            ]),
        ),
    ] {
        assert_eq!(app.post(c, &app.token, &rows).await.status(), 200, "{c}");
    }
    let tenant = app
        .store
        .store
        .tenant_by_id(app.tenant.id)
        .await
        .unwrap()
        .unwrap();
    // The ingest already queued an evaluation (the server's worker may have run it).
    service::evaluate(&state, &tenant).await.unwrap();
    let open = app
        .store
        .store
        .list_alerts(app.tenant.id, true, 100)
        .await
        .unwrap();
    let keys: Vec<&str> = open.iter().map(|a| a.key.as_str()).collect();
    assert!(
        keys.contains(&format!("large_account_churned:big:{}", d(2)).as_str()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("unexpected_churn:big:{}", d(2)).as_str()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("major_expansion:grow:{}", d(1)).as_str()),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.starts_with("churn_spike:")),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("large_account_critical:risky:{today}").as_str()),
        "{keys:?}"
    );
    assert!(
        keys.contains(&format!("renewal_at_risk:risky:{}", today + Duration::days(10)).as_str()),
        "{keys:?}"
    );
    assert!(keys.contains(&"csm_over_capacity:ana"), "{keys:?}");
    assert!(keys.contains(&"major_expansion_won:up1"), "{keys:?}");
    assert!(
        !keys.contains(&"major_expansion_won:up2"),
        "a small upsell is not major: {keys:?}"
    );
    let over = open
        .iter()
        .find(|a| a.key == "csm_over_capacity:ana")
        .unwrap();
    assert!(
        over.title
            .starts_with("Ana is at 200% of capacity (2 accounts"),
        "{}",
        over.title
    );
    let big = open
        .iter()
        .find(|a| a.key.starts_with("large_account_churned"))
        .unwrap();
    // The summary page lists the newest open alerts.
    app.no_mfa_rule().await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let mut b = app.browser("exec@acme.test").await;
    let summary = b.page("/").await;
    assert!(
        summary
            .split("id=\"alerts-h\"")
            .nth(1)
            .unwrap()
            .contains("Big Co"),
        "critical alerts first"
    );
    assert_eq!(big.severity, Severity::Critical);
    let detail: Value = serde_json::from_str(&big.detail).unwrap();
    assert_eq!(
        detail["customer_id"], "big",
        "stored with what triggered it"
    );
    // Evaluating again opens nothing new; with a one-day look-back the old events clear.
    let s = app.store.store.as_ref();
    service::evaluate(&state, &tenant).await.unwrap();
    assert_eq!(
        s.list_alerts(app.tenant.id, false, 100)
            .await
            .unwrap()
            .iter()
            .filter(|a| a.key.contains(":big:"))
            .count(),
        2
    );
    s.set_config(app.tenant.id, service::EVENTS, &json!({"large_account_arr": "100000", "major_expansion_share": "0.5", "major_expansion_min": "1000", "lookback_days": 1}).to_string()).await.unwrap();
    service::evaluate(&state, &tenant).await.unwrap();
    let still: Vec<String> = s
        .list_alerts(app.tenant.id, true, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.key)
        .collect();
    assert!(
        still
            .iter()
            .all(|k| !k.contains(":big:") && !k.contains(":grow:")),
        "cleared events resolve: {still:?}"
    );
}

async fn webhooks_are_signed(store: TestStore) {
    use axum::routing::post;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::<(
        axum::http::HeaderMap,
        Vec<u8>,
    )>::new()));
    let keep = received.clone();
    let receiver = axum::Router::new().route(
        "/hook",
        post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let keep = keep.clone();
                async move {
                    keep.lock().unwrap().push((headers, body.to_vec()));
                    "ok"
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hook_url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await.unwrap() });

    // The receiver is on loopback, which only this setting lets webhooks reach.
    let app = TestApp::spawn_with(store, |s| s.with_private_webhooks(true)).await;
    let s = app.store.store.as_ref();
    let secret = "whsec-test-secret";
    s.set_config(
        app.tenant.id,
        service::WEBHOOKS,
        &json!([{"id": "w1", "url": hook_url, "secret": secret}]).to_string(),
    )
    .await
    .unwrap();
    let today = Utc::now().date_naive();
    // A large account churns: the ingest queues an evaluation, which queues the webhook.
    ingest(
        &app,
        json!([{"id": "big", "name": "Big Co"}]),
        json!([
            start("big", today - Duration::days(400), "20000"),
            cancel("big", today)
        ]),
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while received.lock().unwrap().is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let (headers, body) = received
        .lock()
        .unwrap()
        .first()
        .cloned()
        .expect("the webhook was called");
    let ts: i64 = headers["x-quarterdeck-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let sig = headers["x-quarterdeck-signature"].to_str().unwrap();
    // Verify as a receiver would: HMAC-SHA256 over "timestamp.body".
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.").as_bytes());
    mac.update(&body);
    assert_eq!(
        sig,
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    );
    let json: Value = serde_json::from_slice(&body).unwrap();
    assert!(
        json["text"].as_str().unwrap().contains("Big Co"),
        "Slack-compatible text"
    );
    assert_eq!(json["alert"]["severity"], "critical");
}

async fn a_workspace_sets_its_own_smtp_server_and_tests_it(store: TestStore) {
    let sink = SmtpSink::start(false).await;
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let mut b = app.browser("boss@acme.test").await;
    let csrf = b.csrf("/admin/alerts").await;
    let r = b.post("/admin/alerts/test-email", &[("csrf", &csrf)]).await;
    assert!(r.text().await.unwrap().contains("No SMTP server"));
    let bad = b
        .post(
            "/admin/alerts/smtp",
            &[
                ("csrf", &csrf),
                ("host", "127.0.0.1"),
                ("port", "x"),
                ("security", "none"),
                ("from", "a@b.co"),
            ],
        )
        .await;
    assert!(bad.text().await.unwrap().contains("port:"));
    let port = sink.port.to_string();
    let r = b
        .post(
            "/admin/alerts/smtp",
            &[
                ("csrf", &csrf),
                ("host", "127.0.0.1"),
                ("port", &port),
                ("security", "none"),
                ("username", ""),
                ("password", ""),
                ("from", "Acme <reports@acme.test>"),
            ],
        )
        .await;
    assert!(r.text().await.unwrap().contains("Email settings saved"));
    let r = b.post("/admin/alerts/test-email", &[("csrf", &csrf)]).await;
    assert!(r.text().await.unwrap().contains("Sent a test email"));
    let got = sink.wait_for(1).await;
    assert!(got[0].contains("To: boss@acme.test"));
    let audit = app.store.store.list_audit(app.tenant.id, 50).await.unwrap();
    assert!(audit.iter().any(|e| e.action == "settings.smtp"));

    // A failing test send says the same whatever answered (or did not): the
    // page must not tell which ports are open behind the server.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let closed_port = closed.local_addr().unwrap().port().to_string();
    drop(closed);
    let not_smtp = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let not_smtp_port = not_smtp.local_addr().unwrap().port().to_string();
    tokio::spawn(async move {
        use tokio::io::AsyncWriteExt;
        while let Ok((mut s, _)) = not_smtp.accept().await {
            let _ = s.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        }
    });
    let mut answers = Vec::new();
    for port in [&closed_port, &not_smtp_port] {
        let r = b
            .post(
                "/admin/alerts/smtp",
                &[
                    ("csrf", &csrf),
                    ("host", "127.0.0.1"),
                    ("port", port),
                    ("security", "none"),
                    ("username", ""),
                    ("password", ""),
                    ("from", "Acme <reports@acme.test>"),
                ],
            )
            .await;
        assert!(r.text().await.unwrap().contains("Email settings saved"));
        let body = b
            .post("/admin/alerts/test-email", &[("csrf", &csrf)])
            .await
            .text()
            .await
            .unwrap();
        let message = between(&body, "role=\"alert\">", "</div>").unwrap_or_default();
        answers.push(message);
    }
    assert!(answers[0].contains("could not be sent"), "{answers:?}");
    assert_eq!(answers[0], answers[1]);
}

async fn revenue_page_states_exchange_rate_impact(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    let r = app
        .post("fx-rates", &app.token, &json!([{"date": "2025-01-01", "currency": "EUR", "rate": "1.10"}, {"date": "2025-02-01", "currency": "EUR", "rate": "1.20"}]))
        .await;
    assert_eq!(r.status(), 200);
    let event = json!({"id": "e1", "customer_id": "c", "subscription_id": "s", "type": "start", "effective_at": "2025-01-05",
                       "plan": "pro", "currency": "EUR", "amount": "100", "interval": "month"});
    ingest(
        &app,
        json!([{"id": "c", "name": "Euro Co"}]),
        json!([event]),
    )
    .await;
    app.user("fin@acme.test", Role::Finance, None).await;
    let mut b = app.browser("fin@acme.test").await;
    let page = b.page("/revenue?from=2025-03-01&to=2025-03-31").await;
    assert!(
        page.contains("Exchange-rate impact on 2025-03-31: +$10.00"),
        "{}",
        page.split("fx-impact").nth(1).unwrap_or("")
    );
    assert!(page.contains("MRR would be $120.00"));
    let account = b.page("/accounts/c?from=2025-03-01&to=2025-03-31").await;
    let subs = account.split("id=\"subs-h\"").nth(1).unwrap();
    assert!(
        subs.contains(">pro<") && subs.contains("$110.00") && subs.contains("active"),
        "{subs}"
    );
}
