//! Company names, countries and people of the synthetic company.

use crate::rng::Dice;

/// First halves of company names.
const PREFIXES: &[&str] = &[
    "North", "Blue", "Silver", "Bright", "Iron", "Green", "Swift", "Clear", "Red", "Golden",
    "High", "Open", "True", "Deep", "Quiet", "Bold", "Lumen", "Arc", "Nova", "Pine", "Cedar",
    "Harbor", "Summit", "River", "Stone", "Maple", "Orbit", "Vector", "Atlas", "Echo", "Crest",
    "Delta", "Fern", "Granite", "Halo", "Ivy", "Juniper", "Kite", "Lark", "Mosaic",
];

/// Second halves of company names, joined to a prefix (North + wind).
const CORES: &[&str] = &[
    "wind", "field", "bridge", "point", "gate", "path", "leaf", "wave", "peak", "forge", "light",
    "works", "loop", "yard", "line", "stack", "cloud", "spark", "shore", "craft",
];

/// What the company does, the second word of its name.
const TRADES: &[&str] = &[
    "Analytics",
    "Labs",
    "Logistics",
    "Health",
    "Retail",
    "Media",
    "Software",
    "Foods",
    "Energy",
    "Robotics",
    "Studio",
    "Partners",
    "Systems",
    "Supply",
    "Travel",
    "Finance",
    "Learning",
    "Design",
    "Outdoors",
    "Pharma",
];

/// A plausible company name with the legal suffix usual in `country`.
pub(crate) fn company(dice: &mut Dice, country: &str) -> String {
    let legal: &[&str] = match country {
        "US" => &["Inc.", "LLC", "Co."],
        "CA" => &["Inc.", "Ltd."],
        "GB" | "IE" => &["Ltd"],
        "DE" => &["GmbH"],
        "FR" => &["SAS"],
        "NL" => &["B.V."],
        "ES" => &["S.L."],
        "SE" => &["AB"],
        "AU" => &["Pty Ltd"],
        "JP" => &["K.K."],
        "SG" => &["Pte. Ltd."],
        "IN" => &["Pvt. Ltd."],
        _ => &["Ltd"],
    };
    format!(
        "{}{} {} {}",
        dice.pick(PREFIXES),
        dice.pick(CORES),
        dice.pick(TRADES),
        dice.pick(legal)
    )
}

/// Regions and how common each is among customers.
pub(crate) const REGIONS: &[(&str, f64)] = &[("na", 0.58), ("emea", 0.30), ("apac", 0.12)];

/// Countries of `region` and how common each is there.
#[rustfmt::skip]
pub(crate) fn countries(region: &str) -> &'static [(&'static str, f64)] {
    match region {
        "na" => &[("US", 0.85), ("CA", 0.15)],
        "emea" => &[
            ("GB", 0.32), ("DE", 0.20), ("FR", 0.15), ("NL", 0.10),
            ("ES", 0.06), ("IE", 0.05), ("SE", 0.07), ("CH", 0.05),
        ],
        _ => &[("AU", 0.35), ("JP", 0.20), ("SG", 0.20), ("IN", 0.25)],
    }
}

/// Sales tax or VAT in percent for a customer in `country` (0 where B2B reverse charge applies).
pub(crate) fn tax_percent(dice: &mut Dice, country: &str) -> u32 {
    match country {
        // Most US B2B software is untaxed; some states tax it.
        "US" if dice.chance(0.3) => 7,
        "CA" => 5,
        "GB" => 20,
        "DE" => 19,
        "FR" => 20,
        "NL" | "ES" => 21,
        "AU" | "JP" => 10,
        "SG" => 9,
        "IN" => 18,
        // Reverse-charged or out of scope: invoiced without tax.
        _ => 0,
    }
}

/// Customer success managers by segment, with how many accounts each takes.
///
/// The split is deliberately uneven so the capacity page has something to rebalance.
pub(crate) const CSMS: [&[(&str, f64)]; 3] = [
    &[("elena", 0.57), ("femi", 0.43)],
    &[("chloe", 0.6), ("dmitri", 0.4)],
    &[("ana", 0.5), ("ben", 0.5)],
];

/// Solutions engineers who log implementation hours, with their cost per hour.
pub(crate) const ENGINEERS: &[(&str, i64)] = &[("sam", 85), ("priya", 90)];

/// Cost per hour of a CSM's time, in the reporting currency.
pub(crate) const CSM_COST_RATE: i64 = 55;
