//! The requests that once took the server down (issue: hardening, item 1),
//! sent to a real `quarterdeck serve` child on both backends: each is answered
//! quickly (refused with 400 naming the limit, or computed within the budget),
//! the server's peak memory stays under a bound, and it stays up. A watchdog
//! kills the child if its memory ever passes a hard ceiling, so a regression
//! fails this test instead of the machine.

mod support;

use quarterdeck_store::testing::TestStore;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use support::{serve_child, store_flags};

quarterdeck_store::backend_stories!(extreme_ranges_are_refused_or_answered_quickly);

/// Peak resident memory the server may reach (a debug build, 300 customers).
const PEAK_RSS_KB: u64 = 700 * 1024;
/// The watchdog's ceiling: past it the child is killed at once.
const CEILING_KB: u64 = 2 * 1024 * 1024;
/// Longest any one answer may take.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

fn qd(t: &TestStore, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_quarterdeck"))
        .args(args)
        .args(store_flags(&t.target))
        .env_remove("QUARTERDECK_DATA_DIR")
        .env_remove("QUARTERDECK_DATABASE_URL")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A `/proc/PID/status` field in kB.
fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let text = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

/// Kills the child if its RSS passes `CEILING_KB`; reports whether it had to.
fn watchdog(pid: u32, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<bool> {
    std::thread::spawn(move || {
        while !stop.load(Ordering::Relaxed) {
            match status_kb(pid, "VmRSS:") {
                Some(kb) if kb > CEILING_KB => {
                    let _ = Command::new("kill")
                        .args(["-KILL", &pid.to_string()])
                        .status();
                    return true;
                }
                None => return false,
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
        }
        false
    })
}

struct Server {
    child: Child,
    url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(t: &TestStore) -> Server {
    let (child, url) = serve_child(t);
    Server { child, url }
}

async fn extreme_ranges_are_refused_or_answered_quickly(t: TestStore) {
    let demo = qd(
        &t,
        &["demo", "--customers", "300", "--seed", "3", "--no-serve"],
    );
    let token = demo
        .lines()
        .find_map(|l| l.trim().strip_prefix("API token: "))
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap()
        .to_string();
    let share = |view: &str| {
        let out = qd(
            &t,
            &[
                "share",
                "create",
                "--tenant",
                "demo",
                "--view",
                view,
                "--expires",
                "1d",
            ],
        );
        let url = out.lines().last().unwrap().trim().to_string();
        url.find("/s/").map(|i| url[i..].to_string()).unwrap()
    };
    let shared_retention = share("/retention?from=1925-01-01&to=2025-12-31");
    let shared_revenue = share("/revenue?from=1900-01-01&to=2200-12-31&interval=day");

    let server = serve(&t);
    let pid = server.child.id();
    let stop = Arc::new(AtomicBool::new(false));
    let dog = watchdog(pid, stop.clone());
    quarterdeck_app::install_crypto();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.get(format!("{}/readyz", server.url)).send().await {
            Ok(r) if r.status() == 200 => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(20)).await,
            other => panic!("not ready: {other:?}"),
        }
    }
    // Build the engine first, so the timings below are the answers' own.
    let warm = client
        .get(format!("{}/api/v1/metrics/summary", server.url))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(warm.status(), 200);

    // (path, expected status, text the answer must contain)
    let m = "/api/v1/metrics";
    let cases: Vec<(String, u16, &str)> = vec![
        (
            format!("{m}/cohorts?by=month&from=2025-01-01&to=9999-12-31"),
            400,
            "2200-12-31",
        ),
        (
            format!("{m}/cohorts?by=month&from=1900-01-01&to=2200-12-31"),
            400,
            "10,000 cells",
        ),
        (
            format!("{m}/cohorts?by=quarter&from=1900-01-01&to=2200-12-31"),
            400,
            "10,000 cells",
        ),
        (
            format!("{m}/movements?interval=day&from=1900-01-01&to=2200-12-31"),
            400,
            "1,500 buckets",
        ),
        (
            format!("{m}/series?metric=mrr&interval=day&from=1900-01-01&to=2200-12-31"),
            400,
            "1,500 buckets",
        ),
        (
            format!("{m}/series?metric=ltv&interval=month&from=1900-01-01&to=2200-12-31"),
            400,
            "1,500 buckets",
        ),
        (
            format!("{m}/summary?from=-2026-12-30&to=2026-12-31"),
            400,
            "from",
        ),
        (format!("{m}/summary?from=0000-01-01"), 400, "from"),
        (
            format!("{m}/summary?from=1900-01-01&to=2200-12-31&compare=previous_year"),
            200,
            "\"mrr\"",
        ),
        (format!("{m}/ar-aging?as_of=9999-12-31"), 400, "as_of"),
        (format!("{m}/movements/9999-01-01/new"), 400, "date"),
        ("/api/v1/accounts?limit=1000000000".into(), 400, "limit"),
        (
            "/api/v1/accounts/c1?interval=day&from=1900-01-01&to=2200-12-31".into(),
            400,
            "",
        ),
        ("/api/v1/customers?limit=1000000000".into(), 400, "limit"),
        (
            "/api/v1/reports/executive.pdf?from=1900-01-01&to=2200-12-31".into(),
            400,
            "1,500 buckets",
        ),
        (
            "/api/v1/reports/executive.xlsx?from=1850-01-01".into(),
            400,
            "1900-01-01",
        ),
        (shared_retention, 400, "10,000 cells"),
        (shared_revenue, 400, "1,500 buckets"),
    ];
    for (path, status, needle) in &cases {
        let started = Instant::now();
        let r = client
            .get(format!("{}{path}", server.url))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{path}: {e}"));
        let code = r.status().as_u16();
        let body = r.text().await.unwrap();
        let took = started.elapsed();
        assert!(took < ANSWER_WITHIN, "{path} took {took:?}");
        // Account history: 404 when the id is absent, else 400 for the buckets.
        if path.starts_with("/api/v1/accounts/c1") {
            assert!(code == 400 || code == 404, "{path}: {code} {body}");
        } else {
            assert_eq!(code, *status, "{path}: {body}");
        }
        assert!(
            body.contains(needle),
            "{path}: {needle:?} not in {body:.300}"
        );
        assert!(body.len() < 2_000_000, "{path}: {} bytes", body.len());
    }
    let up = client
        .get(format!("{}/healthz", server.url))
        .send()
        .await
        .unwrap();
    assert_eq!(up.status(), 200);
    let peak = status_kb(pid, "VmHWM:").unwrap();
    stop.store(true, Ordering::Relaxed);
    assert!(!dog.join().unwrap(), "the watchdog had to kill the server");
    assert!(peak < PEAK_RSS_KB, "peak RSS {peak} kB");
}
