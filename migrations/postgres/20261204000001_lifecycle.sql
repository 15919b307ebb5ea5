-- The credential lifecycle (PRODUCT.md §10). A rotated API Client secret or a regenerated
-- Restricted Access Token keeps the old digest until its end (NULL: none kept); the version
-- tells the secrets apart in usage. A revoked token stays, refused for good.
ALTER TABLE api_clients ADD COLUMN secret_version BIGINT NOT NULL DEFAULT 1;
ALTER TABLE api_clients ADD COLUMN previous_secret_digest TEXT;
ALTER TABLE api_clients ADD COLUMN previous_secret_last_four TEXT;
ALTER TABLE api_clients ADD COLUMN previous_secret_expires_at BIGINT;
ALTER TABLE restricted_tokens ADD COLUMN previous_token_digest TEXT;
ALTER TABLE restricted_tokens ADD COLUMN previous_token_last_four TEXT;
ALTER TABLE restricted_tokens ADD COLUMN previous_token_expires_at BIGINT;
ALTER TABLE restricted_tokens ADD COLUMN revoked_at BIGINT;
CREATE UNIQUE INDEX restricted_tokens_by_previous_digest ON restricted_tokens (previous_token_digest);
-- Which secret of an API Client last authenticated (its secret_version), and when.
CREATE TABLE secret_last_use (
    credential_id TEXT PRIMARY KEY,
    secret_version BIGINT NOT NULL,
    used_at BIGINT NOT NULL
);
