//! Team: each CSM's book beside the team average, a leaderboard, utilisation
//! against the capacity targets of Settings, and the rebalancing
//! recommendation (downloadable as CSV).

use super::export::{self, Table};
use super::frame::Frame;
use super::kpi::Kpi;
use super::numbers::{money, show};
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use quarterdeck_app::metrics::team::{self, CsmRow, LEADERBOARD, Team};
use quarterdeck_domain::Permission;
use quarterdeck_engine::filter::human;
use quarterdeck_render::format;
use quarterdeck_render::{CellValue, ValueFormat};
use rust_decimal::Decimal;

/// Team.
pub const SPEC: PageSpec = PageSpec {
    path: "/team",
    title: "Team",
    nav: "Team",
    permission: Permission::ViewHealth,
    extra: &[],
    twin: "/team",
    kpis: &[],
};

/// One CSM (or the team average) as the table shows it.
struct Row {
    label: String,
    href: Option<String>,
    average: bool,
    utilisation: String,
    tone: &'static str,
    cells: Vec<String>,
}

/// One leaderboard: its title and the top names with their figures.
struct Board {
    title: &'static str,
    entries: Vec<(String, String)>,
}

/// One recommended move.
struct MoveRow {
    name: String,
    href: Option<String>,
    segment: String,
    from: String,
    to: String,
    arr: String,
}

#[derive(Template)]
#[template(path = "page_team.html")]
struct TeamPage {
    chrome: Chrome,
    frame: Frame,
    kpis: Vec<Kpi>,
    rows: Vec<Row>,
    boards: Vec<Board>,
    has_capacity: bool,
    may_configure: bool,
    moves: Vec<MoveRow>,
    /// How many moves and how much ARR they move.
    moves_summary: String,
    /// "Mid-market lacks 2 CSMs", per segment that no moves can balance.
    short: Vec<String>,
    moves_csv: Option<String>,
    /// Month-end labels of the health history.
    history_heads: Vec<String>,
    /// (CSM, averages by month end, whether it is the team row).
    history_rows: Vec<(String, Vec<String>, bool)>,
}

async fn open_view(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<(View, std::sync::Arc<Team>), PageError> {
    let view = View::open(state, audience, &SPEC, pairs).await?;
    let capacity = team::load_capacity(state.store.as_ref(), view.tenant.id).await?;
    // Once per data version, query and capacity (Settings do not move the version).
    let name = format!("team:{capacity:?}");
    let (view, t) = super::cached(state, view, &name, move |v| {
        team::team_of(v.engine(), &v.query, capacity)
    })
    .await?;
    Ok((view, t))
}

/// A count or average, to at most `places` decimals, grouped like every
/// number on screen ("1,234", "4.7").
fn number(v: Option<Decimal>, places: u32) -> String {
    v.map_or("—".into(), |v| {
        let n = v.round_dp(places).normalize();
        format::number(n, n.scale())
    })
}

/// A change of score with its sign ("+1.6", "−0.4").
fn signed(v: Option<Decimal>) -> String {
    v.map_or("—".into(), |v| format::with_plus(v, format::number(v, 1)))
}

/// The badge tone of a utilisation: over capacity is bad, above 90 % a warning.
fn utilisation_tone(u: Option<Decimal>) -> &'static str {
    match u {
        Some(u) if u > Decimal::ONE => "bad",
        Some(u) if u > Decimal::new(9, 1) => "warn",
        Some(_) => "good",
        None => "",
    }
}

fn cells(r: &CsmRow, brief: &ValueFormat) -> Vec<String> {
    let activities: Decimal = r.activities.iter().filter_map(|a| a.1).sum();
    let short = |v: Option<Decimal>| v.map_or("—".into(), |v| brief.apply(v));
    vec![
        number(r.accounts, 0),
        short(r.arr),
        r.avg_health
            .map_or("—".into(), |h| ValueFormat::Score.apply(h)),
        signed(r.health_change),
        number(r.at_risk_accounts, 1),
        format!(
            "{} · {}",
            number(r.renewals_due_90d.1, 1),
            short(r.renewals_due_90d.0)
        ),
        number(Some(activities), 1),
        r.median_first_response_hours
            .map_or("—".into(), |h| format!("{} h", h.round_dp(1).normalize())),
        format!(
            "{} / {}",
            show(r.grr, &ValueFormat::Percent),
            show(r.nrr, &ValueFormat::Percent)
        ),
        short(r.expansion_won),
    ]
}

/// Renders the page for any audience.
pub async fn render(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let may_configure =
        matches!(&audience, Audience::Member(v) if v.may(Permission::ManageSettings));
    let (view, t) = open_view(state, audience, pairs).await?;
    let cur = view.currency.clone();
    let brief = ValueFormat::MoneyCompact {
        currency: cur.clone(),
    };
    let over = t
        .csms
        .iter()
        .filter(|r| r.utilisation.is_some_and(|u| u > Decimal::ONE))
        .count();
    let mut utilisation = Kpi::plain(
        "utilisation",
        "Average utilisation",
        show(t.average.utilisation, &ValueFormat::Percent),
        "accounts or ARR against target, whichever is fuller".into(),
    );
    if t.capacity.is_empty() {
        utilisation.undefined_because("No capacity targets: set them in Settings.");
    }
    let mut over_kpi = Kpi::plain(
        "csms_over_capacity",
        "Over capacity",
        if t.capacity.is_empty() {
            "—".into()
        } else {
            over.to_string()
        },
        format!("of {} CSMs", t.csms.len()),
    );
    if !t.capacity.is_empty() {
        over_kpi.judged(
            over == 0,
            "target: nobody over".into(),
            "A CSM above 100 % utilisation carries more than the target book of their segment."
                .into(),
        );
    }
    let kpis = vec![
        Kpi::plain(
            "csms",
            "CSMs",
            t.csms.len().to_string(),
            if t.unassigned.0 == 0 {
                "every paying account has a CSM".into()
            } else {
                format!(
                    "{} paying account{} without a CSM ({} ARR)",
                    t.unassigned.0,
                    if t.unassigned.0 == 1 { "" } else { "s" },
                    brief.apply(t.unassigned.1)
                )
            },
        ),
        Kpi::plain(
            "accounts_per_csm",
            "Accounts per CSM",
            number(t.average.accounts, 1),
            format!(
                "{} ARR on average",
                t.average.arr.map_or("—".into(), |a| brief.apply(a))
            ),
        ),
        utilisation,
        over_kpi,
    ];
    let mut rows: Vec<Row> = t
        .csms
        .iter()
        .map(|r| Row {
            label: human("csm", &r.csm),
            href: view.link("/accounts", &[("csm", r.csm.clone())]),
            average: false,
            utilisation: show(r.utilisation, &ValueFormat::Percent),
            tone: utilisation_tone(r.utilisation),
            cells: cells(r, &brief),
        })
        .collect();
    if !t.csms.is_empty() {
        rows.push(Row {
            label: "Team average".into(),
            href: None,
            average: true,
            utilisation: show(t.average.utilisation, &ValueFormat::Percent),
            tone: "",
            cells: cells(&t.average, &brief),
        });
    }
    let boards = LEADERBOARD
        .iter()
        .map(|(key, figure)| Board {
            title: match *key {
                "grr" => "Gross revenue retention",
                "expansion_won" => "Expansion won",
                _ => "Health change",
            },
            entries: team::ranked(&t.csms, figure)
                .into_iter()
                .filter(|r| figure(r).is_some())
                .take(5)
                .map(|r| {
                    let v = figure(r);
                    let shown = match *key {
                        "grr" => show(v, &ValueFormat::Percent),
                        "expansion_won" => v.map_or("—".into(), |v| brief.apply(v)),
                        _ => signed(v),
                    };
                    (human("csm", &r.csm), shown)
                })
                .collect(),
        })
        .collect();
    let moves = t
        .moves
        .iter()
        .map(|m| MoveRow {
            name: m.name.clone().unwrap_or_else(|| m.customer_id.clone()),
            href: view.link(
                &format!("/accounts/{}", urlencoding::encode(&m.customer_id)),
                &[],
            ),
            segment: human("segment", &m.segment),
            from: human("csm", &m.from),
            to: human("csm", &m.to),
            arr: brief.apply(m.arr),
        })
        .collect();
    let moved: Decimal = t.moves.iter().map(|m| m.arr).sum();
    let moves_summary = format!(
        "{} move{} of {} ARR in all.",
        t.moves.len(),
        if t.moves.len() == 1 { "" } else { "s" },
        money(Some(moved), &cur)
    );
    let short = t
        .short_of
        .iter()
        .map(|(s, n)| {
            format!(
                "{} is over capacity as a whole: no moves bring every CSM within target; it lacks {} CSM{}.",
                human("segment", s),
                n,
                if *n == 1 { "" } else { "s" }
            )
        })
        .collect();
    let moves_csv = (view.may_export && !t.moves.is_empty())
        .then(|| format!("/team/rebalancing.csv?{}", view.controls.query_string()));
    let history_heads = t
        .history
        .iter()
        .map(|(d, _, _)| d.format("%b %Y").to_string())
        .collect();
    let score = |v: &Option<Decimal>| v.map_or("—".into(), |h| ValueFormat::Score.apply(h));
    let mut history_rows: Vec<(String, Vec<String>, bool)> = t
        .csms
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                human("csm", &r.csm),
                t.history.iter().map(|(_, per, _)| score(&per[i])).collect(),
                false,
            )
        })
        .collect();
    if !t.csms.is_empty() {
        history_rows.push((
            "All their accounts".into(),
            t.history.iter().map(|(_, _, all)| score(all)).collect(),
            true,
        ));
    }
    let page = TeamPage {
        history_heads,
        history_rows,
        chrome: view.chrome.clone(),
        frame: Frame::new(&view, "Team", "/team"),
        kpis,
        rows,
        boards,
        has_capacity: !t.capacity.is_empty(),
        may_configure,
        moves,
        moves_summary,
        short,
        moves_csv,
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /team.json`: the API's team answer.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let (view, t) = open_view(state, Audience::Member(viewer), pairs).await?;
    Ok(export::json(t.to_json(&view.query)))
}

/// `GET /team.csv`: each CSM's book, then the team average.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    let (view, t) = open_view(state, Audience::Member(viewer), pairs).await?;
    let ratio = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Ratio);
    let number = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Number);
    let money = |v: Option<Decimal>| v.map_or(CellValue::Empty, CellValue::Money);
    let row = |name: &str, r: &CsmRow| {
        let mut cells = vec![
            CellValue::Text(name.to_string()),
            number(r.accounts),
            money(r.arr),
            ratio(r.utilisation),
            number(r.avg_health.map(|h| h.round_dp(1))),
            number(r.health_change.map(|h| h.round_dp(1))),
            number(r.at_risk_accounts),
            number(r.renewals_due_90d.1),
            money(r.renewals_due_90d.0),
        ];
        cells.extend(r.activities.iter().map(|a| number(a.1)));
        cells.extend([
            number(r.median_first_response_hours.map(|h| h.round_dp(2))),
            ratio(r.grr),
            ratio(r.nrr),
            money(r.expansion_won),
        ]);
        cells
    };
    let mut rows: Vec<Vec<CellValue>> = t.csms.iter().map(|r| row(&r.csm, r)).collect();
    if !t.csms.is_empty() {
        rows.push(row("team_average", &t.average));
    }
    let columns = [
        "csm",
        "accounts",
        "arr",
        "utilisation",
        "avg_health",
        "health_change",
        "at_risk_accounts",
        "renewals_due_90d",
        "renewals_due_90d_arr",
        "meetings",
        "emails",
        "calls",
        "tasks",
        "median_first_response_hours",
        "grr",
        "nrr",
        "expansion_won",
    ]
    .map(String::from)
    .to_vec();
    Ok((
        view,
        Table {
            name: "team",
            columns,
            rows,
        },
    ))
}

/// `GET /team/rebalancing.csv`: the recommended moves.
pub async fn rebalancing_csv(
    State(state): State<WebApp>,
    viewer: Viewer,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (view, t) = open_view(&state, Audience::Member(viewer), pairs).await?;
    let rows = t
        .moves
        .iter()
        .map(|m| {
            vec![
                CellValue::Text(m.customer_id.clone()),
                m.name.clone().map_or(CellValue::Empty, CellValue::Text),
                CellValue::Text(m.segment.clone()),
                CellValue::Text(m.from.clone()),
                CellValue::Text(m.to.clone()),
                CellValue::Money(m.arr),
            ]
        })
        .collect();
    let columns = ["customer_id", "name", "segment", "from", "to", "arr"]
        .map(String::from)
        .to_vec();
    let table = Table {
        name: "rebalancing",
        columns,
        rows,
    };
    export::csv(&state, &view, table).await
}

dashboard_page!(SPEC, render);
