//! Alert rules and webhooks are edited atomically (two admins saving at once
//! both keep their edit), forms refuse values they do not know, and a config
//! document that does not parse is an error rather than silently replaced —
//! through real HTTP on SQLite and PostgreSQL.

mod support;

use quarterdeck_delivery::alerts::service;
use quarterdeck_domain::Role;
use quarterdeck_store::testing::TestStore;
use support::{Browser, TestApp};

quarterdeck_store::backend_stories!(
    concurrent_rule_edits_all_land,
    unknown_form_values_are_refused,
    an_unreadable_config_is_an_error_not_dropped,
    a_job_that_can_never_succeed_fails_once,
    capacity_and_stage_probabilities_are_set_in_settings,
);

fn rule_form<'a>(csrf: &'a str, name: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("name", name),
        ("metric", "customer_churn_rate"),
        ("op", "above"),
        // Rates are typed in percent.
        ("value", "3"),
        ("window", "last_month"),
        ("for_days", "0"),
        ("segment", ""),
        ("severity", "warning"),
    ]
}

async fn admins(app: &TestApp) -> (Browser, Browser) {
    app.no_mfa_rule().await;
    app.user("a@acme.test", Role::Admin, None).await;
    app.user("b@acme.test", Role::Admin, None).await;
    (
        app.browser("a@acme.test").await,
        app.browser("b@acme.test").await,
    )
}

async fn concurrent_rule_edits_all_land(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let (mut a, mut b) = admins(&app).await;
    let (ca, cb) = (a.csrf("/admin/alerts").await, b.csrf("/admin/alerts").await);
    let names_a: Vec<String> = (0..12).map(|i| format!("a{i}")).collect();
    let names_b: Vec<String> = (0..12).map(|i| format!("b{i}")).collect();
    let run_a = async {
        for n in &names_a {
            let r = a.post("/admin/alerts/rules", &rule_form(&ca, n)).await;
            assert_eq!(r.status(), 303);
        }
    };
    let run_b = async {
        for n in &names_b {
            let r = b.post("/admin/alerts/rules", &rule_form(&cb, n)).await;
            assert_eq!(r.status(), 303);
        }
    };
    tokio::join!(run_a, run_b);
    let rules = service::rules(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap();
    assert_eq!(
        rules.len(),
        24,
        "every edit kept: {:?}",
        rules.iter().map(|r| &r.name).collect::<Vec<_>>()
    );
    // "3" for a rate is 3 %, kept as the fraction the engine compares with.
    assert!(
        rules
            .iter()
            .all(|r| r.value == rust_decimal::Decimal::new(3, 2)
                && r.window == quarterdeck_delivery::alerts::rules::Window::LastMonth)
    );
    let page = a.get("/admin/alerts").await.text().await.unwrap();
    assert!(
        page.contains("Customer churn rate above 3.0% over the last complete month"),
        "rules read in words"
    );
    // Deletes race with adds just as safely.
    let ids: Vec<String> = rules.iter().map(|r| r.id.clone()).collect();
    let del = async {
        for id in ids.iter().take(6) {
            let r = a
                .post(
                    &format!("/admin/alerts/rules/{id}/delete"),
                    &[("csrf", &ca)],
                )
                .await;
            assert_eq!(r.status(), 303);
        }
    };
    let add = async {
        for i in 0..6 {
            let n = format!("c{i}");
            let r = b.post("/admin/alerts/rules", &rule_form(&cb, &n)).await;
            assert_eq!(r.status(), 303);
        }
    };
    tokio::join!(del, add);
    let rules = service::rules(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap();
    assert_eq!(rules.len(), 24);
}

async fn unknown_form_values_are_refused(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let (mut a, _) = admins(&app).await;
    let csrf = a.csrf("/admin/alerts").await;
    for (field, bad, says) in [
        ("op", "sideways", "op: `sideways` is not above or below"),
        (
            "severity",
            "urgent",
            "severity: `urgent` is not critical, warning or info",
        ),
        (
            "for_days",
            "three",
            "for_days: `three` is not a whole number",
        ),
        ("value", "lots", "value: `lots` is not a number"),
        ("window", "yesterday", "window: `yesterday` is not one of"),
    ] {
        let mut form = rule_form(&csrf, "x");
        for f in form.iter_mut() {
            if f.0 == field {
                f.1 = bad;
            }
        }
        let body = a
            .post("/admin/alerts/rules", &form)
            .await
            .text()
            .await
            .unwrap();
        assert!(body.contains(says), "{field}: {says} not in the page");
    }
    let rules = service::rules(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap();
    assert!(rules.is_empty(), "nothing stored");
    // The event rules take their share as a percentage, like every ratio
    // typed into a form, and show it back so.
    let r = a
        .post(
            "/admin/alerts/events",
            &[
                ("csrf", csrf.as_str()),
                ("large_account_arr", "100000"),
                ("major_expansion_share", "25"),
                ("major_expansion_min", "1000"),
                ("lookback_days", "7"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let events = service::event_settings(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap();
    assert_eq!(events.major_expansion_share, "0.25".parse().unwrap());
    assert!(
        a.page("/admin/alerts")
            .await
            .contains("name=\"major_expansion_share\" value=\"25\"")
    );
}

async fn an_unreadable_config_is_an_error_not_dropped(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let (mut a, _) = admins(&app).await;
    let csrf = a.csrf("/admin/alerts").await;
    let s = app.store.store.as_ref();
    s.set_config(app.tenant.id, service::RULES, "{not json")
        .await
        .unwrap();
    let r = a.post("/admin/alerts/rules", &rule_form(&csrf, "x")).await;
    assert_eq!(r.status(), 500);
    assert_eq!(
        s.get_config(app.tenant.id, service::RULES)
            .await
            .unwrap()
            .as_deref(),
        Some("{not json"),
        "the stored document was not overwritten"
    );
}

/// A job that cannot succeed (no SMTP server) fails once with that reason.
async fn a_job_that_can_never_succeed_fails_once(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.user("a@acme.test", Role::Admin, None).await;
    let s = app.store.store.as_ref();
    let user = s.user_by_email("a@acme.test").await.unwrap().unwrap();
    quarterdeck_app::jobs::enqueue(
        s,
        Some(app.tenant.id),
        &quarterdeck_app::jobs::kinds::Digest {
            tenant: app.tenant.id,
            user: user.id,
            day: None,
            preview: false,
        },
        "digest:no-smtp",
    )
    .await
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let job = loop {
        let jobs = s.list_jobs(Some(app.tenant.id), 10).await.unwrap();
        if let Some(j) = jobs
            .into_iter()
            .find(|j| j.idempotency_key == "digest:no-smtp" && j.finished_at.is_some())
        {
            break j;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the job never finished"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(job.attempts, 1, "not retried");
    assert_eq!(job.state, quarterdeck_store::JobState::Dead);
    assert!(job.last_error.unwrap().contains("no SMTP server"));
}

/// CSM capacity per segment and expansion stage probabilities, through the
/// Settings forms: stored, read back by the answers, bad values refused.
async fn capacity_and_stage_probabilities_are_set_in_settings(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let (mut a, _) = admins(&app).await;
    let r = app
        .post(
            "customers",
            &app.token,
            &serde_json::json!([{"id": "c1", "name": "C1", "segment": "smb", "csm": "ana"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "opportunities",
            &app.token,
            &serde_json::json!([{"id": "o1", "customer_id": "c1", "type": "upsell", "amount": 1000, "close_date": "2030-01-01", "stage": "proposal", "status": "open"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let page = a.page("/admin/settings").await;
    assert!(page.contains("name=\"accounts_smb\""), "{page}");
    assert!(page.contains("name=\"p_proposal\""), "{page}");
    let csrf = a.csrf("/admin/settings").await;
    // A fractional account count is refused, naming the segment.
    let r = a
        .post(
            "/admin/settings/capacity",
            &[
                ("csrf", &csrf),
                ("segment", "smb"),
                ("accounts_smb", "2.5"),
                ("arr_smb", ""),
            ],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("SMB: target accounts per CSM is a whole number")
    );
    let r = a
        .post(
            "/admin/settings/capacity",
            &[
                ("csrf", &csrf),
                ("segment", "smb"),
                ("accounts_smb", "40"),
                ("arr_smb", "250,000"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let team: serde_json::Value = app
        .get("/api/v1/team", Some(&app.read_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(team["capacity"]["smb"]["accounts"], 40, "{team}");
    assert_eq!(team["capacity"]["smb"]["arr"], 250000);
    // Stage probabilities in percent; above 100 is refused.
    let r = a
        .post(
            "/admin/settings/stages",
            &[
                ("csrf", &csrf),
                ("stage", "proposal"),
                ("p_proposal", "140"),
            ],
        )
        .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Stage proposal: a probability from 0 to 100")
    );
    let r = a
        .post(
            "/admin/settings/stages",
            &[("csrf", &csrf), ("stage", "proposal"), ("p_proposal", "20")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let x: serde_json::Value = app
        .get("/api/v1/expansion", Some(&app.read_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(x["open"]["weighted"], 200, "{x}");
}
