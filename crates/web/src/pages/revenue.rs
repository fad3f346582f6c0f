//! Revenue: MRR/ARR series at any interval, movements by bucket with
//! drill-down to the customers in any bar, ARPA and customer counts.

use super::Pairs;
use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::{Cards, Kpi, card};
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_app::metrics::result::{MovementRow, MovementTable, Series};
use quarterdeck_app::metrics::{Calendar, MetricQuery, answers};
use quarterdeck_domain::Permission;
use quarterdeck_engine::{Grain, Period};
use quarterdeck_render::CellValue;
use quarterdeck_render::{
    BarBucket, BarSegment, DateAxis, LineChart, MovementKind, Palette, StackedBars, ValueFormat,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The revenue dashboard.
pub const SPEC: PageSpec = PageSpec {
    path: "/revenue",
    title: "Revenue",
    nav: "Revenue",
    permission: Permission::ViewRevenue,
    extra: &["interval"],
    twin: "/revenue",
    kpis: &[
        ("mrr", "MRR"),
        ("arr", "ARR"),
        ("arpa", "ARPA"),
        ("paying_customers", "Paying customers"),
        ("new_customers", "New customers"),
        ("churned_customers", "Churned customers"),
        ("net_new_mrr", "Net new MRR"),
    ],
};

/// The customers behind one movement bar.
pub const MOVEMENTS: PageSpec = PageSpec {
    path: "/movements",
    title: "Movements",
    nav: "",
    permission: Permission::ViewRevenue,
    extra: &["kind"],
    twin: "",
    kpis: &[],
};
const KINDS: [(MovementKind, &str); 5] = [
    (MovementKind::New, "new"),
    (MovementKind::Expansion, "expansion"),
    (MovementKind::Reactivation, "reactivation"),
    (MovementKind::Contraction, "contraction"),
    (MovementKind::Churn, "churn"),
];

/// The interval a page uses when none is chosen: fine for short ranges.
pub fn default_interval(p: Period) -> &'static str {
    match p.days() {
        d if d <= 62 => "day",
        d if d <= 190 => "week",
        d if d <= 1100 => "month",
        _ => "quarter",
    }
}

fn with_interval(q: &MetricQuery) -> MetricQuery {
    let mut q = q.clone();
    q.extra
        .entry("interval".into())
        .or_insert_with(|| default_interval(q.period).to_string());
    q
}

struct Computed {
    summary: Summary,
    series: Series,
    movements: MovementTable,
    /// MRR at the rates of the last day minus MRR as booked.
    fx_impact: Decimal,
}

fn compute(
    e: &quarterdeck_app::engines::TenantEngine,
    q: &MetricQuery,
) -> Result<Computed, quarterdeck_app::metrics::QueryError> {
    let q = with_interval(q);
    let mut sq = q.clone();
    sq.extra.insert("metric".into(), "mrr".into());
    Ok(Computed {
        summary: answers::summary_of(e, &q),
        series: answers::series_of(e, &sq)?,
        movements: answers::movements_of(e, &q)?,
        fx_impact: e.ledger.fx_impact(q.period.to, &q.filter),
    })
}

#[derive(Clone)]
struct BucketRow {
    label: String,
    /// (amount, drill-down link, is zero): a zero is muted and links nowhere.
    cells: Vec<(String, Option<String>, bool)>,
    net: String,
    mrr_end: String,
}

#[derive(Template)]
#[template(path = "page_revenue.html")]
struct RevenuePage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    interval: String,
    intervals: Vec<(&'static str, String, bool)>,
    series_svg: String,
    bars_svg: String,
    rows: Vec<BucketRow>,
    kinds: Vec<&'static str>,
    fx_note: String,
}

fn bucket_label(from: NaiveDate, to: NaiveDate, interval: &str) -> String {
    match interval {
        "day" => to.format("%b %-d").to_string(),
        "week" => format!("Wk of {}", from.format("%b %-d")),
        "quarter" => format!(
            "Q{} {}",
            (chrono::Datelike::month(&from) - 1) / 3 + 1,
            chrono::Datelike::year(&from)
        ),
        _ => to.format("%b %Y").to_string(),
    }
}

/// Whether a movements bucket is only part of its period: the one in progress
/// (it ends today or later), or one the range cuts at either end.
fn part_of_period(from: NaiveDate, to: NaiveDate, grain: Grain, calendar: Calendar) -> bool {
    let start = grain.bucket_start(from, calendar.fiscal_start);
    to >= calendar.today || start != from || grain.next_start(start).pred_opt() != Some(to)
}

/// What a point of the MRR series stands for, so its axis names the bucket.
fn date_axis(interval: &str) -> DateAxis {
    match interval {
        "quarter" => DateAxis::Quarters,
        "month" => DateAxis::Months,
        _ => DateAxis::Days,
    }
}

/// Renders the revenue page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    // Numbers, cards and charts are the same for every viewer of this view
    // and data version: compute and draw them once.
    let (view, p) = super::cached(state, view, "revenue-page", |v| {
        compute(v.engine(), &v.query).map(|c| parts(v, &c))
    })
    .await?;
    let p = p
        .as_ref()
        .as_ref()
        .map_err(|e| quarterdeck_api::ApiError::from(e.clone()))?;
    let frame = Frame::new(&view, "Revenue", "/revenue");
    let page = RevenuePage {
        chrome: view.chrome.clone(),
        frame,
        kpis: p.kpis.clone(),
        interval: p.interval.clone(),
        intervals: p.intervals.clone(),
        series_svg: p.series_svg.clone(),
        bars_svg: p.bars_svg.clone(),
        rows: p.rows.clone(),
        fx_note: p.fx_note.clone(),
        kinds: KINDS.iter().map(|(k, _)| k.label()).collect(),
    };
    Ok(Html(page.render()?).into_response())
}

/// What the revenue page shows, drawn (everything but the frame).
struct Parts {
    kpis: Vec<Kpi>,
    interval: String,
    intervals: Vec<(&'static str, String, bool)>,
    series_svg: String,
    bars_svg: String,
    rows: Vec<BucketRow>,
    fx_note: String,
}

fn parts(view: &View, c: &Computed) -> Parts {
    let cur = view.currency.clone();
    let interval = c.movements.interval.to_string();
    let kpis = SPEC
        .kpis
        .iter()
        .map(|(m, l)| {
            let href = match *m {
                "new_customers" => view.link("/movements", &[("kind", "new".into())]),
                "churned_customers" => view.link("/movements", &[("kind", "churn".into())]),
                "net_new_mrr" => None,
                _ => view.link("/accounts", &[]),
            };
            card(
                &Cards {
                    summary: &c.summary,
                    currency: &cur,
                    compare: "before",
                    targets: &view.targets,
                },
                m,
                l,
                &[],
                href,
            )
        })
        .collect();
    let points: Vec<(NaiveDate, Decimal)> = c
        .series
        .points
        .iter()
        .filter_map(|(d, v)| Some((*d, (*v)?)))
        .collect();
    let series_svg = super::screens::for_screens(&LineChart {
        id: "mrr-series".into(),
        title: format!("MRR by {interval}"),
        description: format!(
            "MRR at the end of each {interval}, {}",
            view.controls.period_label()
        ),
        width: 760,
        height: 260,
        points,
        forecast: Vec::new(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
        axis: date_axis(&interval),
        in_progress_from: Some(view.today),
    });
    let buckets = &c.movements.buckets;
    let drill = |b: &MovementRow, kind: &str| -> Option<String> {
        view.links.then(|| drill_href(view, b.from, b.to, kind))
    };
    // The buckets' own interval (a page without one picks it by the range's length).
    let grain = match interval.as_str() {
        "day" => Grain::Day,
        "week" => Grain::Week,
        "quarter" => Grain::Quarter,
        _ => Grain::Month,
    };
    let bars = StackedBars {
        id: "movements".into(),
        title: format!("MRR movements by {interval}"),
        description: "New, expansion and reactivation above the line; contraction and churn below. Select a bar for its customers.".into(),
        width: 760,
        height: 300,
        buckets: buckets
            .iter()
            .map(|b| BarBucket {
                label: bucket_label(b.from, b.to, &interval),
                partial: part_of_period(b.from, b.to, grain, view.query.calendar),
                segments: KINDS
                    .iter()
                    .map(|(kind, name)| {
                        let v = b.amount(name);
                        BarSegment {
                            kind: *kind,
                            value: if matches!(kind, MovementKind::Contraction | MovementKind::Churn) { -v } else { v },
                            href: drill(b, name),
                        }
                    })
                    .collect(),
            })
            .collect(),
        format: ValueFormat::MoneyCompact { currency: cur.clone() },
        palette: Palette::light(),
        net_line: true,
    };
    let bars_svg = super::screens::for_screens(&bars);
    let rows = buckets
        .iter()
        .map(|b| BucketRow {
            label: bucket_label(b.from, b.to, &interval),
            cells: KINDS
                .iter()
                .map(|(_, name)| {
                    let v = b.amount(name);
                    (money(Some(v), &cur), drill(b, name), v.is_zero())
                })
                .collect(),
            net: money(Some(b.net_new), &cur),
            mrr_end: money(Some(b.mrr_end), &cur),
        })
        .collect();
    let intervals = ["day", "week", "month", "quarter"]
        .iter()
        .map(|i| {
            (
                *i,
                view.controls
                    .href_same_page("/revenue", &[("interval", i.to_string())]),
                *i == interval,
            )
        })
        .collect();
    let mrr = c.summary.value("mrr").unwrap_or_default();
    let fx_note = format!(
        "Exchange-rate impact on {}: {} — at that day's rates MRR would be {}. MRR is booked at the rate of each price's effective date, so rate changes never count as movements.",
        view.query.period.to,
        quarterdeck_render::format::with_plus(
            c.fx_impact,
            money(Some(c.fx_impact), &view.currency)
        ),
        money(Some(mrr + c.fx_impact), &view.currency)
    );
    Parts {
        kpis,
        interval,
        intervals,
        series_svg,
        bars_svg,
        rows,
        fx_note,
    }
}

/// A link to the customers behind one movement in one bucket, filters kept.
fn drill_href(view: &View, from: NaiveDate, to: NaiveDate, kind: &str) -> String {
    let mut c = view.controls.clone();
    c.range = None;
    c.from = from;
    c.to = to;
    c.href("/movements", &[("kind", kind.to_string())])
}

async fn open(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, MovementTable), PageError> {
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    let (view, m) = super::blocking(view, |v| {
        answers::movements_of(v.engine(), &with_interval(&v.query))
    })
    .await?;
    Ok((view, m.map_err(quarterdeck_api::ApiError::from)?))
}

/// `GET /revenue.json`: the movements answer the page draws.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    Ok(export::json(open(state, viewer, pairs).await?.1.to_json()))
}

/// `GET /revenue.csv`: movements by bucket.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, m) = open(state, viewer, pairs).await?;
    let cols = [
        "from",
        "to",
        "mrr_start",
        "new",
        "expansion",
        "reactivation",
        "contraction",
        "churn",
        "net_new",
        "mrr_end",
    ];
    let rows = m
        .buckets
        .iter()
        .map(|b| {
            cols.iter()
                .map(|c| match *c {
                    "from" => CellValue::Date(b.from),
                    "to" => CellValue::Date(b.to),
                    amount => CellValue::Money(b.amount(amount)),
                })
                .collect()
        })
        .collect();
    let table = Table {
        name: "revenue",
        columns: cols.map(String::from).to_vec(),
        rows,
    };
    Ok((view, table))
}

#[derive(Template)]
#[template(path = "page_movements.html")]
struct DrilldownPage {
    chrome: Chrome,
    frame: Frame,
    kind_label: String,
    total: String,
    rows: Vec<DrillRow>,
}

/// One customer behind a movement, as the page shows it.
struct DrillRow {
    name: String,
    href: Option<String>,
    date: String,
    segment: String,
    csm: String,
    amount: String,
}

/// The customers behind one movement over the view's period: (id, name,
/// segment, CSM, day of the latest such movement, amount), largest first.
type Contributors = Vec<(
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    NaiveDate,
    Decimal,
)>;

/// Opens the drill-down view and finds its customers; also says which movement.
async fn drill(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<(View, String, &'static str, Contributors), PageError> {
    let view = View::open(state, audience, &MOVEMENTS, pairs).await?;
    let kind_name = view.query.extra("kind").unwrap_or("new").to_string();
    let kind = answers::movement_kind(&kind_name).map_err(quarterdeck_api::ApiError::from)?;
    let (view, list) = super::blocking(view, move |v| {
        let ledger = &v.engine().ledger;
        let accounts: BTreeMap<String, _> = ledger
            .accounts_without_plans(v.query.period.to, &v.query.filter)
            .into_iter()
            .map(|a| (a.customer_id.clone(), a))
            .collect();
        ledger
            .movement_contributors_dated(v.query.period, kind, &v.query.filter)
            .into_iter()
            .map(|(id, amount, day)| {
                let a = accounts.get(&id);
                let field = |f: fn(&quarterdeck_engine::AccountRow) -> &Option<String>| {
                    a.and_then(|a| f(a).clone())
                };
                (
                    id.clone(),
                    field(|a| &a.name),
                    field(|a| &a.segment),
                    field(|a| &a.csm),
                    day,
                    amount,
                )
            })
            .collect::<Vec<_>>()
    })
    .await?;
    let label = KINDS
        .iter()
        .find(|(_, n)| *n == kind_name)
        .map_or("Movement", |(k, _)| k.label());
    Ok((view, kind_name, label, list))
}

/// Renders the customers behind one movement over the view's period.
pub async fn render_drilldown(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, _, label, list) = drill(state, audience, pairs).await?;
    let cur = view.currency.clone();
    let total: Decimal = list.iter().map(|r| r.5).sum();
    let text = |field: &str, v: &Option<String>| {
        v.as_deref()
            .map_or_else(|| "—".to_string(), |v| super::accounts::human(field, v))
    };
    let rows = list
        .iter()
        .map(|(id, name, segment, csm, day, amount)| DrillRow {
            name: name.clone().unwrap_or_else(|| id.clone()),
            href: view.link(&format!("/accounts/{}", urlencoding::encode(id)), &[]),
            date: day.format("%b %-d, %Y").to_string(),
            segment: text("segment", segment),
            csm: text("csm", csm),
            amount: money(Some(*amount), &cur),
        })
        .collect();
    let mut frame = Frame::new(&view, &format!("{label} MRR: the customers"), "/movements");
    frame.actions.retain(|(l, _)| l != "JSON");
    frame.crumbs = vec![
        ("Revenue".into(), view.link("/revenue", &[])),
        (format!("{label} MRR"), None),
    ];
    let page = DrilldownPage {
        chrome: view.chrome.clone(),
        frame,
        kind_label: label.to_string(),
        total: money(Some(total), &cur),
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// The drill-down's table, typed (CSV, PDF, workbook), with a total row.
async fn drill_table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table, String), PageError> {
    let (view, kind_name, label, list) = drill(state, Audience::Member(viewer), pairs).await?;
    let text = |v: &Option<String>| v.clone().map_or(CellValue::Empty, CellValue::Text);
    let total: Decimal = list.iter().map(|r| r.5).sum();
    let mut rows: Vec<Vec<CellValue>> = list
        .iter()
        .map(|(id, name, segment, csm, day, amount)| {
            vec![
                CellValue::Text(id.clone()),
                text(name),
                CellValue::Date(*day),
                text(segment),
                text(csm),
                CellValue::Money(*amount),
            ]
        })
        .collect();
    let mut last = vec![CellValue::Empty; 6];
    last[0] = CellValue::Text("Total".into());
    last[5] = CellValue::Money(total);
    rows.push(last);
    let columns = ["customer_id", "name", "date", "segment", "csm", "amount"]
        .map(String::from)
        .to_vec();
    let name = match kind_name.as_str() {
        "new" => "new-mrr",
        "expansion" => "expansion-mrr",
        "reactivation" => "reactivation-mrr",
        "contraction" => "contraction-mrr",
        _ => "churned-mrr",
    };
    Ok((
        view,
        Table {
            name,
            columns,
            rows,
        },
        // Titled as the page heads it: "Churn MRR".
        format!("{label} MRR"),
    ))
}

/// `GET /movements.csv`, `.pdf`, `.xlsx`: the drill-down as a download.
pub async fn drilldown_csv(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    let (view, table, _) = drill_table(&state, viewer, pairs).await?;
    export::csv(&state, &view, table).await
}

/// `GET /movements.pdf`.
pub async fn drilldown_pdf(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    let (view, table, label) = drill_table(&state, viewer, pairs).await?;
    let kind = super::report::Kind::Pdf;
    super::report::page_document(&state, view, &MOVEMENTS, table, kind, Some(label)).await
}

/// `GET /movements.xlsx`.
pub async fn drilldown_xlsx(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    let (view, table, label) = drill_table(&state, viewer, pairs).await?;
    let kind = super::report::Kind::Xlsx;
    super::report::page_document(&state, view, &MOVEMENTS, table, kind, Some(label)).await
}

/// `GET /movements?kind=…`.
pub async fn drilldown(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    render_drilldown(&state, Audience::Member(viewer), pairs).await
}

dashboard_page!(SPEC, render);
