//! Segments side by side: health, retention, expansion, time to value and
//! support load of each segment against all customers; each segment links
//! to the dashboard filtered to it.

use super::export::{self, Table};
use super::frame::Frame;
use super::numbers::{money, show};
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::segments::{self, SegmentRow};
use quarterdeck_domain::Permission;
use quarterdeck_engine::filter::human;
use quarterdeck_render::{CellValue, ValueFormat};
use rust_decimal::Decimal;

/// Segments.
pub const SPEC: PageSpec = PageSpec {
    path: "/segments",
    title: "Segments",
    nav: "Segments",
    permission: Permission::ViewHealth,
    extra: &[],
    twin: "/segments",
    kpis: &[],
};

/// One row as the table shows it.
struct Row {
    label: String,
    href: Option<String>,
    all: bool,
    cells: Vec<String>,
}

#[derive(Template)]
#[template(path = "page_segments.html")]
struct SegmentsPage {
    chrome: Chrome,
    frame: Frame,
    rows: Vec<Row>,
}

async fn open_view(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<(View, Vec<SegmentRow>), PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    super::blocking(view, |v| segments::segments_of(v.engine(), &v.query)).await
}

/// Renders the page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, list) = open_view(state, audience, pairs).await?;
    let cur = view.currency.clone();
    let rows = list
        .iter()
        .map(|r| Row {
            label: r
                .segment
                .as_deref()
                .map_or("All customers".into(), |s| human("segment", s)),
            href: r
                .segment
                .as_ref()
                .and_then(|s| view.link("/", &[("segment", s.clone())])),
            all: r.segment.is_none(),
            cells: vec![
                r.customers
                    .map_or("—".into(), |c| ValueFormat::Count.apply(c)),
                money(r.arr, &cur),
                r.avg_health
                    .map_or("—".into(), |h| ValueFormat::Score.apply(h)),
                show(r.grr, &ValueFormat::Percent),
                show(r.nrr, &ValueFormat::Percent),
                show(r.expansion_rate, &ValueFormat::Percent),
                r.time_to_value_days.map_or("—".into(), |d| {
                    format!("{} days", d.round_dp(1).normalize())
                }),
                r.tickets_per_account
                    .map_or("—".into(), |t| t.round_dp(2).normalize().to_string()),
            ],
        })
        .collect();
    let page = SegmentsPage {
        chrome: view.chrome.clone(),
        frame: Frame::new(&view, "Segments", "/segments"),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /segments.json`: the API's segments answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    let (_, body) = super::blocking(view, |v| segments::segments(v.engine(), &v.query)).await?;
    Ok(export::json(body))
}

/// `GET /segments.csv`: the table.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, list) = open_view(state, Audience::Member(viewer), pairs).await?;
    let ratio = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Ratio);
    let number = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Number);
    let rows = list
        .into_iter()
        .map(|r| {
            vec![
                CellValue::Text(r.segment.unwrap_or_else(|| "all".into())),
                r.customers.map_or(CellValue::Empty, |c| {
                    CellValue::Count(c.try_into().unwrap_or(0))
                }),
                r.arr.map_or(CellValue::Empty, CellValue::Money),
                number(r.avg_health),
                ratio(r.grr),
                ratio(r.nrr),
                ratio(r.expansion_rate),
                number(r.time_to_value_days),
                CellValue::Count(r.tickets as i64),
                number(r.tickets_per_account),
            ]
        })
        .collect();
    let columns = [
        "segment",
        "customers",
        "arr",
        "avg_health",
        "grr",
        "nrr",
        "expansion_rate",
        "time_to_value_days",
        "tickets",
        "tickets_per_account",
    ]
    .map(String::from)
    .to_vec();
    Ok((
        view,
        Table {
            name: "segments",
            columns,
            rows,
        },
    ))
}

dashboard_page!(SPEC, render);
