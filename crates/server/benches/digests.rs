//! A weekly digest run for N users (default 1,000) against a local SMTP
//! server: from queueing the jobs to the last message accepted.
//!
//!   cargo bench -p quarterdeck-server --bench digests
//!   DIGEST_USERS=1000 DIGEST_CUSTOMERS=10000 cargo bench -p quarterdeck-server --bench digests

#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use quarterdeck_app::jobs;
use quarterdeck_app::mail::Mailer;
use quarterdeck_domain::Role;
use quarterdeck_store::DigestSubscription;
use quarterdeck_store::testing::{Backend, fresh};
use std::time::Instant;
use support::{SmtpSink, TestApp};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let users = env_usize("DIGEST_USERS", 1000);
    let customers = env_usize("DIGEST_CUSTOMERS", 5000);
    let sink = SmtpSink::start(false).await;
    let mailer = Mailer::new(&sink.config()).unwrap();
    let store = fresh(Backend::Sqlite).await.unwrap().unwrap();
    let app = TestApp::spawn_with(store, |s| s.with_mailer(mailer)).await;
    app.load_demo(customers).await;
    let s = app.store.store.as_ref();
    for i in 0..users {
        let email = format!("exec{i}@acme.test");
        let id = s.create_user(&email, "x").await.unwrap();
        s.set_membership(app.tenant.id, id, Role::Executive, None)
            .await
            .unwrap();
        let sub = DigestSubscription {
            tenant_id: app.tenant.id,
            user_id: id,
            email,
            cadence: quarterdeck_domain::Cadence::Weekly,
            weekday: 1,
            monthday: 1,
            hour: 8,
            time_zone: "UTC".into(),
        };
        s.set_digest(&sub, &format!("u{i}")).await.unwrap();
    }
    println!("digests: {users} users, {customers} customers; sending…");
    let started = Instant::now();
    for sub in s.all_digests().await.unwrap() {
        jobs::enqueue(
            s,
            Some(sub.tenant_id),
            &jobs::kinds::Digest {
                tenant: sub.tenant_id,
                user: sub.user_id,
                day: None,
                preview: false,
            },
            &format!("bench-digest:{}:{}", sub.tenant_id, sub.user_id),
        )
        .await
        .unwrap();
    }
    let queued = started.elapsed();
    sink.wait_for_within(users, 900).await;
    let total = started.elapsed();
    println!(
        "digests: queued in {:.2} s; {users} messages accepted in {:.1} s ({:.1} ms per digest) — goal < 120 s",
        queued.as_secs_f64(),
        total.as_secs_f64(),
        total.as_secs_f64() * 1000.0 / users as f64
    );
}
