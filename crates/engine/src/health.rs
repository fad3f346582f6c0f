//! Customer health (metrics.md, Customer health and risk): a 0–100 score per
//! paying customer per day, the weighted mean of five components, each read
//! only from records dated on or before that day, so a past day's score is
//! what it would have said then. The formulas are documented in
//! docs/metric-choices.md (Health); their constants live here.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::period::Period;
use crate::signals::{CustomerSignals, Signals, dated_in};
use crate::timeline::{TimelineRef, is_paying};
use chrono::{Days, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// One part of the score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentKind {
    Payment,
    Usage,
    Support,
    Engagement,
    Profitability,
}

impl ComponentKind {
    /// Every component, in the order they are shown.
    pub const ALL: [ComponentKind; 5] = [
        ComponentKind::Payment,
        ComponentKind::Usage,
        ComponentKind::Support,
        ComponentKind::Engagement,
        ComponentKind::Profitability,
    ];

    /// Its name in the API ("payment").
    pub fn key(self) -> &'static str {
        match self {
            ComponentKind::Payment => "payment",
            ComponentKind::Usage => "usage",
            ComponentKind::Support => "support",
            ComponentKind::Engagement => "engagement",
            ComponentKind::Profitability => "profitability",
        }
    }

    /// Its name on screen ("Payment").
    pub fn label(self) -> &'static str {
        match self {
            ComponentKind::Payment => "Payment",
            ComponentKind::Usage => "Usage",
            ComponentKind::Support => "Support",
            ComponentKind::Engagement => "Engagement",
            ComponentKind::Profitability => "Profitability",
        }
    }
}

/// A health band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Band {
    Healthy,
    AtRisk,
    Critical,
}

impl Band {
    /// Every band, healthiest first.
    pub const ALL: [Band; 3] = [Band::Healthy, Band::AtRisk, Band::Critical];

    /// Its name in the API ("at_risk").
    pub fn key(self) -> &'static str {
        match self {
            Band::Healthy => "healthy",
            Band::AtRisk => "at_risk",
            Band::Critical => "critical",
        }
    }

    /// Its name on screen ("At risk").
    pub fn label(self) -> &'static str {
        match self {
            Band::Healthy => "Healthy",
            Band::AtRisk => "At risk",
            Band::Critical => "Critical",
        }
    }

    /// Parses an API name.
    pub fn parse(s: &str) -> Option<Band> {
        Band::ALL.into_iter().find(|b| b.key() == s)
    }
}

pub use quarterdeck_domain::HealthSettings;

/// What the engine reads from the health settings.
pub trait Scoring {
    /// The weight of a component as set (not yet re-weighted).
    fn weight(&self, kind: ComponentKind) -> Decimal;
    /// The band of a score.
    fn band(&self, score: u8) -> Band;
}

impl Scoring for HealthSettings {
    fn weight(&self, kind: ComponentKind) -> Decimal {
        match kind {
            ComponentKind::Payment => self.payment,
            ComponentKind::Usage => self.usage,
            ComponentKind::Support => self.support,
            ComponentKind::Engagement => self.engagement,
            ComponentKind::Profitability => self.profitability,
        }
    }

    fn band(&self, score: u8) -> Band {
        if score >= self.healthy_from {
            Band::Healthy
        } else if score < self.critical_below {
            Band::Critical
        } else {
            Band::AtRisk
        }
    }
}

/// One component of a score, with what it read.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    pub kind: ComponentKind,
    /// 0–100.
    pub score: u8,
    /// Its weight among the components present (they sum to 1).
    pub weight: Decimal,
    /// score × weight: the points it adds to the total.
    pub contribution: Decimal,
    /// The inputs in words, e.g. ("oldest_overdue_days", "45").
    pub inputs: Vec<(&'static str, String)>,
}

/// A customer's health on one day.
#[derive(Debug, Clone, PartialEq)]
pub struct Health {
    /// The customer's slot in the ledger that scored it (`Ledger::customer_ref`).
    pub slot: u32,
    pub day: NaiveDate,
    /// 0–100: the contributions' sum, rounded half up.
    pub score: u8,
    pub band: Band,
    /// ARR on the day (12 × MRR_c).
    pub arr: Decimal,
    /// Each component's score (payment, usage, support, engagement,
    /// profitability; `None`: no data).
    pub parts: [Option<u8>; 5],
    /// The components with weights, contributions and inputs: filled when
    /// one account is explained (`Ledger::health_of`), empty in bulk.
    pub components: Vec<Component>,
}

/// A scored customer's descriptive fields, borrowed from the ledger.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CustomerRef<'a> {
    pub id: &'a str,
    pub name: Option<&'a str>,
    pub segment: Option<&'a str>,
    pub csm: Option<&'a str>,
}

/// Which way a score moved over 30 days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    Improving,
    Stable,
    Declining,
}

impl Trend {
    /// The trend from a score 30 days earlier (±5 points; none: stable).
    pub fn of(now: u8, before: Option<u8>) -> Trend {
        match before.map(|b| i16::from(now) - i16::from(b)) {
            Some(d) if d >= TREND_POINTS => Trend::Improving,
            Some(d) if d <= -TREND_POINTS => Trend::Declining,
            _ => Trend::Stable,
        }
    }

    /// Its name in the API.
    pub fn key(self) -> &'static str {
        match self {
            Trend::Improving => "improving",
            Trend::Stable => "stable",
            Trend::Declining => "declining",
        }
    }
}

/// Points a score must move over 30 days to count as a trend.
pub const TREND_POINTS: i16 = 5;
/// Days over which tickets, failed payments and margin are read.
const QUARTER_DAYS: u64 = 90;
/// Usage compares the last 30 days with the 30 before.
const USAGE_DAYS: u64 = 30;
/// The usual gap between CSM touches is taken as at least this many days.
const CONTACT_FRESH_DAYS: i64 = 30;
/// The segment mean of weighted tickets is taken as at least this (in
/// halves: two normal tickets per 90 days), so one ticket in a quiet
/// segment does not read as a crisis.
const SUPPORT_MEAN_FLOOR: u32 = 4;

fn days_before(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_sub_days(Days::new(n)).unwrap_or(NaiveDate::MIN)
}

fn clamp_score(v: Decimal) -> u8 {
    let v = v.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    v.clamp(Decimal::ZERO, Decimal::ONE_HUNDRED)
        .try_into()
        .unwrap_or(0)
}

/// Weighted tickets (halves), CSM activities of the 90 days and paying
/// customers: one customer's share of its segment's sums, or the sums.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Share {
    pub tickets: u32,
    pub activities: u32,
    pub paying: u32,
}

impl Share {
    fn add(&mut self, x: Share) {
        self.tickets += x.tickets;
        self.activities += x.activities;
        self.paying += x.paying;
    }

    fn take(&mut self, x: Share) {
        self.tickets -= x.tickets;
        self.activities -= x.activities;
        self.paying -= x.paying;
    }
}

/// What a day's scores were derived from besides each customer's own
/// records: the segments' sums, and per score (same order) the customer's
/// weighted tickets and days since the last CSM touch, which its support
/// and engagement parts compare with the segment's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Basis {
    sums: HashMap<Option<u32>, Share>,
    relative: Vec<(u32, i64)>,
    /// Customers the ledger held: slots added later are new customers.
    slots: usize,
}

/// Every customer's health on one day, with its basis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DayScores {
    /// In slot order.
    pub scores: std::sync::Arc<Vec<Health>>,
    pub basis: Basis,
}

/// What every customer's score on one day shares: the segments' ticket
/// means and usual gaps between CSM touches.
struct Day<'a> {
    day: NaiveDate,
    signals: &'a Signals,
    /// Segment (dictionary id) → mean weighted tickets per paying customer (halves).
    support_mean: HashMap<Option<u32>, Decimal>,
    /// Segment → the usual days between CSM touches (90 days × paying
    /// customers ÷ activities, at least 30).
    contact_gap: HashMap<Option<u32>, i64>,
}

impl Day<'_> {
    /// A segment's mean weighted tickets (halves) on the day.
    fn support_mean_of(&self, segment: Option<u32>) -> Decimal {
        self.support_mean.get(&segment).copied().unwrap_or_default()
    }

    /// A segment's usual days between CSM touches on the day.
    fn contact_gap_of(&self, segment: Option<u32>) -> i64 {
        self.contact_gap
            .get(&segment)
            .copied()
            .unwrap_or(CONTACT_FRESH_DAYS)
    }
}

impl Ledger {
    /// Whether `filter` covers each slot (index a `Health::slot`).
    pub fn covers(&self, filter: &Filter) -> Vec<bool> {
        self.slot_cover(filter)
    }

    /// The slot of a customer id, as `Health::slot` names it.
    pub fn slot_number(&self, customer_id: &str) -> Option<u32> {
        self.slot_of(customer_id).map(|s| s as u32)
    }

    /// The descriptive fields of the customer in `slot`.
    pub fn customer_ref(&self, slot: u32) -> CustomerRef<'_> {
        let (id, info, _) = self.entry(slot as usize);
        CustomerRef {
            id,
            name: info.map(|i| i.name.as_str()),
            segment: info.and_then(|i| i.segment.as_deref()),
            csm: info.and_then(|i| i.csm.as_deref()),
        }
    }

    /// The health of every paying customer `filter` covers on `day`, in slot
    /// order, without explanations (`components` empty). Customers without
    /// data for any component are left out.
    pub fn health_on(&self, day: NaiveDate, filter: &Filter, s: &HealthSettings) -> Vec<Health> {
        let ctx = self.health_day(day, &self.segment_sums(day));
        self.covered_slots(filter)
            .filter_map(|(slot, t)| self.score_slot(&ctx, slot, t, s, false).map(|x| x.0))
            .collect()
    }

    /// Every customer's health on `day` (as `health_on` with no filter) with
    /// what the scores share, so a later change of a few customers can be
    /// re-scored by `rescored`.
    pub fn health_day_scores(&self, day: NaiveDate, s: &HealthSettings) -> DayScores {
        let sums = self.segment_sums(day);
        let ctx = self.health_day(day, &sums);
        let (scores, relative): (Vec<Health>, _) = self
            .covered_slots(&Filter::all())
            .filter_map(|(slot, t)| self.score_slot(&ctx, slot, t, s, false))
            .unzip();
        DayScores {
            scores: scores.into(),
            basis: Basis {
                sums,
                relative,
                slots: self.customer_count(),
            },
        }
    }

    /// What `rescored` needs unchanged by a write: the slot numbering
    /// (scores are kept by slot; added slots are fine) and the first
    /// day of tickets, CSM activities and usage (moving one moves every
    /// score, not only its customers').
    pub fn health_shape(&self) -> (u64, [Option<NaiveDate>; 3]) {
        (self.slot_layout(), self.signals().firsts())
    }

    /// What each of `slots` adds to its segment's sums on `day` as the
    /// ledger stands: asked before a change and given to `rescored` after it.
    pub fn health_shares(&self, day: NaiveDate, slots: &[usize]) -> Vec<(usize, Option<Share>)> {
        let mut slots = slots.to_vec();
        slots.sort_unstable();
        slots.dedup();
        slots
            .into_iter()
            .map(|slot| (slot, self.share_of(day, slot)))
            .collect()
    }

    /// `before` re-scored after a change that touched only the customers of
    /// `shares` (from `health_shares`: each once, with its share as it was
    /// before the change): those
    /// customers are scored afresh, and where their segment's ticket mean or
    /// usual contact gap moved, the other customers of the segment have
    /// their support and engagement parts re-derived by arithmetic. Equal
    /// to `health_day_scores` of the changed ledger, at the cost of the
    /// touched customers and one pass over the scores.
    pub fn rescored(
        &self,
        before: &DayScores,
        day: NaiveDate,
        shares: &[(usize, Option<Share>)],
        s: &HealthSettings,
    ) -> DayScores {
        // Customers added since `before` are touched too, with no share before.
        let added: Vec<(usize, Option<Share>)> = (before.basis.slots..self.customer_count())
            .map(|slot| (slot, None))
            .collect();
        let shares: Vec<(usize, Option<Share>)> = shares
            .iter()
            .copied()
            .filter(|x| x.0 < before.basis.slots)
            .chain(added)
            .collect();
        let mut sums = before.basis.sums.clone();
        for &(slot, was) in &shares {
            let segment = self.segment_id(slot);
            let now = self.share_of(day, slot);
            let e = sums.entry(segment).or_default();
            if let Some(w) = was {
                e.take(w);
            }
            if let Some(n) = now {
                e.add(n);
            }
            if e.paying == 0 {
                sums.remove(&segment);
            }
        }
        let old = self.health_day(day, &before.basis.sums);
        let ctx = self.health_day(day, &sums);
        let moved: std::collections::HashSet<Option<u32>> = ctx
            .support_mean
            .keys()
            .chain(old.support_mean.keys())
            .filter(|seg| {
                old.support_mean.get(seg) != ctx.support_mean.get(seg)
                    || old.contact_gap.get(seg) != ctx.contact_gap.get(seg)
            })
            .copied()
            .collect();
        let mut touched: Vec<usize> = shares.iter().map(|x| x.0).collect();
        touched.sort_unstable();
        touched.dedup();
        let mut fresh = touched
            .iter()
            .filter_map(|&slot| self.score_slot(&ctx, slot, self.timeline_of_slot(slot), s, false));
        let mut next = fresh.next();
        let n = before.scores.len();
        let mut scores = Vec::with_capacity(n + touched.len());
        let mut relative = Vec::with_capacity(n + touched.len());
        for (h, rel) in before.scores.iter().zip(&before.basis.relative) {
            while let Some((fh, fr)) = next.take_if(|x| x.0.slot < h.slot) {
                scores.push(fh);
                relative.push(fr);
                next = fresh.next();
            }
            if touched.binary_search(&(h.slot as usize)).is_ok() {
                continue;
            }
            let segment = self.segment_id(h.slot as usize);
            if !moved.contains(&segment) {
                scores.push(h.clone());
                relative.push(*rel);
                continue;
            }
            let mut parts = h.parts;
            if parts[2].is_some() {
                parts[2] = Some(support_score(rel.0, ctx.support_mean_of(segment)));
            }
            if parts[3].is_some() {
                parts[3] = Some(engagement_score(rel.1, ctx.contact_gap_of(segment)));
            }
            let mut h = h.clone();
            if parts != h.parts
                && let Some(score) = combine(&parts, s)
            {
                h.parts = parts;
                h.score = score;
                h.band = s.band(score);
            }
            scores.push(h);
            relative.push(*rel);
        }
        while let Some((fh, fr)) = next {
            scores.push(fh);
            relative.push(fr);
            next = fresh.next();
        }
        DayScores {
            scores: scores.into(),
            basis: Basis {
                sums,
                relative,
                slots: self.customer_count(),
            },
        }
    }

    /// One customer's health on `day` with its components explained, if it
    /// is paying and has data.
    pub fn health_of(
        &self,
        customer_id: &str,
        day: NaiveDate,
        s: &HealthSettings,
    ) -> Option<Health> {
        let slot = self.slot_of(customer_id)?;
        let ctx = self.health_day(day, &self.segment_sums(day));
        self.score_slot(&ctx, slot, self.timeline(customer_id)?, s, true)
            .map(|x| x.0)
    }

    /// Per segment: weighted tickets, CSM activities and paying customers.
    fn segment_sums(&self, day: NaiveDate) -> HashMap<Option<u32>, Share> {
        let mut sums: HashMap<Option<u32>, Share> = HashMap::new();
        for (slot, _) in self.covered_slots(&Filter::all()) {
            if let Some(x) = self.share_of(day, slot) {
                sums.entry(self.segment_id(slot)).or_default().add(x);
            }
        }
        sums
    }

    /// What a customer adds to its segment's sums on `day`: its weighted
    /// tickets and CSM activities of the 90 days, if it is paying.
    fn share_of(&self, day: NaiveDate, slot: usize) -> Option<Share> {
        if !is_paying(self.timeline_of_slot(slot).value_on(day)) {
            return None;
        }
        let quarter_start = days_before(day, QUARTER_DAYS - 1);
        let (tickets, activities) = self.signals().of(self.entry(slot).0).map_or((0, 0), |c| {
            (
                weighted_tickets(c, day),
                dated_in(&c.activities, |a| a.0, quarter_start, day).len() as u32,
            )
        });
        Some(Share {
            tickets,
            activities,
            paying: 1,
        })
    }

    fn health_day(&self, day: NaiveDate, sums: &HashMap<Option<u32>, Share>) -> Day<'_> {
        let support_mean = sums
            .iter()
            .map(|(seg, x)| {
                (
                    *seg,
                    Decimal::from(x.tickets) / Decimal::from(x.paying.max(1)),
                )
            })
            .collect();
        let contact_gap = sums
            .iter()
            .map(|(seg, x)| {
                let gap = if x.activities == 0 {
                    i64::MAX / 4
                } else {
                    (QUARTER_DAYS as i64 * i64::from(x.paying)) / i64::from(x.activities)
                };
                (*seg, gap.max(CONTACT_FRESH_DAYS))
            })
            .collect();
        Day {
            day,
            signals: self.signals(),
            support_mean,
            contact_gap,
        }
    }

    fn score_slot(
        &self,
        ctx: &Day<'_>,
        slot: usize,
        t: TimelineRef<'_>,
        s: &HealthSettings,
        explain: bool,
    ) -> Option<(Health, (u32, i64))> {
        let day = ctx.day;
        let mrr = t.value_on(day);
        if !is_paying(mrr) {
            return None;
        }
        let id = self.entry(slot).0;
        let segment = self.segment_id(slot);
        let empty = CustomerSignals::default();
        let sig = ctx.signals.of(id).unwrap_or(&empty);
        let mut parts: [Option<u8>; 5] = [None; 5];
        let mut inputs: [Vec<(&'static str, String)>; 5] = Default::default();
        // Own weighted tickets and days since the last touch (see `Basis`).
        let mut relative = (0u32, 0i64);
        let quarter_start = days_before(day, QUARTER_DAYS - 1);
        let billing = self.billing();
        let billed = billing.position(id).map(|i| &billing.records.customers[i]);

        // Payment: overdue age and size, failed payments.
        if let Some(c) = billed.filter(|c| c.invoices.first().is_some_and(|i| i.issued <= day)) {
            let (mut oldest, mut open) = (0i64, 0i128);
            let mut failed = 0u32;
            for inv in c.invoices.iter().take_while(|i| i.issued <= day) {
                let past_due = (day - inv.due).num_days();
                if past_due >= 1
                    && let Some(o) = billing.open_on(inv, day).filter(|&o| o != 0)
                {
                    oldest = oldest.max(past_due);
                    open += o;
                }
                failed += billing
                    .records
                    .payments_of(inv.id)
                    .filter(|p| {
                        p.status == quarterdeck_domain::records::PaymentStatus::Failed
                            && (quarter_start..=day).contains(&p.day)
                    })
                    .count() as u32;
            }
            let balance = crate::money::unfixed(open, true);
            parts[0] = Some(payment_score(oldest, balance, mrr, failed));
            if explain {
                inputs[0] = vec![
                    ("oldest_overdue_days", oldest.to_string()),
                    ("overdue_balance", balance.round_dp(2).to_string()),
                    ("failed_payments_90d", failed.to_string()),
                ];
            }
        }
        // Usage: the last 30 days against the 30 before, once 60 days exist.
        if ctx
            .signals
            .first_usage
            .is_some_and(|f| f <= days_before(day, 2 * USAGE_DAYS - 1))
        {
            let sum = |from, to| -> u64 {
                dated_in(&sig.usage, |u| u.0, from, to)
                    .iter()
                    .map(|u| u64::from(u.1))
                    .sum()
            };
            let last = sum(days_before(day, USAGE_DAYS - 1), day);
            let before = sum(
                days_before(day, 2 * USAGE_DAYS - 1),
                days_before(day, USAGE_DAYS),
            );
            parts[1] = Some(usage_score(last, before));
            if explain {
                inputs[1] = vec![
                    ("events_30d", last.to_string()),
                    ("events_previous_30d", before.to_string()),
                ];
            }
        }
        // Support: weighted tickets against the segment's mean.
        if ctx.signals.first_ticket.is_some_and(|f| f <= day) {
            let own = weighted_tickets(sig, day);
            relative.0 = own;
            let mean = ctx.support_mean_of(segment);
            parts[2] = Some(support_score(own, mean));
            if explain {
                inputs[2] = vec![
                    ("weighted_tickets_90d", half_units(Decimal::from(own))),
                    ("segment_mean_90d", half_units(mean)),
                ];
            }
        }
        // Engagement: days since the last CSM touch (or since it started
        // paying), against the gap its segment usually sees.
        if ctx.signals.first_activity.is_some_and(|f| f <= day) {
            let last = dated_in(&sig.activities, |a| a.0, NaiveDate::MIN, day)
                .last()
                .map(|a| a.0)
                .or(t.first_paid())
                .unwrap_or(day);
            let days = (day - last).num_days();
            relative.1 = days;
            let gap = ctx.contact_gap_of(segment);
            parts[3] = Some(engagement_score(days, gap));
            if explain {
                inputs[3] = vec![
                    ("days_since_csm_activity", days.to_string()),
                    ("segment_usual_gap_days", gap.min(9999).to_string()),
                ];
            }
        }
        // Profitability: margin over the last 90 days, where costs are known.
        if let Some(c) = billed {
            let quarter = Period::new(quarter_start, day).expect("ordered");
            let (revenue, any) = crate::billing_index::revenue_of(c, quarter);
            let direct: Decimal = c
                .costs
                .iter()
                .filter(|x| x.touches(quarter))
                .map(|x| x.in_period(quarter))
                .sum();
            let labour: Decimal = c
                .time
                .iter()
                .filter(|x| quarter.contains(x.day))
                .map(|x| x.cost())
                .sum();
            let costs = direct + labour;
            if !costs.is_zero() {
                let revenue = crate::money::unfixed(revenue, any);
                let margin = crate::money::ratio(revenue - costs, revenue);
                parts[4] = Some(profitability_score(margin));
                if explain {
                    inputs[4] = vec![
                        (
                            "margin_90d",
                            margin.map_or("—".into(), |m| m.round_dp(4).to_string()),
                        ),
                        ("costs_90d", costs.round_dp(2).to_string()),
                    ];
                }
            }
        }
        let score = combine(&parts, s)?;
        let components = if explain {
            explain_parts(&parts, inputs, s)
        } else {
            Vec::new()
        };
        Some((
            Health {
                slot: slot as u32,
                day,
                score,
                band: s.band(score),
                arr: mrr * Decimal::from(12),
                parts,
                components,
            },
            relative,
        ))
    }

    /// The dictionary id of a slot's segment.
    fn segment_id(&self, slot: usize) -> Option<u32> {
        self.attributes(slot).segment
    }
}

/// Weighted tickets (in halves) opened in the 90 days ending `day`.
fn weighted_tickets(sig: &CustomerSignals, day: NaiveDate) -> u32 {
    dated_in(
        &sig.tickets,
        |t| t.0,
        days_before(day, QUARTER_DAYS - 1),
        day,
    )
    .iter()
    .map(|t| u32::from(t.1))
    .sum()
}

/// A count in halves, as a decimal ("2.5").
fn half_units(v: Decimal) -> String {
    (v / Decimal::TWO).round_dp(2).normalize().to_string()
}

/// Payment: 100, less 40 while the oldest invoice is up to 30 days past
/// due, 70 to 60 days, 100 beyond; 15 more when the overdue balance is a
/// month of MRR or more, and 30 per failed payment in 90 days.
pub fn payment_score(oldest_days: i64, balance: Decimal, mrr: Decimal, failed: u32) -> u8 {
    let age = match oldest_days {
        ..=0 => 0,
        1..=30 => 40,
        31..=60 => 70,
        _ => 100,
    };
    let size = if balance > Decimal::ZERO && balance >= mrr {
        15
    } else {
        0
    };
    let failed = 30 * i64::from(failed.min(4));
    (100 - age - size - failed).clamp(0, 100) as u8
}

/// Usage: events in the last 30 days as a share of the 30 before (capped at
/// 100); with none before, 100 if any now, else 0.
pub fn usage_score(last: u64, before: u64) -> u8 {
    if before == 0 {
        return if last > 0 { 100 } else { 0 };
    }
    clamp_score(Decimal::from(100 * last) / Decimal::from(before))
}

/// Support: q = weighted tickets ÷ the segment mean (at least the floor);
/// 100 up to half the mean, then 40 points less per mean more (0 at 3×).
pub fn support_score(own_halves: u32, mean_halves: Decimal) -> u8 {
    let mean = mean_halves.max(Decimal::from(SUPPORT_MEAN_FLOOR));
    let q = Decimal::from(own_halves) / mean;
    let over = (q - Decimal::new(5, 1)).max(Decimal::ZERO);
    clamp_score(Decimal::ONE_HUNDRED - Decimal::from(40) * over)
}

/// Engagement: 100 while the days since the last CSM activity are within
/// the segment's usual gap between touches, falling evenly to 0 at three
/// times that gap.
pub fn engagement_score(days: i64, usual_gap: i64) -> u8 {
    let gap = usual_gap.max(1);
    if days <= gap {
        return 100;
    }
    let left = (3 * gap - days).max(0);
    clamp_score(Decimal::from(100 * left) / Decimal::from(2 * gap))
}

/// Profitability: 200 × margin, within 0–100 (a 50 % margin or better
/// scores 100; revenue-less costs score 0).
pub fn profitability_score(margin: Option<Decimal>) -> u8 {
    margin.map_or(0, |m| clamp_score(m * Decimal::from(200)))
}

/// The weighted mean of the components present, re-weighted to sum to 1,
/// rounded half up; `None` when none is present or all present weigh 0.
fn combine(parts: &[Option<u8>; 5], s: &HealthSettings) -> Option<u8> {
    let mut total = Decimal::ZERO;
    let mut sum = Decimal::ZERO;
    for (kind, part) in ComponentKind::ALL.iter().zip(parts) {
        if let Some(score) = part {
            let w = s.weight(*kind);
            total += w;
            sum += Decimal::from(*score) * w;
        }
    }
    (total > Decimal::ZERO).then(|| clamp_score(sum / total))
}

/// The components present with their re-weighted weights, contributions
/// and inputs.
fn explain_parts(
    parts: &[Option<u8>; 5],
    inputs: [Vec<(&'static str, String)>; 5],
    s: &HealthSettings,
) -> Vec<Component> {
    let total: Decimal = ComponentKind::ALL
        .iter()
        .zip(parts)
        .filter(|(_, p)| p.is_some())
        .map(|(k, _)| s.weight(*k))
        .sum();
    ComponentKind::ALL
        .iter()
        .zip(parts)
        .zip(inputs)
        .filter_map(|((kind, part), inputs)| {
            let score = (*part)?;
            let weight = s.weight(*kind) / total;
            Some(Component {
                kind: *kind,
                score,
                weight,
                contribution: Decimal::from(score) * weight,
                inputs,
            })
        })
        .collect()
}

/// The predictive check of one month end.
#[derive(Debug, Clone, PartialEq)]
pub struct MonthCheck {
    pub month_end: NaiveDate,
    /// Per band (healthy, at risk, critical): customers scored, and how many
    /// of them churned within the 90 days after the month end.
    pub bands: [(u32, u32); 3],
    /// Whether the 90 days have passed by the day asked.
    pub complete: bool,
}

/// How well the score foretold churn over the last twelve month ends.
#[derive(Debug, Clone, PartialEq)]
pub struct Backtest {
    pub months: Vec<MonthCheck>,
    /// ROC AUC of (100 − score) as a predictor of churn within 90 days,
    /// over the complete months; `None` without both outcomes.
    pub auc: Option<Decimal>,
}

/// Days after a month end within which a churn counts.
pub const CHURN_WINDOW_DAYS: u64 = 90;

impl Backtest {
    /// Churned ÷ scored of a band over the complete months.
    pub fn rate(&self, band: Band) -> Option<Decimal> {
        let i = Band::ALL.iter().position(|b| *b == band)?;
        let (n, c) = self
            .months
            .iter()
            .filter(|m| m.complete)
            .fold((0u32, 0u32), |acc, m| {
                (acc.0 + m.bands[i].0, acc.1 + m.bands[i].1)
            });
        (n > 0).then(|| Decimal::from(c) / Decimal::from(n))
    }
}

impl Ledger {
    /// The predictive check of metrics.md for the twelve month ends on or
    /// before `today`.
    pub fn health_backtest(
        &self,
        today: NaiveDate,
        filter: &Filter,
        s: &HealthSettings,
    ) -> Backtest {
        self.health_backtest_from(today, |day| {
            std::sync::Arc::new(self.health_on(day, filter, s))
        })
    }

    /// The predictive check with the scores of each month end from
    /// `scores_on` (a cache, or a filtered view of one).
    pub fn health_backtest_from(
        &self,
        today: NaiveDate,
        mut scores_on: impl FnMut(NaiveDate) -> std::sync::Arc<Vec<Health>>,
    ) -> Backtest {
        let ends = crate::period::month_ends(today);
        let mut pairs: Vec<(u8, bool)> = Vec::new();
        let months = ends
            .into_iter()
            .map(|end| {
                let window_end = end + Days::new(CHURN_WINDOW_DAYS);
                let complete = window_end <= today;
                let mut bands = [(0u32, 0u32); 3];
                for h in scores_on(end).iter() {
                    let churned = churned_within(
                        self.timeline_of_slot(h.slot as usize),
                        end,
                        window_end.min(today),
                    );
                    let i = Band::ALL.iter().position(|b| *b == h.band).expect("a band");
                    bands[i].0 += 1;
                    bands[i].1 += u32::from(churned);
                    if complete {
                        pairs.push((h.score, churned));
                    }
                }
                MonthCheck {
                    month_end: end,
                    bands,
                    complete,
                }
            })
            .collect();
        Backtest {
            months,
            auc: auc(&pairs),
        }
    }
}

/// Whether the customer stopped paying on some day in `(after, to]`.
fn churned_within(t: TimelineRef<'_>, after: NaiveDate, to: NaiveDate) -> bool {
    t.first_unpaid_in(after, to).is_some()
}

/// ROC AUC of (100 − score) for `churned`: the chance that a customer who
/// churned scored lower than one who did not (ties count half).
pub fn auc(pairs: &[(u8, bool)]) -> Option<Decimal> {
    let mut churned = [0u64; 101];
    let mut stayed = [0u64; 101];
    for &(score, c) in pairs {
        let s = usize::from(score.min(100));
        if c {
            churned[s] += 1;
        } else {
            stayed[s] += 1;
        }
    }
    let (nc, ns): (u64, u64) = (churned.iter().sum(), stayed.iter().sum());
    if nc == 0 || ns == 0 {
        return None;
    }
    // Twice the count of ordered pairs, so ties stay whole numbers.
    let mut twice = 0u128;
    let mut stayed_above = ns;
    for s in 0..=100 {
        stayed_above -= stayed[s];
        twice += u128::from(churned[s]) * (2 * u128::from(stayed_above) + u128::from(stayed[s]));
    }
    Some(Decimal::from(twice as u64) / Decimal::from(2 * nc * ns))
}
