//! The OpenAPI document is true: schemathesis (PyPI) generates requests from
//! `GET /api/v1/openapi.json` and runs every check against the real server,
//! on SQLite and PostgreSQL, over the demo company. It fails on a server
//! error, an undocumented status, a body or header the document does not
//! describe, an invalid request accepted, and more (`--checks all`; the few
//! narrowed ones are in `tests/schemathesis/schemathesis.toml`, with reasons).
//!
//! Needs the `schemathesis` executable (`.ci/run` installs the pinned
//! version). Without it the test fails when `CI` is set, and otherwise says
//! `SKIPPED` and passes.

mod support;

use quarterdeck_store::testing::TestStore;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use support::TestApp;

quarterdeck_store::backend_stories!(the_openapi_document_is_what_the_server_does);

/// The schemathesis release this test and `.ci/run` pin.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// Test cases per operation and phase: about 4,000 requests in all.
const MAX_EXAMPLES: &str = "20";
/// A fixed seed: the same cases every run (for the same demo day).
const SEED: &str = "20261202";
/// The run is killed, and the test fails, after this long.
const DEADLINE: Duration = Duration::from_secs(180);

fn config_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemathesis")
}

/// The installed version, `None` when there is no `schemathesis` to run.
fn installed_version() -> Option<String> {
    let out = Command::new("schemathesis")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .ok()?;
    out.status.success().then(|| {
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .rsplit(' ')
            .next()
            .unwrap_or_default()
            .to_string()
    })
}

/// Whether schemathesis can run here; panics in CI when it cannot.
fn schemathesis_available() -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    match installed_version() {
        None if ci => panic!(
            "schemathesis is not installed (CI): python3 -m pip install schemathesis=={SCHEMATHESIS_VERSION}"
        ),
        None => {
            // Straight to stderr: libtest captures `eprintln!` of passing tests,
            // and CI looks for this line.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: OpenAPI conformance: no `schemathesis` executable \
                 (python3 -m pip install schemathesis=={SCHEMATHESIS_VERSION})"
            );
            false
        }
        Some(v) if v != SCHEMATHESIS_VERSION => {
            assert!(
                !ci,
                "schemathesis {v} is installed; CI pins {SCHEMATHESIS_VERSION}"
            );
            eprintln!("note: schemathesis {v} is installed; CI pins {SCHEMATHESIS_VERSION}");
            true
        }
        Some(_) => true,
    }
}

/// What one schemathesis run said.
struct Run {
    passed: bool,
    timed_out: bool,
    output: String,
    took: Duration,
}

/// Runs schemathesis against `base` with `token`, killing it at the deadline.
fn run_schemathesis(base: &str, token: &str) -> Run {
    let work = tempfile::tempdir().unwrap();
    let out_path = work.path().join("output.txt");
    let out = std::fs::File::create(&out_path).unwrap();
    let args = [
        "--config-file".to_string(),
        config_dir().join("schemathesis.toml").display().to_string(),
        "run".into(),
        format!("{base}/api/v1/openapi.json"),
        "--header".into(),
        format!("Authorization: Bearer {token}"),
        "--checks".into(),
        "all".into(),
        "--max-examples".into(),
        MAX_EXAMPLES.into(),
        "--seed".into(),
        SEED.into(),
        "--workers".into(),
        "1".into(),
        "--generation-database".into(),
        "none".into(),
        "--max-response-time".into(),
        "10".into(),
        "--request-timeout".into(),
        "30".into(),
        "--no-color".into(),
    ];
    let shown: Vec<String> = args
        .iter()
        .map(|a| {
            if a.starts_with("Authorization:") {
                "'Authorization: Bearer <token>'".to_string()
            } else {
                a.clone()
            }
        })
        .collect();
    eprintln!(
        "running: SCHEMATHESIS_HOOKS={} schemathesis {}",
        config_dir().join("hooks.py").display(),
        shown.join(" ")
    );
    let started = Instant::now();
    let mut child = Command::new("schemathesis")
        .args(&args)
        .current_dir(work.path())
        .env("SCHEMATHESIS_HOOKS", config_dir().join("hooks.py"))
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out)
        .spawn()
        .expect("start schemathesis");
    let (status, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (Some(status), false);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    Run {
        passed: status.is_some_and(|s| s.success()),
        timed_out,
        output: std::fs::read_to_string(&out_path).unwrap_or_default(),
        took: started.elapsed(),
    }
}

/// The last `n` characters of `s` (schemathesis puts its summary at the end).
fn tail(s: &str, n: usize) -> &str {
    let start = s.char_indices().rev().nth(n).map_or(0, |(i, _)| i);
    &s[start..]
}

async fn the_openapi_document_is_what_the_server_does(store: TestStore) {
    if !schemathesis_available() {
        return;
    }
    let app = TestApp::spawn(store).await;
    app.load_demo(300).await;

    // What the document cannot show schemathesis: every documented range
    // preset is one the report endpoints know.
    let doc: serde_json::Value = app
        .get("/api/v1/openapi.json", None)
        .await
        .json()
        .await
        .unwrap();
    let params = doc["paths"]["/api/v1/reports/executive.xlsx"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let range = params.iter().find(|p| p["name"] == "range").unwrap();
    let presets: Vec<&str> = range["schema"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|v| v.as_str())
        .filter(|v| !v.is_empty())
        .collect();
    assert!(presets.len() >= 6, "{presets:?}");
    for preset in presets {
        let r = app
            .get(
                &format!("/api/v1/reports/executive.xlsx?range={preset}"),
                Some(&app.read_token),
            )
            .await;
        assert_eq!(r.status(), 200, "range={preset}");
    }

    let (base, token) = (app.base.clone(), app.token.clone());
    let run = tokio::task::spawn_blocking(move || run_schemathesis(&base, &token))
        .await
        .unwrap();
    assert!(
        !run.timed_out,
        "schemathesis did not finish within {DEADLINE:?}; its output so far:\n{}",
        tail(&run.output, 20_000)
    );
    assert!(
        run.passed,
        "schemathesis found mismatches between the OpenAPI document and the server \
         (took {:?}):\n{}",
        run.took,
        tail(&run.output, 60_000)
    );
    eprintln!(
        "schemathesis passed in {:.0?}:\n{}",
        run.took,
        tail(&run.output, 600)
    );
}
