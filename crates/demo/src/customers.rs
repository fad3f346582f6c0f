//! Customers: who they are, when they were won and how they pay.

use crate::DemoConfig;
use crate::calendar::{Span, add_days, stamp};
use crate::names;
use crate::rng::{Dice, Stream};
use chrono::NaiveDate;
use serde_json::{Value, json};

/// How much the business grows over the span: the last month wins this many
/// times the customers of the first.
const GROWTH: f64 = 4.0;

/// Size class of a customer; sets prices, seats, churn and attention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment {
    Smb,
    MidMarket,
    Enterprise,
}

impl Segment {
    /// The value written to `segment`.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Segment::Smb => "smb",
            Segment::MidMarket => "mid_market",
            Segment::Enterprise => "enterprise",
        }
    }

    /// Index 0..3, for per-segment tables.
    pub(crate) fn rank(self) -> usize {
        self as usize
    }

    /// Picks one of three values by segment.
    pub(crate) fn by<T: Copy>(self, smb: T, mid: T, ent: T) -> T {
        [smb, mid, ent][self.rank()]
    }
}

/// The currencies customers are billed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cur {
    Usd,
    Eur,
    Gbp,
}

impl Cur {
    /// ISO 4217 code.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Cur::Usd => "USD",
            Cur::Eur => "EUR",
            Cur::Gbp => "GBP",
        }
    }
}

/// How reliably a customer pays its invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Payer {
    Prompt,
    Slow,
    Poor,
}

/// Everything fixed about one customer, derived from the seed and its index alone.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    pub index: usize,
    pub id: String,
    pub name: String,
    pub segment: Segment,
    pub csm: &'static str,
    pub region: &'static str,
    pub country: &'static str,
    pub currency: Cur,
    pub tax_percent: u32,
    pub user_type: &'static str,
    pub channel: &'static str,
    pub employees: i64,
    pub payer: Payer,
    /// The day the customer signed up (its first subscription starts then).
    pub acquired: NaiveDate,
    /// Seconds into `acquired` of the sign-up.
    pub acquired_at: u32,
}

/// The id of customer `index`.
pub(crate) fn customer_id(index: usize) -> String {
    format!("cus_{index:06}")
}

impl Profile {
    /// Customer `index` of the company described by `config`.
    pub(crate) fn new(config: &DemoConfig, span: &Span, index: usize) -> Self {
        let mut dice = Dice::new(config.seed, index as u64, Stream::Profile);
        let acquired = acquisition_day(&mut dice, span, index, config.customers);
        let segment = dice.weighted(&[
            (Segment::Smb, 0.68),
            (Segment::MidMarket, 0.24),
            (Segment::Enterprise, 0.08),
        ]);
        let csm = dice.weighted(names::CSMS[segment.rank()]);
        let region = dice.weighted(names::REGIONS);
        let country = dice.weighted(names::countries(region));
        // Local-currency billing is offered in the UK and the euro area; not everyone takes it.
        let currency = match country {
            "GB" if dice.chance(0.6) => Cur::Gbp,
            "DE" | "FR" | "NL" | "ES" | "IE" if dice.chance(0.65) => Cur::Eur,
            _ => Cur::Usd,
        };
        let tax_percent = names::tax_percent(&mut dice, country);
        let name = names::company(&mut dice, country);
        // A two-sided platform: accounts are sellers (who pay for the tools) or buyers.
        let user_type = dice.weighted(&[("seller", 0.7), ("buyer", 0.3)]);
        let channel = match segment {
            Segment::Smb => {
                dice.weighted(&[("self_serve", 0.6), ("inbound", 0.3), ("partner", 0.1)])
            }
            _ => dice.weighted(&[("inbound", 0.35), ("outbound", 0.45), ("partner", 0.2)]),
        };
        let employees = match segment {
            Segment::Smb => dice.int(2, 60),
            Segment::MidMarket => dice.int(60, 900),
            Segment::Enterprise => dice.int(1000, 25_000),
        };
        let payer = match segment {
            // Large accounts pay by bank transfer through procurement: slow, rarely never.
            Segment::Enterprise => dice.weighted(&[
                (Payer::Prompt, 0.6),
                (Payer::Slow, 0.37),
                (Payer::Poor, 0.03),
            ]),
            _ => dice.weighted(&[
                (Payer::Prompt, 0.8),
                (Payer::Slow, 0.14),
                (Payer::Poor, 0.06),
            ]),
        };
        let acquired_at = dice.seconds_between_hours(8, 20);
        Profile {
            index,
            id: customer_id(index),
            name,
            segment,
            csm,
            region,
            country,
            currency,
            tax_percent,
            user_type,
            channel,
            employees,
            payer,
            acquired,
            acquired_at,
        }
    }

    /// The `customers` row.
    pub(crate) fn row(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "segment": self.segment.slug(),
            "csm": self.csm,
            "region": self.region,
            "country": self.country,
            "created_at": stamp(self.acquired, self.acquired_at),
            "user_type": self.user_type,
            "attributes": {"channel": self.channel, "employees": self.employees},
        })
    }
}

/// The sign-up day of customer `index` of `n`: customers are spread over the
/// span with exponential growth, in id order (a lower id signed up no later),
/// and before `today` so that the sign-up timestamp is in the past.
fn acquisition_day(dice: &mut Dice, span: &Span, index: usize, n: usize) -> NaiveDate {
    // Quantile (index + jitter) / n keeps ids in sign-up order while every
    // customer still gets a random day.
    let u = (index as f64 + dice.unit()) / n.max(1) as f64;
    let days = span.days().max(1) as f64;
    let g = GROWTH.ln() / days;
    // Inverse of the CDF of a density proportional to e^(g t) on [0, days].
    let t = (1.0 + u * (GROWTH - 1.0)).ln() / g;
    add_days(span.start, (t.floor() as i64).clamp(0, span.days() - 1))
}
