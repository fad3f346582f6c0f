//! Product usage events for the last 60 days: activity and invitations.
//!
//! Only a recent window is generated because usage is by far the largest
//! collection; 60 days is enough for DAU/WAU/MAU, 30-day trends and the
//! viral coefficient.

use crate::calendar::{add_days, stamp};
use crate::company::World;
use crate::customers::{Profile, Segment};
use crate::emit::{Emitter, object, seq_id};
use crate::rng::{Dice, Stream};
use crate::subscriptions::History;
use chrono::{Datelike, NaiveDate, Weekday};
use quarterdeck_domain::Collection;
use serde_json::{Value, json};

/// Days of usage history, ending yesterday.
const WINDOW_DAYS: i64 = 60;
/// Most users an account grows to through invitations, to bound the volume.
const MAX_USERS: usize = 40;

/// What users do, and how often relative to each other.
const ACTIONS: &[(&str, f64)] = &[
    ("session_started", 0.32),
    ("dashboard_viewed", 0.24),
    ("report_viewed", 0.16),
    ("listing_updated", 0.10),
    ("export_created", 0.06),
    ("integration_synced", 0.07),
    ("message_sent", 0.05),
];

/// One person using the product for an account.
struct User {
    id: String,
    /// "seller" or "buyer": the side of the platform the user is on.
    side: &'static str,
    /// Chance of being active on a weekday.
    propensity: f64,
    /// Account admins use the product more and send most invitations.
    admin: bool,
}

/// Writes the usage events of one customer for the last `WINDOW_DAYS` days.
pub(crate) fn emit(
    world: &World,
    p: &Profile,
    h: &History,
    out: &mut Emitter,
) -> Result<(), String> {
    let span = &world.span;
    let first = add_days(span.today, -WINDOW_DAYS);
    if !(0..WINDOW_DAYS).any(|d| h.live_on(add_days(first, d))) {
        return Ok(());
    }
    let mut dice = Dice::new(world.seed, p.index as u64, Stream::Usage);
    // Users are active during their working day, in UTC hours.
    let hours = match p.region {
        "na" => (13, 23),
        "emea" => (7, 17),
        _ => (0, 10),
    };
    // Invitations bring in the other side of the platform (sellers invite their buyers).
    let other_side = if p.user_type == "seller" {
        "buyer"
    } else {
        "seller"
    };
    let mut users: Vec<User> = Vec::new();
    let mut pending: Vec<(NaiveDate, usize)> = Vec::new();
    let mut n = 0;
    let mut event = |out: &mut Emitter,
                     name: &str,
                     day: NaiveDate,
                     secs: u32,
                     user: &User,
                     props: Option<Value>| {
        n += 1;
        let mut row = object([
            ("id", seq_id("evt", p.index, n, 5).into()),
            ("name", name.into()),
            ("at", stamp(day, secs).into()),
            ("customer_id", p.id.clone().into()),
            ("user_id", user.id.clone().into()),
            ("user_type", user.side.into()),
        ]);
        if let Some(props) = props {
            row.insert("properties".into(), props);
        }
        out.push(Collection::Events, Value::Object(row))
    };

    for d in 0..WINDOW_DAYS {
        let day = add_days(first, d);
        let Some(state) = h.state_on(day) else {
            continue;
        };
        if users.is_empty() {
            let seats = state.quantity as usize;
            let count = match p.segment {
                Segment::Smb => seats.min(1 + dice.int(0, 3) as usize),
                Segment::MidMarket => seats.min(3 + dice.int(0, 6) as usize),
                Segment::Enterprise => seats.min(6 + dice.int(0, 10) as usize),
            };
            for i in 0..count.max(1) {
                let admin = i == 0 || dice.chance(0.15);
                let propensity = if admin {
                    dice.between(0.1, 0.3)
                } else {
                    dice.between(0.015, 0.12)
                };
                users.push(User {
                    id: user_id(p, users.len()),
                    side: p.user_type,
                    propensity,
                    admin,
                });
            }
        }
        // Invitations accepted today: the invitee joins and shows up from now on.
        let (today_accepts, later): (Vec<_>, Vec<_>) =
            pending.into_iter().partition(|(at, _)| *at <= day);
        pending = later;
        for (_, inviter) in today_accepts {
            let joined = User {
                id: user_id(p, users.len()),
                side: other_side,
                propensity: dice.between(0.02, 0.15),
                admin: false,
            };
            let props = json!({ "invited_by": users[inviter].id });
            event(
                out,
                "invitation_accepted",
                day,
                dice.seconds_between_hours(hours.0, hours.1),
                &joined,
                Some(props),
            )?;
            users.push(joined);
        }
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        for i in 0..users.len() {
            let u = &users[i];
            let chance = if weekend {
                u.propensity * 0.25
            } else {
                u.propensity
            };
            if !dice.chance(chance) {
                continue;
            }
            // One event per active user-day: enough for DAU/WAU/MAU, and bounded.
            let name = dice.weighted(ACTIONS);
            event(
                out,
                name,
                day,
                dice.seconds_between_hours(hours.0, hours.1),
                u,
                None,
            )?;
            if dice.chance(if u.admin { 0.05 } else { 0.012 }) {
                let props = json!({ "channel": dice.pick(&["email", "link"]) });
                event(
                    out,
                    "invitation_sent",
                    day,
                    dice.seconds_between_hours(hours.0, hours.1),
                    u,
                    Some(props),
                )?;
                let accept = add_days(day, dice.int(1, 3));
                if dice.chance(0.45)
                    && accept < span.today
                    && users.len() + pending.len() < MAX_USERS
                {
                    pending.push((accept, i));
                }
            }
        }
    }
    Ok(())
}

/// The id of the `k`-th user of customer `p`.
fn user_id(p: &Profile, k: usize) -> String {
    seq_id("usr", p.index, k, 3)
}
