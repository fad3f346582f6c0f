//! One valid example row per collection (API docs, tests and benchmarks).

use crate::Collection;
use serde_json::{Value, json};

/// A valid row of `collection` whose id (or natural key) is built from `n`.
pub fn example_row(collection: Collection, n: usize) -> Value {
    let id = format!("ex_{n}");
    let cus = format!("cus_{}", n % 100);
    match collection {
        Collection::Customers => json!({"id": cus, "name": format!("Customer {n}"),
            "segment": "smb", "csm": "ana", "region": "emea", "country": "DE",
            "created_at": "2024-01-15", "attributes": {"source": "example"}}),
        Collection::SubscriptionEvents => json!({"id": id, "customer_id": cus,
            "subscription_id": format!("sub_{n}"), "type": "start",
            "effective_at": "2024-02-01T00:00:00Z", "plan": "pro", "currency": "USD",
            "amount": "49.00", "interval": "month", "quantity": 3}),
        Collection::Invoices => json!({"id": id, "customer_id": cus, "issued_at": "2024-02-01",
            "due_at": "2024-03-02", "currency": "USD", "amount": 147, "tax": "27.93",
            "status": "open"}),
        Collection::Payments => json!({"id": id, "invoice_id": format!("inv_{n}"),
            "paid_at": "2024-02-10T12:00:00Z", "amount": "174.93", "status": "succeeded"}),
        Collection::Costs => json!({"id": id, "date": "2024-02-29", "amount": "1200.00",
            "currency": "USD", "category": "hosting", "cost_of_service": true}),
        Collection::TimeEntries => json!({"id": id, "customer_id": cus, "date": "2024-02-12",
            "hours": 2.5, "person": "li", "cost_rate": 60}),
        Collection::Tickets => json!({"id": id, "customer_id": cus,
            "opened_at": "2024-02-12T09:00:00Z", "first_response_at": "2024-02-12T09:40:00Z",
            "priority": "high"}),
        Collection::Activities => json!({"id": id, "customer_id": cus, "type": "meeting",
            "at": "2024-02-13T15:00:00Z", "csm": "ana"}),
        Collection::Opportunities => json!({"id": id, "customer_id": cus, "type": "renewal",
            "amount": 1764, "close_date": "2025-02-01", "stage": "negotiation", "status": "open",
            "probability": 0.8, "owner": "ana"}),
        Collection::Events => json!({"id": id, "name": "report_viewed",
            "at": "2024-02-14T10:00:00Z", "customer_id": cus, "user_id": format!("u_{n}"),
            "user_type": "admin"}),
        Collection::Datapoints => json!({"kpi": "cash_balance",
            "date": format!("2024-{:02}-{:02}", n % 12 + 1, n % 28 + 1), "value": 250000,
            "dimension": format!("d{}", n / 336)}),
        Collection::FxRates => json!({"date": format!("2024-{:02}-{:02}", n % 12 + 1, n % 28 + 1),
            "currency": (["EUR", "GBP", "JPY"][n / 336 % 3]), "rate": "1.08"}),
        Collection::SavePlays => json!({"id": id, "customer_id": cus, "owner": "ana",
            "reason": "usage dropped after a reorganisation", "opened_at": "2024-02-15T09:00:00Z",
            "target_date": "2024-03-15", "status": "saved", "closed_at": "2024-03-10T16:00:00Z"}),
    }
}
