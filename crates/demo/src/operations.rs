//! Costs and time entries: what serving customers costs, so margins exist.

use crate::calendar::{add_days, date, monday_of};
use crate::company::{Totals, World};
use crate::customers::{Cur, Profile, Segment};
use crate::emit::{Emitter, cents, fixed, money, row, seq_id};
use crate::names::{CSM_COST_RATE, ENGINEERS};
use crate::rng::{Dice, Stream};
use crate::subscriptions::History;
use chrono::Datelike;
use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, dec};
use serde_json::json;

/// Writes the direct costs and logged hours of one customer.
pub(crate) fn emit_customer(
    world: &World,
    p: &Profile,
    h: &History,
    totals: &mut Totals,
    out: &mut Emitter,
) -> Result<(), String> {
    let span = &world.span;
    let mut dice = Dice::new(world.seed, p.index as u64, Stream::Operations);
    let mut n = 0;
    let mut cost = |out: &mut Emitter,
                    totals: &mut Totals,
                    day,
                    amount: Decimal,
                    category: &str,
                    what: &str| {
        n += 1;
        totals.add_cost(span, day, amount);
        out.push(
            Collection::Costs,
            row([
                ("id", seq_id("cost", p.index, n, 4).into()),
                ("date", date(day).into()),
                ("amount", money(amount).into()),
                ("currency", "USD".into()),
                ("category", category.into()),
                ("customer_id", p.id.clone().into()),
                ("cost_of_service", true.into()),
                ("description", what.into()),
            ]),
        )
    };

    // Implementation work when a larger account first goes live.
    if let Some(first) = h.subs.iter().find_map(|s| s.periods.first())
        && p.segment != Segment::Smb
    {
        let base = p.segment.by(dec!(0), dec!(900), dec!(6000));
        let amount = cents(base * dice.factor(0.8, 1.25));
        cost(
            out,
            totals,
            first.start,
            amount,
            "onboarding",
            "Implementation and data migration",
        )?;
    }
    // Enterprise accounts run on dedicated infrastructure, billed monthly.
    if p.segment == Segment::Enterprise {
        for m in 0..span.months {
            let day = span.month_start(m);
            let Some(state) = h.state_on(day) else {
                continue;
            };
            let mrr = world.fx.usd(span, state.currency, state.monthly(), day);
            let amount = cents((dec!(80) + mrr * dec!(0.025)) * dice.factor(0.9, 1.1));
            cost(out, totals, day, amount, "hosting", "Dedicated environment")?;
        }
    }
    time_entries(world, p, h, &mut dice, out)
}

/// Weekly hours for the accounts that get hands-on help (every enterprise, some others).
fn time_entries(
    world: &World,
    p: &Profile,
    h: &History,
    dice: &mut Dice,
    out: &mut Emitter,
) -> Result<(), String> {
    let span = &world.span;
    let (share, weekly, hours) = match p.segment {
        Segment::Smb => (0.02, 0.3, (0.5, 1.5)),
        Segment::MidMarket => (0.2, 0.4, (0.5, 2.5)),
        Segment::Enterprise => (1.0, 0.5, (1.0, 6.0)),
    };
    if !dice.chance(share) {
        return Ok(());
    }
    let mut n = 0;
    for (from, to) in h.spans(span) {
        let to = to.min(span.today);
        let mut week = monday_of(from);
        while week < to {
            let day = add_days(week, dice.int(0, 4));
            let onboarding = (day - from).num_days() < 56;
            if day >= from && day < to && (onboarding || dice.chance(weekly)) {
                // More hours while onboarding; quarter-hour granularity like a timesheet.
                let boost = if onboarding { 2.0 } else { 1.0 };
                let quarters = (dice.between(hours.0, hours.1) * boost * 4.0)
                    .round()
                    .clamp(1.0, 48.0) as i64;
                let (person, rate) = if dice.chance(0.7) {
                    (p.csm, CSM_COST_RATE)
                } else {
                    dice.pick(ENGINEERS)
                };
                n += 1;
                out.push(
                    Collection::TimeEntries,
                    row([
                        ("id", seq_id("te", p.index, n, 5).into()),
                        ("customer_id", p.id.clone().into()),
                        ("date", date(day).into()),
                        ("hours", fixed(Decimal::new(quarters * 25, 2), 2).into()),
                        ("person", person.into()),
                        ("cost_rate", money(Decimal::from(rate)).into()),
                        ("billable", dice.chance(0.1).into()),
                    ]),
                )?;
            }
            week = add_days(week, 7);
        }
    }
    Ok(())
}

/// Company-wide monthly cost lines: category, fixed amount per month at the
/// reference size, share of that month's MRR, cost of service, currency, description.
///
/// Payroll and marketing grow with revenue and keep the company burning cash
/// (so runway is defined); hosting and support are the cost of service.
#[rustfmt::skip]
const COMPANY_COSTS: &[(&str, Decimal, Decimal, bool, Cur, &str)] = &[
    ("hosting", dec!(3000), dec!(0.06), true, Cur::Usd, "Cloud infrastructure"),
    ("support", dec!(2500), dec!(0.04), true, Cur::Usd, "Support team and helpdesk"),
    ("tooling", dec!(1500), dec!(0.01), false, Cur::Usd, "Internal software subscriptions"),
    ("payroll", dec!(220000), dec!(0.70), false, Cur::Usd, "Salaries and benefits"),
    ("marketing", dec!(30000), dec!(0.20), false, Cur::Usd, "Campaigns and events"),
    ("office", dec!(9000), dec!(0), false, Cur::Eur, "Berlin office rent"),
];

/// Company-wide monthly cost lines, sized by the business's MRR that month.
///
/// Written after every customer so that the MRR totals are known.
pub(crate) fn emit_company(
    world: &World,
    totals: &mut Totals,
    out: &mut Emitter,
) -> Result<(), String> {
    let span = &world.span;
    let s = world.scale;
    let mut dice = Dice::new(world.seed, 0, Stream::Company);
    for m in 0..span.months {
        let day = span.month_start(m);
        for &(category, fixed_part, share, cos, cur, what) in COMPANY_COSTS {
            let amount = cents((fixed_part * s + share * totals.mrr[m]) * dice.factor(0.95, 1.05));
            totals.add_cost(span, day, world.fx.usd(span, cur, amount, day));
            out.push(
                Collection::Costs,
                json!({
                    "id": format!("cost_{:04}_{:02}_{category}", day.year(), day.month()),
                    "date": date(day),
                    "amount": money(amount),
                    "currency": cur.code(),
                    "category": category,
                    "cost_of_service": cos,
                    "description": what,
                    // A month's running costs pay for that month: spread over it.
                    "service_from": date(day),
                    "service_to": date(span.month_end(m)),
                }),
            )?;
        }
    }
    Ok(())
}
