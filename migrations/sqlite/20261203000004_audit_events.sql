-- The audit log (PRODUCT.md §9): one row per change or sign-in, written in the transaction of
-- the change it records. Append-only: no statement of Portcullis updates a row, the trigger
-- refuses it, and only retention deletes. `organization_id` is the organization whose log
-- shows the event; instance-wide events (signing keys) have none and every log shows them;
-- a failed sign-in for an unknown email has none either and no organization's log shows it.
CREATE TABLE audit_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    organization_id TEXT,
    instance_wide INTEGER NOT NULL DEFAULT 0,
    at BIGINT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT NOT NULL,
    actor_name TEXT NOT NULL,
    client_ip TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT NOT NULL,
    target_name TEXT NOT NULL,
    changes TEXT NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events (organization_id, seq);
CREATE INDEX audit_events_instance_wide ON audit_events (instance_wide, seq);
CREATE INDEX audit_events_by_time ON audit_events (at);
CREATE TRIGGER audit_events_append_only BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit events cannot be changed');
END;
