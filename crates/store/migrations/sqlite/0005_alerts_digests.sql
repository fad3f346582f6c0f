-- Alerts, per-tenant configuration that is not a metric setting (alert rules,
-- webhooks), digest subscriptions and a record of every delivery.
CREATE TABLE tenant_config (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE TABLE alerts (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    detail TEXT NOT NULL,
    state TEXT NOT NULL,
    opened_at TEXT NOT NULL,
    acknowledged_at TEXT,
    acknowledged_by TEXT,
    resolved_at TEXT
);
-- One unresolved alert per key: de-duplication enforced by the database.
CREATE UNIQUE INDEX alerts_open_key ON alerts (tenant_id, key) WHERE state <> 'resolved';
CREATE INDEX alerts_by_tenant ON alerts (tenant_id, id);

CREATE TABLE digest_subscriptions (
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    cadence TEXT NOT NULL,
    weekday INTEGER NOT NULL,
    monthday INTEGER NOT NULL,
    hour INTEGER NOT NULL,
    time_zone TEXT NOT NULL,
    unsubscribe_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id)
);

CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    recipient TEXT NOT NULL,
    subject TEXT NOT NULL,
    message_id TEXT,
    outcome TEXT NOT NULL,
    error TEXT,
    at TEXT NOT NULL
);
CREATE INDEX deliveries_by_tenant ON deliveries (tenant_id, id);
