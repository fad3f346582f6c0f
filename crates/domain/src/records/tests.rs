use super::*;
use crate::examples::example_row;
use rust_decimal::dec;
use serde_json::json;

fn fields_of(errs: &[FieldError]) -> Vec<&str> {
    errs.iter().map(|e| e.field.as_str()).collect()
}

#[test]
fn every_example_parses_and_round_trips_through_storage() {
    for c in Collection::ALL {
        let rec = parse_record(c, &example_row(c, 7)).unwrap_or_else(|e| panic!("{c}: {e:?}"));
        assert_eq!(rec.collection(), c);
        let row = rec.to_row();
        let back = AnyRecord::from_stored(c, &row.body).unwrap();
        assert_eq!(back, rec, "{c}");
        // A stored body is itself a valid row: re-ingesting it changes nothing.
        let again = parse_record(c, &serde_json::from_str(&row.body).unwrap()).unwrap();
        assert_eq!(again, rec, "{c}");
    }
}

#[test]
fn subscription_defaults_and_monthly_value() {
    let row = json!({"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start",
        "effective_at": "2025-01-01", "amount": "2000", "interval": "year"});
    let AnyRecord::SubscriptionEvent(e) =
        parse_record(Collection::SubscriptionEvents, &row).unwrap()
    else {
        panic!()
    };
    let state = e.state.unwrap();
    assert_eq!(state.quantity, dec!(1));
    assert_eq!(state.discount, dec!(0));
    assert_eq!(state.currency, None);
    assert_eq!(state.monthly_value().round_dp(2), dec!(166.67));
}

#[test]
fn start_without_amount_and_bad_discount_are_rejected() {
    let row = json!({"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "start",
        "effective_at": "2025-01-01"});
    let errs = SubscriptionEvent::parse(&row).unwrap_err();
    assert_eq!(fields_of(&errs), vec!["amount"]);
    let row = json!({"id": "e1", "customer_id": "c1", "subscription_id": "s1", "type": "change",
        "effective_at": "2025-01-01", "amount": 10, "quantity": 2, "discount": 25});
    assert_eq!(
        fields_of(&SubscriptionEvent::parse(&row).unwrap_err()),
        vec!["discount"]
    );
}

#[test]
fn cancel_needs_no_state() {
    let row = json!({"id": "e2", "customer_id": "c1", "subscription_id": "s1", "type": "cancel",
        "effective_at": "2025-03-01T00:00:00Z"});
    let e = SubscriptionEvent::parse(&row).unwrap();
    assert!(e.state.is_none());
}

#[test]
fn every_problem_of_a_row_is_listed() {
    let row = json!({"id": "", "customer_id": "c1", "subscription_id": "s1", "type": "pause",
        "effective_at": "yesterday", "amount": -5, "interval": "fortnight", "colour": "red"});
    let errs = SubscriptionEvent::parse(&row).unwrap_err();
    let mut f = fields_of(&errs);
    f.sort_unstable();
    assert_eq!(
        f,
        vec!["amount", "colour", "effective_at", "id", "interval", "type"]
    );
}

#[test]
fn invoice_dates_and_credits_are_checked() {
    let row = json!({"id": "i1", "customer_id": "c1", "issued_at": "2025-02-01",
        "due_at": "2025-01-01", "currency": "usd", "amount": 10, "credits": 11});
    let mut f = fields_of(&Invoice::parse(&row).unwrap_err()).join(",");
    f.push(',');
    assert_eq!(f, "due_at,credits,");
}

#[test]
fn refunds_are_negative_and_payments_positive() {
    let base = |amount: i32, status: &str| json!({"id": "p", "invoice_id": "i", "paid_at": "2025-01-01", "amount": amount, "status": status});
    assert!(Payment::parse(&base(-5, "refunded")).is_ok());
    assert!(Payment::parse(&base(5, "refunded")).is_err());
    assert!(Payment::parse(&base(-5, "succeeded")).is_err());
    assert!(Payment::parse(&base(5, "failed")).is_ok());
}

#[test]
fn hours_probability_and_rates_are_bounded() {
    let te =
        json!({"id": "t", "customer_id": "c", "date": "2025-01-01", "hours": 25, "person": "x"});
    assert_eq!(
        fields_of(&TimeEntry::parse(&te).unwrap_err()),
        vec!["hours"]
    );
    let mut opp = example_row(Collection::Opportunities, 1);
    opp["probability"] = json!(1.5);
    assert_eq!(
        fields_of(&Opportunity::parse(&opp).unwrap_err()),
        vec!["probability"]
    );
    let fx = json!({"date": "2025-01-01", "currency": "EUR", "rate": 0});
    assert_eq!(fields_of(&FxRate::parse(&fx).unwrap_err()), vec!["rate"]);
}

#[test]
fn natural_keys_for_rows_without_ids() {
    let dp =
        Datapoint::parse(&json!({"kpi": "cash_balance", "date": "2025-01-31", "value": "1.5"}))
            .unwrap();
    assert_eq!(dp.key(), "cash_balance|2025-01-31|");
    let fx =
        FxRate::parse(&json!({"date": "2025-01-31", "currency": "eur", "rate": "1.1"})).unwrap();
    assert_eq!(fx.key(), "EUR|2025-01-31");
    assert!(
        Datapoint::parse(&json!({"kpi": "Cash Balance", "date": "2025-01-31", "value": 1}))
            .is_err()
    );
}

#[test]
fn csv_style_strings_are_accepted() {
    let row = json!({"id": "c", "date": "2025-01-01", "amount": "10.5", "currency": "EUR",
        "category": "tools", "cost_of_service": "yes", "customer_id": ""});
    let c = Cost::parse(&row).unwrap();
    assert!(c.cost_of_service);
    assert_eq!(c.customer_id, None);
}

#[test]
fn a_service_period_goes_in_pairs_and_in_order() {
    let row = |extra: serde_json::Value| {
        let mut r = json!({"id": "k", "date": "2025-06-01", "amount": 300, "currency": "USD",
            "category": "hosting"});
        for (k, v) in extra.as_object().unwrap() {
            r[k] = v.clone();
        }
        Cost::parse(&r)
    };
    let ok = row(json!({"service_from": "2025-06-01", "service_to": "2025-06-30"})).unwrap();
    assert!(ok.service_from.is_some() && ok.service_to.is_some());
    assert_eq!(
        fields_of(&row(json!({"service_from": "2025-06-01"})).unwrap_err()),
        vec!["service_to"]
    );
    assert_eq!(
        fields_of(&row(json!({"service_to": "2025-06-30"})).unwrap_err()),
        vec!["service_from"]
    );
    assert_eq!(
        fields_of(
            &row(json!({"service_from": "2025-06-30", "service_to": "2025-06-01"})).unwrap_err()
        ),
        vec!["service_to"]
    );
    assert_eq!(
        fields_of(
            &row(json!({"service_from": "2025-01-01", "service_to": "2029-01-01"})).unwrap_err()
        ),
        vec!["service_to"]
    );
}

#[test]
fn non_objects_are_rejected() {
    assert_eq!(
        fields_of(&Customer::parse(&json!([1, 2])).unwrap_err()),
        vec![""]
    );
}
