-- The change log in commit order (see store::change_log): each row carries the id of the
-- transaction that wrote it, so a reader can tell rows that are final (below the oldest running
-- transaction) from rows a slow transaction may still join. Rows are stamped by the database's
-- clock, not the writer's. Every insert notifies the followers at commit.
ALTER TABLE gate_events ADD COLUMN tx BIGINT NOT NULL DEFAULT (pg_current_xact_id()::text::bigint);
ALTER TABLE gate_events
    ALTER COLUMN created_ms SET DEFAULT ((extract(epoch FROM clock_timestamp()) * 1000)::bigint);
CREATE INDEX gate_events_in_commit_order ON gate_events (tx, seq);

CREATE FUNCTION portcullis_gate_events_notify() RETURNS trigger AS $$
BEGIN
    PERFORM pg_notify('portcullis_gate_events', '');
    RETURN NULL;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER gate_events_notify AFTER INSERT ON gate_events
    FOR EACH STATEMENT EXECUTE FUNCTION portcullis_gate_events_notify();
