//! Plans, prices and each customer's subscription life: trial, changes,
//! add-ons, cancellation and win-back.

use crate::calendar::{Span, add_days, add_months, date};
use crate::customers::{Cur, Payer, Profile, Segment};
use crate::emit::{Emitter, cents, money, seq_id};
use crate::rng::{Dice, Stream};
use chrono::NaiveDate;
use quarterdeck_domain::Collection;
use rust_decimal::{Decimal, dec};
use serde_json::{Value, json};

/// A plan of the price list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Plan {
    Starter,
    Pro,
    Business,
    Enterprise,
    /// The per-seat add-on sold as a second subscription.
    Insights,
}

/// Main plans from cheapest to dearest, for upgrades and downgrades.
const LADDER: [Plan; 4] = [Plan::Starter, Plan::Pro, Plan::Business, Plan::Enterprise];

impl Plan {
    /// The value written to `plan`.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Plan::Starter => "starter",
            Plan::Pro => "pro",
            Plan::Business => "business",
            Plan::Enterprise => "enterprise",
            Plan::Insights => "insights_addon",
        }
    }

    /// Position on the ladder (the add-on sits outside it).
    fn tier(self) -> usize {
        LADDER.iter().position(|p| *p == self).unwrap_or(0)
    }

    /// List price per seat per month in whole units of `cur` (set per currency, not converted).
    fn monthly_list(self, cur: Cur) -> i64 {
        let [usd, eur, gbp] = match self {
            Plan::Starter => [15, 14, 12],
            Plan::Pro => [39, 36, 32],
            Plan::Business => [79, 72, 64],
            Plan::Enterprise => [129, 119, 105],
            Plan::Insights => [6, 6, 5],
        };
        match cur {
            Cur::Usd => usd,
            Cur::Eur => eur,
            Cur::Gbp => gbp,
        }
    }
}

/// A billing period length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Term {
    Month,
    Quarter,
    Year,
}

impl Term {
    /// Calendar months per billing period.
    pub(crate) fn months(self) -> u32 {
        match self {
            Term::Month => 1,
            Term::Quarter => 3,
            Term::Year => 12,
        }
    }

    /// The value written to `interval`.
    pub(crate) fn slug(self) -> &'static str {
        match self {
            Term::Month => "month",
            Term::Quarter => "quarter",
            Term::Year => "year",
        }
    }
}

/// The full state a `start` or `change` event carries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct State {
    pub plan: Plan,
    pub term: Term,
    pub quantity: u32,
    /// Negotiated discount in percent of the list total.
    pub discount_pct: u32,
    pub currency: Cur,
}

impl State {
    /// Price of one seat for one billing period.
    pub(crate) fn unit_amount(&self) -> Decimal {
        let monthly = Decimal::from(self.plan.monthly_list(self.currency));
        match self.term {
            Term::Month => monthly,
            // 5 % off for paying a quarter ahead; two months free on annual.
            Term::Quarter => monthly * dec!(2.85),
            Term::Year => monthly * dec!(10),
        }
    }

    /// Discount per billing period, in money.
    pub(crate) fn discount(&self) -> Decimal {
        cents(
            self.unit_amount() * Decimal::from(self.quantity) * Decimal::from(self.discount_pct)
                / dec!(100),
        )
    }

    /// What one billing period costs, ex tax.
    pub(crate) fn net(&self) -> Decimal {
        self.unit_amount() * Decimal::from(self.quantity) - self.discount()
    }

    /// Monthly recurring value (metrics.md), in the subscription's currency.
    pub(crate) fn monthly(&self) -> Decimal {
        self.net() / Decimal::from(self.term.months())
    }

    /// Annual recurring value, in the subscription's currency.
    pub(crate) fn arr(&self) -> Decimal {
        self.net() * Decimal::from(12 / self.term.months())
    }
}

/// How an invoice of a period will be settled, in days after it is issued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Paid in one go (late when `days` is past the 30-day term).
    Paid { days: i64 },
    /// A failed card charge, then a successful retry.
    Retried { failed: i64, days: i64 },
    /// Never paid: dunning fails and the invoice is written off.
    Never,
}

/// What a subscription event does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Start,
    Change,
    Cancel,
}

/// One subscription event, with the state in force after it.
#[derive(Debug, Clone)]
pub(crate) struct SubEvent {
    pub kind: Kind,
    pub at: NaiveDate,
    pub state: State,
    /// Why it happened (upgrade, voluntary, non_payment…), kept as an attribute.
    pub reason: Option<&'static str>,
}

/// One billing period: invoiced on `start`, covering up to `end`.
#[derive(Debug, Clone)]
pub(crate) struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub state: State,
    pub outcome: Outcome,
}

/// One subscription of a customer.
#[derive(Debug, Clone)]
pub(crate) struct Sub {
    pub id: String,
    /// False for the add-on.
    pub main: bool,
    pub start: NaiveDate,
    pub trial_end: Option<NaiveDate>,
    /// When the cancellation takes effect, if it has.
    pub end: Option<NaiveDate>,
    pub events: Vec<SubEvent>,
    pub periods: Vec<Period>,
}

impl Sub {
    /// A subscription starting on `start` in `state`.
    fn new(
        id: String,
        main: bool,
        start: NaiveDate,
        state: &State,
        trial_end: Option<NaiveDate>,
    ) -> Self {
        let reason = if main { None } else { Some("add_on") };
        let events = vec![SubEvent {
            kind: Kind::Start,
            at: start,
            state: state.clone(),
            reason,
        }];
        Sub {
            id,
            main,
            start,
            trial_end,
            end: None,
            events,
            periods: Vec::new(),
        }
    }

    /// Ends the subscription at `at`, recording why.
    fn cancel(&mut self, at: NaiveDate, reason: &'static str) {
        let state = self
            .events
            .last()
            .expect("starts with an event")
            .state
            .clone();
        self.events.push(SubEvent {
            kind: Kind::Cancel,
            at,
            state,
            reason: Some(reason),
        });
        self.end = Some(at);
    }

    /// The state in force on `d`, if the subscription is live then (trial included).
    pub(crate) fn state_on(&self, d: NaiveDate) -> Option<&State> {
        if d < self.start || self.end.is_some_and(|e| d >= e) {
            return None;
        }
        self.events
            .iter()
            .rev()
            .find(|e| e.at <= d)
            .map(|e| &e.state)
    }
}

/// A won expansion, for the opportunities pipeline.
#[derive(Debug, Clone)]
pub(crate) struct Expansion {
    pub at: NaiveDate,
    /// Opportunity type: upgrade, upsell or cross_sell.
    pub kind: &'static str,
    /// ARR added, in the customer's currency.
    pub arr: Decimal,
}

/// Everything that happened to one customer's subscriptions.
#[derive(Debug, Clone, Default)]
pub(crate) struct History {
    pub subs: Vec<Sub>,
    pub expansions: Vec<Expansion>,
}

impl History {
    /// Days the customer had a live main subscription: `[start, end)` spans, oldest first.
    pub(crate) fn spans(&self, span: &Span) -> Vec<(NaiveDate, NaiveDate)> {
        let open_end = add_days(span.today, 1);
        self.subs
            .iter()
            .filter(|s| s.main)
            .map(|s| (s.start, s.end.unwrap_or(open_end)))
            .collect()
    }

    /// The main subscription's state on `d`, if the customer is live then.
    pub(crate) fn state_on(&self, d: NaiveDate) -> Option<&State> {
        self.subs
            .iter()
            .filter(|s| s.main)
            .find_map(|s| s.state_on(d))
    }

    /// Whether the customer has a live subscription on `d`.
    pub(crate) fn live_on(&self, d: NaiveDate) -> bool {
        self.state_on(d).is_some()
    }

    /// The id of the customer's next subscription.
    fn next_id(&self, p: &Profile) -> String {
        seq_id("sub", p.index, self.subs.len() + 1, 1)
    }
}

/// Lives a customer can have: the first, and up to two win-backs after churn.
const MAX_EPISODES: usize = 3;

/// Simulates customer `p` from sign-up to `span.today`.
pub(crate) fn simulate(seed: u64, p: &Profile, span: &Span) -> History {
    let mut dice = Dice::new(seed, p.index as u64, Stream::Life);
    let mut h = History::default();
    let mut start = p.acquired;
    let mut state = first_state(p, &mut dice);
    for episode in 0..MAX_EPISODES {
        let trial = if episode == 0 {
            trial_days(p, &mut dice)
        } else {
            None
        };
        let (end, paid, last) = live(p, span, &mut dice, &mut h, start, state, trial, episode > 0);
        let Some(end) = end else { break };
        // Some churned customers come back; rarely those who never got past the trial.
        let back = if paid { 0.3 } else { 0.06 };
        if !dice.chance(back) {
            break;
        }
        start = add_days(end, dice.int(45, 420));
        if start >= span.today {
            break;
        }
        state = returning_state(p, &last, &mut dice);
    }
    h
}

/// One life of the customer: a main subscription from `start` to its end (if
/// any) and perhaps an add-on. Returns the end, whether it ever paid and the
/// last state.
#[allow(clippy::too_many_arguments)]
fn live(
    p: &Profile,
    span: &Span,
    dice: &mut Dice,
    h: &mut History,
    start: NaiveDate,
    mut state: State,
    trial: Option<i64>,
    win_back: bool,
) -> (Option<NaiveDate>, bool, State) {
    let trial_end = trial.map(|d| add_days(start, d));
    let mut sub = Sub::new(h.next_id(p), true, start, &state, trial_end);
    if win_back {
        sub.events[0].reason = Some("win_back");
    }
    if let Some(te) = trial_end {
        if te > span.today {
            h.subs.push(sub);
            return (None, false, state);
        }
        if !dice.chance(p.segment.by(0.72, 0.85, 0.9)) {
            sub.cancel(te, "trial_expired");
            h.subs.push(sub);
            return (Some(te), false, state);
        }
    }
    let billing_start = trial_end.unwrap_or(start);
    let mut anchor = billing_start;
    let mut k = 0;
    let mut end = None;
    // Monthly churn hazard by segment, giving measured logo churn of about 2.8 %,
    // 1.9 % and 1.5 % (annual plans can only leave at renewal, so theirs is set
    // higher); involuntary churn (non-payment) comes on top.
    let base: f64 = p.segment.by(0.021, 0.019, 0.022);
    loop {
        // Periods are counted from the anchor rather than chained, so a start on
        // the 31st bills on the last day of short months and returns to the 31st.
        let ps = add_months(anchor, k * state.term.months());
        if ps > span.today {
            break;
        }
        if !sub.periods.is_empty() {
            let young = (ps - billing_start).num_days() < 120;
            let hazard = if young { base * 1.6 } else { base };
            // Customers leave at renewal: the chance covers every month of the period.
            let churn = 1.0 - (1.0 - hazard).powi(state.term.months() as i32);
            if dice.chance(churn) {
                sub.cancel(ps, "voluntary");
                end = Some(ps);
                break;
            }
            if let Some((next, reason)) = change(p, &state, dice) {
                if next.term != state.term {
                    anchor = ps;
                    k = 0;
                }
                let gained = next.arr() - state.arr();
                let kind = match reason {
                    "upgrade" => Some("upgrade"),
                    "seats_added" => Some("upsell"),
                    _ => None,
                };
                if let Some(kind) = kind
                    && gained > Decimal::ZERO
                {
                    h.expansions.push(Expansion {
                        at: ps,
                        kind,
                        arr: gained,
                    });
                }
                sub.events.push(SubEvent {
                    kind: Kind::Change,
                    at: ps,
                    state: next.clone(),
                    reason: Some(reason),
                });
                state = next;
            }
        }
        let pe = add_months(anchor, (k + 1) * state.term.months());
        let outcome = draw_outcome(p, dice);
        sub.periods.push(Period {
            start: ps,
            end: pe,
            state: state.clone(),
            outcome,
        });
        k += 1;
        if outcome == Outcome::Never {
            // Service is cut after dunning, at the end of the unpaid period at the latest.
            let cut = pe.min(add_days(ps, 75));
            if cut <= span.today {
                sub.cancel(cut, "non_payment");
                end = Some(cut);
                break;
            }
        }
    }
    let paid = !sub.periods.is_empty();
    let addon = add_on(p, span, dice, h, &sub);
    h.subs.push(sub);
    if let Some(mut addon) = addon {
        addon.id = h.next_id(p);
        h.subs.push(addon);
    }
    (end, paid, state)
}

/// The plan, term and seats a new customer of this segment signs up with.
fn first_state(p: &Profile, dice: &mut Dice) -> State {
    let skew = dice.unit().powi(2);
    let (plan, mut term, quantity) = match p.segment {
        Segment::Smb => (
            dice.weighted(&[
                (Plan::Starter, 0.45),
                (Plan::Pro, 0.45),
                (Plan::Business, 0.1),
            ]),
            dice.weighted(&[
                (Term::Month, 0.8),
                (Term::Quarter, 0.05),
                (Term::Year, 0.15),
            ]),
            1 + (skew * 12.0) as u32,
        ),
        Segment::MidMarket => (
            dice.weighted(&[(Plan::Pro, 0.35), (Plan::Business, 0.65)]),
            dice.weighted(&[
                (Term::Month, 0.45),
                (Term::Quarter, 0.2),
                (Term::Year, 0.35),
            ]),
            8 + (skew * 52.0) as u32,
        ),
        Segment::Enterprise => (
            dice.weighted(&[(Plan::Business, 0.3), (Plan::Enterprise, 0.7)]),
            dice.weighted(&[(Term::Quarter, 0.1), (Term::Year, 0.9)]),
            25 + (skew * 150.0) as u32,
        ),
    };
    if plan == Plan::Enterprise {
        term = Term::Year;
    }
    let discount_pct = match p.segment {
        Segment::Smb if dice.chance(0.05) => dice.pick(&[10, 15, 20]),
        Segment::MidMarket if dice.chance(0.25) => dice.int(5, 15) as u32,
        Segment::Enterprise if dice.chance(0.6) => dice.int(10, 25) as u32,
        _ => 0,
    };
    State {
        plan,
        term,
        quantity,
        discount_pct,
        currency: p.currency,
    }
}

/// What a won-back customer returns on: often smaller, sometimes with an offer.
fn returning_state(p: &Profile, last: &State, dice: &mut Dice) -> State {
    let mut s = last.clone();
    if s.plan.tier() > 0 && s.plan != Plan::Enterprise && dice.chance(0.4) {
        s.plan = LADDER[s.plan.tier() - 1];
    }
    s.quantity = ((f64::from(s.quantity) * dice.between(0.6, 1.0)).ceil() as u32).max(1);
    if dice.chance(0.5) {
        s.discount_pct = 20;
    }
    s.currency = p.currency;
    s
}

/// Trial length in days for a first sign-up, if it starts with a trial.
fn trial_days(p: &Profile, dice: &mut Dice) -> Option<i64> {
    match p.segment {
        Segment::Smb if dice.chance(0.55) => Some(14),
        Segment::MidMarket if dice.chance(0.3) => Some(30),
        _ => None,
    }
}

/// At most one change at a renewal: upgrade, downgrade, seats or a switch to annual.
fn change(p: &Profile, s: &State, dice: &mut Dice) -> Option<(State, &'static str)> {
    let months = s.term.months() as i32;
    let over = |monthly: f64| 1.0 - (1.0 - monthly).powi(months);
    let seg = p.segment;
    let top = seg
        .by(Plan::Business, Plan::Business, Plan::Enterprise)
        .tier();
    let mut next = s.clone();
    let q = f64::from(s.quantity);
    if s.plan.tier() < top && dice.chance(over(seg.by(0.010, 0.007, 0.004))) {
        next.plan = LADDER[s.plan.tier() + 1];
        if next.plan == Plan::Enterprise {
            next.term = Term::Year;
        }
        return Some((next, "upgrade"));
    }
    if s.plan.tier() > 0 && dice.chance(over(0.003)) {
        next.plan = LADDER[s.plan.tier() - 1];
        return Some((next, "downgrade"));
    }
    if dice.chance(over(seg.by(0.035, 0.05, 0.05))) {
        next.quantity += ((q * dice.between(0.1, 0.5)).ceil() as u32).max(1);
        return Some((next, "seats_added"));
    }
    if s.quantity > 1 && dice.chance(over(0.012)) {
        let cut = ((q * dice.between(0.1, 0.3)).ceil() as u32).clamp(1, s.quantity - 1);
        next.quantity -= cut;
        return Some((next, "seats_removed"));
    }
    if s.term == Term::Month && dice.chance(over(seg.by(0.004, 0.008, 0.0))) {
        next.term = Term::Year;
        return Some((next, "annual_switch"));
    }
    None
}

/// How the invoice of one period gets paid, by the customer's habits.
fn draw_outcome(p: &Profile, dice: &mut Dice) -> Outcome {
    let (on_time, late, retried) = match p.payer {
        Payer::Prompt => (0.955, 0.03, 0.014),
        Payer::Slow => (0.55, 0.36, 0.058),
        Payer::Poor => (0.45, 0.3, 0.2),
    };
    let x = dice.unit();
    if x < on_time {
        // Small accounts pay by card on the day; larger ones by transfer within terms.
        let days = match p.segment {
            Segment::Smb => dice.int(0, 2),
            Segment::MidMarket => dice.int(0, 25),
            Segment::Enterprise => dice.int(10, 29),
        };
        Outcome::Paid { days }
    } else if x < on_time + late {
        Outcome::Paid {
            days: dice.int(31, 100),
        }
    } else if x < on_time + late + retried {
        Outcome::Retried {
            failed: dice.int(0, 1),
            days: dice.int(3, 14),
        }
    } else {
        Outcome::Never
    }
}

/// Perhaps an add-on bought at one of the main subscription's renewals.
fn add_on(p: &Profile, span: &Span, dice: &mut Dice, h: &mut History, main: &Sub) -> Option<Sub> {
    let hazard: f64 = p.segment.by(0.004, 0.01, 0.012);
    let at =
        main.periods.iter().skip(1).find(|period| {
            dice.chance(1.0 - (1.0 - hazard).powi(period.state.term.months() as i32))
        })?;
    let state = State {
        plan: Plan::Insights,
        term: Term::Month,
        quantity: at.state.quantity.min(100),
        discount_pct: 0,
        currency: p.currency,
    };
    // The id is set by the caller once the main subscription is recorded.
    let mut sub = Sub::new(String::new(), false, at.start, &state, None);
    h.expansions.push(Expansion {
        at: at.start,
        kind: "cross_sell",
        arr: state.arr(),
    });
    for k in 0.. {
        let ps = add_months(at.start, k);
        if ps > span.today || main.end.is_some_and(|e| ps >= e) {
            break;
        }
        if k > 0 && dice.chance(0.03) {
            sub.cancel(ps, "voluntary");
            return Some(sub);
        }
        // Add-on invoices that are never paid would cut the whole account; keep them late instead.
        let outcome = match draw_outcome(p, dice) {
            Outcome::Never => Outcome::Paid { days: 45 },
            o => o,
        };
        sub.periods.push(Period {
            start: ps,
            end: add_months(at.start, k + 1),
            state: state.clone(),
            outcome,
        });
    }
    if let Some(e) = main.end {
        sub.cancel(e, "main_cancelled");
    }
    Some(sub)
}

/// Writes the `subscription-events` rows of one customer.
pub(crate) fn emit(p: &Profile, h: &History, out: &mut Emitter) -> Result<(), String> {
    let mut n = 0;
    for sub in &h.subs {
        for e in &sub.events {
            n += 1;
            let mut row = json!({
                "id": seq_id("se", p.index, n, 3),
                "customer_id": p.id,
                "subscription_id": sub.id,
                "type": match e.kind { Kind::Start => "start", Kind::Change => "change", Kind::Cancel => "cancel" },
                "effective_at": date(e.at),
            });
            let obj = row.as_object_mut().expect("built as an object");
            if e.kind != Kind::Cancel {
                let s = &e.state;
                obj.insert("plan".into(), Value::from(s.plan.slug()));
                obj.insert("currency".into(), Value::from(s.currency.code()));
                obj.insert("amount".into(), Value::from(money(s.unit_amount())));
                obj.insert("interval".into(), Value::from(s.term.slug()));
                obj.insert("quantity".into(), Value::from(s.quantity));
                obj.insert("discount".into(), Value::from(money(s.discount())));
            }
            if e.kind == Kind::Start
                && let Some(te) = sub.trial_end
            {
                obj.insert("trial_ends_at".into(), Value::from(date(te)));
            }
            if let Some(reason) = e.reason {
                obj.insert("attributes".into(), json!({ "reason": reason }));
            }
            out.push(Collection::SubscriptionEvents, row)?;
        }
    }
    Ok(())
}
