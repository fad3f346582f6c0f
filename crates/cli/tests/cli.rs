//! The `quarterdeck` binary end to end, on SQLite and PostgreSQL.

mod support;

use quarterdeck_store::testing::TestStore;
use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use support::{serve_child, store_flags};

quarterdeck_store::backend_stories!(
    tenant_and_token_creation,
    bad_input_exits_non_zero_with_one_line,
    csv_import_lists_every_problem_by_line_and_stores_nothing,
    csv_json_and_ndjson_imports_are_idempotent,
    user_creation_checks_the_password,
    serve_answers_and_stops_gracefully,
    demo_creates_and_refreshes_the_demo_tenant,
    tenant_update_checks_and_applies_settings,
    a_job_killed_mid_run_completes_once_after_restart,
);

fn qd(t: &TestStore, args: &[&str]) -> Output {
    qd_stdin(t, args, "")
}

fn qd_stdin(t: &TestStore, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(args)
        .args(store_flags(&t.target))
        .env_remove("QUARTERDECK_DATA_DIR")
        .env_remove("QUARTERDECK_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn err(out: &Output) -> String {
    assert!(
        !out.status.success(),
        "should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    String::from_utf8(out.stderr.clone()).unwrap()
}

fn file(name: &str, contents: &str) -> (std::path::PathBuf, impl Drop) {
    struct Remove(std::path::PathBuf);
    impl Drop for Remove {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
    let dir = std::env::temp_dir().join(format!("qd_cli_{}_{}", std::process::id(), rand_suffix()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    (path, Remove(dir))
}

fn rand_suffix() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(Instant::now())
}

async fn tenant_and_token_creation(t: TestStore) {
    let out = ok(&qd(
        &t,
        &[
            "tenant",
            "create",
            "acme",
            "--name",
            "Acme Inc",
            "--currency",
            "eur",
            "--timezone",
            "Europe/Berlin",
        ],
    ));
    assert!(out.contains("created tenant acme"), "{out}");
    let out = ok(&qd(
        &t,
        &[
            "token",
            "create",
            "--tenant",
            "acme",
            "--scopes",
            "ingest,read",
            "--name",
            "etl",
        ],
    ));
    let last = out.lines().last().unwrap();
    assert!(last.starts_with("qd_") && last.len() == 51, "{out}");
    let found = t
        .store
        .token_by_hash(&quarterdeck_app::credentials::hash_token(last))
        .await
        .unwrap();
    assert_eq!(found.unwrap().name, "etl");
    let tenant = t.store.tenant_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(
        (tenant.currency.code(), tenant.timezone.as_str()),
        ("EUR", "Europe/Berlin")
    );
}

async fn bad_input_exits_non_zero_with_one_line(t: TestStore) {
    for (args, needle) in [
        (
            vec!["tenant", "create", "Bad Slug"],
            "not a valid tenant slug",
        ),
        (
            vec!["tenant", "create", "x", "--currency", "EURO"],
            "ISO 4217",
        ),
        (
            vec!["tenant", "create", "x", "--timezone", "Mars/Base"],
            "IANA",
        ),
        (
            vec!["token", "create", "--tenant", "nope", "--scopes", "read"],
            "no tenant `nope`",
        ),
    ] {
        let e = err(&qd(&t, &args));
        assert_eq!(e.trim_end().lines().count(), 1, "{e}");
        assert!(e.contains(needle), "{e}");
    }
    ok(&qd(&t, &["tenant", "create", "x"]));
    let e = err(&qd(&t, &["tenant", "create", "x"]));
    assert!(e.contains("already exists"), "{e}");
    let e = err(&qd(
        &t,
        &["token", "create", "--tenant", "x", "--scopes", "write"],
    ));
    assert!(e.contains("not a scope"), "{e}");
}

async fn csv_import_lists_every_problem_by_line_and_stores_nothing(t: TestStore) {
    ok(&qd(&t, &["tenant", "create", "acme"]));
    let csv = "id,customer_id,subscription_id,type,effective_at,amount,currency,interval\n\
               e1,c1,s1,start,2025-01-01,10,USD,month\n\
               e2,c1,s1,change,2025-02-01,-3,USD,month\n\
               e3,c2,s2,start,someday,10,USD,month\n\
               e4,c3,s3,start,2025-01-01,10,USD,fortnight\n";
    let (path, _keep) = file("subs.csv", csv);
    let e = err(&qd(
        &t,
        &[
            "import",
            "--tenant",
            "acme",
            "subscription-events",
            path.to_str().unwrap(),
        ],
    ));
    assert!(e.contains("line 3, field amount:"), "{e}");
    assert!(e.contains("line 4, field effective_at:"), "{e}");
    assert!(e.contains("line 5, field interval:"), "{e}");
    assert!(
        e.trim_end()
            .lines()
            .last()
            .unwrap()
            .contains("3 problem(s)"),
        "{e}"
    );
    assert!(e.contains("nothing was imported"));
    let tenant = t.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let n = t
        .store
        .count_records(
            tenant.id,
            quarterdeck_domain::Collection::SubscriptionEvents,
        )
        .await
        .unwrap();
    assert_eq!(n, 0);
}

async fn csv_json_and_ndjson_imports_are_idempotent(t: TestStore) {
    use quarterdeck_domain::Collection;
    ok(&qd(&t, &["tenant", "create", "acme"]));
    let tenant = t.store.tenant_by_slug("acme").await.unwrap().unwrap();
    let csv = "id,name,segment,attributes.plan\nc1,Acme,smb,gold\nc2,\"Beta, Inc\",,\n";
    let (path, _a) = file("customers.csv", csv);
    for _ in 0..2 {
        let out = ok(&qd(
            &t,
            &[
                "import",
                "--tenant",
                "acme",
                "customers",
                path.to_str().unwrap(),
            ],
        ));
        assert!(out.contains("imported 2 customers rows"), "{out}");
    }
    assert_eq!(
        t.store
            .count_records(tenant.id, Collection::Customers)
            .await
            .unwrap(),
        2
    );
    let c1 = t
        .store
        .get_record(tenant.id, Collection::Customers, "c1")
        .await
        .unwrap()
        .unwrap();
    assert!(c1.body.contains("\"plan\":\"gold\""), "{}", c1.body);

    let (json, _b) = file(
        "costs.json",
        r#"{"data": [{"id": "k1", "date": "2025-01-31", "amount": 12.5, "currency": "USD", "category": "hosting"}]}"#,
    );
    ok(&qd(
        &t,
        &[
            "import",
            "--tenant",
            "acme",
            "costs",
            json.to_str().unwrap(),
        ],
    ));
    let (nd, _c) = file(
        "events.ndjson",
        "{\"id\":\"v1\",\"name\":\"login\",\"at\":\"2025-01-01T10:00:00Z\"}\n\n{\"id\":\"v2\",\"name\":\"login\",\"at\":\"bad\"}\n",
    );
    let e = err(&qd(
        &t,
        &["import", "--tenant", "acme", "events", nd.to_str().unwrap()],
    ));
    assert!(e.contains("line 3, field at:"), "{e}");
    assert_eq!(
        t.store
            .count_records(tenant.id, Collection::Costs)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        t.store
            .count_records(tenant.id, Collection::Events)
            .await
            .unwrap(),
        0
    );
    let (txt, _d) = file("costs.txt", "");
    assert!(
        err(&qd(
            &t,
            &["import", "--tenant", "acme", "costs", txt.to_str().unwrap()]
        ))
        .contains(".csv")
    );
    let e = err(&qd(
        &t,
        &[
            "import",
            "--tenant",
            "acme",
            "widgets",
            json.to_str().unwrap(),
        ],
    ));
    assert!(e.contains("no collection `widgets`"), "{e}");
}

async fn user_creation_checks_the_password(t: TestStore) {
    ok(&qd(&t, &["tenant", "create", "acme"]));
    let e = err(&qd_stdin(
        &t,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "a@b.co",
            "--role",
            "admin",
            "--password-stdin",
        ],
        "short\n",
    ));
    assert!(e.contains("at least 12"), "{e}");
    let out = ok(&qd_stdin(
        &t,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "CEO@Acme.com",
            "--role",
            "executive",
            "--password-stdin",
        ],
        "a long enough password\n",
    ));
    assert!(out.contains("ceo@acme.com is executive in acme"), "{out}");
    assert!(!out.contains("password"), "{out}");
    let out = ok(&qd(
        &t,
        &[
            "user",
            "create",
            "--tenant",
            "acme",
            "--email",
            "fin@acme.com",
            "--role",
            "finance",
        ],
    ));
    assert!(out.contains("password (shown once): "), "{out}");
    assert!(
        err(&qd(
            &t,
            &[
                "user",
                "create",
                "--tenant",
                "acme",
                "--email",
                "x@acme.com",
                "--role",
                "boss"
            ]
        ))
        .contains("not a role")
    );
}

async fn serve_answers_and_stops_gracefully(t: TestStore) {
    let (mut child, url) = serve_child(&t);
    quarterdeck_app::install_crypto();
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        match client.get(format!("{url}/readyz")).send().await {
            Ok(r) if r.status() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("not ready: {other:?}"),
        }
    }
    assert_eq!(
        client
            .get(format!("{url}/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "did not stop on SIGTERM");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert!(status.success(), "{status:?}");
}

async fn demo_creates_and_refreshes_the_demo_tenant(t: TestStore) {
    use quarterdeck_domain::Collection;
    let args = ["demo", "--customers", "40", "--seed", "7", "--no-serve"];
    let out = ok(&qd(&t, &args));
    assert!(out.contains("Demo company ready: 40 customers"), "{out}");
    assert!(out.contains("admin@example.com / "), "{out}");
    let token = out
        .lines()
        .find_map(|l| l.trim().strip_prefix("API token: "))
        .unwrap();
    assert!(token.starts_with("qd_"), "{out}");
    let demo = t.store.tenant_by_slug("demo").await.unwrap().unwrap();
    let count = |c| {
        let store = t.store.clone();
        async move { store.count_records(demo.id, c).await.unwrap() }
    };
    let customers = count(Collection::Customers).await;
    let events = count(Collection::SubscriptionEvents).await;
    assert_eq!(customers, 40);
    assert!(events >= 40, "{events}");
    // Running it again replaces the company rather than adding to it.
    ok(&qd(&t, &args));
    assert_eq!(count(Collection::Customers).await, 40);
    assert_eq!(count(Collection::SubscriptionEvents).await, events);
}

async fn tenant_update_checks_and_applies_settings(t: TestStore) {
    ok(&qd(&t, &["tenant", "create", "acme"]));
    let out = ok(&qd(
        &t,
        &[
            "tenant",
            "update",
            "acme",
            "--fiscal-year-start",
            "4",
            "--delinquency-days",
            "45",
            "--gross-margin",
            "0.7",
        ],
    ));
    assert!(out.contains("fiscal year from month 4, delinquency churn 45 days, gross margin without cost data 0.7"), "{out}");
    let out = ok(&qd(
        &t,
        &["tenant", "update", "acme", "--delinquency-days", "off"],
    ));
    assert!(out.contains("delinquency churn off"), "{out}");
    for (flag, value, needle) in [
        ("--fiscal-year-start", "13", "month 1–12"),
        ("--delinquency-days", "soon", "number of days or `off`"),
        ("--delinquency-days", "0", "1–365"),
        ("--gross-margin", "1.5", "fraction from 0 to 1"),
        ("--timezone", "Moon/Base", "IANA"),
    ] {
        let e = err(&qd(&t, &["tenant", "update", "acme", flag, value]));
        assert!(e.contains(needle), "{flag} {value}: {e}");
    }
    let tenant = t.store.tenant_by_slug("acme").await.unwrap().unwrap();
    assert_eq!(tenant.fiscal_year_start, 4);
    assert_eq!(tenant.options.delinquency_days, None);
}

/// Starts `quarterdeck serve` with test jobs on and a two-second job lease.
fn serve_with_test_jobs(t: &TestStore) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(store_flags(&t.target))
        .env("QUARTERDECK_TEST_JOBS", "1")
        .env("QUARTERDECK_JOB_LEASE_SECS", "2")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn a_job_killed_mid_run_completes_once_after_restart(t: TestStore) {
    let store = t.store.clone();
    let dir = tempfile::tempdir().unwrap();
    let marker = dir.path().join("done.txt");
    store
        .enqueue_job(&quarterdeck_store::NewJob {
            tenant_id: None,
            kind: "test.sleep".into(),
            payload: serde_json::json!({"secs": 3, "path": marker.display().to_string()})
                .to_string(),
            idempotency_key: "crash-test".into(),
            run_at: chrono::Utc::now(),
            max_attempts: 5,
        })
        .await
        .unwrap();
    let mut first = serve_with_test_jobs(&t);
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let job = store.job_by_key("crash-test").await.unwrap().unwrap();
        if job.state == quarterdeck_store::JobState::Running {
            break;
        }
        assert!(Instant::now() < deadline, "the job never started");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Kill the process in the middle of the job (no graceful shutdown).
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(!marker.exists(), "the job had not finished when killed");
    let mut second = serve_with_test_jobs(&t);
    let deadline = Instant::now() + Duration::from_secs(60);
    let job = loop {
        let job = store.job_by_key("crash-test").await.unwrap().unwrap();
        if job.state == quarterdeck_store::JobState::Done {
            break job;
        }
        assert!(
            Instant::now() < deadline,
            "the job did not complete after the restart: {job:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    second.kill().unwrap();
    second.wait().unwrap();
    assert_eq!(job.attempts, 2, "run again once after its lease ran out");
    let lines = std::fs::read_to_string(&marker).unwrap();
    assert_eq!(lines.lines().count(), 1, "completed exactly once: {lines}");
}
