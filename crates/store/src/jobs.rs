//! Helpers for the job queue whose storage is the `Store`'s `*_job*` methods.

/// Shortest wait before a retry.
const BACKOFF_BASE_SECS: i64 = 30;
/// Longest wait before a retry.
const BACKOFF_CAP_SECS: i64 = 3600;

/// How long to wait before retrying after the `attempt`-th run failed (1 for the
/// first run): 30 s, doubling each time, at most an hour.
pub fn backoff(attempt: i32) -> chrono::Duration {
    // 30 s × 2^7 already passes the cap, so larger shifts are never needed.
    let doublings = (attempt.max(1) - 1).min(7) as u32;
    chrono::Duration::seconds((BACKOFF_BASE_SECS << doublings).min(BACKOFF_CAP_SECS))
}

#[cfg(test)]
mod tests {
    use super::backoff;

    #[test]
    fn doubles_up_to_an_hour() {
        let secs: Vec<i64> = [0, 1, 2, 3, 4, 7, 8, 50, i32::MAX]
            .map(|a| backoff(a).num_seconds())
            .to_vec();
        assert_eq!(secs, vec![30, 30, 60, 120, 240, 1920, 3600, 3600, 3600]);
    }
}
