-- Catwalk schema, first cut: deployments with their encrypted secrets and hashed access tokens,
-- the repository analysis cache, settings, and an append-only audit trail.

CREATE TABLE deployments (
    id              uuid        PRIMARY KEY,
    name            text        NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    backend         text        NOT NULL CHECK (backend IN ('local', 'fly')),
    -- how to run the server: {runtime, package, version, command, args, transport, url, headers}
    recipe          jsonb       NOT NULL,
    -- JSON Schema of the configuration; properties with writeOnly=true are secrets
    config_schema   jsonb,
    -- non-secret configuration values; secret ones live in deployment_secrets
    config          jsonb       NOT NULL DEFAULT '{}'::jsonb,
    status          text        NOT NULL DEFAULT 'pending'
                                CHECK (status IN ('pending', 'provisioning', 'running', 'failed', 'stopped', 'deleted')),
    status_reason   text,
    desired_state   text        NOT NULL DEFAULT 'running' CHECK (desired_state IN ('running', 'stopped', 'deleted')),
    -- what the backend needs to find its resources again (Fly app, machine id, launch id, ...)
    backend_state   jsonb       NOT NULL DEFAULT '{}'::jsonb,
    -- optimistic locking for concurrent updates and reconciliation
    version         bigint      NOT NULL DEFAULT 1,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    deleted_at      timestamptz
);

-- names are unique among deployments that are not deleted
CREATE UNIQUE INDEX deployments_live_name ON deployments (name) WHERE deleted_at IS NULL;
CREATE INDEX deployments_reconcile ON deployments (status, desired_state) WHERE deleted_at IS NULL;

CREATE TABLE deployment_secrets (
    deployment_id   uuid        NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    -- id of the key that encrypted the value, so keys can rotate
    key_id          text        NOT NULL,
    -- AES-256-GCM: 12-byte nonce || ciphertext || 16-byte tag
    ciphertext      bytea       NOT NULL,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deployment_id, name)
);

CREATE TABLE access_tokens (
    id              uuid        PRIMARY KEY,
    deployment_id   uuid        NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    -- SHA-256 of the token; the token itself is shown once and never stored
    token_hash      bytea       NOT NULL UNIQUE,
    -- first characters of the token, to tell tokens apart in listings
    token_prefix    text        NOT NULL,
    label           text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_used_at    timestamptz,
    revoked_at      timestamptz
);

CREATE INDEX access_tokens_deployment ON access_tokens (deployment_id);

CREATE TABLE analyses (
    id               uuid        PRIMARY KEY,
    -- lower-case owner/repo on its host, and the monorepo subfolder ('' for the root)
    host             text        NOT NULL DEFAULT 'github.com',
    repository       text        NOT NULL,
    subfolder        text        NOT NULL DEFAULT '',
    commit_sha       text        NOT NULL,
    -- bumped when extraction changes, so stale cached answers are not served
    analyzer_version integer     NOT NULL,
    result           jsonb       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    UNIQUE (host, repository, subfolder, commit_sha, analyzer_version)
);

CREATE TABLE settings (
    name            text        PRIMARY KEY,
    -- secret settings are encrypted like deployment secrets; others are plain JSON
    key_id          text,
    ciphertext      bytea,
    value           jsonb,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CHECK ((ciphertext IS NULL) <> (value IS NULL)),
    CHECK ((ciphertext IS NULL) = (key_id IS NULL))
);

CREATE TABLE audit_events (
    id              bigserial   PRIMARY KEY,
    occurred_at     timestamptz NOT NULL DEFAULT now(),
    -- 'admin', 'system', 'reconciler', 'token:<id>'
    actor           text        NOT NULL,
    action          text        NOT NULL,
    -- no foreign key: the trail outlives deleted deployments
    deployment_id   uuid,
    detail          jsonb       NOT NULL DEFAULT '{}'::jsonb
);

CREATE INDEX audit_events_deployment ON audit_events (deployment_id, occurred_at);
