-- Usage per credential (PRODUCT.md §9): hourly counts of the requests that authenticated as
-- it, let through and refused, kept 7 days; and when and from where it was last used. Written
-- in batches by each instance (at most every 10 s), never per request.
CREATE TABLE credential_usage (
    credential_id TEXT NOT NULL,
    hour_start BIGINT NOT NULL,
    allowed BIGINT NOT NULL DEFAULT 0,
    refused BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (credential_id, hour_start)
);
CREATE INDEX credential_usage_by_hour ON credential_usage (hour_start);
CREATE TABLE credential_last_use (
    credential_id TEXT PRIMARY KEY,
    used_at BIGINT NOT NULL,
    address TEXT
);
