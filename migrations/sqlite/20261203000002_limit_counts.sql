-- What each instance let through per limited credential and window (PRODUCT.md §9): every
-- instance writes its own counts and reads the others', about once a second, so instances
-- sharing the database share their counts. Windows that have ended are pruned.
CREATE TABLE limit_counts (
    credential_id TEXT NOT NULL,
    policy TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    instance_id TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (credential_id, policy, window_start, instance_id)
);
CREATE INDEX limit_counts_by_window ON limit_counts (window_start);
