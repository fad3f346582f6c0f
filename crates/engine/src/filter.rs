//! Customer filters (segment, CSM, plan, region) and their fast compiled form.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashMap};

/// Which customers a query covers; each set given narrows it, `None` means any.
///
/// A customer matches a dimension when its value is in the set; a customer with
/// no value for a constrained dimension does not match. For `plan`, a customer
/// matches when any of its subscriptions ever carried one of the plans, and
/// then its whole MRR counts (movements stay per customer, so the invariant holds).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Customer segments to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<BTreeSet<String>>,
    /// Customer success managers to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csm: Option<BTreeSet<String>>,
    /// Plans to include (customer-level: any subscription with the plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<BTreeSet<String>>,
    /// Regions to include.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<BTreeSet<String>>,
}

impl Filter {
    /// The filter that covers every customer.
    pub fn all() -> Self {
        Self::default()
    }

    /// What the filter selects, for headings and documents: "All customers",
    /// or e.g. "Segment: Mid-market, SMB · CSM: Ana".
    pub fn label(&self) -> String {
        let parts: Vec<String> = [
            ("segment", &self.segment),
            ("csm", &self.csm),
            ("plan", &self.plan),
            ("region", &self.region),
        ]
        .into_iter()
        .filter_map(|(name, set)| {
            let set = set.as_ref().filter(|s| !s.is_empty())?;
            Some(words(name, set.iter().map(String::as_str)))
        })
        .collect();
        if parts.is_empty() {
            "All customers".into()
        } else {
            parts.join(" · ")
        }
    }

    /// Only customers in one of `segments`.
    pub fn segments<S: Into<String>>(segments: impl IntoIterator<Item = S>) -> Self {
        Self {
            segment: Some(segments.into_iter().map(Into::into).collect()),
            ..Self::default()
        }
    }

    /// Whether no dimension is constrained.
    pub fn is_all(&self) -> bool {
        self.segment.is_none() && self.csm.is_none() && self.plan.is_none() && self.region.is_none()
    }
}

/// An interned attribute value.
pub(crate) type ValueId = u32;

/// Strings of one dimension, interned so that per-customer checks are array lookups.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionary {
    ids: HashMap<String, ValueId>,
}

impl Dictionary {
    /// The id of `value`, adding it when new.
    pub fn intern(&mut self, value: &str) -> ValueId {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = self.ids.len() as ValueId;
        self.ids.insert(value.to_string(), id);
        id
    }

    /// A mask over ids: which ones are in `wanted` (unknown strings match nobody).
    /// Every value seen, sorted.
    pub fn values(&self) -> Vec<String> {
        let mut v: Vec<String> = self.ids.keys().cloned().collect();
        v.sort_unstable();
        v
    }

    fn mask(&self, wanted: &Option<BTreeSet<String>>) -> Option<Vec<bool>> {
        let wanted = wanted.as_ref()?;
        let mut mask = vec![false; self.ids.len()];
        for w in wanted {
            if let Some(&id) = self.ids.get(w) {
                mask[id as usize] = true;
            }
        }
        Some(mask)
    }
}

/// The interned dimensions of a ledger.
#[derive(Debug, Clone, Default)]
pub(crate) struct Dictionaries {
    pub segment: Dictionary,
    pub csm: Dictionary,
    pub plan: Dictionary,
    pub region: Dictionary,
}

/// A customer's filterable attributes, interned.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Attributes {
    pub segment: Option<ValueId>,
    pub csm: Option<ValueId>,
    pub region: Option<ValueId>,
    /// Sorted, without repeats.
    pub plans: Vec<ValueId>,
}

/// A filter resolved against a ledger's dictionaries.
#[derive(Debug, Clone)]
pub(crate) struct CompiledFilter {
    segment: Option<Vec<bool>>,
    csm: Option<Vec<bool>>,
    plan: Option<Vec<bool>>,
    region: Option<Vec<bool>>,
}

impl CompiledFilter {
    /// Resolves `filter` against `dicts`.
    pub fn new(filter: &Filter, dicts: &Dictionaries) -> Self {
        Self {
            segment: dicts.segment.mask(&filter.segment),
            csm: dicts.csm.mask(&filter.csm),
            plan: dicts.plan.mask(&filter.plan),
            region: dicts.region.mask(&filter.region),
        }
    }

    /// Whether a customer with `attrs` is covered.
    pub fn matches(&self, attrs: &Attributes) -> bool {
        fn one(mask: &Option<Vec<bool>>, value: Option<ValueId>) -> bool {
            match mask {
                None => true,
                Some(m) => value.is_some_and(|v| m.get(v as usize).copied().unwrap_or(false)),
            }
        }
        one(&self.segment, attrs.segment)
            && one(&self.csm, attrs.csm)
            && one(&self.region, attrs.region)
            && match &self.plan {
                None => true,
                Some(m) => attrs
                    .plans
                    .iter()
                    .any(|&p| m.get(p as usize).copied().unwrap_or(false)),
            }
    }
}

/// The values each filter dimension can take (for filter pickers).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FilterValues {
    pub segment: Vec<String>,
    pub csm: Vec<String>,
    pub plan: Vec<String>,
    pub region: Vec<String>,
}

impl Dictionaries {
    /// Every value of every dimension, sorted.
    pub fn values(&self) -> FilterValues {
        FilterValues {
            segment: self.segment.values(),
            csm: self.csm.values(),
            plan: self.plan.values(),
            region: self.region.values(),
        }
    }
}

/// A filter dimension as people name it ("CSM", "Segment").
pub fn dimension_label(field: &str) -> &str {
    match field {
        "segment" => "Segment",
        "csm" => "CSM",
        "plan" => "Plan",
        "region" => "Region",
        other => other,
    }
}

/// One dimension's chosen values in words: "Segment: Mid-market, SMB".
pub fn words<'a>(field: &str, values: impl IntoIterator<Item = &'a str>) -> String {
    let values: Vec<String> = values.into_iter().map(|v| human(field, v)).collect();
    format!("{}: {}", dimension_label(field), values.join(", "))
}

/// A stored value as people read it, by column: segments and regions in
/// words (`mid_market` → "Mid-market", `emea` → "EMEA"), plans and CSM
/// names capitalised (`ana` → "Ana"); anything else as it is.
pub fn human(field: &str, value: &str) -> String {
    let capitalised = |v: &str| {
        let words = v.replace('_', " ");
        let mut chars = words.chars();
        chars
            .next()
            .map(|f| f.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default()
    };
    let code = value.chars().all(|c| c.is_ascii_lowercase() || c == '_');
    match (field, value) {
        ("segment", "smb") => "SMB".into(),
        ("segment", "mid_market") => "Mid-market".into(),
        ("region", "na") => "North America".into(),
        ("region", "emea" | "apac" | "latam") => value.to_uppercase(),
        ("segment" | "region" | "plan" | "csm", v) if code => capitalised(v),
        (_, v) => v.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_say_what_is_selected() {
        assert_eq!(Filter::all().label(), "All customers");
        let mut f = Filter::segments(["smb", "mid"]);
        f.csm = Some(BTreeSet::from(["ana".to_string()]));
        assert_eq!(f.label(), "Segment: Mid, SMB · CSM: Ana");
        assert_eq!(human("segment", "mid_market"), "Mid-market");
        assert_eq!(human("region", "na"), "North America");
        assert_eq!(human("csm", "Dana Lee"), "Dana Lee");
    }
}
