//! Customer health and risk: the portfolio's bands and trend, ARR at risk
//! and its history, the accounts most at risk, health by segment and by
//! CSM, and whether the score has foretold churn (the predictive check).

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::{Cards, Kpi, band_tone, card};
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::MetricQuery;
use quarterdeck_app::metrics::health::{self, Portfolio, Tally};
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_domain::Permission;
use quarterdeck_engine::filter::human;
use quarterdeck_engine::health::{Band, Trend};
use quarterdeck_render::format::percent;
use quarterdeck_render::{Bar, BarChart, CellValue, DateAxis, LineChart, Palette, ValueFormat};
use rust_decimal::Decimal;

/// Customer health and risk.
pub const SPEC: PageSpec = PageSpec {
    path: "/health",
    title: "Health & risk",
    nav: "Health & risk",
    permission: Permission::ViewHealth,
    extra: &["as_of"],
    twin: "/health",
    kpis: &[
        ("avg_health", "Average health"),
        ("arr_at_risk", "ARR at risk"),
        ("arr_at_risk_watch", "ARR on watch"),
        ("critical_customers", "Critical accounts"),
    ],
};

struct Computed {
    summary: Summary,
    portfolio: Portfolio,
    settings: quarterdeck_domain::HealthSettings,
    plays: quarterdeck_engine::team::PlaySummary,
    /// Plays open on the last day.
    open_plays: Vec<OpenPlay>,
}

/// A play open on the last day, as the page lists it.
struct OpenPlay {
    id: String,
    name: String,
    owner: String,
    opened: chrono::NaiveDate,
    target: Option<chrono::NaiveDate>,
    reason: String,
}

fn compute(
    e: &quarterdeck_app::engines::TenantEngine,
    q: &MetricQuery,
) -> Result<Computed, quarterdeck_app::metrics::QueryError> {
    let rows = e.ledger.save_plays(q.period, &q.filter);
    let plays = quarterdeck_engine::team::PlaySummary::of(&rows);
    let mut open_plays: Vec<OpenPlay> = rows
        .iter()
        .filter(|r| r.outcome == quarterdeck_engine::team::Outcome::Open)
        .map(|r| {
            let c = e.ledger.customer_ref(r.slot);
            OpenPlay {
                id: c.id.to_string(),
                name: c.name.unwrap_or(c.id).to_string(),
                owner: r.play.owner.clone(),
                opened: r.play.opened,
                target: r.play.target,
                reason: r.play.reason.clone().unwrap_or_else(|| "—".into()),
            }
        })
        .collect();
    // Those due soonest first; without a target last.
    open_plays.sort_by_key(|p| (p.target.is_none(), p.target, p.opened));
    let portfolio = health::portfolio_of(e, q)?;
    // The cards are the portfolio's own figures (the same scores, the same
    // day), not a whole summary computed again.
    let summary = Summary::from_values_on(
        q.period,
        q.comparison(),
        portfolio.currency.clone(),
        q.filters_json(),
        |m| portfolio.all.figure(m),
        |m| portfolio.previous.as_ref().and_then(|(_, t)| t.figure(m)),
        q.partial(),
    );
    Ok(Computed {
        summary,
        portfolio,
        settings: e.health_settings(),
        plays,
        open_plays,
    })
}

/// One row of the most-at-risk table.
struct RiskRow {
    name: String,
    href: Option<String>,
    score: u8,
    band: &'static str,
    tone: &'static str,
    trend: &'static str,
    arr: String,
    csm: String,
    segment: String,
}

/// One row of a breakdown (segment or CSM).
struct GroupRow {
    label: String,
    href: Option<String>,
    scored: u32,
    average: String,
    healthy: u32,
    at_risk: u32,
    critical: u32,
    arr_at_risk: String,
}

#[derive(Template)]
#[template(path = "page_health.html")]
struct HealthPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    scored: u32,
    as_of: String,
    bands_svg: String,
    /// (band, customers, ARR, share of customers).
    band_rows: Vec<(&'static str, u32, String, String)>,
    trend_words: String,
    risk_svg: String,
    /// (month end, ARR at risk, ARR on watch).
    risk_rows: Vec<(String, String, String)>,
    top: Vec<RiskRow>,
    critical_href: Option<String>,
    by_segment: Vec<GroupRow>,
    by_csm: Vec<GroupRow>,
    check_words: String,
    check_good: bool,
    /// The churn expected in the next 90 days, in words.
    forecast_words: Option<String>,
    /// (month end, complete, [customers, churned, rate] per band).
    check_rows: Vec<(String, bool, Vec<String>)>,
    weights_words: String,
    plays_words: String,
    open_plays: Vec<OpenPlayRow>,
    /// (what, actual in the period, forecast for the next 90 days).
    retention_rows: Vec<(&'static str, String, String)>,
    expansion_href: Option<String>,
}

/// An open save play as the page lists it.
struct OpenPlayRow {
    name: String,
    href: Option<String>,
    owner: String,
    opened: String,
    target: String,
    reason: String,
    /// Past its target date.
    overdue: bool,
}

fn trend_word(t: Trend) -> &'static str {
    match t {
        Trend::Improving => "▲ improving",
        Trend::Stable => "stable",
        Trend::Declining => "▼ declining",
    }
}

fn group_rows(
    groups: &std::collections::BTreeMap<String, Tally>,
    field: &str,
    cur: &str,
    link: impl Fn(&str) -> Option<String>,
) -> Vec<GroupRow> {
    let mut rows: Vec<(Decimal, GroupRow)> = groups
        .iter()
        .map(|(k, t)| {
            (
                t.arr_at_risk(),
                GroupRow {
                    label: if k == "(none)" {
                        format!("No {field}")
                    } else {
                        human(field, k)
                    },
                    href: (k != "(none)").then(|| link(k)).flatten(),
                    scored: t.scored,
                    average: t
                        .average()
                        .map_or("—".into(), |a| ValueFormat::Score.apply(a)),
                    healthy: t.bands[0].0,
                    at_risk: t.bands[1].0,
                    critical: t.bands[2].0,
                    arr_at_risk: money(Some(t.arr_at_risk()), cur),
                },
            )
        })
        .collect();
    // Most ARR at risk first: where to look.
    rows.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.label.cmp(&b.1.label)));
    rows.into_iter().map(|r| r.1).collect()
}

/// What the predictive check says, in one sentence, and whether the score
/// separates churners at all.
fn check_words(p: &Portfolio) -> (String, bool) {
    let b = &p.backtest;
    let complete = b.months.iter().filter(|m| m.complete).count();
    let (Some(healthy), Some(critical)) = (b.rate(Band::Healthy), b.rate(Band::Critical)) else {
        return (
            format!(
                "Not enough history to check the score yet: {complete} complete month ends, and a band with no accounts in them."
            ),
            false,
        );
    };
    let auc = b.auc.map_or("—".into(), |a| ValueFormat::Ratio.apply(a));
    if critical <= healthy {
        return (
            format!(
                "The score does not yet separate churners: over {complete} month ends, {} of critical accounts churned within 90 days against {} of healthy ones (ROC AUC {auc}). Review the weights in Settings.",
                percent(critical, 1),
                percent(healthy, 1)
            ),
            false,
        );
    }
    let times = if healthy.is_zero() {
        "while no healthy account churned".to_string()
    } else {
        format!("{}× as often", (critical / healthy).round_dp(1).normalize())
    };
    (
        format!(
            "Over the last {complete} complete month ends, {} of accounts scored critical churned within 90 days, against {} of healthy ones: {times}. ROC AUC {auc} (0.5 is a coin toss, 1 a perfect ranking).",
            percent(critical, 1),
            percent(healthy, 1)
        ),
        true,
    )
}

/// Renders the page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    // The predictive check is refreshed without a new data version: the
    // one shown is part of the question.
    let name = format!("health:{}", health::check_stamp(view.engine(), &view.query));
    let (view, c) = super::cached(state, view, &name, |v| compute(v.engine(), &v.query)).await?;
    let c = c
        .as_ref()
        .as_ref()
        .map_err(|e| quarterdeck_api::ApiError::from(e.clone()))?;
    let cur = view.currency.clone();
    let p = &c.portfolio;
    let cards = Cards {
        summary: &c.summary,
        currency: &cur,
        compare: "before",
        targets: &view.targets,
    };
    let accounts_in = |band: &str| view.link("/accounts", &[("health", band.to_string())]);
    let kpis = SPEC
        .kpis
        .iter()
        .map(|(m, l)| {
            let href = match *m {
                "arr_at_risk" | "critical_customers" => accounts_in("critical"),
                "arr_at_risk_watch" => accounts_in("at_risk"),
                _ => None,
            };
            card(&cards, m, l, &[], href)
        })
        .collect();
    let all = &p.all;
    let share = |n: u32| {
        if all.scored == 0 {
            "—".to_string()
        } else {
            percent(Decimal::from(n) / Decimal::from(all.scored), 0)
        }
    };
    let bands_svg = super::screens::for_screens(&BarChart {
        id: "health-bands".into(),
        title: format!("Accounts by health band on {}", p.as_of),
        description: format!(
            "Scored accounts in the healthy ({} and above), at-risk and critical (below {}) bands",
            c.settings.healthy_from, c.settings.critical_below
        ),
        width: 520,
        height: 240,
        bars: Band::ALL
            .iter()
            .enumerate()
            .map(|(i, b)| Bar {
                label: b.label().to_string(),
                value: Decimal::from(all.bands[i].0),
                href: accounts_in(b.key()),
                emphasis: *b != Band::Healthy,
            })
            .collect(),
        format: ValueFormat::Count,
        palette: Palette::light(),
    });
    let band_rows = Band::ALL
        .iter()
        .enumerate()
        .map(|(i, b)| {
            (
                b.label(),
                all.bands[i].0,
                money(Some(all.bands[i].1), &cur),
                share(all.bands[i].0),
            )
        })
        .collect();
    let trend_words = format!(
        "Over the last 30 days: {} improving, {} stable, {} declining (a move of {} points or more).",
        all.trend[0],
        all.trend[1],
        all.trend[2],
        quarterdeck_engine::health::TREND_POINTS
    );
    let risk_svg = super::screens::for_screens(&LineChart {
        id: "arr-at-risk".into(),
        title: "ARR at risk by month".into(),
        description: "ARR of accounts in the critical band at each month end, last twelve months"
            .into(),
        width: 520,
        height: 240,
        points: p.risk_history.iter().map(|(d, c, _)| (*d, *c)).collect(),
        forecast: Vec::new(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
        axis: DateAxis::Months,
        in_progress_from: None,
    });
    let risk_rows = p
        .risk_history
        .iter()
        .map(|(d, c, w)| {
            (
                d.format("%b %-d, %Y").to_string(),
                money(Some(*c), &cur),
                money(Some(*w), &cur),
            )
        })
        .collect();
    let top = p
        .top_at_risk
        .iter()
        .map(|s| {
            let h = &s.health;
            RiskRow {
                name: s.name.clone().unwrap_or_else(|| s.id.clone()),
                href: view.link(&format!("/accounts/{}", urlencoding::encode(&s.id)), &[]),
                score: h.score,
                band: h.band.label(),
                tone: band_tone(h.band),
                trend: trend_word(s.trend),
                arr: money(Some(h.arr), &cur),
                csm: s.csm.as_deref().map_or("—".into(), |v| human("csm", v)),
                segment: s
                    .segment
                    .as_deref()
                    .map_or("—".into(), |v| human("segment", v)),
            }
        })
        .collect();
    let by_segment = group_rows(&p.by_segment, "segment", &cur, |k| {
        view.link("/health", &[("segment", k.to_string())])
    });
    let by_csm = group_rows(&p.by_csm, "csm", &cur, |k| {
        view.link(
            "/accounts",
            &[("csm", k.to_string()), ("sort", "health".into())],
        )
    });
    let (check_words, check_good) = check_words(p);
    let forecast_words = p.churn_forecast().map(|f| {
        format!(
            "Expected to churn in the next 90 days: {} of {} ARR scored, if each band churns as it did over the last year.",
            money(Some(f), &cur),
            money(Some(all.arr()), &cur)
        )
    });
    let check_rows = p
        .backtest
        .months
        .iter()
        .map(|m| {
            let cells = m
                .bands
                .iter()
                .map(|(n, c)| {
                    if *n == 0 {
                        "—".to_string()
                    } else {
                        format!(
                            "{c} of {n} ({})",
                            percent(Decimal::from(*c) / Decimal::from(*n), 0)
                        )
                    }
                })
                .collect();
            (m.month_end.format("%b %Y").to_string(), m.complete, cells)
        })
        .collect();
    let s = &c.settings;
    let weights_words = format!(
        "Score = payment × {} + usage × {} + support × {} + engagement × {} + profitability × {}, re-weighted over the components an account has data for; healthy from {}, critical below {}. Formulas in docs/metric-choices.md (Health).",
        s.payment.normalize(),
        s.usage.normalize(),
        s.support.normalize(),
        s.engagement.normalize(),
        s.profitability.normalize(),
        s.healthy_from,
        s.critical_below
    );
    let pl = &c.plays;
    let plays_words = format!(
        "{} open on {}; closed in the period: {} saved, {} lost{}.",
        pl.open,
        view.query.period.to.format("%b %-d, %Y"),
        pl.saved,
        pl.lost,
        pl.success_rate().map_or(String::new(), |r| format!(
            " — a success rate of {}",
            percent(r, 1)
        ))
    );
    let day = |d: chrono::NaiveDate| d.format("%b %-d, %Y").to_string();
    let open_plays = c
        .open_plays
        .iter()
        .map(|o| OpenPlayRow {
            name: o.name.clone(),
            href: view.link(&format!("/accounts/{}", urlencoding::encode(&o.id)), &[]),
            owner: quarterdeck_engine::filter::human("csm", &o.owner),
            opened: day(o.opened),
            target: o.target.map_or("—".into(), day),
            reason: o.reason.clone(),
            overdue: o.target.is_some_and(|t| t < view.today),
        })
        .collect();
    let [churned, contraction, expansion] = p.retention_actual;
    let churn_forecast = match (p.churn_forecast(), p.renewal_churn_forecast) {
        (Some(all), Some(due)) => format!(
            "{} (renewals due: {})",
            money(Some(all), &cur),
            money(Some(due), &cur)
        ),
        _ => "— (no month end's 90 days are over yet)".into(),
    };
    let retention_rows = vec![
        ("Churned ARR", money(churned, &cur), churn_forecast),
        (
            "Contraction ARR",
            money(contraction, &cur),
            "not forecast".into(),
        ),
        (
            "Expansion ARR",
            money(expansion, &cur),
            "the weighted pipeline".into(),
        ),
    ];
    let expansion_href = view.link("/expansion", &[]);
    let mut frame = Frame::new(&view, "Health & risk", "/health");
    frame.notice = frame.notice.or_else(|| {
        (all.scored == 0).then(|| {
            "No account is scored on this day: health needs paying accounts with invoices, tickets, CSM activities or usage events. Send them through the API (see the README) and scores appear at once.".to_string()
        })
    });
    let page = HealthPage {
        chrome: view.chrome.clone(),
        frame,
        kpis,
        scored: all.scored,
        as_of: p.as_of.format("%b %-d, %Y").to_string(),
        bands_svg,
        band_rows,
        trend_words,
        risk_svg,
        risk_rows,
        top,
        critical_href: accounts_in("critical"),
        by_segment,
        by_csm,
        check_words,
        check_good,
        forecast_words,
        check_rows,
        weights_words,
        plays_words,
        open_plays,
        retention_rows,
        expansion_href,
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

/// `GET /health.json`: the API's health answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = open_view(state, viewer, pairs).await?;
    let (_, a) = super::blocking(view, |v| health::portfolio(v.engine(), &v.query)).await?;
    Ok(export::json(a.map_err(quarterdeck_api::ApiError::from)?))
}

/// `GET /health.csv`: every scored account, lowest score first.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let view = open_view(state, viewer, pairs).await?;
    let (view, scored) = super::blocking(view, |v| {
        let q = &v.query;
        let e = v.engine();
        let day = health::as_of(q)?;
        let before = health::month_before(e, day);
        let mut scored: Vec<health::Scored> = health::scores(e, q, day)
            .iter()
            .cloned()
            .map(|h| {
                let trend = Trend::of(h.score, before.score(h.slot));
                health::Scored::of(e, h, trend)
            })
            .collect();
        scored.sort_by(|a, b| {
            a.health
                .score
                .cmp(&b.health.score)
                .then_with(|| b.health.arr.cmp(&a.health.arr))
                .then_with(|| a.id.cmp(&b.id))
        });
        Ok::<_, quarterdeck_app::metrics::QueryError>(scored)
    })
    .await?;
    let scored = scored.map_err(quarterdeck_api::ApiError::from)?;
    let text = |v: &Option<String>| v.clone().map_or(CellValue::Empty, CellValue::Text);
    let rows = scored
        .iter()
        .map(|s| {
            vec![
                CellValue::Text(s.id.clone()),
                text(&s.name),
                text(&s.segment),
                text(&s.csm),
                CellValue::Count(i64::from(s.health.score)),
                CellValue::Text(s.health.band.key().into()),
                CellValue::Text(s.trend.key().into()),
                CellValue::Money(s.health.arr),
            ]
        })
        .collect();
    let columns = [
        "customer_id",
        "name",
        "segment",
        "csm",
        "score",
        "band",
        "trend",
        "arr",
    ]
    .map(String::from)
    .to_vec();
    Ok((
        view,
        Table {
            name: "health",
            columns,
            rows,
        },
    ))
}

dashboard_page!(SPEC, render);
