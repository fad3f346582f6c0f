-- Bumped in the same transaction as every change to a tenant's records, so
-- any process can tell whether its in-memory engine is current.
ALTER TABLE tenants ADD COLUMN data_version INTEGER NOT NULL DEFAULT 0;
