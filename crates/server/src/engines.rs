//! The per-tenant metric engines this process holds in memory.
//!
//! The store is the truth; an engine is a cache of it tagged with the tenant's
//! data version. A read first asks the store for the version (one indexed
//! lookup): if another process or replica changed the data, the engine is
//! rebuilt before answering, so every read reflects every accepted write.
//! Writes made here are applied incrementally when the engine is exactly one
//! version behind; otherwise the next read rebuilds. A rebuild is done aside
//! and swapped in whole, so no reader ever sees a half-built engine.

use quarterdeck_domain::records::{
    Cost, Customer, FxRate, Invoice, Payment, SubscriptionEvent, TimeEntry,
};
use quarterdeck_domain::{AnyRecord, Collection, TenantOptions};
use quarterdeck_engine::{Ledger, Records, TenantSettings};
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
}

impl TenantEngine {
    /// The gross margin to use while the tenant has no cost data.
    pub fn gross_margin_setting(&self) -> rust_decimal::Decimal {
        self.options
            .gross_margin
            .unwrap_or(crate::metrics::answers::DEFAULT_GROSS_MARGIN)
    }
}

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
pub const ENGINE_COLLECTIONS: [Collection; 7] = [
    Collection::Customers,
    Collection::SubscriptionEvents,
    Collection::FxRates,
    Collection::Invoices,
    Collection::Payments,
    Collection::Costs,
    Collection::TimeEntries,
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
        *slot.engine.write().await = Some(built);
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
        // One collection at a time, parsed off the async threads, its stored
        // text dropped before the next is read: peak memory stays near the
        // engine's own size.
        let mut loaded = Loaded::default();
        for c in ENGINE_COLLECTIONS {
            let bodies = self.store.all_bodies(tenant.id, c).await?;
            loaded = tokio::task::spawn_blocking(move || loaded.add(c, &bodies).map(|()| loaded))
                .await
                .map_err(|e| StoreError::Corrupt(format!("engine load crashed: {e}")))??;
        }
        let ledger = tokio::task::spawn_blocking(move || loaded.into_ledger(settings))
            .await
            .map_err(|e| StoreError::Corrupt(format!("engine build crashed: {e}")))?;
        tracing::info!(tenant = %tenant.slug, version, ms = started.elapsed().as_millis() as u64, "engine built");
        Ok(TenantEngine {
            version,
            ledger,
            options: tenant.options.clone(),
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
        self.apply(tenant, version, |ledger| upsert(ledger, records))
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
        self.apply(tenant, version, |ledger| remove(ledger, collection, key))
            .await;
    }

    async fn apply(
        &self,
        tenant: TenantId,
        version: DataVersion,
        change: impl FnOnce(&mut Ledger),
    ) {
        let slot = self.slot(tenant);
        let mut guard = slot.engine.write().await;
        // Only when exactly one version behind; otherwise another write landed
        // in between (here or elsewhere) and the next read rebuilds.
        if let Some(engine) = guard.as_mut().filter(|e| e.version + 1 == version) {
            change(&mut engine.ledger);
            engine.version = version;
        }
    }
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
slim_attributes!(Customer, SubscriptionEvent, Payment, TimeEntry);

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

/// The records an engine is built from, slimmed to what metrics read.
#[derive(Default)]
struct Loaded {
    customers: Vec<Customer>,
    subscription_events: Vec<SubscriptionEvent>,
    fx_rates: Vec<FxRate>,
    invoices: Vec<Invoice>,
    payments: Vec<Payment>,
    costs: Vec<Cost>,
    time_entries: Vec<TimeEntry>,
}

fn parse_all<T: serde::de::DeserializeOwned + Slim>(bodies: &[String]) -> StoreResult<Vec<T>> {
    bodies
        .iter()
        .map(|b| {
            let mut record: T = serde_json::from_str(b)
                .map_err(|e| StoreError::Corrupt(format!("stored record: {e}")))?;
            record.slim();
            Ok(record)
        })
        .collect()
}

impl Loaded {
    /// Parses the stored bodies of `collection`.
    fn add(&mut self, collection: Collection, bodies: &[String]) -> StoreResult<()> {
        match collection {
            Collection::Customers => self.customers = parse_all(bodies)?,
            Collection::SubscriptionEvents => self.subscription_events = parse_all(bodies)?,
            Collection::FxRates => self.fx_rates = parse_all(bodies)?,
            Collection::Invoices => self.invoices = parse_all(bodies)?,
            Collection::Payments => self.payments = parse_all(bodies)?,
            Collection::Costs => self.costs = parse_all(bodies)?,
            Collection::TimeEntries => self.time_entries = parse_all(bodies)?,
            _ => {}
        }
        Ok(())
    }

    fn into_ledger(self, settings: TenantSettings) -> Ledger {
        let ledger = Ledger::new(
            settings,
            Records {
                customers: &self.customers,
                subscription_events: &self.subscription_events,
                fx_rates: &self.fx_rates,
                invoices: &self.invoices,
                payments: &self.payments,
                costs: &self.costs,
                time_entries: &self.time_entries,
            },
        );
        // The billing index is built on first use; build it here, off the
        // request path, so the first summary after a rebuild is fast too.
        ledger.ar_aging(chrono::NaiveDate::MIN, &quarterdeck_engine::Filter::all());
        ledger
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
        _ => {}
    }
}
