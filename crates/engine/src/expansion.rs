//! The expansion pipeline (metrics.md, Pipelines): upsell, cross-sell and
//! upgrade opportunities — open and weighted value by type and stage, win
//! rate by count and amount, and expansion ARR won in a period.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::period::Period;
use quarterdeck_domain::records::{OpportunityStatus, OpportunityType};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashMap};

/// The probability of an open opportunity without one and without a stage
/// default.
pub const DEFAULT_PROBABILITY: Decimal = Decimal::from_parts(5, 0, 0, false, 1);

/// Value, weighted value and count of a set of open opportunities.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pipeline {
    pub value: Decimal,
    pub weighted: Decimal,
    pub count: u32,
}

impl Pipeline {
    fn add(&mut self, value: Decimal, probability: Decimal) {
        self.value += value;
        self.weighted += value * probability;
        self.count += 1;
    }
}

/// An open expansion opportunity, for the largest-first list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenOpportunity {
    pub id: String,
    pub customer_id: String,
    pub kind: OpportunityType,
    pub stage: String,
    pub close: chrono::NaiveDate,
    /// ARR in the reporting currency.
    pub value: Decimal,
    pub probability: Decimal,
    pub owner: Option<String>,
}

/// The expansion pipeline of a period.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Expansion {
    /// Every open expansion opportunity.
    pub open: Pipeline,
    /// By type (`upsell`, `cross_sell`, `upgrade`).
    pub by_type: BTreeMap<&'static str, Pipeline>,
    pub by_stage: BTreeMap<String, Pipeline>,
    /// (ARR, count) won and lost among those closing in the period.
    pub won: (Decimal, u32),
    pub lost: (Decimal, u32),
    /// Open opportunities, largest first.
    pub open_list: Vec<OpenOpportunity>,
    /// Opportunities won closing in the period, largest first.
    pub won_list: Vec<OpenOpportunity>,
}

impl Expansion {
    /// Win rate by count: won ÷ (won + lost); `None` when none closed.
    pub fn win_rate_count(&self) -> Option<Decimal> {
        let closed = self.won.1 + self.lost.1;
        (closed > 0).then(|| Decimal::from(self.won.1) / Decimal::from(closed))
    }

    /// Win rate by amount; `None` when nothing of value closed.
    pub fn win_rate_amount(&self) -> Option<Decimal> {
        crate::money::ratio(self.won.0, self.won.0 + self.lost.0)
    }
}

/// An opportunity type's API name.
pub fn type_key(t: OpportunityType) -> &'static str {
    match t {
        OpportunityType::Renewal => "renewal",
        OpportunityType::Upsell => "upsell",
        OpportunityType::CrossSell => "cross_sell",
        OpportunityType::Upgrade => "upgrade",
    }
}

impl Ledger {
    /// The expansion pipeline of the customers `filter` covers: open
    /// opportunities now, and won and lost among those closing in `period`.
    /// `stage_probability` gives a stage's default probability.
    pub fn expansion(
        &self,
        period: Period,
        filter: &Filter,
        stage_probability: &HashMap<String, Decimal>,
    ) -> Expansion {
        let fx = self.fx_table();
        let mut out = Expansion::default();
        for (slot, _) in self.covered_slots(filter) {
            let id = self.entry(slot).0;
            let Some(signals) = self.signals().of(id) else {
                continue;
            };
            for o in signals
                .opportunities
                .iter()
                .filter(|o| o.kind != OpportunityType::Renewal)
            {
                let value = o.in_reporting(fx);
                let row = |probability| OpenOpportunity {
                    id: o.id.clone(),
                    customer_id: id.to_string(),
                    kind: o.kind,
                    stage: o.stage.clone(),
                    close: o.close,
                    value,
                    probability,
                    owner: o.owner.clone(),
                };
                match o.status {
                    OpportunityStatus::Open => {
                        let p = o
                            .probability
                            .or_else(|| stage_probability.get(&o.stage).copied())
                            .unwrap_or(DEFAULT_PROBABILITY);
                        out.open.add(value, p);
                        out.by_type
                            .entry(type_key(o.kind))
                            .or_default()
                            .add(value, p);
                        out.by_stage
                            .entry(o.stage.clone())
                            .or_default()
                            .add(value, p);
                        out.open_list.push(row(p));
                    }
                    OpportunityStatus::Won if o.won_expansion_in(period) => {
                        out.won.0 += value;
                        out.won.1 += 1;
                        out.won_list.push(row(Decimal::ONE));
                    }
                    OpportunityStatus::Lost if period.contains(o.close) => {
                        out.lost.0 += value;
                        out.lost.1 += 1;
                    }
                    _ => {}
                }
            }
        }
        for list in [&mut out.open_list, &mut out.won_list] {
            list.sort_by(|a, b| b.value.cmp(&a.value).then_with(|| a.id.cmp(&b.id)));
        }
        out
    }
}
