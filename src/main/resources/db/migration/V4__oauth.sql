-- OAuth 2.1 for MCP clients: operator accounts, registered clients, grants (one per consent), and
-- hashed authorization codes, access tokens and refresh tokens. No secret is stored in clear.

CREATE TABLE accounts (
    id              uuid        PRIMARY KEY,
    -- stored lower-case; sign-in compares lower-case
    username        text        NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._@-]{0,63}$'),
    -- Argon2id in PHC string form ($argon2id$v=19$m=…,t=…,p=…$salt$hash)
    password_hash   text        NOT NULL,
    role            text        NOT NULL CHECK (role IN ('admin', 'member')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE oauth_clients (
    -- a generated id for registered clients; the document URL for client ID metadata documents
    client_id       text        PRIMARY KEY,
    client_name     text,
    redirect_uris   jsonb       NOT NULL,
    -- the client metadata as registered (RFC 7591 §2), without any secret
    metadata        jsonb       NOT NULL,
    -- SHA-256 of the client secret of confidential clients, else null
    secret_hash     bytea,
    registered_by   text        NOT NULL CHECK (registered_by IN ('dcr', 'cimd')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz
);

CREATE TABLE oauth_grants (
    id              uuid        PRIMARY KEY,
    client_id       text        NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    account_id      uuid        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    deployment_id   uuid        NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    -- the RFC 8707 resource (the deployment's public MCP URL): the audience of every token of the grant
    resource        text        NOT NULL,
    scope           text        NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz,
    revoked_reason  text
);

CREATE INDEX oauth_grants_deployment ON oauth_grants (deployment_id);

CREATE TABLE oauth_codes (
    code_hash       bytea       PRIMARY KEY,
    grant_id        uuid        NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    redirect_uri    text        NOT NULL,
    code_challenge  text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE TABLE oauth_tokens (
    token_hash      bytea       PRIMARY KEY,
    grant_id        uuid        NOT NULL REFERENCES oauth_grants (id) ON DELETE CASCADE,
    kind            text        NOT NULL CHECK (kind IN ('access', 'refresh')),
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    -- a refresh token is retired when it is exchanged; presenting it again revokes the grant
    retired_at      timestamptz
);

CREATE INDEX oauth_tokens_grant ON oauth_tokens (grant_id);
