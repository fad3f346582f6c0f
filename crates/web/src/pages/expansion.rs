//! Expansion: the open and weighted pipeline by type and stage, what was
//! won and lost in the period, the win rate by count and amount, expansion
//! ARR won against its target, and the largest open opportunities.

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::Kpi;
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::expansion;
use quarterdeck_domain::Permission;
use quarterdeck_engine::expansion::{Expansion, type_key};
use quarterdeck_engine::filter::human;
use quarterdeck_render::format::percent;
use quarterdeck_render::{CellValue, ValueFormat};
use rust_decimal::Decimal;

/// Expansion.
pub const SPEC: PageSpec = PageSpec {
    path: "/expansion",
    title: "Expansion",
    nav: "Expansion",
    permission: Permission::ViewHealth,
    extra: &[],
    twin: "/expansion",
    kpis: &[],
};

/// One of the largest open opportunities.
struct TopRow {
    name: String,
    href: Option<String>,
    kind: String,
    stage: String,
    close: String,
    value: String,
    probability: String,
}

#[derive(Template)]
#[template(path = "page_expansion.html")]
struct ExpansionPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    /// (label, count, value, weighted).
    by_type: Vec<(String, u32, String, String)>,
    by_stage: Vec<(String, u32, String, String)>,
    top: Vec<TopRow>,
    open_count: u32,
}

struct Computed {
    x: Expansion,
    names: Vec<Option<String>>,
    target: Option<Decimal>,
    /// The same pipeline's won and lost in the comparison period.
    before: Option<quarterdeck_engine::expansion::Expansion>,
}

/// The view and its pipeline; with `compare`, also the comparison
/// period's won and lost (the page's cards; the downloads do not show it).
async fn open_view(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
    compare: bool,
) -> Result<(View, Computed), PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    let stages = expansion::load_stage_probabilities(state.store.as_ref(), view.tenant.id).await?;
    let target = expansion::own_target(&view.targets);
    let (view, ((x, names), before)) = super::blocking(view, move |v| {
        let before = v
            .query
            .comparison()
            .filter(|_| compare)
            .map(|p| v.engine().ledger.expansion(p, &v.query.filter, &stages));
        (
            expansion::expansion_of(v.engine(), &v.query, &stages),
            before,
        )
    })
    .await?;
    Ok((
        view,
        Computed {
            x,
            names,
            target,
            before,
        },
    ))
}

/// An opportunity type in words ("Cross-sell").
pub(super) fn type_label(key: &str) -> String {
    match key {
        "cross_sell" => "Cross-sell".into(),
        other => human("plan", other),
    }
}

/// Renders the page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, c) = open_view(state, audience, pairs, true).await?;
    let cur = view.currency.clone();
    let brief = ValueFormat::MoneyCompact {
        currency: cur.clone(),
    };
    let x = &c.x;
    let mut won = Kpi::plain(
        "expansion_won",
        "Expansion won",
        brief.apply(x.won.0),
        format!("{} won in the period", x.won.1),
    );
    if let Some(t) = c.target {
        won.judged(
            x.won.0 >= t,
            format!("target {}", brief.apply(t)),
            format!("Target {} set in Settings", money(Some(t), &cur)),
        );
    }
    let mut rate = Kpi::plain(
        "win_rate",
        "Win rate",
        x.win_rate_count().map_or("—".into(), |r| percent(r, 1)),
        x.win_rate_amount().map_or("by amount —".into(), |r| {
            format!("{} by amount", percent(r, 1))
        }),
    );
    if x.win_rate_count().is_none() {
        rate.undefined_because("No expansion opportunity closed in the period.");
    }
    if let Some(b) = &c.before {
        won.compared(
            Some(x.won.0),
            Some(b.won.0),
            false,
            brief.apply(b.won.0),
            false,
        );
        rate.compared(
            x.win_rate_count(),
            b.win_rate_count(),
            true,
            b.win_rate_count().map_or("—".into(), |r| percent(r, 1)),
            false,
        );
    }
    let kpis = vec![
        Kpi::plain(
            "open_pipeline",
            "Open pipeline",
            brief.apply(x.open.value),
            format!("{} open", x.open.count),
        ),
        Kpi::plain(
            "weighted_pipeline",
            "Weighted pipeline",
            brief.apply(x.open.weighted),
            "value × probability".into(),
        ),
        rate,
        won,
    ];
    let rows = |m: Vec<(String, quarterdeck_engine::expansion::Pipeline)>| {
        m.into_iter()
            .map(|(k, p)| {
                (
                    k,
                    p.count,
                    money(Some(p.value), &cur),
                    money(Some(p.weighted), &cur),
                )
            })
            .collect()
    };
    let by_type = rows(x.by_type.iter().map(|(k, p)| (type_label(k), *p)).collect());
    let by_stage = rows(
        x.by_stage
            .iter()
            .map(|(k, p)| (human("plan", k), *p))
            .collect(),
    );
    let top = x
        .open_list
        .iter()
        .take(expansion::TOP)
        .zip(&c.names)
        .map(|(o, name)| TopRow {
            name: name.clone().unwrap_or_else(|| o.customer_id.clone()),
            href: view.link(
                &format!("/accounts/{}", urlencoding::encode(&o.customer_id)),
                &[],
            ),
            kind: type_label(type_key(o.kind)),
            stage: human("plan", &o.stage),
            close: o.close.format("%b %-d, %Y").to_string(),
            value: money(Some(o.value), &cur),
            probability: percent(o.probability, 0),
        })
        .collect();
    let page = ExpansionPage {
        chrome: view.chrome.clone(),
        frame: Frame::new(&view, "Expansion", "/expansion"),
        kpis,
        by_type,
        by_stage,
        top,
        open_count: x.open.count,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /expansion.json`: the API's expansion answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, c) = open_view(state, Audience::Member(viewer), pairs, false).await?;
    Ok(export::json(expansion::to_json(
        &view.currency,
        &view.query,
        &c.x,
        &c.names,
        c.target,
    )))
}

/// `GET /expansion.csv`: every open expansion opportunity, largest first.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, c) = open_view(state, Audience::Member(viewer), pairs, false).await?;
    let rows =
        c.x.open_list
            .iter()
            .map(|o| {
                vec![
                    CellValue::Text(o.id.clone()),
                    CellValue::Text(o.customer_id.clone()),
                    CellValue::Text(type_key(o.kind).into()),
                    CellValue::Text(o.stage.clone()),
                    CellValue::Date(o.close),
                    CellValue::Money(o.value),
                    CellValue::Ratio(o.probability),
                    o.owner.clone().map_or(CellValue::Empty, CellValue::Text),
                ]
            })
            .collect();
    let columns = [
        "opportunity_id",
        "customer_id",
        "type",
        "stage",
        "close_date",
        "value",
        "probability",
        "owner",
    ]
    .map(String::from)
    .to_vec();
    Ok((
        view,
        Table {
            name: "expansion",
            columns,
            rows,
        },
    ))
}

dashboard_page!(SPEC, render);
