//! The record collections of the ingestion API.

use serde::{Deserialize, Serialize};

/// A kind of record the business sends us; its slug is the URL segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Collection {
    Customers,
    SubscriptionEvents,
    Invoices,
    Payments,
    Costs,
    TimeEntries,
    Tickets,
    Activities,
    Opportunities,
    Events,
    Datapoints,
    FxRates,
    SavePlays,
}

impl Collection {
    /// Every collection, in the order a full import should load them.
    pub const ALL: [Collection; 13] = [
        Collection::FxRates,
        Collection::Customers,
        Collection::SubscriptionEvents,
        Collection::Invoices,
        Collection::Payments,
        Collection::Costs,
        Collection::TimeEntries,
        Collection::Tickets,
        Collection::Activities,
        Collection::Opportunities,
        Collection::Events,
        Collection::Datapoints,
        Collection::SavePlays,
    ];

    /// The URL and storage name, e.g. `subscription-events`.
    pub fn slug(self) -> &'static str {
        match self {
            Collection::Customers => "customers",
            Collection::SubscriptionEvents => "subscription-events",
            Collection::Invoices => "invoices",
            Collection::Payments => "payments",
            Collection::Costs => "costs",
            Collection::TimeEntries => "time-entries",
            Collection::Tickets => "tickets",
            Collection::Activities => "activities",
            Collection::Opportunities => "opportunities",
            Collection::Events => "events",
            Collection::Datapoints => "datapoints",
            Collection::FxRates => "fx-rates",
            Collection::SavePlays => "save-plays",
        }
    }

    /// The collection named by `slug`, if any.
    pub fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.slug() == slug)
    }

    /// Every slug, comma-separated, for error messages.
    pub fn all_slugs() -> String {
        let mut slugs: Vec<&str> = Self::ALL.iter().map(|c| c.slug()).collect();
        slugs.sort_unstable();
        slugs.join(", ")
    }
}

impl std::fmt::Display for Collection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.slug())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_round_trip() {
        for c in Collection::ALL {
            assert_eq!(Collection::from_slug(c.slug()), Some(c));
        }
        assert_eq!(Collection::from_slug("nope"), None);
    }
}
