//! The tenant settings the revenue engine needs.

use chrono_tz::Tz;
use quarterdeck_domain::Currency;

/// Reporting currency, reporting time zone, fiscal-year start and delinquency rule of one tenant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TenantSettings {
    /// Every amount is converted to this currency (metrics.md: default USD).
    pub currency: Currency,
    /// Days, weeks, months, quarters and years are calendar periods in this zone.
    pub time_zone: Tz,
    /// Month (1–12) in which the fiscal year starts; moves quarters and years.
    pub fiscal_year_start_month: u32,
    /// Delinquency (metrics.md, MRR): `Some(n)` makes a customer with an invoice
    /// still unpaid on day due + n count as churned (MRR_c = 0) from that day
    /// until the day it is paid; `None` (the default) turns it off.
    pub delinquency_days: Option<u32>,
}

impl Default for TenantSettings {
    fn default() -> Self {
        Self {
            currency: Currency::USD,
            time_zone: Tz::UTC,
            fiscal_year_start_month: 1,
            delinquency_days: None,
        }
    }
}

impl TenantSettings {
    /// The fiscal start month clamped into 1–12, so a bad setting cannot break period maths.
    pub fn fiscal_start(&self) -> u32 {
        self.fiscal_year_start_month.clamp(1, 12)
    }
}
