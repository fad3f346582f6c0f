//! Engagement ratios (metrics.md, Engagement), from counts the caller has
//! taken from usage events.

use crate::money::count_ratio;
use rust_decimal::Decimal;

/// Viral coefficient = (invitations sent ÷ inviting users) × (invitations
/// accepted ÷ invitations sent); `None` when nobody invited anyone.
pub fn viral_coefficient(sent: u64, inviting_users: u64, accepted: u64) -> Option<Decimal> {
    let per_user = count_ratio(sent, inviting_users)?;
    let acceptance = count_ratio(accepted, sent)?;
    per_user.checked_mul(acceptance)
}
