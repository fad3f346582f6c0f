//! The executive summary (home): five KPIs plus AR, the MRR trend with a
//! forecast band, the movements of the period, and the latest alerts.

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::{Cards, Kpi, card, longer_than_a_month};
use super::numbers::{brief_format_of, show};
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use quarterdeck_app::metrics::result::ForecastAnswer;
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_app::metrics::{MetricQuery, answers};
use quarterdeck_domain::Permission;
use quarterdeck_engine::period::is_month_end;
use quarterdeck_render::CellValue;
use quarterdeck_render::{
    DateAxis, ForecastPoint, LineChart, MovementKind, Palette, ValueFormat, Waterfall,
    WaterfallStep,
};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The executive summary.
pub const SPEC: PageSpec = PageSpec {
    path: "/",
    title: "Summary",
    nav: "Summary",
    permission: Permission::ViewSummary,
    extra: &[],
    twin: "/summary",
    kpis: &CARDS,
};

/// The cards, in order: (metric, label).
const CARDS: [(&str, &str); 5] = [
    ("mrr", "MRR"),
    ("customer_churn_rate", "Customer churn"),
    ("nrr", "NRR, 12 months"),
    ("gross_margin", "Gross margin"),
    ("ltv", "Lifetime value"),
];

struct Computed {
    summary: Summary,
    sparks: BTreeMap<&'static str, Vec<Decimal>>,
    trend: Vec<(NaiveDate, Decimal)>,
    forecast: ForecastAnswer,
}

fn compute(e: &quarterdeck_app::engines::TenantEngine, q: &MetricQuery) -> Computed {
    let summary = answers::summary_of(e, q);
    let mut sparks = BTreeMap::new();
    let mut trend = Vec::new();
    for (metric, _) in CARDS.iter().chain([("ar_overdue", "")].iter()) {
        let series = answers::monthly_series(e, q, metric);
        if *metric == "mrr" {
            trend = series
                .iter()
                .filter_map(|(d, v)| Some((*d, (*v)?)))
                .collect();
        }
        // Sparklines show whole months: a month in progress would read as a drop.
        sparks.insert(
            *metric,
            series
                .into_iter()
                .filter(|(d, _)| is_month_end(*d))
                .filter_map(|(_, v)| v)
                .collect(),
        );
    }
    // Fitted to whole months only; a month in progress would drag the trend.
    let forecast = answers::forecast_of(e, q);
    Computed {
        summary,
        sparks,
        trend,
        forecast,
    }
}

#[derive(Template)]
#[template(path = "page_summary.html")]
struct SummaryPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    trend_svg: String,
    trend_rows: Vec<(String, String)>,
    forecast_note: String,
    bridge_svg: String,
    bridge_rows: Vec<(String, String, Option<String>)>,
    empty: bool,
    /// (severity, css class, title) of the newest open alerts.
    alerts: Vec<(&'static str, &'static str, String)>,
    alerts_link: bool,
}

/// Renders the summary for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    // The page's data and charts are the same for every viewer of this view
    // and data version: compute and draw them once.
    let (view, p) = super::cached(state, view, "summary-page", |v| {
        let c = compute(v.engine(), &v.query);
        parts(v, &c)
    })
    .await?;
    // The most severe first, then the newest.
    let alerts: Vec<(&'static str, &'static str, String)> = state
        .store
        .top_open_alerts(view.tenant.id, 5)
        .await?
        .into_iter()
        .map(|a| {
            let class = crate::severity_class(a.severity);
            (a.severity.as_str(), class, a.title)
        })
        .collect();
    let frame = Frame::new(&view, "Executive summary", "/summary");
    let page = SummaryPage {
        chrome: view.chrome.clone(),
        frame,
        kpis: p.kpis.clone(),
        trend_svg: p.trend_svg.clone(),
        trend_rows: p.trend_rows.clone(),
        forecast_note: p.forecast_note.clone(),
        bridge_svg: p.bridge_svg.clone(),
        bridge_rows: p.bridge_rows.clone(),
        empty: p.empty,
        alerts,
        alerts_link: view.links,
    };
    Ok(Html(page.render()?).into_response())
}

/// What the page says of the forecast: its method and how it did against
/// "MRR stays as it is" over the held-out months.
fn forecast_note(b: &quarterdeck_engine::Backtest) -> String {
    let pct =
        |d: Option<Decimal>| d.map_or("—".into(), |d| quarterdeck_render::format::percent(d, 1));
    let ratio = |d: Option<Decimal>| d.map_or("—".into(), |d| d.round_dp(2).to_string());
    if b.months == 0 {
        return "Not enough whole months of history for a forecast yet.".into();
    }
    let verdict = match (b.method.mape, b.naive.mape) {
        (Some(m), Some(n)) if m < n => "the trend earns its place",
        (Some(m), Some(n)) if m > n => "flat did better, so read the trend with care",
        _ => "no better than flat",
    };
    // Plain words first; the statistics (MASE) for those who want them.
    format!(
        "Forecast: the trend of the last twelve whole months, continued from the latest month, with a 95% band. Tested on the last {} months, forecasting each from the months before it, it was off by {} on average, against {} for assuming MRR stays flat: {verdict} (MASE {} against {}).",
        b.months,
        pct(b.method.mape),
        pct(b.naive.mape),
        ratio(b.method.mase),
        ratio(b.naive.mase),
    )
}

/// What the summary shows, drawn (everything but the frame).
struct Parts {
    kpis: Vec<Kpi>,
    trend_svg: String,
    trend_rows: Vec<(String, String)>,
    forecast_note: String,
    bridge_svg: String,
    bridge_rows: Vec<(String, String, Option<String>)>,
    empty: bool,
}

fn parts(view: &View, c: &Computed) -> Parts {
    let cur = view.currency.clone();
    let compare_words = match view.query.compare {
        quarterdeck_app::metrics::Compare::PreviousYear => "last year",
        _ => "before",
    };
    let s = &c.summary;
    let link = |path: &str, extra: &[(&str, String)]| view.link(path, extra);
    let per_month = longer_than_a_month(view.query.period);
    let mut kpis: Vec<Kpi> = CARDS
        .iter()
        .map(|(metric, label)| {
            let href = match *metric {
                "mrr" => link("/accounts", &[]),
                "customer_churn_rate" => link("/movements", &[("kind", "churn".into())]),
                "nrr" | "ltv" => link("/retention", &[]),
                _ => link("/billing", &[]),
            };
            let mut k = card(
                &Cards {
                    summary: s,
                    currency: &cur,
                    compare: compare_words,
                    targets: &view.targets,
                },
                metric,
                label,
                &c.sparks[metric],
                href,
            );
            let sub = |m: &str, prefix: &str| {
                format!("{prefix} {}", show(s.value(m), &brief_format_of(m, &cur)))
            };
            k.sub = match *metric {
                "mrr" => sub("arr", "ARR"),
                "customer_churn_rate" if per_month => format!(
                    "{} a month on average",
                    sub("avg_monthly_gross_mrr_churn_rate", "MRR churn")
                ),
                "customer_churn_rate" => sub("gross_mrr_churn_rate", "MRR churn"),
                "nrr" => sub("grr", "GRR"),
                "ltv" => sub("arpa", "ARPA"),
                _ => String::new(),
            };
            k
        })
        .collect();
    let has_billing = ["ar_total", "revenue"]
        .iter()
        .any(|m| s.value(m).is_some_and(|v| !v.is_zero()));
    if has_billing {
        let href = link("/billing", &[]);
        let mut k = card(
            &Cards {
                summary: s,
                currency: &cur,
                compare: compare_words,
                targets: &view.targets,
            },
            "ar_overdue",
            "AR overdue",
            &c.sparks["ar_overdue"],
            href,
        );
        k.sub = format!(
            "of {} open",
            show(s.value("ar_total"), &brief_format_of("ar_total", &cur))
        );
        kpis.push(k);
    }
    if s.value("arr_at_risk").is_some() {
        kpis.push(card(
            &Cards {
                summary: s,
                currency: &cur,
                compare: compare_words,
                targets: &view.targets,
            },
            "arr_at_risk",
            "ARR at risk",
            &[],
            link("/accounts", &[]),
        ));
    }

    let money = ValueFormat::Money {
        currency: cur.clone(),
    };
    let forecast: Vec<ForecastPoint> = c
        .forecast
        .steps
        .iter()
        .map(|(date, f)| ForecastPoint {
            date: *date,
            value: f.value,
            low: f.low,
            high: f.high,
        })
        .collect();
    let trend_svg = super::screens::for_screens(&LineChart {
        id: "mrr-trend".into(),
        title: "MRR trend and six-month forecast".into(),
        description: format!(
            "MRR at the end of each month, {}, with a forecast band",
            answers::last_twelve_months(view.query.period.to)
                .from
                .format("%b %Y")
        ),
        width: 520,
        height: 260,
        points: c.trend.clone(),
        forecast: forecast.clone(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
        axis: DateAxis::Months,
        in_progress_from: Some(view.today),
    });
    let mut trend_rows: Vec<(String, String)> = c
        .trend
        .iter()
        .map(|(d, v)| (d.format("%b %Y").to_string(), money.apply(*v)))
        .collect();
    trend_rows.extend(forecast.iter().map(|f| {
        (
            format!("{} (forecast)", f.date.format("%b %Y")),
            format!(
                "{} ({} – {})",
                money.apply(f.value),
                money.apply(f.low),
                money.apply(f.high)
            ),
        )
    }));
    let forecast_note = forecast_note(&c.forecast.backtest);

    let m = |k: &str| s.value(k).unwrap_or_default();
    let end = m("mrr");
    let start = end - m("net_new_mrr");
    let steps = [
        (MovementKind::New, "new", m("new_mrr")),
        (MovementKind::Expansion, "expansion", m("expansion_mrr")),
        (
            MovementKind::Reactivation,
            "reactivation",
            m("reactivation_mrr"),
        ),
        (
            MovementKind::Contraction,
            "contraction",
            -m("contraction_mrr"),
        ),
        (MovementKind::Churn, "churn", -m("churned_mrr")),
    ];
    let bridge_svg = super::screens::for_screens(&Waterfall {
        id: "mrr-bridge".into(),
        title: "MRR movements in the period".into(),
        description: format!(
            "From MRR at the start of {} to MRR at its end",
            view.controls.period_label()
        ),
        width: 520,
        height: 280,
        start: ("Start".into(), start),
        steps: steps
            .iter()
            .map(|(kind, name, value)| WaterfallStep {
                label: kind.label().to_string(),
                kind: *kind,
                value: *value,
                href: link("/movements", &[("kind", (*name).to_string())]),
            })
            .collect(),
        end: ("End".into(), end),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
    });
    let mut bridge_rows = vec![("MRR at the start".to_string(), money.apply(start), None)];
    bridge_rows.extend(steps.iter().map(|(kind, name, v)| {
        (
            kind.label().to_string(),
            money.apply(*v),
            link("/movements", &[("kind", (*name).to_string())]),
        )
    }));
    bridge_rows.push(("MRR at the end".to_string(), money.apply(end), None));

    let empty = view.engine().ledger.customer_count() == 0;
    Parts {
        kpis,
        trend_svg,
        trend_rows,
        forecast_note,
        bridge_svg,
        bridge_rows,
        empty,
    }
}

async fn open(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Summary), PageError> {
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    super::blocking(view, |v| answers::summary_of(v.engine(), &v.query)).await
}

/// `GET /summary.json`: the same answer as `/api/v1/metrics/summary`.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (_, s) = open(state, viewer, pairs).await?;
    Ok(export::json(s.to_json()))
}

/// `GET /summary.csv`: every summary metric with its previous value and change.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, s) = open(state, viewer, pairs).await?;
    let rows = s
        .metrics
        .iter()
        .map(|(name, _, f)| {
            let cell = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Number);
            vec![
                CellValue::Text(name.to_string()),
                cell(f.value),
                cell(f.previous),
                cell(f.change),
            ]
        })
        .collect();
    let table = Table {
        name: "summary",
        columns: ["metric", "value", "previous", "change"]
            .map(String::from)
            .to_vec(),
        rows,
    };
    Ok((view, table))
}

dashboard_page!(SPEC, render);
