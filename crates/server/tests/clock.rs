//! The application clock: default ranges, link expiry and "today" follow a
//! fixed clock that a test sets and moves, on SQLite and PostgreSQL.

mod support;

use chrono::{DateTime, Duration, Utc};
use quarterdeck_app::clock::Clock;
use quarterdeck_store::testing::TestStore;
use support::{Browser, TestApp};

quarterdeck_store::backend_stories!(defaults_and_expiry_follow_the_clock);

async fn defaults_and_expiry_follow_the_clock(store: TestStore) {
    let at: DateTime<Utc> = "2026-03-17T12:00:00Z".parse().unwrap();
    let clock = Clock::fixed(at);
    let c = clock.clone();
    let app = TestApp::spawn_with(store, move |s| s.with_clock(c)).await;
    let r = app
        .get("/api/v1/metrics/summary", Some(&app.read_token))
        .await;
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["period"]["from"], "2026-03-01");
    assert_eq!(v["period"]["to"], "2026-03-17");
    // A month to date compares with the same days of the month before.
    assert_eq!(v["compare"]["from"], "2026-02-01");
    assert_eq!(v["compare"]["to"], "2026-02-17");
    assert_eq!(v["partial"], false);

    let (_, token) = app.share("/revenue", 1, None).await.unwrap();
    let mut anon = Browser::new(&app.base);
    let path = format!("/s/{token}");
    // Made by the app clock (a one-day link): open until a day has passed
    // on that clock, gone after.
    assert_eq!(anon.get(&path).await.status(), 200);
    clock.set(at + Duration::hours(23));
    assert_eq!(anon.get(&path).await.status(), 200);
    clock.set(at + Duration::days(2));
    assert_eq!(anon.get(&path).await.status(), 410);
}
