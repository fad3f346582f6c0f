//! Tests of the generated company as a whole.

use super::*;
use quarterdeck_domain::parse_record;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2025, 6, 15).unwrap()
}

fn config(customers: usize) -> DemoConfig {
    DemoConfig {
        customers,
        seed: 7,
        today: today(),
    }
}

/// Every row generated for `config`, as (collection, row) in sink order.
fn collect(config: &DemoConfig, batch: usize) -> (DemoSummary, Vec<(Collection, Value)>) {
    let mut rows = Vec::new();
    let summary = generate(config, batch, &mut |c, batch_rows| {
        assert!(!batch_rows.is_empty(), "no empty batches");
        assert!(
            batch_rows.len() <= batch,
            "batch of {} > {batch}",
            batch_rows.len()
        );
        rows.extend(batch_rows.into_iter().map(|r| (c, r)));
        Ok(())
    })
    .unwrap();
    (summary, rows)
}

fn str_of<'a>(row: &'a Value, field: &str) -> &'a str {
    row[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} missing in {row}"))
}

#[test]
fn every_row_is_valid_unique_and_after_what_it_refers_to() {
    let (summary, rows) = collect(&config(300), 97);
    assert_eq!(summary.rows, rows.len());
    let mut keys: BTreeMap<Collection, BTreeSet<String>> = BTreeMap::new();
    let mut customers = BTreeSet::new();
    let mut invoices = BTreeSet::new();
    let mut subscriptions = BTreeSet::new();
    for (c, row) in &rows {
        let record =
            parse_record(*c, row).unwrap_or_else(|e| panic!("{c} row {row} invalid: {e:?}"));
        assert!(
            keys.entry(*c).or_default().insert(record.key()),
            "duplicate {c} key {}",
            record.key()
        );
        if let Some(customer) = row.get("customer_id") {
            assert!(
                customers.contains(customer.as_str().unwrap()),
                "{c} row before its customer: {row}"
            );
        }
        match c {
            Collection::Customers => {
                customers.insert(str_of(row, "id").to_string());
            }
            Collection::SubscriptionEvents => {
                subscriptions.insert(str_of(row, "subscription_id").to_string());
            }
            Collection::Invoices => {
                invoices.insert(str_of(row, "id").to_string());
                let line = &row["lines"][0];
                assert!(
                    subscriptions.contains(str_of(line, "subscription_id")),
                    "invoice before its subscription"
                );
            }
            Collection::Payments => {
                assert!(
                    invoices.contains(str_of(row, "invoice_id")),
                    "payment before its invoice: {row}"
                );
            }
            _ => {}
        }
    }
    let counted: BTreeMap<Collection, usize> = keys.iter().map(|(c, k)| (*c, k.len())).collect();
    for (c, n) in &summary.by_collection {
        assert_eq!(counted.get(c).copied().unwrap_or(0), *n, "{c} count");
    }
}

#[test]
fn same_config_gives_identical_rows_and_another_seed_does_not() {
    let render = |config: &DemoConfig, batch| {
        let (_, rows) = collect(config, batch);
        rows.iter()
            .map(|(c, r)| format!("{c}\t{r}\n"))
            .collect::<String>()
    };
    let a = render(&config(300), 500);
    let b = render(&config(300), 500);
    assert!(a == b, "two runs differ");
    let other = DemoConfig {
        seed: 8,
        ..config(300)
    };
    assert!(render(&other, 500) != a);
    // Batch size changes how rows are grouped, never which rows or their order within a collection.
    let c = render(&config(300), 7);
    assert_eq!(per_collection(&a), per_collection(&c));
}

#[test]
fn sink_errors_stop_the_generation() {
    let mut calls = 0;
    let result = generate(&config(50), 100, &mut |_, _| {
        calls += 1;
        if calls == 3 {
            Err("disk full".to_string())
        } else {
            Ok(())
        }
    });
    assert_eq!(result.unwrap_err(), "disk full");
    assert_eq!(calls, 3);
}

#[test]
fn an_empty_company_still_has_rates_costs_and_kpis() {
    let (summary, rows) = collect(&config(0), 1000);
    assert_eq!(summary.rows, rows.len());
    assert!(rows.iter().any(|(c, _)| *c == Collection::FxRates));
    assert!(rows.iter().all(|(c, r)| parse_record(*c, r).is_ok()));
}

/// Rows grouped by collection, each group in sink order.
fn per_collection(text: &str) -> BTreeMap<&str, Vec<&str>> {
    let mut by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for line in text.lines() {
        let (c, r) = line.split_once('\t').unwrap();
        by.entry(c).or_default().push(r);
    }
    by
}

/// Rows of `c`.
fn of(rows: &[(Collection, Value)], c: Collection) -> impl Iterator<Item = &Value> {
    rows.iter().filter(move |(k, _)| *k == c).map(|(_, r)| r)
}

#[test]
fn the_company_has_a_believable_shape() {
    let config = config(1500);
    let (summary, rows) = collect(&config, 1000);
    for (c, n) in &summary.by_collection {
        assert!(*n > 0, "{c} is empty");
    }
    let estimate = estimate_rows(&config) as f64;
    let actual = summary.rows as f64;
    assert!(
        (estimate / actual - 1.0).abs() < 0.2,
        "estimate {estimate} vs {actual}"
    );

    // Customers: three segments, six CSMs, three regions, two user types.
    let distinct = |field: &str| {
        of(&rows, Collection::Customers)
            .map(|r| str_of(r, field).to_string())
            .collect::<BTreeSet<_>>()
    };
    assert_eq!(distinct("segment").len(), 3);
    assert_eq!(distinct("csm").len(), 6);
    assert_eq!(
        distinct("region"),
        BTreeSet::from(["apac", "emea", "na"].map(String::from))
    );
    assert_eq!(distinct("user_type").len(), 2);

    // Subscription histories per customer, in order.
    let mut lives: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for r in of(&rows, Collection::SubscriptionEvents) {
        lives.entry(str_of(r, "customer_id")).or_default().push(r);
    }
    let non_usd = lives
        .values()
        .filter(|events| {
            events
                .iter()
                .any(|e| e.get("currency").is_some_and(|c| c != "USD"))
        })
        .count();
    let share = non_usd as f64 / lives.len() as f64;
    assert!((0.10..=0.25).contains(&share), "non-USD share {share}");
    let billed: BTreeSet<&str> = of(&rows, Collection::Invoices)
        .map(|r| str_of(&r["lines"][0], "subscription_id"))
        .collect();
    let mut churned = 0;
    let mut reactivated = 0;
    for events in lives.values() {
        let main: Vec<&&Value> = events
            .iter()
            .filter(|e| e.get("attributes").is_none_or(|a| a["reason"] != "add_on"))
            .collect();
        let last_main_sub = str_of(main.last().unwrap(), "subscription_id");
        if main
            .iter()
            .any(|e| str_of(e, "subscription_id") == last_main_sub && e["type"] == "cancel")
        {
            churned += 1;
        }
        let starts: Vec<&str> = main
            .iter()
            .filter(|e| e["type"] == "start")
            .map(|e| str_of(e, "subscription_id"))
            .collect();
        if starts.len() > 1 && billed.contains(starts[0]) {
            reactivated += 1;
        }
    }
    let churn_share = churned as f64 / lives.len() as f64;
    assert!(
        (0.15..=0.5).contains(&churn_share),
        "churned share {churn_share}"
    );
    assert!(reactivated >= 10, "only {reactivated} reactivations");
    // Distinct values of `field` among rows of `c` that have it.
    let kinds = |c, field: &str| {
        of(&rows, c)
            .filter_map(|r| r[field].as_str())
            .map(String::from)
            .collect::<BTreeSet<_>>()
    };
    assert!(of(&rows, Collection::SubscriptionEvents).any(|r| r.get("trial_ends_at").is_some()));
    assert_eq!(
        kinds(Collection::SubscriptionEvents, "interval"),
        BTreeSet::from(["month", "quarter", "year"].map(String::from))
    );
    assert_eq!(kinds(Collection::SubscriptionEvents, "type").len(), 3);

    // Billing: mostly paid, some open and overdue, a few written off, failed payments.
    let statuses =
        of(&rows, Collection::Invoices).fold(BTreeMap::<&str, usize>::new(), |mut m, r| {
            *m.entry(str_of(r, "status")).or_default() += 1;
            m
        });
    let invoices: usize = statuses.values().sum();
    assert!(
        statuses["paid"] as f64 / invoices as f64 > 0.9,
        "{statuses:?}"
    );
    assert!(
        (5..invoices / 50).contains(&statuses["uncollectible"]),
        "{statuses:?}"
    );
    let now = today().to_string();
    assert!(
        of(&rows, Collection::Invoices)
            .any(|r| r["status"] == "open" && str_of(r, "due_at") < now.as_str())
    );
    assert!(of(&rows, Collection::Payments).any(|r| r["status"] == "failed"));
    assert!(of(&rows, Collection::Payments).all(|r| str_of(r, "paid_at") < now.as_str()));
    // Nothing in the history happens after today.
    assert!(of(&rows, Collection::Invoices).all(|r| str_of(r, "issued_at") <= now.as_str()));
    assert!(
        of(&rows, Collection::SubscriptionEvents)
            .all(|r| str_of(r, "effective_at") <= now.as_str())
    );

    // Pipeline, usage and KPIs cover what the pages need.
    assert_eq!(kinds(Collection::Opportunities, "type").len(), 4);
    assert_eq!(kinds(Collection::Opportunities, "status").len(), 3);
    let events = kinds(Collection::Events, "name");
    assert!(events.contains("invitation_sent") && events.contains("invitation_accepted"));
    let window_start = (today() - chrono::Days::new(60)).to_string();
    assert!(of(&rows, Collection::Events).all(|r| str_of(r, "at") >= window_start.as_str()));
    let kpis = kinds(Collection::Datapoints, "kpi");
    for kpi in [
        "cash_balance",
        "net_burn",
        "deliverability",
        "bounce_rate",
        "spam_rate",
        "monthly_email_volume",
    ] {
        assert!(kpis.contains(kpi), "no {kpi}");
    }
    assert!(
        of(&rows, Collection::Costs)
            .any(|r| r["cost_of_service"] == true && r.get("customer_id").is_some())
    );
    assert_eq!(of(&rows, Collection::FxRates).count(), 2 * 37);
}
