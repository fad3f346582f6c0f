//! The executive report (PDF) and workbook (XLSX) model of a query: the same
//! answers the pages show, laid out for the board. Pages, the API and email
//! digests render it.

use crate::engines::TenantEngine;
use crate::metrics::answers::{last_twelve_months, monthly_series};
use crate::metrics::display::{self, change_of, format_of, show};
use crate::metrics::result::Summary;
use crate::metrics::targets::{self, TenantTargets};
use crate::metrics::{MetricQuery, QueryError, answers};
use quarterdeck_engine::MovementKind as EngineKind;
use quarterdeck_render::report::{CellValue, ReportChart, ReportKpi, ReportModel, ReportTable};
use quarterdeck_render::{
    Bar, BarChart, DateAxis, LineChart, MovementKind, Palette, ValueFormat, Waterfall,
    WaterfallStep, bar_chart, line_chart, waterfall,
};
use rust_decimal::Decimal;

/// The KPIs of the report, in order.
const KPIS: [(&str, &str); 10] = [
    ("mrr", "MRR"),
    ("arr", "ARR"),
    ("net_new_mrr", "Net new MRR"),
    ("customer_churn_rate", "Customer churn"),
    ("nrr", "NRR (12 months)"),
    ("grr", "GRR (12 months)"),
    ("gross_margin", "Gross margin"),
    ("ltv", "LTV"),
    ("revenue", "Revenue billed"),
    ("ar_overdue", "AR overdue"),
];

/// Labels of the report's cover.
pub struct Labels {
    pub period: String,
    pub comparison: Option<String>,
    pub filters: String,
}

/// KPI cards as the report and the digest word them, each with the status
/// the pages give it (`targets::aim`).
pub fn kpis(
    summary: &Summary,
    currency: &str,
    metrics: &[(&str, &str)],
    targets: &TenantTargets,
) -> Vec<ReportKpi> {
    metrics
        .iter()
        .map(|(m, label)| {
            let k = summary.get(m);
            let f = format_of(m, currency);
            let (dir, change) = change_of(m, &k);
            ReportKpi {
                label: label.to_string(),
                value: show(k.value, &f),
                change,
                tone: display::tone_of(m, dir),
                value_cell: display::cell_of(m, k.value),
                change_cell: display::change_cell_of(m, &k),
                previous_cell: display::cell_of(m, k.previous),
                previous: k
                    .previous
                    .map_or(String::new(), |p| format!("vs {}", f.apply(p))),
                status: {
                    let aim = targets::aim(targets, m, summary, currency);
                    targets::status(k.value, aim.as_ref(), summary.partial)
                        .1
                        .to_string()
                },
            }
        })
        .collect()
}

/// The MRR trend chart (twelve months to `q.period.to`), in print colours.
pub fn mrr_chart(e: &TenantEngine, q: &MetricQuery, currency: &str, palette: Palette) -> String {
    let points = monthly_series(e, q, "mrr")
        .into_iter()
        .filter_map(|(d, v)| Some((d, v?)))
        .collect();
    line_chart(&LineChart {
        id: "report-mrr".into(),
        title: "MRR, last twelve months, and six-month forecast".into(),
        description: format!(
            "MRR at each month end from {}",
            last_twelve_months(q.period.to).from.format("%b %Y")
        ),
        width: 720,
        height: 260,
        points,
        forecast: answers::forecast_of(e, q)
            .steps
            .into_iter()
            .map(|(date, f)| quarterdeck_render::ForecastPoint {
                date,
                value: f.value,
                low: f.low,
                high: f.high,
            })
            .collect(),
        format: ValueFormat::MoneyCompact {
            currency: currency.to_string(),
        },
        palette,
        axis: DateAxis::Months,
        in_progress_from: Some(q.calendar.today),
    })
}

/// Builds the report of one view.
pub fn model(
    e: &TenantEngine,
    tenant_name: &str,
    currency: &str,
    q: &MetricQuery,
    labels: Labels,
    targets: &TenantTargets,
) -> Result<ReportModel, QueryError> {
    let summary = answers::summary_of(e, q);
    let m = |k: &str| summary.value(k).unwrap_or_default();
    let money = |d: Decimal| CellValue::Money(d);
    let end = m("mrr");
    let start = end - m("net_new_mrr");
    let steps = [
        (MovementKind::New, m("new_mrr")),
        (MovementKind::Expansion, m("expansion_mrr")),
        (MovementKind::Reactivation, m("reactivation_mrr")),
        (MovementKind::Contraction, -m("contraction_mrr")),
        (MovementKind::Churn, -m("churned_mrr")),
    ];
    let bridge = waterfall(&Waterfall {
        id: "report-bridge".into(),
        title: "MRR movements".into(),
        description: "From MRR at the start of the period to its end".into(),
        width: 720,
        height: 260,
        start: ("Start".into(), start),
        steps: steps
            .iter()
            .map(|(k, v)| WaterfallStep {
                label: k.label().into(),
                kind: *k,
                value: *v,
                href: None,
            })
            .collect(),
        end: ("End".into(), end),
        format: ValueFormat::MoneyCompact {
            currency: currency.to_string(),
        },
        palette: Palette::print(),
    });
    let aging = answers::ar_aging_of(e, q)?;
    let buckets = crate::metrics::result::AGING_BUCKETS;
    let aging_chart = bar_chart(&BarChart {
        id: "report-aging".into(),
        title: "AR aging".into(),
        description: "Open invoice balances by days past due".into(),
        width: 720,
        height: 220,
        bars: buckets
            .iter()
            .map(|(k, l)| Bar {
                label: l.to_string(),
                value: aging.bucket(k),
                href: None,
                emphasis: *k != "current",
            })
            .collect(),
        format: ValueFormat::MoneyCompact {
            currency: currency.to_string(),
        },
        palette: Palette::print(),
    });

    let mut monthly = q.clone();
    monthly.extra.insert("interval".into(), "month".into());
    let movements = answers::movements_of(e, &monthly)?;
    let movement_rows: Vec<Vec<CellValue>> = movements
        .buckets
        .iter()
        .map(|b| {
            let d = |k: &str| money(b.amount(k));
            vec![
                CellValue::Date(b.to),
                d("mrr_start"),
                d("new"),
                d("expansion"),
                d("reactivation"),
                d("contraction"),
                d("churn"),
                d("net_new"),
                d("mrr_end"),
            ]
        })
        .collect();

    let names = |id: &str| {
        e.ledger
            .account(id, q.period.to)
            .and_then(|a| a.name)
            .unwrap_or_else(|| id.to_string())
    };
    let mut top = Vec::new();
    for (kind, label) in [
        (EngineKind::Churn, "Churn"),
        (EngineKind::Contraction, "Contraction"),
        (EngineKind::Expansion, "Expansion"),
        (EngineKind::New, "New"),
    ] {
        for (id, amount) in e
            .ledger
            .movement_contributors(q.period, kind, &q.filter)
            .into_iter()
            .take(5)
        {
            top.push(vec![
                CellValue::Text(label.into()),
                CellValue::Text(names(&id)),
                money(amount),
            ]);
        }
    }

    let cohorts = answers::cohorts_of(e, q)?;
    let cohort_rows: Vec<Vec<CellValue>> = cohorts
        .cohorts
        .iter()
        .take(24)
        .map(|c| {
            let mut row = vec![
                CellValue::Text(c.label.clone()),
                CellValue::Count(i64::try_from(c.size).unwrap_or(i64::MAX)),
            ];
            row.extend(
                c.values
                    .iter()
                    .take(12)
                    .map(|v| v.map_or(CellValue::Empty, CellValue::Ratio)),
            );
            row
        })
        .collect();
    let width = cohort_rows
        .iter()
        .map(Vec::len)
        .max()
        .unwrap_or(2)
        .saturating_sub(2);
    let mut cohort_columns = vec!["Cohort".to_string(), "Size".to_string()];
    cohort_columns.extend((0..width).map(|i| format!("M{i}")));

    let mut tables = vec![
        ReportTable {
            title: "MRR movements by month".into(),
            columns: [
                "Month end",
                "MRR start",
                "New",
                "Expansion",
                "Reactivation",
                "Contraction",
                "Churn",
                "Net new",
                "MRR end",
            ]
            .map(String::from)
            .to_vec(),
            rows: movement_rows,
        },
        ReportTable {
            title: "AR aging".into(),
            columns: vec!["Bucket".into(), "Open balance".into()],
            rows: buckets
                .iter()
                .map(|(k, l)| vec![CellValue::Text(l.to_string()), money(aging.bucket(k))])
                .collect(),
        },
    ];
    if !top.is_empty() {
        tables.push(ReportTable {
            title: "Top movements".into(),
            columns: vec!["Movement".into(), "Customer".into(), "MRR".into()],
            rows: top,
        });
    }
    if !cohort_rows.is_empty() {
        tables.push(ReportTable {
            title: "Logo retention by cohort".into(),
            columns: cohort_columns,
            rows: cohort_rows,
        });
    }
    Ok(ReportModel {
        tenant_name: tenant_name.to_string(),
        title: "Executive report".into(),
        period: labels.period,
        comparison: labels.comparison,
        filters: labels.filters,
        currency: currency.to_string(),
        generated_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        kpis: kpis(&summary, currency, &KPIS, targets),
        charts: vec![
            ReportChart {
                title: "MRR trend".into(),
                svg: mrr_chart(e, q, currency, Palette::print()),
            },
            ReportChart {
                title: "MRR movements in the period".into(),
                svg: bridge,
            },
            ReportChart {
                title: "AR aging".into(),
                svg: aging_chart,
            },
        ],
        tables,
    })
}
