//! Sign-in rate limits: per account and per IP, with a delay that doubles
//! with every failure past a few, so guessing gets slow fast.
//!
//! Kept in memory: a replica restart forgets failures, which only ever lets
//! an attacker start over at the first delay, never skip it.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before delays start.
const FREE_FAILURES_ACCOUNT: u32 = 5;
const FREE_FAILURES_IP: u32 = 20;
/// The first delay; each further failure doubles it, up to `MAX_DELAY`.
const FIRST_DELAY: Duration = Duration::from_secs(30);
const MAX_DELAY: Duration = Duration::from_secs(60 * 60);
/// Entries idle this long are dropped so the maps stay small.
const FORGET_AFTER: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

/// Counts failed sign-ins by account and by IP.
#[derive(Debug, Default)]
pub struct LoginThrottle {
    accounts: Mutex<HashMap<String, Failures>>,
    ips: Mutex<HashMap<String, Failures>>,
}

fn delay(count: u32, free: u32) -> Duration {
    if count < free {
        return Duration::ZERO;
    }
    let doublings = (count - free).min(16);
    (FIRST_DELAY * 2u32.pow(doublings)).min(MAX_DELAY)
}

fn wait_for(
    map: &Mutex<HashMap<String, Failures>>,
    key: &str,
    free: u32,
    now: Instant,
) -> Duration {
    let map = map.lock().expect("throttle lock");
    map.get(key).map_or(Duration::ZERO, |f| {
        (f.last + delay(f.count, free)).saturating_duration_since(now)
    })
}

fn record(map: &Mutex<HashMap<String, Failures>>, key: &str, now: Instant) {
    let mut map = map.lock().expect("throttle lock");
    if map.len() > 100_000 {
        map.retain(|_, f| now.duration_since(f.last) < FORGET_AFTER);
    }
    let f = map.entry(key.to_string()).or_insert(Failures {
        count: 0,
        last: now,
    });
    f.count += 1;
    f.last = now;
}

impl LoginThrottle {
    /// How long this account and IP must still wait before another attempt.
    pub fn wait(&self, account: &str, ip: &str) -> Duration {
        let now = Instant::now();
        wait_for(&self.accounts, account, FREE_FAILURES_ACCOUNT, now).max(wait_for(
            &self.ips,
            ip,
            FREE_FAILURES_IP,
            now,
        ))
    }

    /// Counts a failed attempt against both.
    pub fn failed(&self, account: &str, ip: &str) {
        let now = Instant::now();
        record(&self.accounts, account, now);
        record(&self.ips, ip, now);
    }

    /// Clears the account's failures after a successful sign-in.
    pub fn succeeded(&self, account: &str) {
        self.accounts.lock().expect("throttle lock").remove(account);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_free_failures_and_grow() {
        assert_eq!(delay(4, 5), Duration::ZERO);
        assert_eq!(delay(5, 5), FIRST_DELAY);
        assert_eq!(delay(6, 5), FIRST_DELAY * 2);
        assert_eq!(delay(40, 5), MAX_DELAY);
        let t = LoginThrottle::default();
        for _ in 0..5 {
            assert_eq!(t.wait("acme/jo", "1.2.3.4"), Duration::ZERO);
            t.failed("acme/jo", "1.2.3.4");
        }
        assert!(t.wait("acme/jo", "9.9.9.9") > Duration::from_secs(25));
        assert_eq!(t.wait("acme/other", "1.2.3.4"), Duration::ZERO);
        t.succeeded("acme/jo");
        assert_eq!(t.wait("acme/jo", "1.2.3.4"), Duration::ZERO);
    }
}
