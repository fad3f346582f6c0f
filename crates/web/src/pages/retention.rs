//! Retention: GRR/NRR (trailing twelve months and for the period), logo and
//! MRR churn rates, and the cohort heat-map by month or quarter.

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::{Cards, Kpi, card};
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::result::CohortTable;
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_app::metrics::{MetricQuery, answers};
use quarterdeck_domain::Permission;
use quarterdeck_render::CellValue;
use quarterdeck_render::{format, heat_cell_style};

/// Retention and cohorts.
pub const SPEC: PageSpec = PageSpec {
    path: "/retention",
    title: "Retention",
    nav: "Retention",
    permission: Permission::ViewRetention,
    extra: &["by", "measure"],
    twin: "/retention",
    kpis: &[
        ("grr", "GRR (12 months)"),
        ("nrr", "NRR (12 months)"),
        ("grr_period", "GRR (period)"),
        ("nrr_period", "NRR (period)"),
        ("customer_churn_rate", "Customer churn"),
        ("gross_mrr_churn_rate", "Gross MRR churn"),
        ("net_mrr_churn_rate", "Net MRR churn"),
        ("quick_ratio", "Quick ratio"),
    ],
};

struct CohortRow {
    label: String,
    size: String,
    cells: Vec<(String, String, String)>,
}

#[derive(Template)]
#[template(path = "page_retention.html")]
struct RetentionPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    by: String,
    measure: String,
    toggles: Vec<(String, String, bool)>,
    columns: usize,
    cohorts: Vec<CohortRow>,
}

fn compute(
    e: &quarterdeck_app::engines::TenantEngine,
    q: &MetricQuery,
) -> Result<(Summary, CohortTable), quarterdeck_app::metrics::QueryError> {
    Ok((answers::summary_of(e, q), answers::cohorts_of(e, q)?))
}

/// Renders the retention page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    let (view, c) =
        super::cached(state, view, "retention", |v| compute(v.engine(), &v.query)).await?;
    let (summary, cohorts) = c
        .as_ref()
        .as_ref()
        .map_err(|e| quarterdeck_api::ApiError::from(e.clone()))?;
    let cur = view.currency.clone();
    let kpis = SPEC
        .kpis
        .iter()
        .map(|(m, l)| {
            let href = m
                .contains("churn")
                .then(|| view.link("/movements", &[("kind", "churn".into())]))
                .flatten();
            card(
                &Cards {
                    summary,
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
    let by = cohorts.by.to_string();
    let measure = cohorts.measure.to_string();
    let rows: Vec<CohortRow> = cohorts
        .cohorts
        .iter()
        .map(|c| CohortRow {
            label: c.label.clone(),
            size: c.size.to_string(),
            cells: c
                .values
                .iter()
                .map(|r| {
                    let r = *r;
                    let (bg, fg) = heat_cell_style(r);
                    (
                        r.map_or_else(String::new, |r| format::percent(r, 0)),
                        bg,
                        fg,
                    )
                })
                .collect(),
        })
        .collect();
    let columns = rows.iter().map(|r| r.cells.len()).max().unwrap_or(0);
    let toggles = [
        ("by", "month", "By month"),
        ("by", "quarter", "By quarter"),
        ("measure", "logos", "Logos"),
        ("measure", "mrr", "MRR"),
    ]
    .iter()
    .map(|(k, v, label)| {
        let current = if *k == "by" { &by } else { &measure };
        (
            label.to_string(),
            view.controls
                .href_same_page("/retention", &[(k, v.to_string())]),
            current == v,
        )
    })
    .collect();
    let frame = Frame::new(&view, "Retention", "/retention");
    let page = RetentionPage {
        chrome: view.chrome.clone(),
        frame,
        kpis,
        by,
        measure,
        toggles,
        columns,
        cohorts: rows,
    };
    Ok(Html(page.render()?).into_response())
}

async fn open(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, CohortTable), PageError> {
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    let (view, c) = super::blocking(view, |v| answers::cohorts_of(v.engine(), &v.query)).await?;
    Ok((view, c.map_err(quarterdeck_api::ApiError::from)?))
}

/// `GET /retention.json`: the cohorts answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    Ok(export::json(open(state, viewer, pairs).await?.1.to_json()))
}

/// `GET /retention.csv`: the cohort table.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, c) = open(state, viewer, pairs).await?;
    let list = &c.cohorts;
    let width = list.iter().map(|c| c.values.len()).max().unwrap_or(0);
    let mut columns = vec!["cohort".to_string(), "size".to_string()];
    columns.extend((0..width).map(|i| format!("period_{i}")));
    let rows = list
        .iter()
        .map(|c| {
            let mut row = vec![
                CellValue::Text(c.label.clone()),
                CellValue::Count(c.size.try_into().unwrap_or(i64::MAX)),
            ];
            row.extend(
                c.values
                    .iter()
                    .map(|v| v.map_or(CellValue::Empty, CellValue::Ratio)),
            );
            row
        })
        .collect();
    let table = Table {
        name: "cohorts",
        columns,
        rows,
    };
    Ok((view, table))
}

dashboard_page!(SPEC, render);
