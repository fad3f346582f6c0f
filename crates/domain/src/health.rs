//! Customer health settings: the weights of the score's components and the
//! band limits (metrics.md, Customer health and risk). The engine scores;
//! this is what a tenant sets.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// The tenant's health settings: component weights and band limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct HealthSettings {
    pub payment: Decimal,
    pub usage: Decimal,
    pub support: Decimal,
    pub engagement: Decimal,
    pub profitability: Decimal,
    /// Scores from this are healthy.
    pub healthy_from: u8,
    /// Scores below this are critical.
    pub critical_below: u8,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self {
            payment: Decimal::new(40, 2),
            usage: Decimal::new(15, 2),
            support: Decimal::new(30, 2),
            engagement: Decimal::new(10, 2),
            profitability: Decimal::new(5, 2),
            healthy_from: 70,
            critical_below: 40,
        }
    }
}

impl HealthSettings {
    /// The weights, in the order payment, usage, support, engagement, profitability.
    pub fn weights(&self) -> [Decimal; 5] {
        [
            self.payment,
            self.usage,
            self.support,
            self.engagement,
            self.profitability,
        ]
    }

    /// Why the settings cannot be used, if they cannot.
    pub fn check(&self) -> Result<(), String> {
        let weights = self.weights();
        if weights.iter().any(|w| w.is_sign_negative() && !w.is_zero()) {
            return Err("weights must not be negative".into());
        }
        if weights.iter().all(|w| w.is_zero()) {
            return Err("at least one weight must be above 0".into());
        }
        if !(self.critical_below < self.healthy_from && self.healthy_from <= 100) {
            return Err(format!(
                "the critical limit ({}) must be below the healthy one ({}), at most 100",
                self.critical_below, self.healthy_from
            ));
        }
        Ok(())
    }
}
