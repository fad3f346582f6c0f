//! Renewals: what falls due in the window (this quarter unless chosen), ARR
//! by stage as of today, the forecast renewal rate against its target, the
//! next 30 / 60 / 90 days, and every renewal with its account.

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::Kpi;
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::renewals::{self, Renewals};
use quarterdeck_domain::Permission;
use quarterdeck_engine::filter::human;
use quarterdeck_engine::renewals::RenewalStage;
use quarterdeck_render::format::percent;
use quarterdeck_render::{Bar, BarChart, CellValue, Palette, ValueFormat};

/// Renewals.
pub const SPEC: PageSpec = PageSpec {
    path: "/renewals",
    title: "Renewals",
    nav: "Renewals",
    permission: Permission::ViewHealth,
    extra: &["as_of"],
    twin: "/renewals",
    kpis: &[],
};

/// One renewal row.
struct Row {
    due: String,
    name: String,
    href: Option<String>,
    stage: &'static str,
    tone: &'static str,
    arr: String,
    source: &'static str,
    csm: String,
}

#[derive(Template)]
#[template(path = "page_renewals.html")]
struct RenewalsPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    as_of: String,
    stages_svg: String,
    /// (stage, count, ARR).
    stage_rows: Vec<(&'static str, u32, String)>,
    /// (window, count, ARR).
    upcoming: Vec<(&'static str, u32, String)>,
    rows: Vec<Row>,
}

/// The whole quarter of today (fiscal, days to come included), when no
/// range is asked for: the renewals a leader is accountable for this quarter.
fn quarter_by_default(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    let asked = pairs
        .iter()
        .any(|(k, v)| ["range", "from", "to"].contains(&k.as_str()) && !v.is_empty());
    if !asked {
        pairs.push(("range".into(), "this_quarter_whole".into()));
    }
    pairs
}

/// The view and its renewals; with `compare`, also the comparison window's
/// (the page's cards; the downloads do not show it).
async fn open_view(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
    compare: bool,
) -> Result<(View, Renewals, Option<Renewals>), PageError> {
    let view = View::open(state, audience, &SPEC, quarter_by_default(pairs)).await?;
    let target = renewals::own_target(&view.targets);
    let (view, (r, before)) = super::blocking(view, move |v| {
        let now = renewals::renewals_of(v.engine(), &v.query, target);
        // The comparison window, judged on the same day.
        let before = v.query.comparison().filter(|_| compare).and_then(|p| {
            let mut q = v.query.clone();
            q.period = p;
            renewals::renewals_of(v.engine(), &q, target).ok()
        });
        (now, before)
    })
    .await?;
    Ok((view, r.map_err(quarterdeck_api::ApiError::from)?, before))
}

fn tone(s: RenewalStage) -> &'static str {
    match s {
        RenewalStage::Renewed | RenewalStage::OnTrack => "good",
        RenewalStage::AtRisk | RenewalStage::Late => "warn",
        RenewalStage::Churned => "bad",
    }
}

/// Renders the page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, r, before) = open_view(state, audience, pairs, true).await?;
    let cur = view.currency.clone();
    let brief = ValueFormat::MoneyCompact {
        currency: cur.clone(),
    };
    let t = &r.totals;
    let stage = |s: RenewalStage| {
        let i = RenewalStage::ALL
            .iter()
            .position(|x| *x == s)
            .expect("a stage");
        t.stages[i]
    };
    let mut rate = Kpi::plain(
        "forecast_renewal_rate",
        "Forecast renewal rate",
        t.forecast_rate().map_or("—".into(), |v| percent(v, 1)),
        "renewed + on track ÷ due".into(),
    );
    match t.forecast_rate() {
        None => rate.undefined_because("Nothing is due in this window."),
        Some(v) => rate.judged(
            v >= r.target,
            format!("target {}", percent(r.target, 0)),
            format!(
                "Target {} (set it in Settings as the forecast renewal rate); the status is against the target.",
                percent(r.target, 1)
            ),
        ),
    }
    let mut due = Kpi::plain(
        "renewals_due",
        "ARR due",
        brief.apply(t.due.0),
        format!("{} renewal{}", t.due.1, if t.due.1 == 1 { "" } else { "s" }),
    );
    let churned_of = |t: &quarterdeck_engine::renewals::RenewalTotals| {
        let i = RenewalStage::ALL
            .iter()
            .position(|x| *x == RenewalStage::Churned)
            .expect("a stage");
        t.stages[i].0
    };
    let mut churned = Kpi::plain(
        "renewals_churned",
        "Churned",
        brief.apply(stage(RenewalStage::Churned).0),
        format!("{} lost", stage(RenewalStage::Churned).1),
    );
    if let Some(b) = &before {
        let bt = &b.totals;
        due.compared(
            Some(t.due.0),
            Some(bt.due.0),
            false,
            brief.apply(bt.due.0),
            false,
        );
        rate.compared(
            t.forecast_rate(),
            bt.forecast_rate(),
            true,
            bt.forecast_rate().map_or("—".into(), |v| percent(v, 1)),
            false,
        );
        churned.compared(
            Some(churned_of(t)),
            Some(churned_of(bt)),
            false,
            brief.apply(churned_of(bt)),
            true,
        );
    }
    let kpis = vec![
        due,
        rate,
        Kpi::plain(
            "renewals_at_risk",
            "At risk or late",
            brief.apply(stage(RenewalStage::AtRisk).0 + stage(RenewalStage::Late).0),
            format!(
                "{} at risk, {} late",
                stage(RenewalStage::AtRisk).1,
                stage(RenewalStage::Late).1
            ),
        ),
        churned,
    ];
    let stages_svg = super::screens::for_screens(&BarChart {
        id: "renewal-stages".into(),
        title: "ARR due by stage".into(),
        description: "ARR of the renewals due in the window, by where each stands today".into(),
        width: 520,
        height: 240,
        bars: RenewalStage::ALL
            .iter()
            .map(|s| Bar {
                label: s.label().to_string(),
                value: stage(*s).0,
                href: None,
                emphasis: matches!(
                    s,
                    RenewalStage::AtRisk | RenewalStage::Late | RenewalStage::Churned
                ),
            })
            .collect(),
        format: brief.clone(),
        palette: Palette::light(),
    });
    let stage_rows = RenewalStage::ALL
        .iter()
        .map(|s| (s.label(), stage(*s).1, money(Some(stage(*s).0), &cur)))
        .collect();
    let upcoming = ["Next 30 days", "31–60 days", "61–90 days"]
        .into_iter()
        .zip(r.upcoming)
        .map(|(l, (arr, n))| (l, n, money(Some(arr), &cur)))
        .collect();
    let rows = r
        .items
        .iter()
        .map(|(item, name, csm)| Row {
            due: item.due.format("%b %-d, %Y").to_string(),
            name: name.clone().unwrap_or_else(|| item.customer_id.clone()),
            href: view.link(
                &format!("/accounts/{}", urlencoding::encode(&item.customer_id)),
                &[],
            ),
            stage: item.stage.label(),
            tone: tone(item.stage),
            arr: money(Some(item.arr), &cur),
            source: if item.opportunity_id.is_some() {
                "Opportunity"
            } else {
                "Term end"
            },
            csm: csm.as_deref().map_or("—".into(), |c| human("csm", c)),
        })
        .collect();
    let mut frame = Frame::new(&view, "Renewals", "/renewals");
    // Due days to come belong in a renewals window: say how they are judged
    // rather than warn that the range runs past today.
    if r.window.to > view.today {
        frame.notice = Some(format!(
            "Renewals due after today are judged on what is known today ({}): on track unless the account's health is at risk or critical, or its subscription is already cancelled.",
            view.today.format("%b %-d, %Y")
        ));
    }
    let page = RenewalsPage {
        chrome: view.chrome.clone(),
        frame,
        kpis,
        as_of: r.as_of.format("%b %-d, %Y").to_string(),
        stages_svg,
        stage_rows,
        upcoming,
        rows,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /renewals.json`: the API's renewals answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, r, _) = open_view(state, Audience::Member(viewer), pairs, false).await?;
    Ok(export::json(r.to_json(&view.query)))
}

/// `GET /renewals.csv`: every renewal of the window.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, r, _) = open_view(state, Audience::Member(viewer), pairs, false).await?;
    let text = |v: &Option<String>| v.clone().map_or(CellValue::Empty, CellValue::Text);
    let rows = r
        .items
        .iter()
        .map(|(item, name, csm)| {
            vec![
                CellValue::Date(item.due),
                CellValue::Text(item.customer_id.clone()),
                text(name),
                text(csm),
                CellValue::Text(item.stage.key().into()),
                CellValue::Text(
                    if item.opportunity_id.is_some() {
                        "opportunity"
                    } else {
                        "term_end"
                    }
                    .into(),
                ),
                CellValue::Money(item.arr),
            ]
        })
        .collect();
    let columns = [
        "due_date",
        "customer_id",
        "name",
        "csm",
        "stage",
        "source",
        "arr",
    ]
    .map(String::from)
    .to_vec();
    Ok((
        view,
        Table {
            name: "renewals",
            columns,
            rows,
        },
    ))
}

dashboard_page!(SPEC, render);
