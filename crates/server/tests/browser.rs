//! Browser journeys in real headless Chromium (Debian `chromium` and
//! `chromium-driver`) against the real server with the demo company:
//! sign in, every page, date range, filters and drill-down, breadcrumbs,
//! phone width, and live updates. Screenshots go to
//! `target/browser-artifacts/` (look at them).

mod support;

use chrono::{Datelike, Months, Utc};
use fantoccini::{Client, ClientBuilder, Locator};
use quarterdeck_domain::Role;
use quarterdeck_store::testing::{Backend, fresh};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{PASSWORD, TestApp};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";

/// The chromedriver process, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Option<Driver> {
    quarterdeck_app::install_crypto();
    if !std::path::Path::new(CHROMEDRIVER).exists() || !std::path::Path::new(CHROMIUM).exists() {
        quarterdeck_store::testing::skip_or_fail(
            "browser tests need Debian's chromium and chromium-driver (.ci/run installs them)",
        );
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(30);
    let client = reqwest::Client::new();
    while Instant::now() < deadline {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{port}/status"))
            .send()
            .await
            && r.status().is_success()
        {
            return Some(driver);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("chromedriver did not become ready");
}

async fn open_browser(driver: &Driver) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--no-first-run", "--window-size=1280,900", "--lang=en-US"]
        }),
    );
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a Chromium session")
}

fn artifacts() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/browser-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(artifacts().join(format!("{name}.png")), png).unwrap();
}

/// Polls `check` until it is true or the deadline passes.
async fn eventually<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("timed out waiting for: {what}");
}

async fn path_and_query(c: &Client) -> String {
    let u = c.current_url().await.unwrap();
    format!(
        "{}{}",
        u.path(),
        u.query().map(|q| format!("?{q}")).unwrap_or_default()
    )
}

/// The visible text of the first match, read in one step (live updates replace elements).
async fn text(c: &Client, css: &str) -> String {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.innerText.trim() : '';",
            vec![json!(css)],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

/// The exact figure a card gives on hover (its visible value is brief).
async fn exact(c: &Client, css: &str) -> String {
    let v = c
        .execute(
            "const e = document.querySelector(arguments[0]); return e ? e.getAttribute('title') : '';",
            vec![json!(css)],
        )
        .await
        .unwrap();
    v.as_str().unwrap_or_default().to_string()
}

async fn api_mrr(app: &TestApp, query: &str) -> String {
    let r = app
        .get(
            &format!("/api/v1/metrics/summary?{query}"),
            Some(&app.token),
        )
        .await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let mrr: rust_decimal::Decimal = v["metrics"]["mrr"]["value"].to_string().parse().unwrap();
    quarterdeck_render::format::money(mrr, "USD")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dashboard_journeys_in_chromium() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let started = Instant::now();
    let lap = |what: &str| println!("{:>7.1} s  {what}", started.elapsed().as_secs_f64());
    let store = fresh(Backend::Sqlite).await.unwrap().unwrap();
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(400).await;
    app.user("exec@acme.test", Role::Executive, None).await;
    lap("demo company loaded");
    let c = open_browser(&driver).await;
    lap("browser open");

    // Sign in through the form.
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    c.find(Locator::Css("input[name=tenant]"))
        .await
        .unwrap()
        .send_keys("acme")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=email]"))
        .await
        .unwrap()
        .send_keys("exec@acme.test")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(PASSWORD)
        .await
        .unwrap();
    shot(&c, "desktop-login").await;
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("the dashboard after sign-in", || async {
        path_and_query(&c).await == "/"
    })
    .await;

    lap("signed in");
    // Every page renders, at desktop width.
    for (path, title) in [
        ("/?range=last_12_months", "Summary"),
        ("/revenue?range=last_12_months", "Revenue"),
        ("/retention?range=last_12_months", "Retention"),
        ("/billing?range=last_12_months", "Billing"),
        ("/accounts?range=last_12_months", "Accounts"),
    ] {
        c.goto(&format!("{}{path}", app.base)).await.unwrap();
        assert!(c.title().await.unwrap().starts_with(title), "{path}");
        shot(&c, &format!("desktop-{}", title.to_lowercase())).await;
    }
    let fcp: Value = c
        .execute(
            "return performance.getEntriesByType('paint').map(e => [e.name, e.startTime]);",
            vec![],
        )
        .await
        .unwrap();
    println!("paint timings of /accounts: {fcp}");

    lap("pages");
    // The summary opens on the last complete month, with the API's value.
    c.goto(&format!("{}/", app.base)).await.unwrap();
    let today = Utc::now().date_naive();
    let first = today.with_day(1).unwrap();
    let (from, to) = (
        first.checked_sub_months(Months::new(1)).unwrap(),
        first.pred_opt().unwrap(),
    );
    let expected = api_mrr(&app, &format!("from={from}&to={to}")).await;
    assert_eq!(exact(&c, "#kpi-mrr .value").await, expected);
    // Changing the date range changes a KPI to exactly the API's value.
    let select = c.find(Locator::Css("select[name=range]")).await.unwrap();
    select.select_by_value("this_month").await.unwrap();
    eventually("the month-to-date view", || async {
        path_and_query(&c).await.contains("range=this_month")
    })
    .await;
    let expected = api_mrr(&app, &format!("from={first}&to={today}")).await;
    assert_eq!(exact(&c, "#kpi-mrr .value").await, expected);

    lap("date range");
    // A filter, then drill-down from a movements bar to an account, filters kept.
    c.goto(&format!("{}/revenue?range=last_12_months", app.base))
        .await
        .unwrap();
    c.find(Locator::XPath(
        "//details[summary[starts-with(normalize-space(.), 'Segment')]]/summary",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let checkbox = c.find(Locator::Css("input[name=segment]")).await.unwrap();
    let segment = checkbox.attr("value").await.unwrap().unwrap();
    checkbox.click().await.unwrap();
    c.find(Locator::Css("form.controls button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let seg_param = format!("segment={}", urlencoding::encode(&segment));
    eventually("the filtered revenue page", || async {
        path_and_query(&c).await.contains(&seg_param)
    })
    .await;
    let bar_links: Value = c
        .execute("return [...document.querySelectorAll('#panel-movements svg a')].map(a => a.getAttribute('href'));", vec![])
        .await
        .unwrap();
    let bar_links = bar_links.as_array().unwrap();
    assert!(!bar_links.is_empty(), "bars link to their customers");
    assert!(
        bar_links
            .iter()
            .all(|h| h.as_str().unwrap().contains(&seg_param)),
        "{bar_links:?}"
    );
    // Follow the first bar that has customers behind it.
    let target = bar_links
        .iter()
        .map(|h| h.as_str().unwrap().to_string())
        .find(|h| h.contains("kind=new"))
        .unwrap();
    c.goto(&format!("{}{}", app.base, target.replace("&amp;", "&")))
        .await
        .unwrap();
    assert!(path_and_query(&c).await.starts_with("/movements"));
    let account = c.find(Locator::Css("#panel-drill td a")).await.unwrap();
    account.click().await.unwrap();
    eventually("an account page", || async {
        path_and_query(&c).await.starts_with("/accounts/")
    })
    .await;
    assert!(
        path_and_query(&c).await.contains(&seg_param),
        "the filter is kept on the account page"
    );
    shot(&c, "desktop-account").await;
    c.find(Locator::Css(".breadcrumbs a"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("back to the accounts list", || async {
        let p = path_and_query(&c).await;
        p.starts_with("/accounts?") && p.contains(&seg_param)
    })
    .await;

    lap("drill-down");
    // Phone width: no horizontal scrolling on any page.
    c.set_window_size(375, 812).await.unwrap();
    for (path, name) in [
        ("/", "summary"),
        ("/revenue", "revenue"),
        ("/retention", "retention"),
        ("/billing", "billing"),
        ("/accounts", "accounts"),
    ] {
        c.goto(&format!("{}{path}?range=last_12_months", app.base))
            .await
            .unwrap();
        let overflow: Value = c
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await
            .unwrap();
        assert!(
            overflow.as_i64().unwrap() <= 0,
            "{path} scrolls sideways by {overflow}px"
        );
        shot(&c, &format!("mobile-{name}")).await;
    }
    c.set_window_size(1280, 900).await.unwrap();

    lap("phone width");
    // Live: new data arrives while the page is open; the number changes without a reload.
    c.goto(&format!("{}/?range=this_month", app.base))
        .await
        .unwrap();
    eventually("the live stream to connect", || async {
        text(&c, "#live").await.contains("Live")
    })
    .await;
    c.execute("window.__stayed = 42;", vec![]).await.unwrap();
    let before = exact(&c, "#kpi-mrr .value").await;
    let day = today.to_string();
    let r = app
        .post(
            "customers",
            &app.token,
            &json!([{"id": "live-1", "name": "Live Customer"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let r = app
        .post(
            "subscription-events",
            &app.token,
            &json!([{"id": "live-e1", "customer_id": "live-1", "subscription_id": "live-s1", "type": "start",
                     "effective_at": day, "plan": "pro", "currency": "USD", "amount": "12345.67", "interval": "month"}]),
        )
        .await;
    assert_eq!(r.status(), 200);
    let expected = api_mrr(&app, &format!("from={first}&to={today}")).await;
    assert_ne!(before, expected);
    eventually("the MRR card to show the new value", || async {
        exact(&c, "#kpi-mrr .value").await == expected
    })
    .await;
    let stayed: Value = c.execute("return window.__stayed;", vec![]).await.unwrap();
    assert_eq!(stayed, json!(42), "the page was not reloaded");
    shot(&c, "desktop-summary-live").await;
    lap("live update");
    c.close().await.unwrap();
}

/// Signs in through the form and waits for the landing page.
async fn sign_in(c: &Client, app: &TestApp, email: &str) {
    c.goto(&format!("{}/login", app.base)).await.unwrap();
    for (name, value) in [("tenant", "acme"), ("email", email), ("password", PASSWORD)] {
        c.find(Locator::Css(&format!("input[name={name}]")))
            .await
            .unwrap()
            .send_keys(value)
            .await
            .unwrap();
    }
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    eventually("a page after sign-in", || async {
        !path_and_query(c).await.starts_with("/login")
    })
    .await;
}

/// What does not fit on the page as laid out: sideways scrolling of the whole
/// page, text that leaves its box (outside the boxes meant to scroll, such as
/// wide tables), and chart text drawn smaller than `min_chart_px`.
const LAYOUT_PROBLEMS: &str = r#"
const minChartPx = arguments[0];
const problems = [];
const sideways = document.documentElement.scrollWidth - window.innerWidth;
const scrolls = el => {
  for (let p = el.parentElement; p; p = p.parentElement) {
    const o = getComputedStyle(p).overflowX;
    if (o === 'auto' || o === 'scroll') return true;
  }
  return false;
};
const name = el => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${el.textContent.trim().slice(0, 40)}"`;
if (sideways > 0) {
  // Name the widest thing outside a scrolling box: that is what to fix.
  let widest = null;
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('svg') || scrolls(el)) continue;
    const r = el.getBoundingClientRect().right;
    if (!widest || r >= widest[1]) widest = [el, r];
  }
  problems.push(`the page scrolls sideways by ${sideways}px (widest: ${widest ? name(widest[0]) : '?'})`);
}
for (const el of document.body.querySelectorAll('*')) {
  if (el.closest('svg, script, style, template, option, select')) continue;
  const rect = el.getBoundingClientRect();
  if (rect.width === 0 && rect.height === 0) continue;
  if (el.closest('details:not([open])') && !el.closest('summary')) continue;
  const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  if (!text || scrolls(el)) continue;
  const cs = getComputedStyle(el);
  if (cs.display !== 'inline' && el.scrollWidth > el.clientWidth + 1 && cs.overflowX === 'visible') {
    problems.push(`text overflows ${name(el)} by ${el.scrollWidth - el.clientWidth}px`);
  }
  const box = el.parentElement && el.parentElement.closest('.kpi, .panel, td, th, button, .button, nav, header');
  if (box) {
    const b = box.getBoundingClientRect();
    if (rect.right > b.right + 1 || rect.left < b.left - 1) {
      problems.push(`${name(el)} leaves its ${box.tagName.toLowerCase()}.${box.className} (${Math.round(rect.left)}–${Math.round(rect.right)} in ${Math.round(b.left)}–${Math.round(b.right)})`);
    }
  }
}
for (const svg of document.querySelectorAll('.chart svg')) {
  const vb = svg.viewBox.baseVal;
  if (!vb || !vb.width) continue;
  const shown = svg.getBoundingClientRect().width;
  if (!shown) continue; // the copy drawn for another screen width
  const scale = shown / vb.width;
  for (const t of svg.querySelectorAll('text')) {
    const size = parseFloat(getComputedStyle(t).fontSize) * scale;
    if (size < minChartPx) {
      problems.push(`chart ${svg.id || svg.getAttribute('aria-labelledby')} draws "${t.textContent.trim().slice(0, 30)}" at ${size.toFixed(1)}px`);
      break;
    }
  }
}
return problems;
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_fits_every_width() {
    let Some(driver) = start_driver().await else {
        return;
    };
    let store = fresh(Backend::Sqlite).await.unwrap().unwrap();
    let app = TestApp::spawn(store).await;
    app.no_mfa_rule().await;
    app.load_demo(300).await;
    app.user("admin@acme.test", Role::Admin, None).await;
    let c = open_browser(&driver).await;
    sign_in(&c, &app, "admin@acme.test").await;

    let account: Value = app
        .get("/api/v1/customers?limit=1", Some(&app.token))
        .await
        .json()
        .await
        .unwrap();
    let account = account["data"][0]["id"].as_str().unwrap().to_string();
    let pages = [
        ("summary", "/".to_string()),
        ("revenue", "/revenue".to_string()),
        (
            "revenue-to-date",
            "/revenue?range=last_12_months_to_date".to_string(),
        ),
        (
            "revenue-quarters",
            "/revenue?range=year_to_date&interval=quarter".to_string(),
        ),
        ("retention", "/retention".to_string()),
        ("billing", "/billing".to_string()),
        ("health", "/health".to_string()),
        ("renewals", "/renewals".to_string()),
        ("expansion", "/expansion".to_string()),
        ("segments", "/segments".to_string()),
        ("team", "/team".to_string()),
        ("accounts", "/accounts".to_string()),
        (
            "account",
            format!("/accounts/{}", urlencoding::encode(&account)),
        ),
        (
            "movements",
            "/movements?kind=new&range=last_12_months".to_string(),
        ),
        ("alerts", "/alerts".to_string()),
        ("alert-rules", "/admin/alerts".to_string()),
        ("digest", "/account/digest".to_string()),
        ("users", "/admin/users".to_string()),
        ("tokens", "/admin/tokens".to_string()),
        ("shares", "/admin/shares".to_string()),
        ("settings", "/admin/settings".to_string()),
        ("audit", "/admin/audit".to_string()),
        ("mfa", "/account/mfa".to_string()),
    ];
    let mut problems = Vec::new();
    for width in [320u32, 390, 768, 1440, 2560] {
        c.set_window_size(width, 900).await.unwrap();
        let inner: Value = c
            .execute("return window.innerWidth;", vec![])
            .await
            .unwrap();
        assert_eq!(
            inner.as_u64(),
            Some(u64::from(width)),
            "the viewport is {width}px wide"
        );
        for (name, path) in &pages {
            c.goto(&format!("{}{path}", app.base)).await.unwrap();
            // Chart text is at least 11 px, except in the narrowest 320 px column.
            let min_chart_px = if width > 320 { 11.0 } else { 8.5 };
            let found: Value = c
                .execute(LAYOUT_PROBLEMS, vec![json!(min_chart_px)])
                .await
                .unwrap();
            for p in found.as_array().unwrap() {
                problems.push(format!("{path} at {width}px: {}", p.as_str().unwrap()));
            }
            if matches!(width, 390 | 1440) {
                full_page_shot(&c, width, &format!("w{width}-{name}")).await;
            }
        }
    }
    assert!(
        problems.is_empty(),
        "layout problems:\n{}",
        problems.join("\n")
    );
    c.close().await.unwrap();
}

/// A screenshot of the whole page, not only the first screen.
async fn full_page_shot(c: &Client, width: u32, name: &str) {
    let height: Value = c
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .unwrap();
    let height = height.as_u64().unwrap_or(900).clamp(400, 6000) as u32;
    c.set_window_size(width, height).await.unwrap();
    // The window's frame takes some of its height: grow it until the page fits.
    let inner: Value = c
        .execute("return window.innerHeight;", vec![])
        .await
        .unwrap();
    let frame = height.saturating_sub(inner.as_u64().unwrap_or(u64::from(height)) as u32);
    if frame > 0 {
        c.set_window_size(width, height + frame).await.unwrap();
    }
    shot(c, name).await;
    c.set_window_size(width, 900).await.unwrap();
}
