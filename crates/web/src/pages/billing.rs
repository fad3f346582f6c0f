//! Billing and cash: AR aging and its trend, DSO, overdue invoices, revenue
//! billed and gross margin.

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::{Cards, Kpi, card};
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use quarterdeck_app::metrics::answers::monthly_series;
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_app::metrics::{MetricQuery, answers};
use quarterdeck_domain::Permission;
use quarterdeck_engine::OverdueInvoice;
use quarterdeck_render::CellValue;
use quarterdeck_render::{Bar, BarChart, DateAxis, LineChart, Palette, ValueFormat};
use rust_decimal::Decimal;
use serde_json::Value;

/// Billing and cash.
pub const SPEC: PageSpec = PageSpec {
    path: "/billing",
    title: "Billing & cash",
    nav: "Billing & cash",
    permission: Permission::ViewBilling,
    extra: &[],
    twin: "/billing",
    kpis: &[
        ("revenue", "Revenue billed"),
        ("gross_margin", "Gross margin"),
        ("ar_total", "Accounts receivable"),
        ("ar_overdue", "AR overdue"),
        ("dso", "DSO"),
    ],
};

/// Overdue invoices listed on the page (largest first; the CSV has all).
const LISTED: usize = 100;

struct Computed {
    summary: Summary,
    aging: quarterdeck_app::metrics::result::Aging,
    trend: Vec<(NaiveDate, Option<Decimal>)>,
    overdue: Vec<OverdueInvoice>,
    /// Names of the first `LISTED` overdue invoices' customers.
    overdue_names: Vec<String>,
}

fn compute(
    e: &quarterdeck_app::engines::TenantEngine,
    q: &MetricQuery,
) -> Result<Computed, quarterdeck_app::metrics::QueryError> {
    let mut overdue = e.ledger.overdue_invoices(q.period.to, &q.filter);
    overdue.sort_by(|a, b| {
        b.open_balance
            .cmp(&a.open_balance)
            .then_with(|| a.invoice_id.cmp(&b.invoice_id))
    });
    let overdue_names = overdue
        .iter()
        .take(LISTED)
        .map(|o| {
            e.ledger
                .account(&o.customer_id, q.period.to)
                .and_then(|a| a.name)
                .unwrap_or_else(|| o.customer_id.clone())
        })
        .collect();
    Ok(Computed {
        summary: answers::summary_of(e, q),
        aging: answers::ar_aging_of(e, q)?,
        trend: monthly_series(e, q, "ar_overdue"),
        overdue,
        overdue_names,
    })
}

#[derive(Template)]
#[template(path = "page_billing.html")]
struct BillingPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    aging_svg: String,
    aging_rows: Vec<(String, String)>,
    trend_svg: String,
    overdue: Vec<(String, Option<String>, String, String, String)>,
    overdue_count: usize,
}

/// Renders the billing page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    let (view, c) =
        super::cached(state, view, "billing", |v| compute(v.engine(), &v.query)).await?;
    let c = c
        .as_ref()
        .as_ref()
        .map_err(|e| quarterdeck_api::ApiError::from(e.clone()))?;
    let cur = view.currency.clone();
    let kpis = SPEC
        .kpis
        .iter()
        .map(|(m, l)| {
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
                None,
            )
        })
        .collect();
    let buckets = quarterdeck_app::metrics::result::AGING_BUCKETS;
    let aging_svg = super::screens::for_screens(&BarChart {
        id: "ar-aging".into(),
        title: format!("AR aging on {}", c.aging.as_of),
        description:
            "Open invoice balances by days past due (current, 1–30, 31–60, 61–90, 90+ days)".into(),
        width: 520,
        height: 240,
        bars: buckets
            .iter()
            .map(|(k, label)| Bar {
                // The axis is days past due (the description says so): "1–30"
                // fits under a bar on a phone where "1–30 days" would be cut.
                label: label.trim_end_matches(" days").to_string(),
                value: c.aging.bucket(k),
                href: None,
                emphasis: *k != "current",
            })
            .collect(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
    });
    let aging_rows = buckets
        .iter()
        .map(|(k, label)| (label.to_string(), money(Some(c.aging.bucket(k)), &cur)))
        .chain([("Total".to_string(), money(Some(c.aging.total), &cur))])
        .collect();
    let trend_svg = super::screens::for_screens(&LineChart {
        id: "ar-overdue-trend".into(),
        title: "AR overdue by month".into(),
        description: "Overdue balance at each month end, last twelve months".into(),
        width: 520,
        height: 240,
        points: c
            .trend
            .iter()
            .filter_map(|(d, v)| Some((*d, (*v)?)))
            .collect(),
        forecast: Vec::new(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
        axis: DateAxis::Auto,
        in_progress_from: Some(view.today),
    });
    let names = &c.overdue_names;
    let overdue = c
        .overdue
        .iter()
        .take(LISTED)
        .zip(names.iter().cloned())
        .map(|(o, name)| {
            (
                name,
                view.link(
                    &format!("/accounts/{}", urlencoding::encode(&o.customer_id)),
                    &[],
                ),
                o.invoice_id.clone(),
                o.due_date.to_string(),
                format!(
                    "{} · {} days",
                    money(Some(o.open_balance), &cur),
                    o.days_past_due
                ),
            )
        })
        .collect();
    let frame = Frame::new(&view, "Billing & cash", "/billing");
    let page = BillingPage {
        chrome: view.chrome.clone(),
        frame,
        kpis,
        aging_svg,
        aging_rows,
        trend_svg,
        overdue,
        overdue_count: c.overdue.len(),
    };
    Ok(Html(page.render()?).into_response())
}

async fn open_view(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<View, PageError> {
    View::open(state, Audience::Member(viewer), &SPEC, pairs).await
}

async fn open(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Value), PageError> {
    let view = open_view(state, viewer, pairs).await?;
    let (view, a) = super::blocking(view, |v| answers::ar_aging(v.engine(), &v.query)).await?;
    Ok((view, a.map_err(quarterdeck_api::ApiError::from)?))
}

/// `GET /billing.json`: the AR aging answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    Ok(export::json(open(state, viewer, pairs).await?.1))
}

/// `GET /billing.csv`: every overdue invoice on the last day of the period.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let view = open_view(state, viewer, pairs).await?;
    let (view, mut list) = super::blocking(view, |v| {
        v.engine()
            .ledger
            .overdue_invoices(v.query.period.to, &v.query.filter)
    })
    .await?;
    list.sort_by_key(|o| std::cmp::Reverse(o.open_balance));
    let rows = list
        .iter()
        .map(|o| {
            vec![
                CellValue::Text(o.invoice_id.clone()),
                CellValue::Text(o.customer_id.clone()),
                CellValue::Date(o.due_date),
                CellValue::Count(o.days_past_due),
                CellValue::Money(o.open_balance),
            ]
        })
        .collect();
    let columns = [
        "invoice_id",
        "customer_id",
        "due_date",
        "days_past_due",
        "open_balance",
    ]
    .map(String::from)
    .to_vec();
    let table = Table {
        name: "overdue-invoices",
        columns,
        rows,
    };
    Ok((view, table))
}

dashboard_page!(SPEC, render);
