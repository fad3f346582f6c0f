//! Tenant settings: naming, currency, zone, fiscal year, metric options, MFA rule.

use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use askama::Template;
use axum::Router;
use axum::extract::{Form, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use quarterdeck_app::admin::{self, AdminError, TenantChanges};
use quarterdeck_app::metrics::targets::{self, TenantTargets};
use quarterdeck_app::metrics::{expansion, team};
use quarterdeck_domain::HealthSettings;
use quarterdeck_domain::{Permission, Role};
use quarterdeck_engine::benchmarks::PeerGroup;
use quarterdeck_engine::health::{ComponentKind, Scoring};
use quarterdeck_engine::team::Capacity;
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

pub(super) fn routes() -> Router<WebApp> {
    Router::new()
        .route("/admin/settings", get(show).post(save))
        .route("/admin/settings/targets", axum::routing::post(save_targets))
        .route("/admin/settings/health", axum::routing::post(save_health))
        .route(
            "/admin/settings/capacity",
            axum::routing::post(save_capacity),
        )
        .route("/admin/settings/stages", axum::routing::post(save_stages))
}

/// Whether a KPI's values are typed as percentages (ratios are).
fn in_percent(metric: &str) -> bool {
    metric == quarterdeck_app::metrics::renewals::METRIC
        || quarterdeck_engine::catalogue::metric(metric)
            .is_some_and(|m| m.unit == quarterdeck_engine::catalogue::Unit::Ratio)
}

/// A target value as it is typed in its row: percentages for ratios.
fn typed(metric: &str, value: rust_decimal::Decimal) -> String {
    if in_percent(metric) {
        crate::percent::show(value)
    } else {
        value.normalize().to_string()
    }
}

/// KPIs that take a target, with how their values are written.
const TARGET_METRICS: [(&str, &str); 11] = [
    ("mrr", "MRR (money)"),
    ("net_new_mrr", "Net new MRR (money)"),
    (
        "customer_churn_rate",
        "Customer churn rate (%, lower is better)",
    ),
    ("nrr", "NRR, 12 months (%)"),
    ("grr", "GRR, 12 months (%)"),
    ("gross_margin", "Gross margin (%)"),
    ("quick_ratio", "Quick ratio"),
    ("ltv", "LTV (money)"),
    ("ar_overdue", "AR overdue (money, lower is better)"),
    (
        quarterdeck_app::metrics::renewals::METRIC,
        "Forecast renewal rate (%; default 90)",
    ),
    (
        quarterdeck_app::metrics::expansion::METRIC,
        "Expansion ARR won in the period (money)",
    ),
];

#[derive(Template)]
#[template(path = "admin_settings.html")]
struct SettingsPage {
    chrome: Chrome,
    name: String,
    currency: String,
    timezone: String,
    fiscal_year_start: u32,
    delinquency_days: String,
    gross_margin: String,
    /// (value, label, required) of each role for the two-factor rule.
    mfa_roles: Vec<(&'static str, &'static str, bool)>,
    /// (metric, label, good, bad) for the targets form.
    targets: Vec<(&'static str, &'static str, String, String)>,
    /// Per row: the target in force when the row is left empty, as
    /// placeholders (good, bad) and in words.
    in_force: Vec<(String, String, String)>,
    /// (key, label, chosen) of each benchmark peer group, after "by ACV".
    peer_groups: Vec<(&'static str, &'static str, bool)>,
    /// Whether no peer group is chosen (by the tenant's ACV).
    peer_group_auto: bool,
    /// (key, label, weight in percent, what it reads) of each health component.
    health_weights: Vec<(&'static str, &'static str, String, &'static str)>,
    healthy_from: u8,
    critical_below: u8,
    /// (segment, label, target accounts, target ARR) per segment.
    capacity: Vec<(String, String, String, String)>,
    /// (stage, its default win probability in percent) of each open expansion stage.
    stages: Vec<(String, String)>,
    message: Option<String>,
}

async fn page(
    state: &WebApp,
    viewer: &Viewer,
    message: Option<String>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    let set = TenantTargets::load(state.store.as_ref(), grant.tenant().id).await?;
    let own = &set.own;
    let targets = TARGET_METRICS
        .iter()
        .map(|(m, label)| {
            // Only the tenant's own: an empty row means "benchmark or built-in".
            let t = own.get(*m).copied();
            (
                *m,
                *label,
                t.map(|t| typed(m, t.good)).unwrap_or_default(),
                t.map(|t| typed(m, t.bad)).unwrap_or_default(),
            )
        })
        .collect();
    let store = state.store.as_ref();
    let capacity_set = team::load_capacity(store, grant.tenant().id).await?;
    let mut segments: std::collections::BTreeSet<String> = capacity_set.keys().cloned().collect();
    let stage_set = expansion::load_stage_probabilities(store, grant.tenant().id).await?;
    let mut stage_names: std::collections::BTreeSet<String> = stage_set.keys().cloned().collect();
    // What an empty row means today: the benchmark of the peer group (by last
    // month's ACV unless one is chosen), else the built-in target.
    let summary = {
        let calendar = state.calendar_of(grant.tenant());
        let month = quarterdeck_app::metrics::query::preset_range(
            quarterdeck_app::metrics::query::DEFAULT_PRESET,
            calendar,
        )
        .ok_or_else(|| PageError::Internal("no last month".into()))?;
        let pairs = [
            ("from".to_string(), month.from.to_string()),
            ("to".to_string(), month.to.to_string()),
        ];
        let query = quarterdeck_app::metrics::MetricQuery::parse(&pairs, calendar, &[])
            .map_err(|e| PageError::Internal(format!("{e:?}")))?;
        let engine = state.engines.read(grant.tenant()).await?;
        segments.extend(engine.ledger.filter_values().segment);
        stage_names.extend(
            engine
                .ledger
                .expansion(query.period, &Default::default(), &Default::default())
                .by_stage
                .into_keys(),
        );
        quarterdeck_app::metrics::answers::summary_of(&engine, &query)
    };
    let currency = grant.tenant().currency.code().to_string();
    let no_own = TenantTargets {
        own: Default::default(),
        peer_group: set.peer_group,
    };
    let in_force = TARGET_METRICS
        .iter()
        .map(
            |(m, _)| match targets::aim(&no_own, m, &summary, &currency) {
                Some(a) => (
                    typed(m, a.target.good),
                    typed(m, a.target.bad),
                    if own.contains_key(*m) {
                        format!("yours; empty: {}", a.short)
                    } else {
                        a.short
                    },
                ),
                // The renewal rate's target is not a catalogue metric's: it
                // has its own default (renewals::DEFAULT_TARGET).
                None if *m == quarterdeck_app::metrics::renewals::METRIC => {
                    let d = quarterdeck_app::metrics::renewals::DEFAULT_TARGET;
                    let shown = crate::percent::show(d);
                    (shown.clone(), String::new(), format!("default {shown} %"))
                }
                None => (String::new(), String::new(), "none".to_string()),
            },
        )
        .collect();
    let chosen = set.peer_group;
    let t = grant.tenant();
    let mut chrome = Chrome::new(viewer, "Settings", "/admin/settings", "");
    if message.is_none() {
        chrome.flash = None;
    }
    let page = SettingsPage {
        chrome,
        name: t.name.clone(),
        currency: t.currency.code().to_string(),
        timezone: t.timezone.clone(),
        fiscal_year_start: t.fiscal_year_start,
        delinquency_days: t
            .options
            .delinquency_days
            .map(|d| d.to_string())
            .unwrap_or_default(),
        gross_margin: t
            .options
            .gross_margin
            .map(crate::percent::show)
            .unwrap_or_default(),
        targets,
        in_force,
        peer_groups: PeerGroup::ALL
            .iter()
            .map(|g| (g.key(), g.label(), chosen == Some(*g)))
            .collect(),
        peer_group_auto: chosen.is_none(),
        health_weights: {
            let h = t.options.health.clone().unwrap_or_default();
            ComponentKind::ALL
                .iter()
                .map(|k| {
                    (
                        k.key(),
                        k.label(),
                        crate::percent::show(h.weight(*k)),
                        component_reads(*k),
                    )
                })
                .collect()
        },
        healthy_from: t.options.health.clone().unwrap_or_default().healthy_from,
        critical_below: t.options.health.clone().unwrap_or_default().critical_below,
        stages: stage_names
            .into_iter()
            .map(|st| {
                let p = stage_set
                    .get(&st)
                    .map(|p| crate::percent::show(*p))
                    .unwrap_or_default();
                (st, p)
            })
            .collect(),
        capacity: segments
            .into_iter()
            .map(|seg| {
                let c = capacity_set.get(&seg).copied().unwrap_or_default();
                (
                    seg.clone(),
                    quarterdeck_engine::filter::human("segment", &seg),
                    c.accounts.map(|a| a.to_string()).unwrap_or_default(),
                    c.arr.map(|a| a.normalize().to_string()).unwrap_or_default(),
                )
            })
            .collect(),
        mfa_roles: Role::ALL
            .iter()
            .map(|r| (r.as_str(), r.label(), t.options.mfa_required_for(*r)))
            .collect(),
        message,
    };
    Ok(Html(page.render()?).into_response())
}

async fn show(State(state): State<WebApp>, viewer: Viewer) -> Result<Response, PageError> {
    page(&state, &viewer, None).await
}

async fn save(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let field = |k: &str| form.get(k).map(|v| v.trim().to_string());
    let delinquency_days = match field("delinquency_days").as_deref() {
        None | Some("") | Some("off") => None,
        Some(d) => match d.parse::<u32>() {
            Ok(d) => Some(d),
            Err(_) => {
                return page(
                    &state,
                    &viewer,
                    Some(format!(
                        "Delinquency days must be a whole number of days, not `{d}`."
                    )),
                )
                .await;
            }
        },
    };
    let fiscal_year_start = match field("fiscal_year_start").map(|v| v.parse::<u32>()) {
        Some(Ok(m)) => Some(m),
        Some(Err(_)) => {
            return page(
                &state,
                &viewer,
                Some("The fiscal year start is a month from 1 to 12.".into()),
            )
            .await;
        }
        None => None,
    };
    // Typed as a percentage (80 = 80 %), kept as a fraction.
    let gross_margin = match field("gross_margin").filter(|m| !m.is_empty()) {
        None => None,
        Some(m) => match crate::percent::parse(&m) {
            Ok(f) => Some(f.to_string()),
            Err(e) => {
                return page(&state, &viewer, Some(format!("Gross margin: {e}."))).await;
            }
        },
    };
    let changes = TenantChanges {
        name: field("name"),
        currency: field("currency").map(|c| c.to_ascii_uppercase()),
        timezone: field("timezone"),
        fiscal_year_start,
        delinquency_days: Some(delinquency_days),
        gross_margin,
        health: None,
        mfa_roles: Some(
            Role::ALL
                .into_iter()
                .filter(|r| form.contains_key(&format!("mfa_{}", r.as_str())))
                .collect(),
        ),
    };
    apply(&state, &viewer, &grant, &changes, "/admin/settings").await
}

async fn save_targets(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let mut targets = std::collections::BTreeMap::new();
    for (m, label) in TARGET_METRICS {
        let get = |k: &str| {
            form.get(&format!("{m}_{k}"))
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let (good, bad) = (get("good"), get("bad"));
        if good.is_empty() && bad.is_empty() {
            continue;
        }
        let number = |v: &str| {
            if in_percent(m) {
                crate::percent::parse(v).ok()
            } else {
                v.replace(',', "").parse().ok()
            }
        };
        let (Some(good), Some(bad)) = (number(&good), number(&bad)) else {
            return page(&state, &viewer, Some(format!("{label}: give both the on-target and the off-target value as numbers, or neither."))).await;
        };
        if good == bad {
            return page(&state, &viewer, Some(format!("{label}: the two values must differ (which one is higher says which way is good)."))).await;
        }
        targets.insert(
            m.to_string(),
            quarterdeck_domain::tenancy::Target { good, bad },
        );
    }
    let json = serde_json::to_string(&targets).expect("targets serialise");
    state
        .store
        .set_config(grant.tenant().id, targets::TARGETS, &json)
        .await?;
    // The benchmark peer group: one of the shipped ones, or "" for by ACV.
    let group = form.get("peer_group").map(|v| v.trim()).unwrap_or_default();
    if !group.is_empty() && PeerGroup::parse(group).is_none() {
        return page(
            &state,
            &viewer,
            Some(format!("`{group}` is not a benchmark peer group.")),
        )
        .await;
    }
    state
        .store
        .set_config(grant.tenant().id, targets::PEER_GROUP, group)
        .await?;
    saved(&state, &viewer, &grant, "settings.targets", json, "").await
}

/// What a health component reads, for the settings table.
fn component_reads(kind: ComponentKind) -> &'static str {
    match kind {
        ComponentKind::Payment => "invoices past due, failed payments",
        ComponentKind::Usage => "usage events, last 30 days against the 30 before",
        ComponentKind::Support => "tickets by priority against the segment's mean",
        ComponentKind::Engagement => "days since the last CSM activity",
        ComponentKind::Profitability => "margin over 90 days",
    }
}

async fn save_health(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<HashMap<String, String>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(form.get("csrf").map_or("", String::as_str))?;
    let field = |k: &str| form.get(k).map(|v| v.trim()).unwrap_or_default();
    let parsed = (|| -> Result<HealthSettings, String> {
        let mut h = HealthSettings::default();
        for kind in ComponentKind::ALL {
            let typed = field(&format!("w_{}", kind.key()));
            let w = crate::percent::parse(typed)
                .map_err(|e| format!("{} weight: {e}", kind.label()))?;
            match kind {
                ComponentKind::Payment => h.payment = w,
                ComponentKind::Usage => h.usage = w,
                ComponentKind::Support => h.support = w,
                ComponentKind::Engagement => h.engagement = w,
                ComponentKind::Profitability => h.profitability = w,
            }
        }
        let score = |k: &str, label: &str| {
            field(k)
                .parse::<u8>()
                .ok()
                .filter(|v| *v <= 100)
                .ok_or_else(|| format!("{label}: a whole score from 0 to 100, not `{}`", field(k)))
        };
        h.healthy_from = score("healthy_from", "Healthy from")?;
        h.critical_below = score("critical_below", "Critical below")?;
        Ok(h)
    })();
    let health = match parsed {
        Ok(h) => h,
        Err(m) => return page(&state, &viewer, Some(m)).await,
    };
    let changes = TenantChanges {
        health: Some(health),
        ..TenantChanges::default()
    };
    apply(
        &state,
        &viewer,
        &grant,
        &changes,
        "/admin/settings#health-settings",
    )
    .await
}

/// A form's value for `name`, trimmed ("" when absent).
fn form_value(form: &[(String, String)], name: &str) -> String {
    form.iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default()
}

/// The keys a table form lists in hidden `name` fields (segments, stages).
fn listed<'a>(form: &'a [(String, String)], name: &str) -> impl Iterator<Item = &'a String> {
    form.iter().filter(move |(n, _)| n == name).map(|(_, v)| v)
}

/// Reads the capacity table: per segment, target accounts (a whole number
/// above 0) and target ARR (an amount above 0); a segment left empty has none.
fn capacity_of(form: &[(String, String)]) -> Result<BTreeMap<String, Capacity>, String> {
    let mut out = BTreeMap::new();
    for segment in listed(form, "segment") {
        let label = quarterdeck_engine::filter::human("segment", segment);
        let accounts = form_value(form, &format!("accounts_{segment}"));
        let arr = form_value(form, &format!("arr_{segment}")).replace(',', "");
        let accounts = match accounts.as_str() {
            "" => None,
            a => Some(a.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
                format!("{label}: target accounts per CSM is a whole number above 0, not `{a}`.")
            })?),
        };
        let arr = match arr.as_str() {
            "" => None,
            a => Some(
                a.parse::<Decimal>()
                    .ok()
                    .filter(|v| *v > Decimal::ZERO)
                    .ok_or_else(|| {
                        format!("{label}: target ARR per CSM is an amount above 0, not `{a}`.")
                    })?,
            ),
        };
        if accounts.is_some() || arr.is_some() {
            out.insert(segment.clone(), Capacity { accounts, arr });
        }
    }
    Ok(out)
}

/// Reads the stage table: a win probability in percent, 0 to 100, per stage;
/// a stage left empty falls back to 50 %.
fn stages_of(form: &[(String, String)]) -> Result<BTreeMap<String, Decimal>, String> {
    let mut out = BTreeMap::new();
    for stage in listed(form, "stage") {
        let typed = form_value(form, &format!("p_{stage}"));
        if typed.is_empty() {
            continue;
        }
        let p = crate::percent::parse(&typed)
            .ok()
            .filter(|p| (Decimal::ZERO..=Decimal::ONE).contains(p))
            .ok_or_else(|| {
                format!("Stage {stage}: a probability from 0 to 100 %, not `{typed}`.")
            })?;
        out.insert(stage.clone(), p);
    }
    Ok(out)
}

/// Saves CSM capacity targets (audit-logged).
async fn save_capacity(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(&form_value(&form, "csrf"))?;
    let targets = match capacity_of(&form) {
        Ok(t) => t,
        Err(m) => return page(&state, &viewer, Some(m)).await,
    };
    let doc = team::store_capacity(state.store.as_ref(), grant.tenant().id, &targets).await?;
    saved(
        &state,
        &viewer,
        &grant,
        "settings.capacity",
        doc,
        "#capacity",
    )
    .await
}

/// Saves the default win probability of each expansion stage (audit-logged).
async fn save_stages(
    State(state): State<WebApp>,
    viewer: Viewer,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let grant = viewer.grant(Permission::ManageSettings)?;
    viewer.check_csrf(&form_value(&form, "csrf"))?;
    let stages = match stages_of(&form) {
        Ok(s) => s,
        Err(m) => return page(&state, &viewer, Some(m)).await,
    };
    let doc =
        expansion::store_stage_probabilities(state.store.as_ref(), grant.tenant().id, &stages)
            .await?;
    saved(&state, &viewer, &grant, "settings.stages", doc, "#stages").await
}

/// Records a saved settings document in the audit log and goes back to
/// its section of the page.
async fn saved(
    state: &WebApp,
    viewer: &Viewer,
    grant: &crate::session::Grant,
    action: &str,
    doc: String,
    anchor: &str,
) -> Result<Response, PageError> {
    quarterdeck_app::audit::record(
        state.store.as_ref(),
        Some(grant.tenant().id),
        &viewer.actor(),
        action,
        None,
        Some(doc),
    )
    .await?;
    Ok(Redirect::to(&format!("/admin/settings{anchor}")).into_response())
}

/// Applies tenant changes from a settings form: back to `then` when they
/// hold, else the page again saying what is wrong.
async fn apply(
    state: &WebApp,
    viewer: &Viewer,
    grant: &crate::session::Grant,
    changes: &TenantChanges,
    then: &str,
) -> Result<Response, PageError> {
    let slug = &grant.tenant().slug;
    match admin::update_tenant(state.store.as_ref(), slug, changes, &viewer.actor()).await {
        Ok(_) => Ok(Redirect::to(then).into_response()),
        Err(AdminError::Invalid(m)) => page(state, viewer, Some(m)).await,
        Err(AdminError::Store(e)) => Err(e.into()),
    }
}
