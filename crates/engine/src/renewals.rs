//! Renewals due in a window (metrics.md, Pipelines): renewal opportunities
//! closing in it, and term ends of subscriptions billed per quarter,
//! half-year or year that no renewal opportunity stands for; each with its
//! ARR due and its stage as of the day asked.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::period::Period;
use crate::signals::Opp;
use crate::subscription::{subscription_terms, term_months};
use chrono::{Days, Months, NaiveDate};
use quarterdeck_domain::records::{OpportunityStatus, OpportunityType};
use rust_decimal::Decimal;

/// Days between a term end and a renewal opportunity that stands for it.
pub const OPPORTUNITY_STANDS_FOR_DAYS: i64 = 45;

/// Where a renewal stands, in the order metrics.md decides it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RenewalStage {
    Renewed,
    OnTrack,
    AtRisk,
    Late,
    Churned,
}

impl RenewalStage {
    /// Every stage, in the order pages list them.
    pub const ALL: [RenewalStage; 5] = [
        RenewalStage::Renewed,
        RenewalStage::OnTrack,
        RenewalStage::AtRisk,
        RenewalStage::Late,
        RenewalStage::Churned,
    ];

    /// Its name in the API.
    pub fn key(self) -> &'static str {
        match self {
            RenewalStage::Renewed => "renewed",
            RenewalStage::OnTrack => "on_track",
            RenewalStage::AtRisk => "at_risk",
            RenewalStage::Late => "late",
            RenewalStage::Churned => "churned",
        }
    }

    /// Its name on screen.
    pub fn label(self) -> &'static str {
        match self {
            RenewalStage::Renewed => "Renewed",
            RenewalStage::OnTrack => "On track",
            RenewalStage::AtRisk => "At risk",
            RenewalStage::Late => "Late",
            RenewalStage::Churned => "Churned",
        }
    }
}

/// One renewal due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Renewal {
    pub customer_id: String,
    /// The customer's slot in the ledger (`Ledger::customer_ref`).
    pub slot: u32,
    pub due: NaiveDate,
    /// ARR due, in the reporting currency.
    pub arr: Decimal,
    pub stage: RenewalStage,
    /// The renewal opportunity, or `None` for a subscription's term end.
    pub opportunity_id: Option<String>,
    pub subscription_id: Option<String>,
}

/// Renewals of a window, totalled.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalTotals {
    /// (ARR, count) due.
    pub due: (Decimal, u32),
    /// (ARR, count) per stage, in `RenewalStage::ALL` order; sums to `due`.
    pub stages: [(Decimal, u32); 5],
}

impl RenewalTotals {
    /// Totals of `items`.
    pub fn of(items: &[Renewal]) -> Self {
        let mut t = Self::default();
        for r in items {
            t.due.0 += r.arr;
            t.due.1 += 1;
            let i = RenewalStage::ALL
                .iter()
                .position(|s| *s == r.stage)
                .expect("a stage");
            t.stages[i].0 += r.arr;
            t.stages[i].1 += 1;
        }
        t
    }

    /// (ARR renewed + ARR on track) ÷ ARR due; `None` when nothing is due.
    pub fn forecast_rate(&self) -> Option<Decimal> {
        crate::money::ratio(self.stages[0].0 + self.stages[1].0, self.due.0)
    }
}

/// The `days` days after `day`, counted from the day itself (metrics.md,
/// Pipelines: upcoming windows start 0 days after the day asked).
pub fn days_after(day: NaiveDate, days: u64) -> Period {
    Period::new(day, day + Days::new(days)).expect("ordered")
}

/// Stages the open renewals of `due` (from `Ledger::renewals_due`) at risk
/// where `at_risk` says the customer's health band (by slot) is at risk or
/// critical on the day they were judged.
pub fn judged(mut due: Vec<Renewal>, at_risk: impl Fn(u32) -> bool) -> Vec<Renewal> {
    for r in &mut due {
        if r.stage == RenewalStage::OnTrack && at_risk(r.slot) {
            r.stage = RenewalStage::AtRisk;
        }
    }
    due
}

impl Ledger {
    /// The renewals due in `window` of the customers `filter` covers, as
    /// of `as_of`; `at_risk` says whether a customer's health band (by
    /// slot) is at risk or critical on that day. Sorted by due day, then
    /// customer.
    pub fn renewals(
        &self,
        window: Period,
        as_of: NaiveDate,
        filter: &Filter,
        at_risk: impl Fn(u32) -> bool,
    ) -> Vec<Renewal> {
        judged(self.renewals_due(window, as_of, filter), at_risk)
    }

    /// The renewals as `renewals` gives them before health is read: an open
    /// renewal not yet late is on track (`judged` stages it at risk). Reads
    /// subscriptions, opportunities and exchange rates only.
    pub fn renewals_due(&self, window: Period, as_of: NaiveDate, filter: &Filter) -> Vec<Renewal> {
        let fx = self.fx_table();
        let reporting = |o: &Opp| o.in_reporting(fx);
        let mut out = Vec::new();
        for (slot, _) in self.covered_slots(filter) {
            let (id, _, events) = self.entry(slot);
            let renewal_opps: Vec<&Opp> = self
                .signals()
                .of(id)
                .map(|s| {
                    s.opportunities
                        .iter()
                        .filter(|o| o.kind == OpportunityType::Renewal)
                        .collect()
                })
                .unwrap_or_default();
            let open_stage = |due: NaiveDate| {
                if due < as_of {
                    RenewalStage::Late
                } else {
                    RenewalStage::OnTrack
                }
            };
            for o in renewal_opps.iter().filter(|o| window.contains(o.close)) {
                let stage = match o.status {
                    OpportunityStatus::Won => RenewalStage::Renewed,
                    OpportunityStatus::Lost => RenewalStage::Churned,
                    OpportunityStatus::Open => open_stage(o.close),
                };
                out.push(Renewal {
                    customer_id: id.to_string(),
                    slot: slot as u32,
                    due: o.close,
                    arr: reporting(o),
                    stage,
                    opportunity_id: Some(o.id.clone()),
                    subscription_id: None,
                });
            }
            // Only subscriptions billed per quarter or longer have term ends;
            // a customer with none (most monthly accounts) is skipped before
            // its terms are built.
            let termed = events
                .iter()
                .any(|e| e.state.as_ref().is_some_and(|s| term_months(s).is_some()));
            if !termed {
                continue;
            }
            for sub in subscription_terms(id, events, fx) {
                for k in 1u32.. {
                    let Some(end) = term_end(&sub, k, window.to) else {
                        break;
                    };
                    if end > window.to {
                        break;
                    }
                    let before = end - Days::new(1);
                    let value = sub.value_on(before);
                    if end < window.from || value <= Decimal::ZERO {
                        continue;
                    }
                    let stands_for = renewal_opps
                        .iter()
                        .any(|o| (o.close - end).num_days().abs() <= OPPORTUNITY_STANDS_FOR_DAYS);
                    if stands_for {
                        continue;
                    }
                    let after = end + Days::new(1);
                    let stage = if after <= as_of && sub.value_on(after) > Decimal::ZERO {
                        RenewalStage::Renewed
                    } else if sub.value_on(end) <= Decimal::ZERO {
                        RenewalStage::Churned
                    } else {
                        open_stage(end)
                    };
                    out.push(Renewal {
                        customer_id: id.to_string(),
                        slot: slot as u32,
                        due: end,
                        arr: value * Decimal::from(12),
                        stage,
                        opportunity_id: None,
                        subscription_id: Some(sub.subscription_id.clone()),
                    });
                }
            }
        }
        out.sort_by(|a, b| (a.due, &a.customer_id).cmp(&(b.due, &b.customer_id)));
        out
    }
}

/// The k-th term end (k ≥ 1) of a subscription: start + k × its term, the
/// term being that of its state in force on `on` (as the account page's
/// "next renewal" reads it); `None` when that billing is shorter than a
/// quarter.
fn term_end(
    sub: &crate::subscription::SubscriptionTerms,
    k: u32,
    on: NaiveDate,
) -> Option<NaiveDate> {
    let months = term_months(sub.state_on(on)?)?;
    sub.start
        .checked_add_months(Months::new(months.checked_mul(k)?))
}
