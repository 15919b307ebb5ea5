-- The change log in commit order (see store::change_log). SQLite has one writer at a time, so
-- `seq` order is already commit order; rows are now stamped by the database's clock, not the
-- writer's (SQLite cannot change a column's default: the table is rebuilt).
CREATE TABLE gate_events_new (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    created_ms  INTEGER NOT NULL DEFAULT (CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER))
);
INSERT INTO gate_events_new (seq, kind, key, created_ms)
    SELECT seq, kind, key, created_ms FROM gate_events;
DROP TABLE gate_events;
ALTER TABLE gate_events_new RENAME TO gate_events;
CREATE INDEX gate_events_by_time ON gate_events (created_ms);
