//! CSV downloads cannot smuggle spreadsheet formulas: a customer, tenant or
//! token named like a formula comes out with a `'` in front, while amounts
//! (negative ones included) stay numbers. Through real HTTP on SQLite and
//! PostgreSQL.

mod support;

use chrono::{Duration, Utc};
use quarterdeck_app::admin;
use quarterdeck_app::audit::{self, Actor};
use quarterdeck_domain::{Role, Scope};
use quarterdeck_store::testing::TestStore;
use serde_json::json;
use support::TestApp;

quarterdeck_store::backend_stories!(
    csv_exports_neutralise_formulas_and_keep_numbers,
    audit_log_csv_neutralises_formulas,
);

const HYPERLINK: &str = "=HYPERLINK(\"http://evil.example\",\"x\")";
const NAMES: [&str; 4] = [HYPERLINK, "+1+1", "@SUM(A1)", "-2+3"];

/// Every record of a CSV body (context lines included), as parsed by a reader.
fn records(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect()
}

async fn csv_exports_neutralise_formulas_and_keep_numbers(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    // The workspace's own name is on the first line of every export.
    let rename = admin::TenantChanges {
        name: Some("=1+2".into()),
        ..Default::default()
    };
    admin::update_tenant(app.store.store.as_ref(), "acme", &rename, &Actor::cli())
        .await
        .unwrap();
    app.user("boss@acme.test", Role::Admin, None).await;
    let customers: Vec<_> = NAMES
        .iter()
        .enumerate()
        .map(|(i, name)| json!({"id": format!("c{i}"), "name": name, "segment": "-smb"}))
        .collect();
    assert_eq!(
        app.post("customers", &app.token, &json!(customers))
            .await
            .status(),
        200
    );
    let today = Utc::now().date_naive();
    let start = today - Duration::days(90);
    let mut events: Vec<_> = (0..NAMES.len())
        .map(|i| {
            json!({"id": format!("s{i}"), "customer_id": format!("c{i}"), "subscription_id": format!("sub{i}"),
                   "type": "start", "effective_at": start.to_string(), "plan": "pro", "currency": "USD",
                   "amount": format!("{}.50", 100 * (i + 1)), "interval": "month"})
        })
        .collect();
    // One customer leaves in the period, so the revenue export has a churn figure.
    events.push(
        json!({"id": "x3", "customer_id": "c3", "subscription_id": "sub3", "type": "cancel",
                       "effective_at": (today - Duration::days(10)).to_string()}),
    );
    assert_eq!(
        app.post("subscription-events", &app.token, &json!(events))
            .await
            .status(),
        200
    );
    let mut b = app.browser("boss@acme.test").await;

    // These accounts have no MRR: the list hides them unless asked.
    let r = b.get("/accounts.csv?paying=all").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let rows = records(&body);
    assert_eq!(rows[0], ["# tenant", "'=1+2"], "the tenant line");
    let header = rows.iter().position(|r| r[0] == "id").expect("a header");
    assert_eq!(
        rows[header],
        [
            "id", "name", "segment", "csm", "plan", "region", "mrr", "arr"
        ]
    );
    let accounts = &rows[header + 1..];
    for (i, name) in NAMES.iter().enumerate() {
        let row = accounts
            .iter()
            .find(|r| r[0] == format!("c{i}"))
            .unwrap_or_else(|| panic!("c{i} in {body}"));
        assert_eq!(row[1], format!("'{name}"), "{body}");
        assert_eq!(row[2], "'-smb");
        if i < 3 {
            let mrr = format!("{}.50", 100 * (i + 1));
            assert_eq!(row[6].parse::<f64>().unwrap(), mrr.parse::<f64>().unwrap());
            assert!(!row[6].starts_with('\''), "MRR stays a number: {row:?}");
            assert!(!row[7].starts_with('\''), "ARR stays a number: {row:?}");
        }
    }
    // Raw bytes: the formula never starts a field.
    for line in body.lines() {
        for bad in [",=", ",+", ",@", ",\"="] {
            assert!(!line.contains(bad), "{line}");
        }
    }

    // Net new MRR is signed: the month c3 left is a negative number, not text.
    let r = b
        .get(&format!("/revenue.csv?from={start}&to={today}"))
        .await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let rows = records(&body);
    let header = rows.iter().position(|r| r[0] == "from").expect("a header");
    let net_new = rows[header].iter().position(|c| c == "net_new").unwrap();
    let buckets = &rows[header + 1..];
    for r in buckets {
        assert!(
            r.iter().all(|c| !c.starts_with('\'')),
            "numbers untouched: {r:?}"
        );
    }
    assert!(
        buckets
            .iter()
            .any(|r| r[net_new].starts_with('-') && r[net_new].parse::<f64>() == Ok(-400.5)),
        "the churn of c3 as a negative net new in {body}"
    );
}

async fn audit_log_csv_neutralises_formulas(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    let s = app.store.store.as_ref();
    // A token's name goes into the audit detail.
    admin::create_token(s, &app.tenant, &[Scope::Read], HYPERLINK, &Actor::cli())
        .await
        .unwrap();
    audit::record(
        s,
        Some(app.tenant.id),
        &Actor::cli(),
        "test.entry",
        Some("-2+3".into()),
        Some("@SUM(A1)".into()),
    )
    .await
    .unwrap();
    audit::record(
        s,
        Some(app.tenant.id),
        &Actor::cli(),
        "test.entry",
        Some("+1+1".into()),
        Some("\t=1+1".into()),
    )
    .await
    .unwrap();
    let mut b = app.browser("boss@acme.test").await;
    let r = b.get("/admin/audit.csv").await;
    assert_eq!(r.status(), 200);
    let body = r.text().await.unwrap();
    let rows = records(&body);
    assert_eq!(rows[0][..4], ["id", "at", "actor", "action"]);
    let token = rows
        .iter()
        .find(|r| r[3] == "token.create" && r[5].contains("HYPERLINK"))
        .expect("the token's entry");
    assert_eq!(token[5], format!("'{HYPERLINK} (read)"));
    let tests: Vec<_> = rows.iter().filter(|r| r[3] == "test.entry").collect();
    assert_eq!(tests.len(), 2);
    for r in &tests {
        assert!(r[0].parse::<i64>().is_ok(), "the id stays a number: {r:?}");
        assert!(["'-2+3", "'+1+1"].contains(&r[4].as_str()), "target {r:?}");
        assert!(
            ["'@SUM(A1)", "'\t=1+1"].contains(&r[5].as_str()),
            "detail {r:?}"
        );
    }
}
