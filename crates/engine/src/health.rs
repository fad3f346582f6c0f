//! Customer health (metrics.md, Customer health and risk): a 0–100 score per
//! paying customer per day, the weighted mean of five components, each read
//! only from records dated on or before that day, so a past day's score is
//! what it would have said then. The formulas are documented in
//! docs/metric-choices.md (Health); their constants live here.

use crate::filter::Filter;
use crate::ledger::Ledger;
use crate::period::Period;
use crate::signals::{CustomerSignals, SignalIndex, dated_in};
use crate::timeline::{TimelineRef, is_paying};
use chrono::{Datelike, Days, NaiveDate};
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
    pub customer_id: String,
    pub day: NaiveDate,
    /// 0–100: the contributions' sum, rounded half up.
    pub score: u8,
    pub band: Band,
    /// ARR on the day (12 × MRR_c).
    pub arr: Decimal,
    pub segment: Option<String>,
    pub csm: Option<String>,
    pub name: Option<String>,
    pub components: Vec<Component>,
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

/// A component before weighting: its kind, score and inputs.
type Part = (ComponentKind, u8, Vec<(&'static str, String)>);

/// Points a score must move over 30 days to count as a trend.
const TREND_POINTS: i16 = 5;
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

/// What every customer's score on one day shares: overdue invoices, margins,
/// segment ticket means.
struct Day<'a> {
    day: NaiveDate,
    signals: &'a SignalIndex,
    /// Customer → (oldest days past due, open overdue balance).
    overdue: HashMap<String, (i64, Decimal)>,
    /// Customer → (margin, costs) over the 90 days ending the day, where
    /// it has costs or hours.
    margins: HashMap<String, (Option<Decimal>, Decimal)>,
    /// Segment → mean weighted tickets per paying customer (halves).
    support_mean: HashMap<Option<String>, Decimal>,
    /// Segment → the usual days between CSM touches (90 days × paying
    /// customers ÷ activities, at least 30).
    contact_gap: HashMap<Option<String>, i64>,
}

impl Ledger {
    /// The ids of the customers `filter` covers.
    pub fn covered_ids(&self, filter: &Filter) -> std::collections::HashSet<&str> {
        self.covered_slots(filter)
            .map(|(slot, _)| self.entry(slot).0)
            .collect()
    }

    /// The health of every paying customer `filter` covers on `day`, by
    /// customer id. Customers without data for any component are left out.
    pub fn health_on(&self, day: NaiveDate, filter: &Filter, s: &HealthSettings) -> Vec<Health> {
        let ctx = self.health_day(day);
        let mut out: Vec<Health> = self
            .covered_slots(filter)
            .filter_map(|(slot, t)| self.score_slot(&ctx, slot, t, s))
            .collect();
        out.sort_by(|a, b| a.customer_id.cmp(&b.customer_id));
        out
    }

    /// One customer's health on `day`, if it is paying and has data.
    pub fn health_of(
        &self,
        customer_id: &str,
        day: NaiveDate,
        s: &HealthSettings,
    ) -> Option<Health> {
        let slot = self.slot_of(customer_id)?;
        let ctx = self.health_day(day);
        self.score_slot(&ctx, slot, self.timeline(customer_id)?, s)
    }

    fn health_day(&self, day: NaiveDate) -> Day<'_> {
        let mut overdue: HashMap<String, (i64, Decimal)> = HashMap::new();
        for o in self.overdue_invoices(day, &Filter::all()) {
            let e = overdue.entry(o.customer_id).or_default();
            e.0 = e.0.max(o.days_past_due);
            e.1 += o.open_balance;
        }
        let quarter = Period::new(days_before(day, QUARTER_DAYS - 1), day).expect("ordered");
        let margins = self
            .client_profitability(quarter, &Filter::all())
            .into_iter()
            .filter(|p| !(p.direct_costs + p.labour_cost).is_zero())
            .map(|p| (p.customer_id, (p.margin, p.direct_costs + p.labour_cost)))
            .collect();
        let signals = self.signals();
        // Per segment: weighted tickets, CSM activities and paying customers.
        let mut sums: HashMap<Option<String>, (u32, u32, u32)> = HashMap::new();
        let quarter_start = days_before(day, QUARTER_DAYS - 1);
        for (slot, t) in self.covered_slots(&Filter::all()) {
            if !is_paying(t.value_on(day)) {
                continue;
            }
            let (id, info, _) = self.entry(slot);
            let (w, a) = signals.customers.get(id).map_or((0, 0), |c| {
                (
                    weighted_tickets(c, day),
                    dated_in(&c.activities, |d| *d, quarter_start, day).len() as u32,
                )
            });
            let e = sums
                .entry(info.and_then(|i| i.segment.clone()))
                .or_default();
            e.0 += w;
            e.1 += a;
            e.2 += 1;
        }
        let support_mean = sums
            .iter()
            .map(|(seg, (w, _, n))| (seg.clone(), Decimal::from(*w) / Decimal::from((*n).max(1))))
            .collect();
        // The gap between CSM touches the segment's accounts usually see.
        let contact_gap = sums
            .into_iter()
            .map(|(seg, (_, a, n))| {
                let gap = if a == 0 {
                    i64::MAX / 4
                } else {
                    (QUARTER_DAYS as i64 * i64::from(n)) / i64::from(a)
                };
                (seg, gap.max(CONTACT_FRESH_DAYS))
            })
            .collect();
        Day {
            day,
            signals,
            overdue,
            margins,
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
    ) -> Option<Health> {
        let day = ctx.day;
        let mrr = t.value_on(day);
        if !is_paying(mrr) {
            return None;
        }
        let (id, info, _) = self.entry(slot);
        let empty = CustomerSignals::default();
        let sig = ctx.signals.customers.get(id).unwrap_or(&empty);
        let segment = info.and_then(|i| i.segment.clone());
        let mut parts: Vec<Part> = Vec::new();

        // Payment: overdue age and size, failed payments.
        if self.has_invoice_by(id, day) {
            let (oldest, balance) = ctx.overdue.get(id).copied().unwrap_or_default();
            let failed = self.failed_payments(id, days_before(day, QUARTER_DAYS - 1), day);
            let score = payment_score(oldest, balance, mrr, failed);
            parts.push((
                ComponentKind::Payment,
                score,
                vec![
                    ("oldest_overdue_days", oldest.to_string()),
                    ("overdue_balance", balance.round_dp(2).to_string()),
                    ("failed_payments_90d", failed.to_string()),
                ],
            ));
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
            parts.push((
                ComponentKind::Usage,
                usage_score(last, before),
                vec![
                    ("events_30d", last.to_string()),
                    ("events_previous_30d", before.to_string()),
                ],
            ));
        }
        // Support: weighted tickets against the segment's mean.
        if ctx.signals.first_ticket.is_some_and(|f| f <= day) {
            let own = weighted_tickets(sig, day);
            let mean = ctx.support_mean.get(&segment).copied().unwrap_or_default();
            parts.push((
                ComponentKind::Support,
                support_score(own, mean),
                vec![
                    ("weighted_tickets_90d", half_units(Decimal::from(own))),
                    ("segment_mean_90d", half_units(mean)),
                ],
            ));
        }
        // Engagement: days since the last CSM touch (or since it started
        // paying), against the gap its segment usually sees.
        if ctx.signals.first_activity.is_some_and(|f| f <= day) {
            let last = dated_in(&sig.activities, |d| *d, NaiveDate::MIN, day)
                .last()
                .copied()
                .or(t.first_paid())
                .unwrap_or(day);
            let days = (day - last).num_days();
            let gap = ctx
                .contact_gap
                .get(&segment)
                .copied()
                .unwrap_or(CONTACT_FRESH_DAYS);
            parts.push((
                ComponentKind::Engagement,
                engagement_score(days, gap),
                vec![
                    ("days_since_csm_activity", days.to_string()),
                    ("segment_usual_gap_days", gap.min(9999).to_string()),
                ],
            ));
        }
        // Profitability: margin over the last 90 days, where costs are known.
        if let Some((margin, costs)) = ctx.margins.get(id) {
            parts.push((
                ComponentKind::Profitability,
                profitability_score(*margin),
                vec![
                    (
                        "margin_90d",
                        margin.map_or("—".into(), |m| m.round_dp(4).to_string()),
                    ),
                    ("costs_90d", costs.round_dp(2).to_string()),
                ],
            ));
        }
        let (score, components) = combine(parts, s)?;
        Some(Health {
            customer_id: id.to_string(),
            day,
            score,
            band: s.band(score),
            arr: mrr * Decimal::from(12),
            segment,
            csm: info.and_then(|i| i.csm.clone()),
            name: info.map(|i| i.name.clone()),
            components,
        })
    }

    /// Whether the customer has an invoice issued on or before `day`.
    fn has_invoice_by(&self, customer_id: &str, day: NaiveDate) -> bool {
        let b = self.billing();
        b.position(customer_id).is_some_and(|i| {
            b.records.customers[i]
                .invoices
                .iter()
                .any(|inv| inv.issued <= day)
        })
    }

    /// Failed payments of the customer's invoices dated in `from..=to`.
    fn failed_payments(&self, customer_id: &str, from: NaiveDate, to: NaiveDate) -> u32 {
        let b = self.billing();
        let Some(i) = b.position(customer_id) else {
            return 0;
        };
        b.records.customers[i]
            .invoices
            .iter()
            .flat_map(|inv| b.records.payments_of(inv.id))
            .filter(|p| {
                p.status == quarterdeck_domain::records::PaymentStatus::Failed
                    && (from..=to).contains(&p.day)
            })
            .count() as u32
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

/// The weighted mean of the components present, re-weighted to sum to 1;
/// `None` when none is present or all present weigh 0.
fn combine(parts: Vec<Part>, s: &HealthSettings) -> Option<(u8, Vec<Component>)> {
    let total: Decimal = parts.iter().map(|p| s.weight(p.0)).sum();
    if total <= Decimal::ZERO {
        return None;
    }
    let components: Vec<Component> = parts
        .into_iter()
        .map(|(kind, score, inputs)| {
            let weight = s.weight(kind) / total;
            Component {
                kind,
                score,
                weight,
                contribution: Decimal::from(score) * weight,
                inputs,
            }
        })
        .collect();
    let sum: Decimal = components.iter().map(|c| c.contribution).sum();
    Some((clamp_score(sum), components))
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
        self.health_backtest_from(today, |day| self.health_on(day, filter, s))
    }

    /// The predictive check with the scores of each month end from
    /// `scores_on` (a cache, or a filtered view of one).
    pub fn health_backtest_from(
        &self,
        today: NaiveDate,
        mut scores_on: impl FnMut(NaiveDate) -> Vec<Health>,
    ) -> Backtest {
        // The last month end on or before today, and the eleven before it.
        let mut end = if crate::period::is_month_end(today) {
            today
        } else {
            days_before(today.with_day(1).expect("day 1"), 1)
        };
        let mut ends = Vec::new();
        for _ in 0..12 {
            ends.push(end);
            end = days_before(end.with_day(1).expect("day 1"), 1);
        }
        ends.reverse();
        let mut pairs: Vec<(u8, bool)> = Vec::new();
        let months = ends
            .into_iter()
            .map(|end| {
                let window_end = end + Days::new(CHURN_WINDOW_DAYS);
                let complete = window_end <= today;
                let mut bands = [(0u32, 0u32); 3];
                for h in scores_on(end) {
                    let churned = self
                        .timeline(&h.customer_id)
                        .is_some_and(|t| churned_within(t, end, window_end.min(today)));
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
    t.points()
        .iter()
        .any(|(d, v)| *d > after && *d <= to && !is_paying(*v))
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
