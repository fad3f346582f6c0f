//! Invoices per billing period and the payments that settle them.

use crate::calendar::{add_days, date, stamp};
use crate::company::{Totals, World};
use crate::customers::{Profile, Segment};
use crate::emit::{Emitter, cents, money, object, row, seq_id};
use crate::rng::{Dice, Stream};
use crate::subscriptions::{History, Outcome};
use chrono::NaiveDate;
use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, dec};
use serde_json::Value;

/// Payment terms: invoices fall due this many days after issue.
const TERMS_DAYS: i64 = 30;
/// An unpaid invoice is written off this many days past due.
const WRITE_OFF_DAYS: i64 = 60;

/// Writes the invoices and payments of one customer and adds the money received to `totals`.
pub(crate) fn emit(
    world: &World,
    p: &Profile,
    h: &History,
    totals: &mut Totals,
    out: &mut Emitter,
) -> Result<(), String> {
    let span = &world.span;
    let mut dice = Dice::new(world.seed, p.index as u64, Stream::Billing);
    let tax_rate = Decimal::new(i64::from(p.tax_percent), 2);
    let (mut invoices, mut payments) = (0, 0);
    for sub in &h.subs {
        for period in &sub.periods {
            invoices += 1;
            let id = seq_id("inv", p.index, invoices, 4);
            let s = &period.state;
            let amount = s.net();
            let tax = cents(amount * tax_rate);
            // Occasional goodwill credit (an outage, a billing dispute).
            let credits = if dice.chance(0.015) {
                cents(amount * dec!(0.1))
            } else {
                Decimal::ZERO
            };
            let total = amount + tax - credits;
            let due = add_days(period.start, TERMS_DAYS);

            // Attempts as (day, succeeded); only those before today have happened.
            let attempts: Vec<(i64, bool)> = match period.outcome {
                Outcome::Paid { days } => vec![(days, true)],
                Outcome::Retried { failed, days } => vec![(failed, false), (days, true)],
                Outcome::Never => vec![(0, false), (4, false), (11, false)],
            };
            let mut paid = false;
            let mut rows = Vec::with_capacity(attempts.len());
            for (days, ok) in attempts {
                let day = add_days(period.start, days);
                if day >= span.today {
                    continue;
                }
                payments += 1;
                let secs = match p.segment {
                    // Card charges run in the early-morning billing job.
                    Segment::Smb => dice.seconds_between_hours(5, 7),
                    _ => dice.seconds_between_hours(9, 18),
                };
                rows.push(row([
                    ("id", seq_id("pay", p.index, payments, 5).into()),
                    ("invoice_id", id.clone().into()),
                    ("paid_at", stamp(day, secs).into()),
                    ("amount", money(total).into()),
                    ("currency", s.currency.code().into()),
                    ("status", if ok { "succeeded" } else { "failed" }.into()),
                ]));
                if ok {
                    paid = true;
                    totals.add_collected(span, day, world.fx.usd(span, s.currency, total, day));
                }
            }
            let status = if paid {
                "paid"
            } else if period.outcome == Outcome::Never
                && overdue_days(span.today, due) > WRITE_OFF_DAYS
            {
                "uncollectible"
            } else {
                "open"
            };
            let line = object([
                (
                    "description",
                    format!(
                        "{} plan, {} seats, per {}",
                        s.plan.slug(),
                        s.quantity,
                        s.term.slug()
                    )
                    .into(),
                ),
                ("subscription_id", sub.id.clone().into()),
                ("quantity", s.quantity.into()),
                ("unit_amount", money(s.unit_amount()).into()),
                ("period_start", date(period.start).into()),
                ("period_end", date(period.end).into()),
            ]);
            let mut invoice = object([
                ("id", id.into()),
                ("customer_id", p.id.clone().into()),
                ("issued_at", date(period.start).into()),
                ("due_at", date(due).into()),
                ("currency", s.currency.code().into()),
                ("amount", money(amount).into()),
                ("tax", money(tax).into()),
                ("status", status.into()),
                ("lines", Value::Array(vec![Value::Object(line)])),
            ]);
            if !credits.is_zero() {
                invoice.insert("credits".into(), money(credits).into());
            }
            let invoice = Value::Object(invoice);
            out.push(Collection::Invoices, invoice)?;
            for row in rows {
                out.push(Collection::Payments, row)?;
            }
        }
    }
    Ok(())
}

/// Days from `due` to `today` (negative while not yet due).
fn overdue_days(today: NaiveDate, due: NaiveDate) -> i64 {
    (today - due).num_days()
}
