//! The per-tenant metric engines this process holds in memory.
//!
//! The store is the truth; an engine is a cache of it tagged with the tenant's
//! data version. A read first asks the store for the version (one indexed
//! lookup): if another process or replica changed the data, the engine is
//! rebuilt before answering, so every read reflects every accepted write.
//! Writes made here are applied incrementally when the engine is exactly one
//! version behind; otherwise the next read rebuilds. A rebuild is done aside
//! and swapped in whole, so no reader ever sees a half-built engine.

use crate::memo::Memo;
use quarterdeck_domain::records::{
    Activity, Cost, Customer, Event, FxRate, Invoice, Opportunity, Payment, SavePlay,
    SubscriptionEvent, Ticket, TimeEntry,
};
use quarterdeck_domain::{AnyRecord, Collection, TenantOptions};
use quarterdeck_engine::health::{Backtest, DayScores, Health, HealthSettings};
use quarterdeck_engine::reach::Reach;
use quarterdeck_engine::{Ledger, LedgerBuilder, TenantSettings};
use quarterdeck_store::{DataVersion, Store, StoreError, StoreResult, Tenant, TenantId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::{OwnedRwLockReadGuard, RwLock};

/// A tenant's engine at one data version.
pub struct TenantEngine {
    /// The data version the ledger reflects.
    pub version: DataVersion,
    /// The metric engine.
    pub ledger: Ledger,
    /// The tenant's metric settings it was built with.
    pub options: TenantOptions,
    /// Where the revenue data starts, found once per data version (pages
    /// read it on every view; finding it walks every timeline).
    data_starts: std::sync::OnceLock<Option<chrono::NaiveDate>>,
    /// Every customer's health by day, computed once per data version (the
    /// portfolio, the accounts, the account page and the predictive check
    /// read the same scores).
    health: Mutex<HashMap<chrono::NaiveDate, Arc<DayScores>>>,
    /// The predictive check of all customers as of a day, last computed in
    /// the background: kept across writes (it is recomputed after each, off
    /// the request path) and read as it stands meanwhile.
    /// With its generation: how many times it has been computed and kept.
    backtest: Mutex<Option<(chrono::NaiveDate, Arc<Backtest>, u64)>>,
    /// Answers computed at this data version, by question: every reader of
    /// the same question shares one computation until the next write.
    answers: Memo<std::sync::OnceLock<Remembered>>,
    /// Answers kept across writes to collections they do not read (`kept`).
    kept: Memo<std::sync::OnceLock<Remembered>>,
    /// Writes applied per collection since the engine was built: what an
    /// answer that reads only some collections is kept by (`kept`).
    writes: HashMap<Collection, u64>,
}

/// A remembered answer, of the type its question gives.
type Remembered = Arc<dyn std::any::Any + Send + Sync>;

/// The value of `cell`, computed by `f` if it is the first to ask.
fn once<T: Send + Sync + 'static>(
    cell: &std::sync::OnceLock<Remembered>,
    f: impl FnOnce() -> T,
) -> Arc<T> {
    let mut f = Some(f);
    let value = cell.get_or_init(|| Arc::new((f.take().expect("computed once"))()));
    match value.clone().downcast::<T>() {
        Ok(v) => v,
        // A key reused for another type: compute without remembering.
        Err(_) => Arc::new((f.take().expect("not yet computed"))()),
    }
}

/// Questions remembered per engine.
const ANSWERS_REMEMBERED: usize = 256;

/// What the revenue, billing and cost figures read.
pub const REVENUE_READ: [Collection; 7] = [
    Collection::Customers,
    Collection::SubscriptionEvents,
    Collection::FxRates,
    Collection::Invoices,
    Collection::Payments,
    Collection::Costs,
    Collection::TimeEntries,
];

/// What renewals due read (delinquency makes invoices and payments move
/// MRR, hence values due).
const RENEWALS_READ: [Collection; 6] = [
    Collection::Customers,
    Collection::SubscriptionEvents,
    Collection::FxRates,
    Collection::Opportunities,
    Collection::Invoices,
    Collection::Payments,
];

impl TenantEngine {
    /// The predictive check of every customer as of `today`: the one last
    /// computed for that day, else computed now (and kept if none is).
    pub fn backtest_on(&self, today: chrono::NaiveDate) -> Arc<Backtest> {
        match self.backtest.lock().expect("backtest").as_ref() {
            Some((day, b, _)) if *day == today => return b.clone(),
            // Another day's check is computed for its asker, not kept: the
            // one kept is the one the background pass refreshes.
            Some(_) => {
                return Arc::new(
                    self.ledger
                        .health_backtest_from(today, |m| self.health_on(m)),
                );
            }
            None => {}
        }
        self.refresh_backtest(today)
    }

    /// The answer to the question `key` (which names its kind and every
    /// input besides this engine's data): computed by `f` the first time at
    /// this data version, shared afterwards. Concurrent askers of a new
    /// question wait for the one computation.
    pub fn remembered<T: Send + Sync + 'static>(
        &self,
        key: String,
        f: impl FnOnce() -> T,
    ) -> Arc<T> {
        once(&self.answers.cell(key), f)
    }

    /// Like `remembered`, but kept across writes to collections the
    /// answer does not read: the key is `name` (with every input besides
    /// the data) and the writes so far to each of `reads`.
    pub fn kept<T: Send + Sync + 'static>(
        &self,
        name: &str,
        reads: &[Collection],
        f: impl FnOnce() -> T,
    ) -> Arc<T> {
        let stamps: Vec<u64> = reads
            .iter()
            .map(|c| self.writes.get(c).copied().unwrap_or(0))
            .collect();
        once(&self.kept.cell(format!("{name}@{stamps:?}")), f)
    }

    /// Whether each slot's health band on `day` is at risk or critical
    /// (index a slot; unscored customers are not).
    pub fn at_risk_on(&self, day: chrono::NaiveDate) -> Vec<bool> {
        let mut risky = vec![false; self.ledger.customer_count()];
        for h in self.health_on(day).iter() {
            if let Some(r) = risky.get_mut(h.slot as usize) {
                *r = h.band != quarterdeck_engine::health::Band::Healthy;
            }
        }
        risky
    }

    /// The renewals due in `window` as of `as_of` of the customers `filter`
    /// covers, staged with health bands of `as_of` (today at the latest,
    /// as `today` says): the list before health is kept until
    /// subscriptions, opportunities, rates or customers change.
    pub fn renewals(
        &self,
        window: quarterdeck_engine::Period,
        as_of: chrono::NaiveDate,
        today: chrono::NaiveDate,
        filter: &quarterdeck_engine::Filter,
    ) -> Vec<quarterdeck_engine::renewals::Renewal> {
        let due = self.kept(
            &format!("renewals_due:{window:?}:{as_of}:{filter:?}"),
            &RENEWALS_READ,
            || self.ledger.renewals_due(window, as_of, filter),
        );
        let risky = self.at_risk_on(as_of.min(today));
        quarterdeck_engine::renewals::judged(Vec::clone(&due), |slot| {
            risky.get(slot as usize).copied().unwrap_or(false)
        })
    }

    /// Which predictive check as of `today` an answer would show (it is
    /// refreshed in the background without a new data version), for
    /// answers that show it to name in their key: the kept check's
    /// generation, 0 when none is kept for that day. Computes nothing.
    pub fn backtest_stamp(&self, today: chrono::NaiveDate) -> u64 {
        match self.backtest.lock().expect("backtest").as_ref() {
            Some((day, _, generation)) if *day == today => *generation,
            _ => 0,
        }
    }

    /// Computes the predictive check as of `today` and keeps it.
    fn refresh_backtest(&self, today: chrono::NaiveDate) -> Arc<Backtest> {
        let b = Arc::new(
            self.ledger
                .health_backtest_from(today, |m| self.health_on(m)),
        );
        let mut kept = self.backtest.lock().expect("backtest");
        let generation = kept.as_ref().map_or(0, |k| k.2) + 1;
        *kept = Some((today, b.clone(), generation));
        b
    }

    /// The first day any customer's MRR changed, if any.
    pub fn data_starts(&self) -> Option<chrono::NaiveDate> {
        *self.data_starts.get_or_init(|| self.ledger.data_starts())
    }

    /// The tenant's health weights and bands.
    pub fn health_settings(&self) -> HealthSettings {
        self.options.health.clone().unwrap_or_default()
    }

    /// Every scored customer's health on `day` (all customers; filter with
    /// `Ledger::covers`).
    pub fn health_on(&self, day: chrono::NaiveDate) -> Arc<Vec<Health>> {
        if let Some(h) = self.health.lock().expect("health cache").get(&day) {
            return h.scores.clone();
        }
        let scored = Arc::new(self.ledger.health_day_scores(day, &self.health_settings()));
        let mut cache = self.health.lock().expect("health cache");
        // A page asks for a few dozen days at most; keep the cache bounded.
        if cache.len() >= HEALTH_DAYS_CACHED {
            cache.clear();
        }
        cache.insert(day, scored.clone());
        scored.scores.clone()
    }

    /// The gross margin to use while the tenant has no cost data.
    pub fn gross_margin_setting(&self) -> rust_decimal::Decimal {
        self.options
            .gross_margin
            .unwrap_or(quarterdeck_engine::DEFAULT_GROSS_MARGIN)
    }
}

/// Days of health scores kept per engine.
const HEALTH_DAYS_CACHED: usize = 64;

/// Shared read access to a current engine.
pub type EngineRead = OwnedRwLockReadGuard<Option<TenantEngine>, TenantEngine>;

#[derive(Default)]
struct Slot {
    engine: Arc<RwLock<Option<TenantEngine>>>,
    /// Held while rebuilding, so concurrent readers wait for one rebuild.
    rebuilding: tokio::sync::Mutex<()>,
}

/// Every tenant's engine, built on first use.
pub struct Engines {
    store: Arc<dyn Store>,
    slots: Mutex<HashMap<TenantId, Arc<Slot>>>,
}

/// The engine's settings for a tenant.
pub fn settings_of(tenant: &Tenant) -> TenantSettings {
    TenantSettings {
        currency: tenant.currency,
        time_zone: tenant.timezone.parse().unwrap_or(chrono_tz::Tz::UTC),
        fiscal_year_start_month: tenant.fiscal_year_start,
        delinquency_days: tenant.options.delinquency_days,
    }
}

/// The collections the engine reads.
pub const ENGINE_COLLECTIONS: [Collection; 12] = [
    Collection::Customers,
    Collection::SubscriptionEvents,
    Collection::FxRates,
    Collection::Invoices,
    Collection::Payments,
    Collection::Costs,
    Collection::TimeEntries,
    Collection::Tickets,
    Collection::Activities,
    Collection::Events,
    Collection::Opportunities,
    Collection::SavePlays,
];

impl Engines {
    /// No engines yet; they are built from `store` on demand.
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self {
            store,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, tenant: TenantId) -> Arc<Slot> {
        self.slots
            .lock()
            .expect("slots lock")
            .entry(tenant)
            .or_default()
            .clone()
    }

    /// The tenant's engine, at least as current as `tenant` (a row just read
    /// from the store, whose `data_version` saves a second query per request).
    pub async fn read(&self, tenant: &Tenant) -> StoreResult<EngineRead> {
        let slot = self.slot(tenant.id);
        let version = tenant.data_version;
        if let Some(current) = current_at(&slot, version).await {
            return Ok(current);
        }
        let _one_rebuild = slot.rebuilding.lock().await;
        if let Some(current) = current_at(&slot, version).await {
            return Ok(current);
        }
        let built = self.build(tenant).await?;
        let version = built.version;
        *slot.engine.write().await = Some(built);
        warm_health(slot.clone(), version);
        current_at(&slot, version)
            .await
            .ok_or_else(|| StoreError::Corrupt("engine rebuilt at an older version".into()))
    }

    /// Builds a tenant's engine from the store, off the async threads.
    pub async fn build(&self, tenant: &Tenant) -> StoreResult<TenantEngine> {
        // Read the version first: writes landing during the load make the
        // engine look older than it is, which costs a rebuild, never a stale read.
        let version = self.store.data_version(tenant.id).await?;
        let settings = settings_of(tenant);
        let started = std::time::Instant::now();
        // A page of stored text at a time, parsed off the async threads and
        // handed to the builder, then dropped before the next is read: peak
        // memory stays near the engine's own size.
        let mut builder = LedgerBuilder::new(settings);
        for c in ENGINE_COLLECTIONS {
            let mut after = 0;
            loop {
                let page = self
                    .store
                    .bodies_after(tenant.id, c, after, LOAD_PAGE)
                    .await?;
                let Some(&(last, _)) = page.last() else { break };
                after = last;
                builder = tokio::task::spawn_blocking(move || {
                    load(&mut builder, c, &page).map(|()| builder)
                })
                .await
                .map_err(|e| StoreError::Corrupt(format!("engine load crashed: {e}")))??;
            }
        }
        let ledger = tokio::task::spawn_blocking(move || builder.build())
            .await
            .map_err(|e| StoreError::Corrupt(format!("engine build crashed: {e}")))?;
        tracing::info!(tenant = %tenant.slug, version, ms = started.elapsed().as_millis() as u64, "engine built");
        Ok(TenantEngine {
            version,
            ledger,
            options: tenant.options.clone(),
            data_starts: std::sync::OnceLock::new(),
            health: Mutex::new(HashMap::new()),
            backtest: Mutex::new(None),
            answers: Memo::new(ANSWERS_REMEMBERED),
            kept: Memo::new(ANSWERS_REMEMBERED),
            writes: HashMap::new(),
        })
    }

    /// Builds every tenant's engine (at start-up, so first reads are fast).
    /// Failures are logged: a tenant whose engine fails here is retried on its first read.
    pub async fn warm_up(&self) {
        let tenants = match self.store.list_tenants().await {
            Ok(t) => t,
            Err(e) => return tracing::warn!(error = %e, "could not list tenants to warm up"),
        };
        for tenant in tenants {
            if let Err(e) = self.read(&tenant).await {
                tracing::warn!(tenant = %tenant.slug, error = %e, "engine warm-up failed");
            }
        }
    }

    /// Applies a write this process just made (which produced `version`).
    pub async fn apply_upsert(
        &self,
        tenant: TenantId,
        version: DataVersion,
        records: &[AnyRecord],
    ) {
        let Some(collection) = records.first().map(AnyRecord::collection) else {
            return;
        };
        self.apply(
            tenant,
            version,
            collection,
            |ledger| {
                (
                    ledger.health_reach_of_upsert(records),
                    ledger.health_customers_of_upsert(records),
                )
            },
            |ledger| upsert(ledger, records),
        )
        .await;
    }

    /// Applies a delete this process just made.
    pub async fn apply_delete(
        &self,
        tenant: TenantId,
        version: DataVersion,
        collection: Collection,
        key: &str,
    ) {
        self.apply(
            tenant,
            version,
            collection,
            |ledger| {
                (
                    ledger.health_reach_of_removal(collection, key),
                    ledger.health_customers_of_removal(collection, key),
                )
            },
            |ledger| remove(ledger, collection, key),
        )
        .await;
    }

    /// Applies a change exactly one version ahead. Health scores of days
    /// the change cannot move (`reach`, asked before it) stay cached; the
    /// latest days it can move are re-scored for the customers it touched
    /// (asked before it too), so the first read after a write of a few
    /// records finds today's scores ready; other days are dropped.
    async fn apply(
        &self,
        tenant: TenantId,
        version: DataVersion,
        collection: Collection,
        reach: impl FnOnce(&Ledger) -> (Reach, Option<Vec<usize>>),
        change: impl FnOnce(&mut Ledger),
    ) {
        let slot = self.slot(tenant);
        let mut guard = slot.engine.write().await;
        // Only when exactly one version behind; otherwise another write landed
        // in between (here or elsewhere) and the next read rebuilds.
        if let Some(engine) = guard.as_mut().filter(|e| e.version + 1 == version) {
            let shape = engine.ledger.health_shape();
            let (mut reach, touched) = reach(&engine.ledger);
            let health = engine.health.get_mut().expect("health cache");
            let mut reached: Vec<chrono::NaiveDate> = health
                .keys()
                .copied()
                .filter(|d| !reach.keeps(*d))
                .collect();
            reached.sort_unstable_by(|a, b| b.cmp(a));
            reached.truncate(RESCORED_DAYS);
            let shares: Vec<_> = touched.as_ref().map_or_else(Vec::new, |slots| {
                reached
                    .iter()
                    .map(|d| (*d, engine.ledger.health_shares(*d, slots)))
                    .collect()
            });
            change(&mut engine.ledger);
            // Scores are kept by slot (renumbered slots make them stale),
            // and a component's data starting elsewhere moves every score.
            let whole = engine.ledger.health_shape() != shape;
            if whole {
                reach = Reach::Everything;
            }
            engine.version = version;
            engine.data_starts = std::sync::OnceLock::new();
            *engine.writes.entry(collection).or_default() += 1;
            engine.answers.clear();
            let settings = engine.health_settings();
            let health = engine.health.get_mut().expect("health cache");
            let mut rescored = HashMap::new();
            if !whole {
                for (day, shares) in shares {
                    if let Some(before) = health.get(&day) {
                        let after = engine.ledger.rescored(before, day, &shares, &settings);
                        rescored.insert(day, Arc::new(after));
                    }
                }
            }
            health.retain(|day, _| reach.keeps(*day));
            health.extend(rescored);
            drop(guard);
            warm_health(slot, version);
        }
    }
}

/// The latest cached days of health scores a write re-scores (the rest it
/// reaches are dropped and scored again in the background).
const RESCORED_DAYS: usize = 4;

/// Scores, in the background, the days the health views read (today, the
/// last twelve month ends and the days 30 before those a page compares
/// with), one day per read lock so a write never waits long, stopping as
/// soon as a newer version replaces the engine. A request that comes
/// first computes what it needs itself; later ones find it cached.
fn warm_health(slot: Arc<Slot>, version: DataVersion) {
    let Ok(runtime) = tokio::runtime::Handle::try_current() else {
        return;
    };
    runtime.spawn(async move {
        let days = {
            let guard = slot.engine.read().await;
            match guard.as_ref().filter(|e| e.version == version) {
                Some(e) => health_days(e),
                None => return,
            }
        };
        let today = days.first().copied();
        for day in days {
            let guard = slot.engine.clone().read_owned().await;
            if guard.as_ref().map(|e| e.version) != Some(version) {
                return;
            }
            let scored = tokio::task::spawn_blocking(move || {
                if let Some(e) = guard.as_ref() {
                    e.health_on(day);
                }
            })
            .await;
            if scored.is_err() {
                return;
            }
        }
        // Then the predictive check of this version, replacing the last one.
        let guard = slot.engine.clone().read_owned().await;
        if let (Some(today), Some(_)) = (today, guard.as_ref().filter(|e| e.version == version)) {
            let _ = tokio::task::spawn_blocking(move || {
                if let Some(e) = guard.as_ref() {
                    e.refresh_backtest(today);
                }
            })
            .await;
        }
    });
}

/// The days a health view of today asks for, most asked first.
fn health_days(e: &TenantEngine) -> Vec<chrono::NaiveDate> {
    let tz = e.ledger.settings().time_zone;
    let today = chrono::Utc::now().with_timezone(&tz).date_naive();
    let back = |d: chrono::NaiveDate| d.checked_sub_days(chrono::Days::new(30)).unwrap_or(d);
    let ends = quarterdeck_engine::period::month_ends(today);
    let mut days = vec![today, back(today)];
    // The last month end (pages open on last month) and the one before it
    // (its comparison), each with the day 30 before for trends.
    for m in ends.iter().rev().take(2) {
        days.extend([*m, back(*m)]);
    }
    days.extend(ends);
    let mut seen = std::collections::HashSet::new();
    days.retain(|d| seen.insert(*d));
    days
}

async fn current_at(slot: &Slot, version: DataVersion) -> Option<EngineRead> {
    let guard = slot.engine.clone().read_owned().await;
    OwnedRwLockReadGuard::try_map(guard, |e| e.as_ref().filter(|e| e.version >= version)).ok()
}

/// Drops what no metric reads (free-form attributes, invoice lines, cost
/// descriptions): most of a record's memory.
trait Slim {
    fn slim(&mut self);
}

macro_rules! slim_attributes {
    ($($t:ty),*) => {$(impl Slim for $t {
        fn slim(&mut self) {
            self.attributes = Default::default();
        }
    })*};
}
slim_attributes!(
    Customer,
    SubscriptionEvent,
    Payment,
    TimeEntry,
    Ticket,
    Activity,
    Opportunity,
    SavePlay
);

impl Slim for Event {
    fn slim(&mut self) {
        self.properties = Default::default();
    }
}

impl Slim for Invoice {
    fn slim(&mut self) {
        self.attributes = Default::default();
        self.lines = Vec::new();
    }
}

impl Slim for Cost {
    fn slim(&mut self) {
        self.attributes = Default::default();
        self.description = None;
    }
}

impl Slim for FxRate {
    fn slim(&mut self) {}
}

/// Stored records read, parsed and handed to the builder at a time.
const LOAD_PAGE: u32 = 10_000;

/// Parses a page of stored bodies of `collection` into `builder`.
fn load(
    builder: &mut LedgerBuilder,
    collection: Collection,
    page: &[(i64, String)],
) -> StoreResult<()> {
    fn each<T: serde::de::DeserializeOwned + Slim>(
        page: &[(i64, String)],
        add: impl FnOnce(&[T]),
    ) -> StoreResult<()> {
        let records = page
            .iter()
            .map(|(_, b)| {
                let mut record: T = serde_json::from_str(b)
                    .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))?;
                record.slim();
                Ok(record)
            })
            .collect::<StoreResult<Vec<T>>>()?;
        add(&records);
        Ok(())
    }
    match collection {
        Collection::Customers => each(page, |r| builder.customers(r)),
        Collection::SubscriptionEvents => each(page, |r| builder.subscription_events(r)),
        Collection::FxRates => each(page, |r| builder.fx_rates(r)),
        Collection::Invoices => each(page, |r| builder.invoices(r)),
        Collection::Payments => each(page, |r| builder.payments(r)),
        Collection::Costs => each(page, |r| builder.costs(r)),
        Collection::TimeEntries => each(page, |r| builder.time_entries(r)),
        Collection::Tickets => each(page, |r| builder.tickets(r)),
        Collection::Activities => each(page, |r| builder.activities(r)),
        Collection::Events => each(page, |r| builder.events(r)),
        Collection::Opportunities => each(page, |r| builder.opportunities(r)),
        Collection::SavePlays => each(page, |r| builder.save_plays(r)),
        _ => Ok(()),
    }
}

/// Collects the records of one variant out of a mixed slice.
macro_rules! of_kind {
    ($records:expr, $variant:ident) => {
        $records
            .iter()
            .filter_map(|r| match r {
                AnyRecord::$variant(x) => {
                    let mut x = x.clone();
                    x.slim();
                    Some(x)
                }
                _ => None,
            })
            .collect::<Vec<_>>()
    };
}

fn upsert(ledger: &mut Ledger, records: &[AnyRecord]) {
    let Some(first) = records.first() else { return };
    match first.collection() {
        Collection::Customers => ledger.upsert_customers(&of_kind!(records, Customer)),
        Collection::SubscriptionEvents => {
            ledger.upsert_subscription_events(&of_kind!(records, SubscriptionEvent))
        }
        Collection::FxRates => ledger.upsert_fx_rates(&of_kind!(records, FxRate)),
        Collection::Invoices => ledger.upsert_invoices(&of_kind!(records, Invoice)),
        Collection::Payments => ledger.upsert_payments(&of_kind!(records, Payment)),
        Collection::Costs => ledger.upsert_costs(&of_kind!(records, Cost)),
        Collection::TimeEntries => ledger.upsert_time_entries(&of_kind!(records, TimeEntry)),
        Collection::Tickets => ledger.upsert_tickets(&of_kind!(records, Ticket)),
        Collection::Activities => ledger.upsert_activities(&of_kind!(records, Activity)),
        Collection::Events => ledger.upsert_events(&of_kind!(records, Event)),
        Collection::Opportunities => ledger.upsert_opportunities(&of_kind!(records, Opportunity)),
        Collection::SavePlays => ledger.upsert_save_plays(&of_kind!(records, SavePlay)),
        _ => {}
    }
}

fn remove(ledger: &mut Ledger, collection: Collection, key: &str) {
    let keys = [key];
    match collection {
        Collection::Customers => ledger.remove_customers(keys),
        Collection::SubscriptionEvents => ledger.remove_subscription_events(keys),
        Collection::FxRates => ledger.remove_fx_rates(keys),
        Collection::Invoices => ledger.remove_invoices(keys),
        Collection::Payments => ledger.remove_payments(keys),
        Collection::Costs => ledger.remove_costs(keys),
        Collection::TimeEntries => ledger.remove_time_entries(keys),
        Collection::Tickets => ledger.remove_tickets(keys),
        Collection::Activities => ledger.remove_activities(keys),
        Collection::Events => ledger.remove_events(keys),
        Collection::Opportunities => ledger.remove_opportunities(keys),
        Collection::SavePlays => ledger.remove_save_plays(keys),
        _ => {}
    }
}
