//! The ingestion and record API through real HTTP, on SQLite and PostgreSQL.

mod support;

use quarterdeck_domain::Collection;
use quarterdeck_domain::examples::example_row;
use quarterdeck_store::testing::TestStore;
use serde_json::{Value, json};
use support::TestApp;

quarterdeck_store::backend_stories!(
    health_and_readiness,
    every_collection_is_accepted_and_readable,
    three_bad_rows_are_all_listed_and_nothing_is_stored,
    malformed_json_is_400,
    too_many_rows_or_bytes_is_413,
    missing_or_wrong_token_is_401,
    missing_scope_is_403,
    another_tenants_ids_are_404,
    the_same_batch_twice_leaves_the_same_state,
    ndjson_and_wrapped_bodies_are_accepted,
    delete_removes_and_is_audited,
    listing_pages_newest_first,
    unknown_collection_and_bad_parameters,
);

fn examples(c: Collection, n: std::ops::Range<usize>) -> Value {
    Value::Array(n.map(|i| example_row(c, i)).collect())
}

async fn health_and_readiness(store: TestStore) {
    let app = TestApp::spawn(store).await;
    assert_eq!(app.get("/healthz", None).await.status(), 200);
    assert_eq!(app.get("/readyz", None).await.status(), 200);
    let r = app.get("/healthz", None).await;
    assert!(r.headers().contains_key("x-request-id"));
    // An anonymous visitor lands on the sign-in page, which points developers at the API.
    let home = app.get("/", None).await;
    assert_eq!(home.status(), 200);
    assert_eq!(home.url().path(), "/login");
    assert!(home.text().await.unwrap().contains("openapi.json"));
}

async fn every_collection_is_accepted_and_readable(store: TestStore) {
    let app = TestApp::spawn(store).await;
    for c in Collection::ALL {
        let r = app
            .post(c.slug(), &app.ingest_token, &examples(c, 0..3))
            .await;
        assert_eq!(r.status(), 200, "{c}: {}", r.text().await.unwrap());
        let body: Value = r.json().await.unwrap();
        assert_eq!(body, json!({"accepted": 3}), "{c}");
        let stored = app.all(c.slug(), &app.read_token).await;
        assert_eq!(stored.len(), 3, "{c}");
    }
    let one: Value = app
        .get("/api/v1/subscription-events/ex_1", Some(&app.read_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["subscription_id"], "sub_1");
    assert_eq!(one["amount"], "49.00");
    assert_eq!(one["quantity"], "3");
    assert_eq!(one["interval_count"], 1);
}

async fn three_bad_rows_are_all_listed_and_nothing_is_stored(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let mut rows: Vec<Value> = (0..10)
        .map(|i| example_row(Collection::SubscriptionEvents, i))
        .collect();
    rows[2]["amount"] = json!("-5");
    rows[5].as_object_mut().unwrap().remove("customer_id");
    rows[7]["interval"] = json!("fortnight");
    rows[7]["currency"] = json!("XXX1");
    let r = app
        .post(
            "subscription-events",
            &app.ingest_token,
            &Value::Array(rows),
        )
        .await;
    assert_eq!(r.status(), 422);
    let body: Value = r.json().await.unwrap();
    let errors = body["errors"].as_array().unwrap();
    let seen: Vec<(u64, &str, &str)> = errors
        .iter()
        .map(|e| {
            (
                e["index"].as_u64().unwrap(),
                e["id"].as_str().unwrap(),
                e["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        seen,
        vec![
            (2, "ex_2", "amount"),
            (5, "ex_5", "customer_id"),
            (7, "ex_7", "currency"),
            (7, "ex_7", "interval")
        ]
    );
    assert!(
        errors
            .iter()
            .all(|e| !e["message"].as_str().unwrap().is_empty())
    );
    assert!(
        app.all("subscription-events", &app.read_token)
            .await
            .is_empty(),
        "nothing stored"
    );
}

async fn malformed_json_is_400(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let r = app
        .post_raw(
            "customers",
            Some(&app.ingest_token),
            "application/json",
            b"[{\"id\": ".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 400);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed JSON")
    );
    let r = app
        .post_raw(
            "customers",
            Some(&app.ingest_token),
            "application/json",
            b"{\"id\": 1}".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 400);
    let r = app
        .post_raw(
            "customers",
            Some(&app.ingest_token),
            "application/x-ndjson",
            b"{}\nnot json\n".to_vec(),
        )
        .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("line 2"));
}

async fn too_many_rows_or_bytes_is_413(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let r = app
        .post(
            "events",
            &app.ingest_token,
            &examples(Collection::Events, 0..10_001),
        )
        .await;
    assert_eq!(r.status(), 413);
    let big = format!(
        "[{{\"id\": \"x\", \"name\": \"{}\"}}]",
        "a".repeat(10 * 1024 * 1024)
    );
    let r = app
        .post_raw(
            "customers",
            Some(&app.ingest_token),
            "application/json",
            big.into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 413);
    assert!(app.all("events", &app.read_token).await.is_empty());
    // Exactly 10,000 is fine.
    let r = app
        .post(
            "events",
            &app.ingest_token,
            &examples(Collection::Events, 0..10_000),
        )
        .await;
    assert_eq!(r.status(), 200);
}

async fn missing_or_wrong_token_is_401(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let body = serde_json::to_vec(&examples(Collection::Customers, 0..1)).unwrap();
    let r = app
        .post_raw("customers", None, "application/json", body.clone())
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = app
        .post_raw(
            "customers",
            Some("qd_not_a_token"),
            "application/json",
            body,
        )
        .await;
    assert_eq!(r.status(), 401);
    assert_eq!(app.get("/api/v1/customers", None).await.status(), 401);
}

async fn missing_scope_is_403(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let r = app
        .post(
            "customers",
            &app.read_token,
            &examples(Collection::Customers, 0..1),
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("ingest"));
    assert_eq!(
        app.get("/api/v1/customers", Some(&app.ingest_token))
            .await
            .status(),
        403
    );
    assert!(app.all("customers", &app.read_token).await.is_empty());
}

async fn another_tenants_ids_are_404(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.post("costs", &app.token, &examples(Collection::Costs, 0..5))
        .await;
    let (_, other) = app.other_tenant("globex").await;
    // The other tenant holds ex_0 too, with its own data.
    let mut mine = example_row(Collection::Costs, 0);
    mine["category"] = json!("globex-only");
    assert_eq!(
        app.post("costs", &other, &json!([mine])).await.status(),
        200
    );
    assert_eq!(
        app.get("/api/v1/costs/ex_3", Some(&other)).await.status(),
        404
    );
    assert_eq!(app.delete("/api/v1/costs/ex_3", &other).await.status(), 404);
    let own: Value = app
        .get("/api/v1/costs/ex_0", Some(&other))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(own["category"], "globex-only");
    let theirs: Value = app
        .get("/api/v1/costs/ex_0", Some(&app.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(theirs["category"], "hosting");
    assert_eq!(app.all("costs", &other).await.len(), 1);
    assert_eq!(
        app.all("costs", &app.token).await.len(),
        5,
        "nothing of acme was deleted"
    );
}

async fn the_same_batch_twice_leaves_the_same_state(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let batch = examples(Collection::SubscriptionEvents, 0..50);
    assert_eq!(
        app.post("subscription-events", &app.token, &batch)
            .await
            .status(),
        200
    );
    let first = app.all("subscription-events", &app.token).await;
    assert_eq!(
        app.post("subscription-events", &app.token, &batch)
            .await
            .status(),
        200
    );
    let second = app.all("subscription-events", &app.token).await;
    assert_eq!(first, second);
    assert_eq!(second.len(), 50);
    // A changed row replaces the stored one.
    let mut changed = example_row(Collection::SubscriptionEvents, 4);
    changed["amount"] = json!(59);
    app.post("subscription-events", &app.token, &json!([changed]))
        .await;
    let one: Value = app
        .get("/api/v1/subscription-events/ex_4", Some(&app.token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(one["amount"], "59");
    assert_eq!(app.all("subscription-events", &app.token).await.len(), 50);
}

async fn ndjson_and_wrapped_bodies_are_accepted(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let nd: String = (0..4)
        .map(|i| format!("{}\n", example_row(Collection::Events, i)))
        .collect();
    let r = app
        .post_raw(
            "events",
            Some(&app.token),
            "application/x-ndjson",
            nd.into_bytes(),
        )
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap(), json!({"accepted": 4}));
    let wrapped = json!({"data": [example_row(Collection::Events, 10)]});
    assert_eq!(app.post("events", &app.token, &wrapped).await.status(), 200);
    assert_eq!(app.all("events", &app.token).await.len(), 5);
}

async fn delete_removes_and_is_audited(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.post("tickets", &app.token, &examples(Collection::Tickets, 0..3))
        .await;
    assert_eq!(
        app.delete("/api/v1/tickets/ex_1", &app.read_token)
            .await
            .status(),
        403
    );
    assert_eq!(
        app.delete("/api/v1/tickets/ex_1", &app.token)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.get("/api/v1/tickets/ex_1", Some(&app.token))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete("/api/v1/tickets/ex_1", &app.token)
            .await
            .status(),
        404
    );
    let log = app.store.store.list_audit(app.tenant.id, 10).await.unwrap();
    let delete = log
        .iter()
        .find(|e| e.action == "record.delete")
        .expect("audited");
    assert_eq!(delete.target.as_deref(), Some("tickets/ex_1"));
    assert!(delete.actor.starts_with("token:qd_"));
}

async fn listing_pages_newest_first(store: TestStore) {
    let app = TestApp::spawn(store).await;
    app.post(
        "activities",
        &app.token,
        &examples(Collection::Activities, 0..5),
    )
    .await;
    let page: Value = app
        .get("/api/v1/activities?limit=2", Some(&app.token))
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["ex_4", "ex_3"]);
    let cursor = page["next_cursor"].as_str().unwrap();
    let page: Value = app
        .get(
            &format!("/api/v1/activities?limit=2&cursor={cursor}"),
            Some(&app.token),
        )
        .await
        .json()
        .await
        .unwrap();
    let ids: Vec<_> = page["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec!["ex_2", "ex_1"]);
}

async fn unknown_collection_and_bad_parameters(store: TestStore) {
    let app = TestApp::spawn(store).await;
    let r = app.post("widgets", &app.token, &json!([])).await;
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("subscription-events"));
    assert_eq!(
        app.get("/api/v1/customers?limit=0", Some(&app.token))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.get("/api/v1/customers?limit=abc", Some(&app.token))
            .await
            .status(),
        400
    );
    assert_eq!(
        app.get("/api/v1/customers?cursor=zz", Some(&app.token))
            .await
            .status(),
        400
    );
    assert_eq!(app.get("/nowhere", None).await.status(), 404);
}
