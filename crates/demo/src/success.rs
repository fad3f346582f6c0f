//! Customer success: support tickets, CSM activities, the opportunity
//! pipeline and save plays.

use crate::calendar::{Span, add_days, date, stamp, stamp_after};
use crate::company::World;
use crate::customers::{Payer, Profile, Segment};
use crate::emit::{Emitter, cents, money, object, row, seq_id};
use crate::rng::{Dice, Stream};
use crate::subscriptions::{History, Term};
use chrono::NaiveDate;
use quarterdeck_domain::Collection;
use rust_decimal::Decimal;
use serde_json::Value;

/// Days before a voluntary churn during which the account shows warning signs.
const WARNING_DAYS: i64 = 60;

/// Writes the tickets, activities and opportunities of one customer.
pub(crate) fn emit(
    world: &World,
    p: &Profile,
    h: &History,
    out: &mut Emitter,
) -> Result<(), String> {
    let mut dice = Dice::new(world.seed, p.index as u64, Stream::Success);
    tickets(&world.span, p, h, &mut dice, out)?;
    activities(&world.span, p, h, &mut dice, out)?;
    opportunities(&world.span, p, h, &mut dice, out)?;
    save_plays(&world.span, p, h, &mut dice, out)
}

/// Why a CSM opened a save play.
const PLAY_REASONS: &[(&str, f64)] = &[
    ("Usage dropped after a reorganisation", 0.25),
    ("Champion left the company", 0.2),
    ("Budget cut for next year", 0.2),
    ("Billing dispute", 0.1),
    ("Repeated support escalations", 0.15),
    ("Evaluating a competitor", 0.1),
];

/// Save plays: most larger accounts that left had one opened in their
/// run-up to churn (lost; now and then closed as saved weeks before they
/// went anyway); some live accounts had one that kept them, and a few are
/// open today.
fn save_plays(
    span: &Span,
    p: &Profile,
    h: &History,
    dice: &mut Dice,
    out: &mut Emitter,
) -> Result<(), String> {
    let mut n = 0;
    let mut push = |out: &mut Emitter,
                    dice: &mut Dice,
                    opened: NaiveDate,
                    status: &str,
                    closed: Option<NaiveDate>| {
        n += 1;
        let mut r = object([
            ("id", seq_id("play", p.index, n, 2).into()),
            ("customer_id", p.id.clone().into()),
            ("owner", p.csm.into()),
            ("reason", dice.weighted(PLAY_REASONS).into()),
            ("opened_at", date(opened).into()),
            ("target_date", date(add_days(opened, 45)).into()),
            ("status", status.into()),
        ]);
        if let Some(c) = closed {
            r.insert("closed_at".into(), date(c).into());
        }
        out.push(Collection::SavePlays, Value::Object(r))
    };
    let history_starts = add_days(span.today, -365);
    for (from, to) in h.spans(span) {
        if to < history_starts {
            continue;
        }
        // Plays are for paying accounts: not during a trial, nor for a
        // trial that never converted.
        let paid_from = h
            .subs
            .iter()
            .filter(|s| s.main && s.start == from)
            .find_map(|s| s.trial_end)
            .map_or(from, |t| t.max(from));
        if paid_from >= to.min(span.today) {
            continue;
        }
        let from = paid_from;
        if to <= span.today {
            // A churn: a play in its run-up, for most larger accounts.
            if !dice.chance(p.segment.by(0.15, 0.55, 0.85)) {
                continue;
            }
            let opened = add_days(to, -dice.int(40, 75)).max(from);
            if dice.chance(0.2) {
                let closed = add_days(opened, dice.int(10, 20)).min(add_days(to, -1));
                push(out, dice, opened, "saved", Some(closed))?;
            } else {
                push(out, dice, opened, "lost", Some(to))?;
            }
        } else if dice.chance(p.segment.by(0.03, 0.1, 0.2)) {
            // A live account that wobbled: kept, or still being worked on.
            let opened = add_days(span.today, -dice.int(5, 330)).max(from);
            let closed = add_days(opened, dice.int(14, 45));
            if closed < span.today {
                push(out, dice, opened, "saved", Some(closed))?;
            } else {
                push(out, dice, opened, "open", None)?;
            }
        }
    }
    Ok(())
}

/// Chunks of about a month within the customer's live days before today, with
/// whether the chunk falls in the run-up to a churn.
fn months_live(span: &Span, h: &History) -> Vec<(NaiveDate, i64, bool)> {
    let mut chunks = Vec::new();
    for (from, to) in h.spans(span) {
        let to = to.min(span.today);
        let churns = to < span.today;
        let mut at = from;
        while at < to {
            let len = (to - at).num_days().min(30);
            let warning = churns && (to - at).num_days() <= WARNING_DAYS;
            chunks.push((at, len, warning));
            at = add_days(at, len);
        }
    }
    chunks
}

/// Support tickets: a few a month, more for large accounts and those about to leave.
fn tickets(
    span: &Span,
    p: &Profile,
    h: &History,
    dice: &mut Dice,
    out: &mut Emitter,
) -> Result<(), String> {
    let rate = p.segment.by(0.12, 0.35, 0.9);
    let mut n = 0;
    for (at, len, warning) in months_live(span, h) {
        // Accounts about to leave, and those struggling to pay, open more tickets.
        let mut lambda = rate * len as f64 / 30.0;
        if warning {
            lambda *= 2.5;
        }
        if p.payer == Payer::Poor {
            lambda *= 1.3;
        }
        for _ in 0..dice.poisson(lambda) {
            let day = add_days(at, dice.int(0, len - 1));
            let opened = dice.seconds_between_hours(7, 21);
            let priority = dice.weighted(&[
                ("low", 0.3),
                ("normal", 0.42),
                ("high", 0.22),
                ("urgent", 0.06),
            ]);
            let (lo, hi) = match priority {
                "urgent" => (5 * 60, 60 * 60),
                "high" => (15 * 60, 4 * 3600),
                "normal" => (30 * 60, 12 * 3600),
                _ => (3600, 36 * 3600),
            };
            let first = i64::from(opened) + dice.int(lo, hi);
            let closed = first + dice.int(3600, 6 * 86_400);
            n += 1;
            let mut row = object([
                ("id", seq_id("tkt", p.index, n, 4).into()),
                ("customer_id", p.id.clone().into()),
                ("opened_at", stamp(day, opened).into()),
                ("priority", priority.into()),
                ("csm", p.csm.into()),
            ]);
            // Only what has happened by the start of today is known.
            let (first_day, first_at) = stamp_after(day, first);
            if first_day < span.today {
                row.insert("first_response_at".into(), first_at.into());
                let (closed_day, closed_at) = stamp_after(day, closed);
                if closed_day < span.today {
                    row.insert("closed_at".into(), closed_at.into());
                }
            }
            out.push(Collection::Tickets, Value::Object(row))?;
        }
    }
    Ok(())
}

/// CSM touches: frequent for enterprise, rare (tech-touch) for small accounts.
fn activities(
    span: &Span,
    p: &Profile,
    h: &History,
    dice: &mut Dice,
    out: &mut Emitter,
) -> Result<(), String> {
    let rate = p.segment.by(0.08, 0.7, 2.5);
    let kinds: &[(&str, f64)] = match p.segment {
        Segment::Smb => &[("email", 0.6), ("task", 0.3), ("call", 0.1)],
        Segment::MidMarket => &[
            ("email", 0.4),
            ("call", 0.25),
            ("meeting", 0.2),
            ("task", 0.15),
        ],
        Segment::Enterprise => &[
            ("meeting", 0.3),
            ("email", 0.35),
            ("call", 0.2),
            ("task", 0.15),
        ],
    };
    let mut n = 0;
    for (at, len, warning) in months_live(span, h) {
        // Disengaging accounts see less of their CSM: a churn signal.
        let lambda = rate * len as f64 / 30.0 * if warning { 0.4 } else { 1.0 };
        for _ in 0..dice.poisson(lambda) {
            let day = add_days(at, dice.int(0, len - 1));
            n += 1;
            out.push(
                Collection::Activities,
                row([
                    ("id", seq_id("act", p.index, n, 4).into()),
                    ("customer_id", p.id.clone().into()),
                    ("type", dice.weighted(kinds).into()),
                    ("at", stamp(day, dice.seconds_between_hours(8, 18)).into()),
                    ("csm", p.csm.into()),
                ]),
            )?;
        }
    }
    Ok(())
}

/// Open expansion stages with their win probability.
const OPEN_STAGES: &[(&str, &str)] = &[
    ("discovery", "0.10"),
    ("qualification", "0.25"),
    ("proposal", "0.50"),
    ("negotiation", "0.75"),
];

/// Renewals of annual terms, won expansions (from the subscription history),
/// some lost ones, and an open pipeline for live accounts.
fn opportunities(
    span: &Span,
    p: &Profile,
    h: &History,
    dice: &mut Dice,
    out: &mut Emitter,
) -> Result<(), String> {
    let mut n = 0;
    let horizon = add_days(span.today, 120);
    let mut push = |out: &mut Emitter,
                    kind: &str,
                    amount: Decimal,
                    close: NaiveDate,
                    stage: &str,
                    status: &str,
                    prob: &str| {
        n += 1;
        out.push(
            Collection::Opportunities,
            row([
                ("id", seq_id("opp", p.index, n, 3).into()),
                ("customer_id", p.id.clone().into()),
                ("type", kind.into()),
                ("amount", money(cents(amount)).into()),
                ("close_date", date(close).into()),
                ("stage", stage.into()),
                ("status", status.into()),
                ("probability", prob.into()),
                ("owner", p.csm.into()),
                ("currency", p.currency.code().into()),
            ]),
        )
    };

    // One renewal per annual term end, from the term's outcome.
    for sub in h.subs.iter().filter(|s| s.main) {
        for (i, period) in sub.periods.iter().enumerate() {
            if period.state.term != Term::Year || period.end > horizon {
                continue;
            }
            let arr = period.state.arr();
            let renewed = sub
                .periods
                .get(i + 1)
                .is_some_and(|next| next.start == period.end);
            if let Some(end) = sub.end.filter(|e| *e <= period.end) {
                push(out, "renewal", arr, end, "churned", "lost", "0.00")?;
            } else if renewed {
                // Now and then the CRM lags behind billing: a renewal still open past its date.
                let recent = (span.today - period.end).num_days() < 14;
                if recent && dice.chance(0.3) {
                    push(out, "renewal", arr, period.end, "on_track", "open", "0.90")?;
                } else {
                    let close = add_days(period.end, -dice.int(0, 20));
                    push(out, "renewal", arr, close, "renewed", "won", "1.00")?;
                }
            } else if period.end > span.today {
                let risky = p.payer == Payer::Poor || dice.chance(0.25);
                // Some sign early (won, effective at the term end); now and
                // then a risky one has already given notice (lost).
                let early = dice.unit();
                if !risky && early < 0.15 {
                    push(out, "renewal", arr, period.end, "closed_won", "won", "1.00")?;
                } else if risky && early < 0.15 {
                    push(out, "renewal", arr, period.end, "churned", "lost", "0.00")?;
                } else {
                    let (stage, prob) = if risky {
                        ("at_risk", "0.40")
                    } else {
                        ("on_track", "0.85")
                    };
                    push(out, "renewal", arr, period.end, stage, "open", prob)?;
                }
            }
        }
    }

    // Self-serve accounts rarely go through sales; larger ones always do.
    let sales_led = p.segment != Segment::Smb || dice.chance(0.15);
    if !sales_led {
        return Ok(());
    }
    for e in &h.expansions {
        let close = add_days(e.at, -dice.int(0, 10));
        push(out, e.kind, e.arr, close, "closed_won", "won", "1.00")?;
    }
    let kinds = [("upsell", 0.5), ("cross_sell", 0.25), ("upgrade", 0.25)];
    for (from, to) in h.spans(span) {
        let to = to.min(span.today);
        // Roughly one lost pitch per two years of a live account.
        let years = (to - from).num_days() as f64 / 365.0;
        for _ in 0..dice.poisson(years * 0.5) {
            let Some(state) = h.state_on(from) else {
                continue;
            };
            let close = add_days(from, dice.int(0, (to - from).num_days().max(1) - 1));
            let amount = state.arr() * dice.factor(0.1, 0.4);
            push(
                out,
                dice.weighted(&kinds),
                amount,
                close,
                "closed_lost",
                "lost",
                "0.00",
            )?;
        }
    }
    if let Some(state) = h.state_on(span.today)
        && dice.chance(p.segment.by(0.3, 0.4, 0.65))
    {
        let (stage, prob) = dice.pick(OPEN_STAGES);
        // Most close ahead; some have slipped past their date.
        let close = if dice.chance(0.15) {
            add_days(span.today, -dice.int(1, 30))
        } else {
            add_days(span.today, dice.int(7, 150))
        };
        let amount = state.arr() * dice.factor(0.1, 0.5);
        push(
            out,
            dice.weighted(&kinds),
            amount,
            close,
            stage,
            "open",
            prob,
        )?;
    }
    Ok(())
}
