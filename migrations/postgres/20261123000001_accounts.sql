-- Organizations, their people, console sessions, invites and sign-in throttling.
-- Times are Unix seconds; flags are 0/1 integers (the same on both backends).

CREATE TABLE organizations (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL,
    api_access  BIGINT NOT NULL DEFAULT 1,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE users (
    id                  TEXT PRIMARY KEY NOT NULL,
    organization_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name                TEXT NOT NULL,
    email               TEXT NOT NULL UNIQUE,
    password_hash       TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('Admin', 'Developer', 'Member')),
    manage_credentials  BIGINT NOT NULL DEFAULT 0,
    created_at          BIGINT NOT NULL
);
CREATE INDEX users_by_organization ON users (organization_id);

CREATE TABLE sessions (
    token_digest  TEXT PRIMARY KEY NOT NULL,
    user_id       TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at    BIGINT NOT NULL,
    expires_at    BIGINT NOT NULL
);
CREATE INDEX sessions_by_user ON sessions (user_id);

CREATE TABLE invites (
    id                  TEXT PRIMARY KEY NOT NULL,
    token_digest        TEXT NOT NULL UNIQUE,
    organization_id     TEXT NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email               TEXT NOT NULL,
    role                TEXT NOT NULL CHECK (role IN ('Admin', 'Developer', 'Member')),
    manage_credentials  BIGINT NOT NULL DEFAULT 0,
    created_by          TEXT NOT NULL,
    created_at          BIGINT NOT NULL,
    expires_at          BIGINT NOT NULL,
    accepted_at         BIGINT
);
CREATE INDEX invites_by_organization ON invites (organization_id);

CREATE TABLE sign_in_throttle (
    throttle_key   TEXT PRIMARY KEY NOT NULL,
    failures       BIGINT NOT NULL,
    window_start   BIGINT NOT NULL
);

-- One row once the instance has been set up: makes /setup single-use even when two
-- requests race.
CREATE TABLE instance_setup (
    singleton   INTEGER PRIMARY KEY NOT NULL CHECK (singleton = 1),
    set_up_at   BIGINT NOT NULL
);
