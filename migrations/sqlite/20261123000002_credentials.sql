-- API Clients and Restricted Access Tokens. Secrets are stored as SHA-256 digests (hex) and
-- their last four characters; lists are newline-separated text, scopes space-separated.

CREATE TABLE api_clients (
    id                TEXT PRIMARY KEY NOT NULL,
    organization_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    description       TEXT,
    client_id         TEXT NOT NULL UNIQUE,
    secret_digest     TEXT NOT NULL UNIQUE,
    secret_last_four  TEXT NOT NULL,
    allowed_origins   TEXT NOT NULL DEFAULT '',
    scopes            TEXT NOT NULL,
    disabled          INTEGER NOT NULL DEFAULT 0,
    expires_at        INTEGER,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX api_clients_by_organization ON api_clients (organization_id);

CREATE TABLE restricted_tokens (
    id                TEXT PRIMARY KEY NOT NULL,
    organization_id   TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name              TEXT NOT NULL,
    token_digest      TEXT NOT NULL UNIQUE,
    token_last_four   TEXT NOT NULL,
    allowed_ips       TEXT NOT NULL,
    expires_at        INTEGER,
    created_by        TEXT NOT NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE INDEX restricted_tokens_by_organization ON restricted_tokens (organization_id);
