-- A durable job queue (email digests, alert evaluation, webhook deliveries).
-- Timestamps are RFC 3339 text in UTC, so comparing them as text orders them
-- in time (the claim query relies on that).
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    tenant_id INTEGER REFERENCES tenants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'failed', 'dead')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL CHECK (max_attempts >= 1),
    run_at TEXT NOT NULL,
    locked_by TEXT,
    locked_until TEXT,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    finished_at TEXT
);
-- Claiming looks for due jobs by state and time.
CREATE INDEX jobs_by_state ON jobs (state, run_at);
CREATE INDEX jobs_by_tenant ON jobs (tenant_id, id);
