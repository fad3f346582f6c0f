//! Company-wide context: the span, exchange rates, size, and running totals
//! that the company-level costs and KPIs are derived from.

use crate::DemoConfig;
use crate::calendar::{Span, date};
use crate::customers::Cur;
use crate::emit::{Emitter, fixed, row};
use crate::rng::{Dice, Stream};
use crate::subscriptions::History;
use chrono::NaiveDate;
use quarterdeck_domain::Collection;
use rust_decimal::Decimal;

/// Customers of the reference company that the fixed amounts are sized for.
const REFERENCE_CUSTOMERS: i64 = 1500;

/// What every module needs to know about the company.
pub(crate) struct World {
    pub seed: u64,
    pub span: Span,
    pub fx: FxTable,
    /// Size relative to the reference company, to scale fixed costs and cash.
    pub scale: Decimal,
}

impl World {
    /// The company described by `config`.
    pub(crate) fn new(config: &DemoConfig) -> Self {
        let span = Span::new(config.today);
        let fx = FxTable::new(config.seed, &span);
        let customers = i64::try_from(config.customers)
            .unwrap_or(i64::MAX / 2)
            .max(1);
        let scale = Decimal::from(customers) / Decimal::from(REFERENCE_CUSTOMERS);
        World {
            seed: config.seed,
            span,
            fx,
            scale,
        }
    }
}

/// Monthly exchange rates to USD for EUR and GBP (USD per unit).
pub(crate) struct FxTable {
    /// Per month of the span: [EUR, GBP].
    rates: Vec<[Decimal; 2]>,
}

impl FxTable {
    /// Rates for every month of `span`, drawn from `seed`.
    fn new(seed: u64, span: &Span) -> Self {
        let mut dice = Dice::new(seed, 0, Stream::Fx);
        let anchors = [1.08_f64, 1.26];
        let mut now = [dice.between(1.02, 1.12), dice.between(1.20, 1.32)];
        let rates = (0..span.months)
            .map(|_| {
                let row = now.map(|r| Decimal::new((r * 10_000.0).round() as i64, 4));
                for (r, anchor) in now.iter_mut().zip(anchors) {
                    // A random walk pulled back toward a long-run level, so rates
                    // drift a little without running away.
                    *r += dice.between(-0.018, 0.018) + (anchor - *r) * 0.15;
                }
                row
            })
            .collect();
        FxTable { rates }
    }

    /// USD per unit of `cur` in force on `d` (the rate of its month).
    pub(crate) fn rate(&self, span: &Span, cur: Cur, d: NaiveDate) -> Decimal {
        let m = span
            .month_of(d)
            .unwrap_or(if d < span.start { 0 } else { span.months - 1 });
        match cur {
            Cur::Usd => Decimal::ONE,
            Cur::Eur => self.rates[m][0],
            Cur::Gbp => self.rates[m][1],
        }
    }

    /// `amount` of `cur` on `d`, in USD.
    pub(crate) fn usd(&self, span: &Span, cur: Cur, amount: Decimal, d: NaiveDate) -> Decimal {
        amount * self.rate(span, cur, d)
    }

    /// Writes one `fx-rates` row per currency on the first day of every month.
    pub(crate) fn emit(&self, span: &Span, out: &mut Emitter) -> Result<(), String> {
        for (m, pair) in self.rates.iter().enumerate() {
            for (code, rate) in ["EUR", "GBP"].iter().zip(pair) {
                out.push(
                    Collection::FxRates,
                    row([
                        ("date", date(span.month_start(m)).into()),
                        ("currency", (*code).into()),
                        ("rate", fixed(*rate, 4).into()),
                    ]),
                )?;
            }
        }
        Ok(())
    }
}

/// Running totals per month of the span, in USD, filled while customers are generated.
pub(crate) struct Totals {
    /// MRR on the first day of each month.
    pub mrr: Vec<Decimal>,
    /// Paying customers on the first day of each month.
    pub paying: Vec<u32>,
    /// Successful payments received in each month.
    pub collected: Vec<Decimal>,
    /// Cost lines dated in each month.
    pub costs: Vec<Decimal>,
}

impl Totals {
    /// Empty totals for `span`.
    pub(crate) fn new(span: &Span) -> Self {
        let n = span.months;
        Totals {
            mrr: vec![Decimal::ZERO; n],
            paying: vec![0; n],
            collected: vec![Decimal::ZERO; n],
            costs: vec![Decimal::ZERO; n],
        }
    }

    /// Adds a customer's MRR and paying months from its billing periods.
    pub(crate) fn add_history(&mut self, world: &World, cur: Cur, h: &History) {
        let span = &world.span;
        let mut paying = vec![false; span.months];
        for period in h.subs.iter().flat_map(|s| &s.periods) {
            let Some(first) = span.month_of(period.start) else {
                continue;
            };
            // Months whose first day the period covers.
            for (m, flag) in paying.iter_mut().enumerate().skip(first) {
                let day = span.month_start(m);
                if day >= period.end {
                    break;
                }
                if day >= period.start {
                    self.mrr[m] += world.fx.usd(span, cur, period.state.monthly(), day);
                    *flag = true;
                }
            }
        }
        for (count, flag) in self.paying.iter_mut().zip(paying) {
            *count += u32::from(flag);
        }
    }

    /// Adds money received on `d`.
    pub(crate) fn add_collected(&mut self, span: &Span, d: NaiveDate, usd: Decimal) {
        if let Some(m) = span.month_of(d) {
            self.collected[m] += usd;
        }
    }

    /// Adds a cost dated `d`.
    pub(crate) fn add_cost(&mut self, span: &Span, d: NaiveDate, usd: Decimal) {
        if let Some(m) = span.month_of(d) {
            self.costs[m] += usd;
        }
    }
}
