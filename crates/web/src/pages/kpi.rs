//! KPI cards: value, change with an arrow and words, sparkline, and a
//! green/yellow/red status against the tenant's target.

use super::numbers::{brief_format_of, change_of, format_of, lower_is_better, show, why_undefined};
use quarterdeck_app::metrics::result::Summary;
use quarterdeck_app::metrics::targets::{self, TenantTargets};
use quarterdeck_render::{Palette, sparkline};
use rust_decimal::Decimal;

/// One card as the template draws it.
#[derive(Debug, Clone)]
pub struct Kpi {
    /// The metric's API name (also the element id, for live updates).
    pub metric: String,
    pub label: String,
    pub value: String,
    /// Hover text: the exact value, or why it is undefined.
    pub title: String,
    pub undefined: bool,
    /// e.g. "▲ 3.2%".
    pub change: String,
    /// `up`, `down` or `flat`, plus ` inverse` when down is good.
    pub change_class: String,
    /// e.g. "vs $1.2M in the previous period".
    pub previous: String,
    pub sub: String,
    pub sparkline: String,
    /// `good`, `warn`, `bad` or empty.
    pub status_class: &'static str,
    /// "On target", "Watch", "Off target" (never colour alone).
    pub status: &'static str,
    /// Which target, and whose ("benchmark 102%").
    pub target: String,
    /// The target in full, for the hover text.
    pub target_why: String,
    pub href: Option<String>,
}

impl Kpi {
    /// A card computed by its page rather than read from the summary: a
    /// value and a line under it, no comparison or target until the page
    /// sets them.
    pub fn plain(metric: &str, label: &str, value: String, sub: String) -> Self {
        Kpi {
            metric: metric.into(),
            label: label.into(),
            title: value.clone(),
            value,
            undefined: false,
            change: String::new(),
            change_class: String::new(),
            previous: String::new(),
            sub,
            sparkline: String::new(),
            status_class: "",
            status: "",
            target: String::new(),
            target_why: String::new(),
            href: None,
        }
    }

    /// Judges the card against a target: on target or off (two-state
    /// targets), said in words beside the colour.
    pub fn judged(&mut self, met: bool, target: String, why: String) {
        self.status_class = if met { "good" } else { "bad" };
        self.status = if met { "On target" } else { "Off target" };
        self.target = target;
        self.target_why = why;
    }

    /// Compares the card with the previous period: the arrow and change
    /// (a ratio's in percentage points) and "vs … before"; `inverse` when a
    /// fall is good.
    pub fn compared(
        &mut self,
        now: Option<Decimal>,
        before: Option<Decimal>,
        ratio: bool,
        before_shown: String,
        inverse: bool,
    ) {
        let change = if ratio {
            now.zip(before).map(|(a, b)| a - b)
        } else {
            quarterdeck_app::metrics::json::change(now, before)
        };
        let (dir, text) = quarterdeck_app::metrics::display::movement(change, ratio);
        self.change = text;
        self.change_class = format!("{dir}{}", if inverse { " inverse" } else { "" });
        self.previous = format!("vs {before_shown} before");
    }

    /// Marks the card as having no value, and says why on hover.
    pub fn undefined_because(&mut self, why: &str) {
        self.undefined = true;
        self.title = why.into();
    }
}

/// The badge tone of a health band (`good`, `warn`, `bad`).
pub fn band_tone(band: quarterdeck_engine::health::Band) -> &'static str {
    use quarterdeck_engine::health::Band;
    match band {
        Band::Healthy => "good",
        Band::AtRisk => "warn",
        Band::Critical => "bad",
    }
}

/// What every card of a page shares: the summary answer and how to word it.
#[derive(Debug, Clone, Copy)]
pub struct Cards<'a> {
    /// The summary answer (typed; the API serialises the same).
    pub summary: &'a Summary,
    /// The reporting currency.
    pub currency: &'a str,
    /// How the comparison reads after "vs $x", e.g. "before" or "last year".
    pub compare: &'a str,
    /// The tenant's own targets and benchmark peer group.
    pub targets: &'a TenantTargets,
}

/// Whether a period is longer than one calendar month (churn then reads per month).
pub fn longer_than_a_month(p: quarterdeck_engine::Period) -> bool {
    p.whole_months().map_or(p.days() > 31, |n| n > 1)
}

/// The average-month variant of a churn rate (metrics.md: over more than a
/// month, cards show the average monthly rate, labelled "per month").
fn per_month(metric: &str) -> Option<&'static str> {
    match metric {
        "customer_churn_rate" => Some("avg_monthly_customer_churn_rate"),
        "gross_mrr_churn_rate" => Some("avg_monthly_gross_mrr_churn_rate"),
        "net_mrr_churn_rate" => Some("avg_monthly_net_mrr_churn_rate"),
        _ => None,
    }
}

/// Builds a card for `metric` from a summary answer; over more than a month
/// a churn rate shows its average month, judged by the rate's own target.
pub fn card(
    cards: &Cards<'_>,
    metric: &str,
    label: &str,
    spark: &[Decimal],
    href: Option<String>,
) -> Kpi {
    let judged_as = metric;
    let (metric, label) = match per_month(metric) {
        Some(avg) if longer_than_a_month(cards.summary.period) => {
            (avg, format!("{label} per month"))
        }
        _ => (metric, label.to_string()),
    };
    let label = label.as_str();
    let (currency, compare_label) = (cards.currency, cards.compare);
    let m = cards.summary.get(metric);
    let f = format_of(metric, currency);
    let (value, previous) = (m.value, m.previous);
    // A ratio's change is told in percentage points, never as a percentage of a percentage.
    let (dir, change_text) = change_of(metric, &m);
    let inverse = lower_is_better(metric);
    let change_text = if change_text.is_empty() && previous.is_some() && value.is_some() {
        "new".to_string()
    } else {
        change_text
    };
    let aim = targets::aim(cards.targets, judged_as, cards.summary, currency);
    let (status_class, status) = targets::status(value, aim.as_ref(), cards.summary.partial);
    let (target_short, target_why) =
        aim.map_or((String::new(), String::new()), |a| (a.short, a.why));
    // Cards show money briefly ($1.15M); the exact figure is on hover and in the tables.
    let brief = brief_format_of(metric, currency);
    Kpi {
        metric: metric.to_string(),
        label: label.to_string(),
        value: show(value, &brief),
        title: value.map_or_else(|| why_undefined(metric).to_string(), |v| f.detail(v)),
        undefined: value.is_none(),
        change: change_text,
        change_class: format!("{dir}{}", if inverse { " inverse" } else { "" }),
        previous: previous.map_or_else(String::new, |p| {
            format!("vs {} {compare_label}", brief.apply(p))
        }),
        sub: String::new(),
        sparkline: if spark.len() > 1 {
            sparkline(
                &format!("spark-{metric}"),
                &format!("{label}, last 12 months"),
                spark,
                180,
                32,
                &Palette::light(),
            )
        } else {
            String::new()
        },
        status_class,
        status,
        target: target_short,
        target_why,
        href,
    }
}
