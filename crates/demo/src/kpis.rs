//! KPI data points pushed by the business: cash, burn and email health.

use crate::calendar::{add_days, date, monday_of};
use crate::company::{Totals, World};
use crate::emit::{Emitter, fixed, money, row};
use crate::rng::{Dice, Stream};
use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, dec};

/// Month of the span in which the company raised its last round.
const RAISE_MONTH: usize = 15;

/// Writes the monthly finance KPIs and the weekly and monthly email KPIs.
///
/// Runs after every customer and the company costs, so burn is the real
/// difference between costs and money received.
pub(crate) fn emit(world: &World, totals: &Totals, out: &mut Emitter) -> Result<(), String> {
    let span = &world.span;
    let mut dice = Dice::new(world.seed, 1, Stream::Company);
    let point = |out: &mut Emitter, kpi: &str, day, value: String| {
        out.push(
            Collection::Datapoints,
            row([
                ("kpi", kpi.into()),
                ("date", date(day).into()),
                ("value", value.into()),
            ]),
        )
    };

    // Monthly points dated on the last day of each complete month.
    let mut cash = dec!(4500000) * world.scale;
    for m in 0..span.months {
        let end = span.month_end(m);
        if end >= span.today {
            break;
        }
        let burn = totals.costs[m] - totals.collected[m];
        if m == RAISE_MONTH {
            cash += dec!(15000000) * world.scale;
        }
        cash -= burn;
        point(out, "net_burn", end, money(burn))?;
        point(out, "cash_balance", end, money(cash))?;
        // Each paying customer sends a couple of thousand emails through the platform a month.
        let volume = Decimal::from(totals.paying[m]) * Decimal::from(dice.int(1700, 2300));
        point(out, "monthly_email_volume", end, fixed(volume, 0))?;
    }

    // Weekly email health, dated on the Sunday ending each complete week, with
    // two two-week incidents so thresholds and alerts have something to show:
    // one in the past, one within the last two months.
    let first_sunday = add_days(monday_of(span.start), 13);
    let weeks = ((span.today - first_sunday).num_days() / 7).max(10);
    let incidents = [dice.int(0, weeks / 2), weeks - dice.int(3, 9)];
    let mut week = 0;
    let mut sunday = first_sunday;
    while sunday < span.today {
        let incident = incidents.iter().any(|i| week == *i || week == i + 1);
        let (bounce, spam) = if incident {
            (dice.between(0.04, 0.065), dice.between(0.0025, 0.004))
        } else {
            (dice.between(0.012, 0.024), dice.between(0.0005, 0.0013))
        };
        let delivered = 1.0 - bounce - spam * 3.0 - dice.between(0.002, 0.006);
        point(out, "bounce_rate", sunday, ratio(bounce))?;
        point(out, "spam_rate", sunday, ratio(spam))?;
        point(out, "deliverability", sunday, ratio(delivered))?;
        week += 1;
        sunday = add_days(sunday, 7);
    }
    Ok(())
}

/// A ratio (0.0325 = 3.25 %) as a decimal string with five places.
fn ratio(x: f64) -> String {
    fixed(Decimal::new((x * 100_000.0).round() as i64, 5), 5)
}
