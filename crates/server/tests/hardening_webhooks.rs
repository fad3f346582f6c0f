//! Outbound webhooks cannot be pointed inside the server's network: private,
//! loopback and link-local targets are refused on save and again at send
//! time (after resolving the name), only admins manage webhooks, and a
//! failed test send says the same whatever went wrong. With
//! `--allow-private-webhooks` a receiver on loopback gets the POST.
//! Through real HTTP on SQLite and PostgreSQL.

mod support;

use chrono::{Duration, Utc};
use quarterdeck_delivery::alerts::service;
use quarterdeck_domain::Role;
use quarterdeck_store::testing::TestStore;
use serde_json::json;
use std::sync::{Arc, Mutex};
use support::{Browser, TestApp, between};

quarterdeck_store::backend_stories!(
    private_and_local_targets_are_refused_on_save,
    executives_cannot_add_test_or_remove_webhooks,
    loopback_targets_stored_anyway_are_refused_at_send_time,
    test_send_errors_read_the_same_for_a_closed_port_and_a_500,
    with_the_setting_a_local_receiver_gets_the_post,
);

/// A receiver on loopback: `/hook` answers 200, `/fail` 500 with a telling
/// body, `/moved` redirects to `/hook`. Returns its base URL and every path
/// it was asked for.
async fn receiver() -> (String, Arc<Mutex<Vec<String>>>) {
    use axum::http::{StatusCode, Uri};
    use axum::response::{IntoResponse, Redirect};
    let hits = Arc::new(Mutex::new(Vec::<String>::new()));
    let keep = hits.clone();
    let app = axum::Router::new().fallback(move |uri: Uri| {
        let keep = keep.clone();
        async move {
            keep.lock().unwrap().push(uri.path().to_string());
            match uri.path() {
                "/fail" => (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "redis-internal-7 stack trace: secret banner",
                )
                    .into_response(),
                "/moved" => Redirect::temporary("/hook").into_response(),
                _ => "ok".into_response(),
            }
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (base, hits)
}

/// A loopback port nobody listens on.
async fn closed_port() -> u16 {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    port
}

async fn store_hooks(app: &TestApp, hooks: &[(&str, &str)]) {
    let list: Vec<_> = hooks
        .iter()
        .map(|(id, url)| json!({"id": id, "url": url, "secret": "s3cret"}))
        .collect();
    app.store
        .store
        .set_config(
            app.tenant.id,
            service::WEBHOOKS,
            &serde_json::Value::from(list).to_string(),
        )
        .await
        .unwrap();
}

async fn stored_hooks(app: &TestApp) -> Vec<String> {
    service::webhooks(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap()
        .into_iter()
        .map(|h| h.url)
        .collect()
}

/// The red banner of a page, if any.
fn banner(page: &str) -> Option<String> {
    between(page, "role=\"alert\">", "</div>")
}

async fn admin(app: &TestApp) -> Browser {
    app.no_mfa_rule().await;
    app.user("boss@acme.test", Role::Admin, None).await;
    app.browser("boss@acme.test").await
}

async fn test_send(b: &mut Browser, id: &str) -> String {
    let csrf = b.csrf("/admin/alerts").await;
    let r = b
        .post(
            &format!("/admin/alerts/webhooks/{id}/test"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(r.status(), 200, "test send of {id}");
    r.text().await.unwrap()
}

async fn private_and_local_targets_are_refused_on_save(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let mut b = admin(&app).await;
    let csrf = b.csrf("/admin/alerts").await;
    for url in [
        "http://127.0.0.1:6379/",
        "http://127.1.2.3/hook",
        "http://2130706433/hook",
        "http://[::1]:8080/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://0.0.0.0/hook",
        "http://169.254.169.254/latest/meta-data/iam/",
        "http://[fe80::1]/hook",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://172.16.3.4/hook",
        "http://192.168.1.10/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://255.255.255.255/hook",
        "http://localhost:8080/hook",
        "http://api.localhost/hook",
        "http://metadata.google.internal/computeMetadata/v1/",
    ] {
        let r = b
            .post("/admin/alerts/webhooks", &[("csrf", &csrf), ("url", url)])
            .await;
        assert_eq!(r.status(), 200, "{url}");
        let page = r.text().await.unwrap();
        let message = banner(&page).unwrap_or_else(|| panic!("{url} was not refused"));
        assert!(
            message.contains("loopback, private or link-local address"),
            "{url}: {message}"
        );
        assert!(!page.contains("Webhook added."), "{url}");
    }
    for (url, says) in [
        (
            "https://ops:hunter2@hooks.example.com/x",
            "user name or password",
        ),
        ("ftp://hooks.example.com/x", "http:// or https://"),
        ("javascript:alert(1)", "http:// or https://"),
    ] {
        let r = b
            .post("/admin/alerts/webhooks", &[("csrf", &csrf), ("url", url)])
            .await;
        let message = banner(&r.text().await.unwrap()).expect("refused");
        assert!(message.contains(says), "{url}: {message}");
    }
    assert!(stored_hooks(&app).await.is_empty(), "nothing was stored");
    let audit = app
        .store
        .store
        .list_audit(app.tenant.id, 100)
        .await
        .unwrap();
    assert!(!audit.iter().any(|e| e.action == "webhook.create"));
    // A public address is still welcome.
    let url = "https://hooks.example.com/services/T000/B000/XXXX";
    let r = b
        .post("/admin/alerts/webhooks", &[("csrf", &csrf), ("url", url)])
        .await;
    assert!(r.text().await.unwrap().contains("Webhook added."));
    assert_eq!(stored_hooks(&app).await, vec![url.to_string()]);
}

async fn executives_cannot_add_test_or_remove_webhooks(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.user("exec@acme.test", Role::Executive, None).await;
    let (base, hits) = receiver().await;
    let url = format!("{base}/hook");
    store_hooks(&app, &[("w1", &url)]).await;
    let mut e = app.browser("exec@acme.test").await;
    // Executives still manage alert rules, and see that a webhook exists.
    let page = e.page("/admin/alerts").await;
    assert!(page.contains("Add rule"));
    assert!(page.contains("One webhook receives new alerts."));
    assert!(!page.contains(&url), "the URL is for admins");
    assert!(!page.contains("/admin/alerts/webhooks"), "no webhook forms");
    let csrf = between(&page, "name=\"csrf\" value=\"", "\"").unwrap();
    let r = e
        .post(
            "/admin/alerts/webhooks",
            &[("csrf", &csrf), ("url", "https://hooks.example.com/x")],
        )
        .await;
    assert_eq!(r.status(), 403);
    for action in ["test", "delete"] {
        let r = e
            .post(
                &format!("/admin/alerts/webhooks/w1/{action}"),
                &[("csrf", &csrf)],
            )
            .await;
        assert_eq!(r.status(), 403, "{action}");
    }
    assert_eq!(stored_hooks(&app).await, vec![url]);
    assert!(hits.lock().unwrap().is_empty(), "no test was sent");
}

async fn loopback_targets_stored_anyway_are_refused_at_send_time(store: TestStore) {
    let (base, hits) = receiver().await;
    let port = base.rsplit(':').next().unwrap().to_string();
    let app = TestApp::spawn(store).await;
    let mut b = admin(&app).await;
    // Stored straight into the store, past the checks on save.
    let by_name = format!("http://localhost:{port}/hook");
    let by_address = format!("{base}/hook");
    let mapped = format!("http://[::ffff:127.0.0.1]:{port}/hook");
    store_hooks(
        &app,
        &[("w1", &by_name), ("w2", &by_address), ("w3", &mapped)],
    )
    .await;
    for id in ["w1", "w2", "w3"] {
        let page = test_send(&mut b, id).await;
        let message = banner(&page).unwrap_or_else(|| panic!("{id} was not refused"));
        assert!(message.starts_with("Test failed:"), "{id}: {message}");
        assert!(
            message.contains("loopback, private or link-local network"),
            "{id}: {message}"
        );
    }
    // An alert's delivery is refused the same way, and says so on the page.
    store_hooks(&app, &[("w1", &by_name)]).await;
    let today = Utc::now().date_naive();
    let start = today - Duration::days(400);
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([{"id": "big", "name": "Big Co"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &json!([
                {"id": "s1", "customer_id": "big", "subscription_id": "sub", "type": "start",
                 "effective_at": start.to_string(), "plan": "pro", "currency": "USD", "amount": "20000", "interval": "month"},
                {"id": "x1", "customer_id": "big", "subscription_id": "sub", "type": "cancel",
                 "effective_at": today.to_string()}
            ]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let s = app.store.store.as_ref();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let delivery = loop {
        let found = s
            .list_deliveries(app.tenant.id, 20)
            .await
            .unwrap()
            .into_iter()
            .find(|d| d.kind == quarterdeck_domain::DeliveryKind::Webhook);
        if let Some(d) = found {
            break d;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the webhook job never ran"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert_eq!(
        delivery.outcome,
        quarterdeck_domain::DeliveryOutcome::Failed
    );
    assert!(
        delivery
            .error
            .as_deref()
            .unwrap()
            .contains("loopback, private or link-local network"),
        "{:?}",
        delivery.error
    );
    assert!(hits.lock().unwrap().is_empty(), "nothing reached loopback");
}

async fn test_send_errors_read_the_same_for_a_closed_port_and_a_500(store: TestStore) {
    let (base, hits) = receiver().await;
    let closed = closed_port().await;
    let app = TestApp::spawn_with(store, |s| s.with_private_webhooks(true)).await;
    let mut b = admin(&app).await;
    let closed_url = format!("http://127.0.0.1:{closed}/hook");
    let failing = format!("{base}/fail");
    let moved = format!("{base}/moved");
    store_hooks(
        &app,
        &[
            ("closed", &closed_url),
            ("failing", &failing),
            ("moved", &moved),
        ],
    )
    .await;
    let mut messages = Vec::new();
    for id in ["closed", "failing", "moved"] {
        let page = test_send(&mut b, id).await;
        assert!(!page.contains("secret banner"), "{id}: the body stays out");
        let message = banner(&page).unwrap_or_else(|| panic!("{id} did not fail"));
        for word in ["refused", "connect", "timed out", "500", "307", "redirect"] {
            assert!(
                !message.to_lowercase().contains(word),
                "{id} says {word}: {message}"
            );
        }
        messages.push(message);
    }
    assert_eq!(
        messages[0],
        "Test failed: the webhook could not be delivered (no 2xx answer)"
    );
    assert_eq!(messages[0], messages[1]);
    assert_eq!(messages[0], messages[2]);
    // The redirect was not followed.
    assert_eq!(*hits.lock().unwrap(), vec!["/fail", "/moved"]);
}

async fn with_the_setting_a_local_receiver_gets_the_post(store: TestStore) {
    let (base, hits) = receiver().await;
    let app = TestApp::spawn_with(store, |s| s.with_private_webhooks(true)).await;
    let mut b = admin(&app).await;
    let url = format!("{base}/hook");
    let csrf = b.csrf("/admin/alerts").await;
    let r = b
        .post("/admin/alerts/webhooks", &[("csrf", &csrf), ("url", &url)])
        .await;
    assert!(r.text().await.unwrap().contains("Webhook added."));
    let hooks = service::webhooks(app.store.store.as_ref(), app.tenant.id)
        .await
        .unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0].url, url);
    let page = test_send(&mut b, &hooks[0].id).await;
    assert!(page.contains("Test delivered to"), "{:?}", banner(&page));
    assert_eq!(*hits.lock().unwrap(), vec!["/hook"]);
}
