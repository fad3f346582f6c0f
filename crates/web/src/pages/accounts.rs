//! Accounts: a sortable, filterable list, and one account's page with its
//! MRR history and movements.

use super::Pairs;
use super::export::{self, Table};
use super::frame::Frame;
use super::numbers::money;
use super::view::{Audience, PageSpec, View};
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::NaiveDate;
use quarterdeck_app::metrics::answers;
use quarterdeck_domain::Permission;
use quarterdeck_render::CellValue;
use quarterdeck_render::{DateAxis, LineChart, Palette, ValueFormat};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// The accounts list.
pub const SPEC: PageSpec = PageSpec {
    path: "/accounts",
    title: "Accounts",
    nav: "Accounts",
    permission: Permission::ViewAccounts,
    extra: &["sort", "cursor", "limit", "search", "paying", "health"],
    twin: "/accounts",
    kpis: &[],
};

/// One account (under the accounts list in the navigation).
pub const ACCOUNT: PageSpec = PageSpec {
    path: "/accounts",
    title: "Account",
    nav: "",
    permission: Permission::ViewAccounts,
    extra: &["interval"],
    twin: "",
    kpis: &[],
};
const COLUMNS: [(&str, &str, bool); 8] = [
    ("name", "Account", false),
    ("segment", "Segment", false),
    ("csm", "CSM", false),
    ("plan", "Plan", false),
    ("region", "Region", false),
    ("health", "Health", false),
    ("mrr", "MRR", true),
    ("arr", "ARR", true),
];

struct Row {
    name: String,
    href: Option<String>,
    /// The open balance past due on the day, if any ("Overdue" beside the name).
    overdue: Option<String>,
    /// The next renewal (term end of an annual or quarterly subscription), in words.
    renews: Option<String>,
    cells: Vec<String>,
    /// (score, band, badge tone) when the account is scored.
    health: Option<(u8, &'static str, &'static str)>,
    mrr: String,
    arr: String,
}

#[derive(Template)]
#[template(path = "page_accounts.html")]
struct AccountsPage {
    chrome: Chrome,
    frame: Frame,
    headers: Vec<(String, String, &'static str, bool)>,
    rows: Vec<Row>,
    total: u64,
    shown_from: usize,
    shown_to: usize,
    next: Option<String>,
    first: Option<String>,
    /// The day the list is read on, in words.
    as_of: String,
    /// What was searched for.
    search: String,
    /// Whether accounts without MRR are left out.
    paying_only: bool,
    /// The view's parameters the search form carries along.
    keep: Vec<(String, String)>,
    /// The health band the list is narrowed to, in words.
    band: Option<&'static str>,
}

/// The list shows paying accounts unless `paying=all` is asked for.
fn paying_by_default(mut pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    if !pairs.iter().any(|(k, v)| k == "paying" && !v.is_empty()) {
        pairs.push(("paying".into(), "only".into()));
    }
    pairs
}

pub use quarterdeck_engine::filter::human;

/// Renders the accounts list for any audience.
pub async fn render_list(
    state: &WebApp,
    audience: Audience,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, audience, &SPEC, paying_by_default(pairs)).await?;
    let (view, computed) = super::cached(state, view, "accounts", |v| {
        let q = &v.query;
        let ledger = &v.engine().ledger;
        let mut overdue: BTreeMap<String, Decimal> = BTreeMap::new();
        for o in ledger.overdue_invoices(q.period.to, &q.filter) {
            *overdue.entry(o.customer_id).or_default() += o.open_balance;
        }
        let accounts = answers::accounts_of(v.engine(), q);
        // Only the rows shown: renewals are read per account.
        let renewals: BTreeMap<String, NaiveDate> = accounts
            .iter()
            .flat_map(|a| &a.data)
            .filter_map(|r| Some((r.id.clone(), ledger.next_renewal(&r.id, q.period.to)?)))
            .collect();
        (accounts, overdue, renewals)
    })
    .await?;
    let (a, overdue, renewals) = computed.as_ref();
    let a = a
        .as_ref()
        .map_err(|e| quarterdeck_api::ApiError::from(e.clone()))?;
    let cur = view.currency.clone();
    let sort = view.query.extra("sort").unwrap_or("-mrr").to_string();
    let headers = COLUMNS
        .iter()
        .map(|(key, label, numeric)| {
            let (current, desc) = (sort.trim_start_matches('-') == *key, sort.starts_with('-'));
            let next_sort = if current && !desc || (!current && *numeric) {
                format!("-{key}")
            } else {
                key.to_string()
            };
            let aria = match (current, desc) {
                (false, _) => "none",
                (true, true) => "descending",
                (true, false) => "ascending",
            };
            (
                label.to_string(),
                view.controls
                    .href_same_page(
                        "/accounts",
                        &[("sort", next_sort), ("cursor", String::new())],
                    )
                    .replace("&cursor=", ""),
                aria,
                *numeric,
            )
        })
        .collect();
    let rows = a
        .data
        .iter()
        .map(|r| Row {
            name: r.name.clone().unwrap_or_else(|| r.id.clone()),
            href: view.link(&format!("/accounts/{}", urlencoding::encode(&r.id)), &[]),
            overdue: overdue.get(&r.id).map(|d| money(Some(*d), &cur)),
            renews: renewals
                .get(&r.id)
                .map(|d| d.format("%b %-d, %Y").to_string()),
            cells: ["segment", "csm", "plan", "region"]
                .iter()
                .map(|k| r.text(k).map_or("—".to_string(), |v| human(k, v)))
                .collect(),
            health: r
                .health
                .map(|(score, band)| (score, band.label(), super::kpi::band_tone(band))),
            mrr: money(Some(r.mrr), &cur),
            arr: money(Some(r.arr), &cur),
        })
        .collect::<Vec<_>>();
    let offset: usize = view
        .query
        .extra("cursor")
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let next = a.next_cursor.as_deref().map(|c| {
        view.controls
            .href_same_page("/accounts", &[("cursor", c.to_string())])
    });
    let first = (offset > 0).then(|| {
        view.controls
            .href_same_page("/accounts", &[("cursor", "0".into())])
    });
    let mut frame = Frame::new(&view, "Accounts", "/accounts");
    frame.controls.extra.retain(|(k, _)| k != "cursor");
    let search = view.query.extra("search").unwrap_or_default().to_string();
    let paying_only = view.query.extra("paying") != Some("all");
    let mut keep = view.controls.query_pairs();
    keep.retain(|(k, _)| !["search", "paying", "cursor"].contains(&k.as_str()));
    let page = AccountsPage {
        chrome: view.chrome.clone(),
        frame,
        headers,
        total: a.total as u64,
        shown_from: if rows.is_empty() { 0 } else { offset + 1 },
        shown_to: offset + rows.len(),
        rows,
        next,
        first,
        as_of: view.query.period.to.format("%b %-d, %Y").to_string(),
        search,
        paying_only,
        keep,
        band: view
            .query
            .extra("health")
            .and_then(quarterdeck_engine::health::Band::parse)
            .map(|b| b.label()),
    };
    Ok(Html(page.render()?).into_response())
}

/// `GET /accounts.json`: the same answer as `/api/v1/accounts`.
pub async fn json(
    state: &WebApp,
    viewer: Viewer,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    let (_, a) = super::blocking(view, |v| answers::accounts(v.engine(), &v.query)).await?;
    Ok(export::json(a.map_err(quarterdeck_api::ApiError::from)?))
}

/// `GET /accounts.csv`: every account the filters select, in the chosen order.
pub async fn table(
    state: &WebApp,
    viewer: Viewer,
    mut pairs: Vec<(String, String)>,
) -> Result<(View, Table), PageError> {
    pairs.retain(|(k, _)| k != "cursor" && k != "limit");
    let pairs = paying_by_default(pairs);
    let view = View::open(state, Audience::Member(viewer), &SPEC, pairs).await?;
    let (view, rows) = super::blocking(view, |v| {
        answers::sorted_accounts(v.engine(), &v.query, true)
    })
    .await?;
    let rows = rows?;
    let opt = |o: &Option<String>| o.clone().map_or(CellValue::Empty, CellValue::Text);
    let rows = rows
        .iter()
        .map(|a| {
            vec![
                CellValue::Text(a.customer_id.clone()),
                opt(&a.name),
                opt(&a.segment),
                opt(&a.csm),
                opt(&a.plan),
                opt(&a.region),
                // Cents, as the JSON twin and the API write them.
                CellValue::Money(quarterdeck_app::metrics::json::round_money(a.mrr)),
                CellValue::Money(quarterdeck_app::metrics::json::round_money(a.arr)),
            ]
        })
        .collect();
    let columns = [
        "id", "name", "segment", "csm", "plan", "region", "mrr", "arr",
    ]
    .map(String::from)
    .to_vec();
    let table = Table {
        name: "accounts",
        columns,
        rows,
    };
    Ok((view, table))
}

#[derive(Template)]
#[template(path = "page_account.html")]
struct AccountPage {
    chrome: Chrome,
    frame: Frame,
    facts: Vec<(String, String)>,
    history_svg: String,
    movements: Vec<(String, String, String)>,
    /// (id, issued, due, total, paid, open on the last day).
    invoices: Vec<(String, String, String, String, String, String)>,
    /// (id, plan, MRR, state) on the last day.
    subscriptions: Vec<(String, String, String, &'static str)>,
    health: Option<HealthCard>,
    plays: Vec<PlayRow>,
    /// Tickets and CSM touches of the last 90 days, in sentences.
    touch_words: Vec<String>,
    /// (close, type, stage, status, tone, ARR) of each opportunity, newest first.
    opportunities: Vec<OpportunityRow>,
    /// Whether the viewer may open and close save plays here.
    may_run_plays: bool,
    /// The form's post target.
    plays_action: String,
    /// The earliest target date a new play may take (today).
    today: String,
}

/// A save play as the account page lists it.
struct PlayRow {
    id: String,
    opened: String,
    owner: String,
    reason: String,
    target: String,
    /// "Open", "Saved", "Lost" or "Saved, then churned on …".
    status: String,
    tone: &'static str,
    open: bool,
}

/// The account's health on the page: its score and what made it.
struct HealthCard {
    score: u8,
    band: &'static str,
    tone: &'static str,
    trend: &'static str,
    as_of: String,
    /// (component, score, "40 × 30 % = 12.0", inputs in words).
    components: Vec<(&'static str, u8, String, String)>,
    history_svg: String,
}

/// A health input in words ("46 days past due").
fn input_words(key: &str, value: &str, currency: &str) -> String {
    let money_of = |v: &str| {
        v.parse::<Decimal>()
            .map_or(v.to_string(), |d| money(Some(d), currency))
    };
    match key {
        "oldest_overdue_days" if value == "0" => "nothing past due".into(),
        "oldest_overdue_days" => format!("oldest invoice {value} days past due"),
        "overdue_balance" => format!("{} overdue", money_of(value)),
        "failed_payments_90d" => format!("{value} failed payments in 90 days"),
        "events_30d" => format!("{value} usage events in 30 days"),
        "events_previous_30d" => format!("{value} in the 30 before"),
        "weighted_tickets_90d" => format!("{value} weighted tickets in 90 days"),
        "segment_mean_90d" => format!("segment mean {value}"),
        "days_since_csm_activity" => format!("{value} days since the last CSM touch"),
        "segment_usual_gap_days" => format!("segment's usual gap {value} days"),
        "margin_90d" => value.parse::<Decimal>().map_or("no revenue".into(), |m| {
            format!(
                "margin {} over 90 days",
                quarterdeck_render::format::percent(m, 1)
            )
        }),
        "costs_90d" => format!("{} costs", money_of(value)),
        _ => format!("{key} {value}"),
    }
}

/// Renders one account for any audience.
pub async fn render_one(
    state: &WebApp,
    audience: Audience,
    id: &str,
    pairs: Vec<(String, String)>,
) -> Result<Response, PageError> {
    let may_run_plays = matches!(&audience, Audience::Member(v) if v.may(Permission::RunSavePlays));
    let view = View::open(state, audience, &ACCOUNT, pairs).await?;
    let id_owned = id.to_string();
    let (view, a) = super::blocking(view, move |v| {
        // The history shows at least a year for context, whatever range led here.
        let mut q = v.query.clone();
        let year = quarterdeck_app::metrics::answers::last_twelve_months(q.period.to);
        if year.from < q.period.from {
            q.period = year;
        }
        let invoices = v
            .engine()
            .ledger
            .customer_invoices(&id_owned, v.query.period.to);
        let subscriptions = v
            .engine()
            .ledger
            .customer_subscriptions(&id_owned, v.query.period.to);
        let renews = v.engine().ledger.next_renewal(&id_owned, v.query.period.to);
        let overdue: Decimal = v
            .engine()
            .ledger
            .overdue_invoices(v.query.period.to, &v.query.filter)
            .into_iter()
            .filter(|o| o.customer_id == id_owned)
            .map(|o| o.open_balance)
            .sum();
        let health = quarterdeck_app::metrics::health::account_of(v.engine(), &v.query, &id_owned);
        let plays = play_rows(v.engine(), &id_owned, v.today);
        let touches = touches_of(
            v.engine(),
            &id_owned,
            v.query.period.to.min(v.today),
            &v.currency,
        );
        (
            answers::account_of(v.engine(), &q, &id_owned),
            (
                invoices,
                subscriptions,
                overdue,
                renews,
                health,
                plays,
                touches,
            ),
        )
    })
    .await?;
    let (a, (invoices, subscriptions, overdue, renews, health, plays, touches)) = a;
    let (touch_words, opportunities) = touches;
    let health = health.map_err(quarterdeck_api::ApiError::from)?;
    let subscriptions: Vec<(String, String, String, &'static str)> = subscriptions
        .into_iter()
        .map(|(id, plan, value, active)| {
            let state = if active { "active" } else { "ended" };
            (
                id,
                plan.unwrap_or_else(|| "—".into()),
                money(Some(value), &view.currency),
                state,
            )
        })
        .collect();
    let a = a
        .map_err(quarterdeck_api::ApiError::from)?
        .ok_or_else(|| PageError::NotFound("There is no such account.".into()))?;
    if let Some(csm) = &view.only_csm
        && a.line.csm.as_deref() != Some(csm.as_str())
    {
        // Row-level access: another CSM's account does not exist for this viewer.
        return Err(PageError::NotFound("There is no such account.".into()));
    }
    let cur = view.currency.clone();
    let name = a.line.name.clone().unwrap_or_else(|| id.to_string());
    // The same human labels as the accounts list ("Mid-market", "North America").
    let text = |k: &str| a.line.text(k).map_or("—".to_string(), |v| human(k, v));
    let facts = vec![
        ("MRR".to_string(), money(Some(a.line.mrr), &cur)),
        ("ARR".to_string(), money(Some(a.line.arr), &cur)),
        (
            "Overdue".to_string(),
            if overdue.is_zero() {
                "None".to_string()
            } else {
                money(Some(overdue), &cur)
            },
        ),
        (
            "Next renewal".to_string(),
            renews.map_or_else(|| "—".to_string(), |d| d.format("%b %-d, %Y").to_string()),
        ),
        ("Plan".to_string(), text("plan")),
        ("Segment".to_string(), text("segment")),
        ("CSM".to_string(), text("csm")),
        ("Region".to_string(), text("region")),
        ("Customer id".to_string(), id.to_string()),
    ];
    let points: Vec<(NaiveDate, Decimal)> = a.history.clone();
    let history_svg = super::screens::for_screens(&LineChart {
        id: "account-mrr".into(),
        title: format!("MRR of {name}"),
        description: "MRR by month, at least the last twelve months".to_string(),
        width: 760,
        height: 240,
        points,
        forecast: Vec::new(),
        format: ValueFormat::MoneyCompact {
            currency: cur.clone(),
        },
        palette: Palette::light(),
        axis: DateAxis::Auto,
        in_progress_from: Some(view.today),
    });
    let movements = a
        .movements
        .iter()
        .map(|(date, kind, amount)| (date.to_string(), kind.clone(), money(Some(*amount), &cur)))
        .collect();
    let mut frame = Frame::new(&view, &name, "/accounts");
    frame.actions.retain(|(l, _)| l == "Share");
    frame.view_path = format!("/accounts/{}", urlencoding::encode(id));
    frame.crumbs = vec![
        ("Accounts".into(), view.link("/accounts", &[])),
        (name, None),
    ];
    let invoices = invoices
        .iter()
        .take(100)
        .map(|i| {
            let paid: rust_decimal::Decimal = i.payments.iter().map(|p| p.1).sum();
            let last_payment = i.payments.last().map_or(String::new(), |p| p.0.to_string());
            (
                i.invoice_id.clone(),
                i.issued.to_string(),
                i.due.to_string(),
                money(Some(i.total), &cur),
                format!(
                    "{}{}",
                    money(Some(paid), &cur),
                    if last_payment.is_empty() {
                        String::new()
                    } else {
                        format!(" (last {last_payment})")
                    }
                ),
                i.open
                    .map_or_else(|| "void".to_string(), |o| money(Some(o), &cur)),
            )
        })
        .collect();
    let health = health.map(|h| {
        use quarterdeck_engine::health::Trend;
        let components = h
            .health
            .components
            .iter()
            .map(|c| {
                (
                    c.kind.label(),
                    c.score,
                    format!(
                        "{} × {} = {}",
                        c.score,
                        quarterdeck_render::format::percent(c.weight, 1),
                        c.contribution.round_dp(1).normalize()
                    ),
                    c.inputs
                        .iter()
                        .map(|(k, v)| input_words(k, v, &cur))
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            })
            .collect();
        let history_svg = super::screens::for_screens(&LineChart {
            id: "account-health".into(),
            title: "Health score by month end".into(),
            description: "The account's health score (0–100) at each month end, last twelve months"
                .into(),
            width: 760,
            height: 200,
            points: h
                .history
                .iter()
                .filter_map(|(d, s)| Some((*d, Decimal::from((*s)?))))
                .collect(),
            forecast: Vec::new(),
            format: ValueFormat::Score,
            palette: Palette::light(),
            axis: DateAxis::Months,
            in_progress_from: None,
        });
        HealthCard {
            score: h.health.score,
            band: h.health.band.label(),
            tone: super::kpi::band_tone(h.health.band),
            trend: match h.trend {
                Trend::Improving => "improving over 30 days",
                Trend::Stable => "stable over 30 days",
                Trend::Declining => "declining over 30 days",
            },
            as_of: h.health.day.format("%b %-d, %Y").to_string(),
            components,
            history_svg,
        }
    });
    let page = AccountPage {
        chrome: view.chrome.clone(),
        frame,
        facts,
        history_svg,
        movements,
        invoices,
        subscriptions,
        health,
        plays,
        touch_words,
        opportunities,
        may_run_plays,
        plays_action: format!("/accounts/{}/save-plays", urlencoding::encode(id)),
        today: view.today.to_string(),
    };
    Ok(Html(page.render()?).into_response())
}

/// An opportunity as the account page lists it: (close, type, stage, status, tone, ARR).
type OpportunityRow = (String, String, String, &'static str, &'static str, String);

/// The account's tickets and CSM touches over the 90 days ending `day`, in
/// sentences, and its opportunities, newest first.
fn touches_of(
    e: &quarterdeck_app::engines::TenantEngine,
    id: &str,
    day: chrono::NaiveDate,
    currency: &str,
) -> (Vec<String>, Vec<OpportunityRow>) {
    use quarterdeck_domain::records::OpportunityStatus;
    use quarterdeck_engine::signals::dated_in;
    let Some(sig) = e.ledger.customer_signals(id) else {
        return (
            vec!["No tickets, CSM activities or opportunities recorded.".into()],
            Vec::new(),
        );
    };
    let from = day - chrono::Duration::days(89);
    let fmt = |d: chrono::NaiveDate| d.format("%b %-d, %Y").to_string();
    let mut words = Vec::new();
    let tickets = dated_in(&sig.tickets, |t| t.0, from, day);
    let urgent = tickets.iter().filter(|t| t.1 >= 4).count();
    // Counted as the Team page counts a CSM's book.
    let book = e.ledger.book_of(
        id,
        quarterdeck_engine::Period::new(from, day).expect("ordered"),
    );
    let median = book
        .median_first_response_hours()
        .map(|h| format!("; median first response {} h", h.round_dp(1).normalize()));
    words.push(match tickets.last() {
        None => "No ticket in the last 90 days.".to_string(),
        Some(last) => format!(
            "{} ticket{} in the last 90 days ({} high or urgent), the latest on {}{}.",
            tickets.len(),
            if tickets.len() == 1 { "" } else { "s" },
            urgent,
            fmt(last.0),
            median.unwrap_or_default()
        ),
    });
    let touches = dated_in(&sig.activities, |a| a.0, from, day);
    let by_kind: Vec<String> = book
        .activities_by_kind()
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| {
            let name = quarterdeck_app::metrics::team::activity_key(*k);
            format!("{n} {name}{}", if *n == 1 { "" } else { "s" })
        })
        .collect();
    let last_touch = dated_in(&sig.activities, |a| a.0, chrono::NaiveDate::MIN, day).last();
    words.push(match last_touch {
        None => "No CSM activity recorded.".to_string(),
        Some(a) if touches.is_empty() => format!(
            "No CSM activity in the last 90 days; the last on {}.",
            fmt(a.0)
        ),
        Some(a) => format!(
            "CSM activity in the last 90 days: {}; the last on {}.",
            by_kind.join(", "),
            fmt(a.0)
        ),
    });
    let opportunities = sig
        .opportunities
        .iter()
        .rev()
        .map(|o| {
            let (status, tone) = match o.status {
                OpportunityStatus::Open => ("open", "warn"),
                OpportunityStatus::Won => ("won", "good"),
                OpportunityStatus::Lost => ("lost", "bad"),
            };
            let code = o
                .currency
                .map_or(currency.to_string(), |c| c.code().to_string());
            (
                fmt(o.close),
                super::expansion::type_label(quarterdeck_engine::expansion::type_key(o.kind)),
                o.stage.clone(),
                status,
                tone,
                quarterdeck_render::format::money(o.amount, &code),
            )
        })
        .collect();
    (words, opportunities)
}

/// The account's save plays, newest first, with their outcomes today.
fn play_rows(
    e: &quarterdeck_app::engines::TenantEngine,
    id: &str,
    today: chrono::NaiveDate,
) -> Vec<PlayRow> {
    use quarterdeck_engine::team::Outcome;
    let all_time = quarterdeck_engine::Period::new(chrono::NaiveDate::MIN, today).expect("ordered");
    let day = |d: chrono::NaiveDate| d.format("%b %-d, %Y").to_string();
    let outcomes: std::collections::HashMap<&str, Outcome> = e
        .ledger
        .customer_plays(id, all_time)
        .into_iter()
        .map(|r| (r.play.id.as_str(), r.outcome))
        .collect();
    e.ledger
        .plays_of(id)
        .iter()
        .rev()
        .map(|p| {
            let outcome = outcomes.get(p.id.as_str()).copied();
            let (status, tone) = match outcome {
                Some(Outcome::Open) | None if p.closed.is_none() => ("Open".to_string(), "warn"),
                Some(Outcome::Saved) => (
                    format!("Saved on {}", p.closed.map(day).unwrap_or_default()),
                    "good",
                ),
                Some(Outcome::ChurnedAfterSave(d)) => (
                    format!("Saved, then churned on {} (counts as lost)", day(d)),
                    "bad",
                ),
                _ => (
                    format!("Lost on {}", p.closed.map(day).unwrap_or_default()),
                    "bad",
                ),
            };
            PlayRow {
                id: p.id.clone(),
                opened: day(p.opened),
                owner: human("csm", &p.owner),
                reason: p.reason.clone().unwrap_or_else(|| "—".into()),
                target: p.target.map_or("—".into(), day),
                status,
                tone,
                open: p.closed.is_none(),
            }
        })
        .collect()
}

/// `POST /accounts/{id}/save-plays`: opens a save play on the account
/// (reason, target date) or closes an open one as saved or lost, through
/// the same ingestion as the API (validated, stored, audit-logged).
pub async fn save_play(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(id): Path<String>,
    axum::extract::Form(form): axum::extract::Form<std::collections::HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::RunSavePlays)?;
    let field = |k: &str| {
        form.get(k)
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    viewer.check_csrf(&field("csrf"))?;
    let tenant = grant.tenant().clone();
    let zone = quarterdeck_app::engines::settings_of(&tenant).time_zone;
    let today = state.clock.today_in(zone);
    let row = {
        let engine = state.engines.read(&tenant).await?;
        let l = &engine.ledger;
        let slot = l
            .slot_number(&id)
            .ok_or_else(|| PageError::NotFound("No such account.".into()))?;
        // Row-level access: a CSM acts on their own accounts only.
        if let Some(csm) = viewer.own_accounts_only()
            && l.customer_ref(slot).csm != Some(csm)
        {
            return Err(PageError::NotFound("No such account.".into()));
        }
        match field("action").as_str() {
            "open" => {
                let mut row = serde_json::json!({
                    "id": format!("play_{:08x}", rand::random::<u32>()),
                    "customer_id": id,
                    "owner": viewer.csm.clone().unwrap_or_else(|| viewer.email.clone()),
                    "opened_at": today.to_string(),
                    "status": "open",
                });
                let reason = field("reason");
                if !reason.is_empty() {
                    row["reason"] = reason.into();
                }
                let target = field("target_date");
                if !target.is_empty() {
                    row["target_date"] = target.into();
                }
                row
            }
            "saved" | "lost" => {
                let play = l
                    .plays_of(&id)
                    .iter()
                    .find(|p| p.id == field("play") && p.closed.is_none())
                    .ok_or_else(|| {
                        PageError::BadRequest("That play is not open on this account (it may have been closed already).".into())
                    })?;
                let mut row = serde_json::json!({
                    "id": play.id,
                    "customer_id": id,
                    "owner": play.owner,
                    "opened_at": play.opened.to_string(),
                    "status": field("action"),
                    "closed_at": today.max(play.opened).to_string(),
                });
                if let Some(r) = &play.reason {
                    row["reason"] = r.clone().into();
                }
                if let Some(t) = play.target {
                    row["target_date"] = t.to_string().into();
                }
                row
            }
            other => {
                return Err(PageError::BadRequest(format!(
                    "Unknown save-play action `{other}`: open, saved or lost."
                )));
            }
        }
    };
    match quarterdeck_app::ingest::ingest(
        &state,
        tenant.id,
        quarterdeck_domain::Collection::SavePlays,
        std::slice::from_ref(&row),
    )
    .await
    {
        Ok(_) => {}
        Err(quarterdeck_app::ingest::IngestError::Invalid(errors)) => {
            let said: Vec<String> = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect();
            return Err(PageError::BadRequest(format!(
                "The save play was not saved: {}.",
                said.join("; ")
            )));
        }
        Err(e) => return Err(PageError::Internal(e.to_string())),
    }
    quarterdeck_app::audit::record(
        state.store.as_ref(),
        Some(tenant.id),
        &viewer.actor(),
        if field("action") == "open" {
            "save_play.open"
        } else {
            "save_play.close"
        },
        Some(row["id"].as_str().unwrap_or_default().to_string()),
        Some(row.to_string()),
    )
    .await?;
    Ok(axum::response::Redirect::to(&format!(
        "/accounts/{}#panel-plays",
        urlencoding::encode(&id)
    ))
    .into_response())
}

/// `GET /accounts/{id}`.
pub async fn one(
    State(state): State<WebApp>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(pairs): Pairs,
) -> Result<Response, PageError> {
    render_one(&state, Audience::Member(viewer), &id, pairs).await
}

dashboard_page!(SPEC, render_list);

#[cfg(test)]
mod tests {
    use super::human;

    #[test]
    fn codes_read_as_words() {
        assert_eq!(human("segment", "mid_market"), "Mid-market");
        assert_eq!(human("segment", "smb"), "SMB");
        assert_eq!(human("region", "emea"), "EMEA");
        assert_eq!(human("region", "na"), "North America");
        assert_eq!(human("csm", "ana"), "Ana");
        assert_eq!(human("plan", "business"), "Business");
        assert_eq!(human("csm", "Dana Lee"), "Dana Lee");
    }
}
