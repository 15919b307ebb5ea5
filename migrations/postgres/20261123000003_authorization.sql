-- The authorization server: signing keys, revoked access tokens, and the change log that tells
-- every instance which cached gate entries to drop.

-- Private keys are PKCS#8 DER, base64. A key signs while `retired_at` is NULL; it is published
-- in the JWKS until its last token has expired (retired_at + the token lifetime).
CREATE TABLE signing_keys (
    kid          TEXT PRIMARY KEY NOT NULL,
    alg          TEXT NOT NULL,
    private_der  TEXT NOT NULL,
    created_at   BIGINT NOT NULL,
    retired_at   BIGINT
);

-- Access tokens revoked through /oauth/revoke, kept until they would have expired anyway.
CREATE TABLE revoked_tokens (
    jti         TEXT PRIMARY KEY NOT NULL,
    client_id   TEXT NOT NULL,
    expires_at  BIGINT NOT NULL,
    revoked_at  BIGINT NOT NULL
);

-- One row per change the gate must learn of: kind is 'client' (key: Client ID), 'token' (key:
-- token digest), 'organization' (key: organization id), 'revoked' (key: jti) or 'keys'.
-- Written in the same transaction as the change; read by every instance (see services::gate).
CREATE TABLE gate_events (
    seq         BIGSERIAL PRIMARY KEY,
    kind        TEXT NOT NULL,
    key         TEXT NOT NULL,
    created_ms  BIGINT NOT NULL
);
CREATE INDEX gate_events_by_time ON gate_events (created_ms);
