//! What every dashboard page is built from: who is looking (a member or a
//! share link), the parsed `MetricQuery`, the controls, and the engine.

use super::controls::Controls;
use crate::WebApp;
use crate::{Chrome, PageError, Viewer};
use chrono::NaiveDate;
use quarterdeck_app::engines::{EngineRead, TenantEngine, settings_of};
use quarterdeck_app::metrics::targets::TenantTargets;
use quarterdeck_app::metrics::{Calendar, MetricQuery};
use quarterdeck_domain::Permission;
use quarterdeck_store::Tenant;
use std::collections::BTreeSet;

/// What a view declares once: where it lives, what it is called, who may
/// open it and which query parameters of its own it takes. Routes, the
/// navigation, share-link dispatch, permission checks and the `.json` /
/// `.csv` twins come from it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageSpec {
    /// The page's path, e.g. `/revenue`.
    pub path: &'static str,
    /// The window title.
    pub title: &'static str,
    /// Its label in the navigation.
    pub nav: &'static str,
    /// Who may open it.
    pub permission: Permission,
    /// Its own query parameters, besides range, compare and filters.
    pub extra: &'static [&'static str],
    /// The path its `.json` and `.csv` twins extend (`/summary` for `/`).
    pub twin: &'static str,
    /// Its KPI cards, in order: (metric, label); also the cards of its PDF.
    pub kpis: &'static [(&'static str, &'static str)],
}

/// Who is looking at a page.
#[derive(Debug, Clone)]
pub enum Audience {
    /// A signed-in member (their role decides what they may open).
    Member(Viewer),
    /// Anyone holding a share link, until `expires`.
    Shared { tenant: Tenant, expires: String },
}

/// A page's inputs, ready to render.
pub struct View {
    pub tenant: Tenant,
    pub chrome: Chrome,
    pub query: MetricQuery,
    pub controls: Controls,
    /// The tenant's engine, held only while the page computes (`engine()`);
    /// `blocking` lets go of it so an ingest never waits for a render.
    engine: Option<EngineRead>,
    /// The data version the page's numbers come from.
    pub version: quarterdeck_store::DataVersion,
    /// Whether numbers link to the rows behind them (not on share links).
    pub links: bool,
    /// The reporting currency code.
    pub currency: String,
    /// Today in the tenant's zone.
    pub today: NaiveDate,
    /// The page's path, e.g. `/revenue`.
    pub path: &'static str,
    /// The CSM whose accounts alone this viewer may see, if restricted.
    pub only_csm: Option<String>,
    /// Whether downloads are offered (members whose role allows exports).
    pub may_export: bool,
    /// Whether a "Share" action is offered.
    pub may_share: bool,
    /// Who is looking, for the audit log of exports.
    pub actor: quarterdeck_app::audit::Actor,
    /// KPI targets and the benchmark peer group set in Settings.
    pub targets: TenantTargets,
    /// The first day of revenue data, if there is any.
    pub data_starts: Option<NaiveDate>,
}

impl View {
    /// Refuses a download unless the viewer's role includes them.
    pub fn grant_export(&self) -> Result<(), PageError> {
        if self.may_export {
            return Ok(());
        }
        Err(PageError::Forbidden(format!(
            "Your role does not include downloads ({}).",
            Permission::Export.as_str()
        )))
    }

    /// Builds the view for `path` after checking `permission`; `extra` names
    /// the page's own query parameters.
    pub async fn open(
        state: &WebApp,
        audience: Audience,
        spec: &PageSpec,
        pairs: Vec<(String, String)>,
    ) -> Result<View, PageError> {
        let PageSpec {
            path,
            title,
            permission,
            extra,
            ..
        } = *spec;
        let (may_export, may_share, actor) = match &audience {
            Audience::Member(v) => (
                v.may(Permission::Export),
                v.may(Permission::ShareViews),
                v.actor(),
            ),
            Audience::Shared { .. } => (
                false,
                false,
                quarterdeck_app::audit::Actor {
                    name: "share".into(),
                    ip: None,
                },
            ),
        };
        let (tenant, only_csm) = match &audience {
            Audience::Member(viewer) => {
                viewer.grant(permission)?;
                (
                    viewer.tenant.clone(),
                    viewer.own_accounts_only().map(str::to_string),
                )
            }
            Audience::Shared { tenant, .. } => (tenant.clone(), None),
        };
        let settings = settings_of(&tenant);
        let today = state.clock.today_in(settings.time_zone);
        let controls = Controls::parse(&pairs, today, settings.fiscal_year_start_month, extra)?;
        let calendar = Calendar {
            today,
            fiscal_start: settings.fiscal_year_start_month,
        };
        let mut query = MetricQuery::parse(&controls.query_pairs(), calendar, extra)?;
        if let Some(csm) = &only_csm {
            // Row-level access: a CSM's every number covers their own accounts only.
            query.filter.csm = Some(BTreeSet::from([csm.clone()]));
        }
        // Store reads first: the engine's read lock is taken last and held briefly.
        let targets = TenantTargets::load(state.store.as_ref(), tenant.id).await?;
        let open_alerts =
            usize::try_from(state.store.count_open_alerts(tenant.id).await?).unwrap_or(0);
        let engine = state.engines.read(&tenant).await?;
        let data_starts = engine.data_starts();
        let controls = controls.with_values(engine.ledger.filter_values(), only_csm.is_some());
        let qs = controls.query_string();
        let (chrome, links) = match &audience {
            Audience::Member(viewer) => {
                let mut chrome = Chrome::new(viewer, title, path, &qs);
                chrome.set_open_alerts(open_alerts);
                (chrome, true)
            }
            Audience::Shared { expires, .. } => {
                let mut chrome = Chrome::new(&shared_signed_in(&tenant), title, path, &qs);
                chrome.shared = Some(expires.clone());
                chrome.nav.clear();
                chrome.admin_nav.clear();
                chrome.live = "0";
                (chrome, false)
            }
        };
        Ok(View {
            currency: tenant.currency.code().to_string(),
            tenant,
            chrome,
            query,
            controls,
            version: engine.version,
            engine: Some(engine),
            links,
            today,
            path,
            only_csm,
            may_export,
            may_share,
            actor,
            targets,
            data_starts,
        })
    }

    /// What the page says when its range lies outside the data: before the
    /// data starts, or running past today.
    pub fn range_notice(&self) -> Option<String> {
        let p = self.query.period;
        let starts = |d: NaiveDate| d.format("%b %-d, %Y").to_string();
        match self.data_starts {
            None => Some("No revenue data yet: send subscription events (API or CSV import) and the numbers appear here.".into()),
            Some(first) if p.to < first => Some(format!(
                "This range ends before the data starts ({}): there is nothing to show for it.",
                starts(first)
            )),
            Some(first) if p.from < first => Some(format!(
                "The data starts {}: the days before it count as no revenue.",
                starts(first)
            )),
            _ if p.to > self.today => Some(format!(
                "This range runs past today ({}): its last days have not happened, so its figures are partial.",
                starts(self.today)
            )),
            _ => None,
        }
    }

    /// The tenant's engine while the page computes.
    ///
    /// # Panics
    /// After `release_engine` (a page reading numbers after it computed them).
    pub fn engine(&self) -> &TenantEngine {
        self.engine
            .as_deref()
            .expect("the engine is read only while the page computes")
    }

    /// Takes the engine's read lock again, for a second computation after the
    /// first let it go (a page's document reads its cards after its table).
    pub async fn reacquire_engine(&mut self, state: &WebApp) -> Result<(), PageError> {
        let engine = state.engines.read(&self.tenant).await?;
        self.version = engine.version;
        self.engine = Some(engine);
        Ok(())
    }

    /// Lets go of the engine's read lock (the page has what it needs).
    pub fn release_engine(&mut self) {
        self.engine = None;
    }

    /// `href` with the view's query kept, or `None` on a share link.
    pub fn link(&self, path: &str, extra: &[(&str, String)]) -> Option<String> {
        self.links.then(|| self.controls.href(path, extra))
    }
}

/// A stand-in for the frame of a shared page (no person, no actions).
fn shared_signed_in(tenant: &Tenant) -> crate::SignedIn {
    crate::SignedIn {
        tenant: tenant.clone(),
        user_id: 0,
        email: String::new(),
        role: quarterdeck_domain::Role::Viewer,
        csm: None,
        mfa_enabled: true,
        csrf: String::new(),
        session_hash: String::new(),
        ip: String::new(),
    }
}
