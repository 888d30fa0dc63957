-- The catalog: MCP servers mirrored from the official MCP Registry (one row per server version) and
-- from Glama's directory (one row per server), searched locally with full text and trigrams.
-- pg_trgm is a trusted extension: the database owner may create it.

CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE catalog_entries (
    -- 'registry' (the official MCP Registry or a sub-registry with its API) or 'glama'
    source           text        NOT NULL CHECK (source IN ('registry', 'glama')),
    -- the registry's server name (reverse-DNS/name) or Glama's namespace/slug
    name             text        NOT NULL,
    -- the registry's version; '' for Glama, which has none
    version          text        NOT NULL,
    -- the same for every version of a server: derived from source and name, so stable across re-syncs
    entry_id         uuid        NOT NULL,
    title            text,
    description      text        NOT NULL DEFAULT '',
    status           text        NOT NULL CHECK (status IN ('active', 'deprecated', 'deleted')),
    status_message   text,
    -- what the source says (isLatest of the official registry), and what Catwalk decided from all versions
    official_latest  boolean     NOT NULL DEFAULT false,
    is_latest        boolean     NOT NULL DEFAULT false,
    published_at     timestamptz,
    source_updated_at timestamptz,
    repository_url   text,
    -- host/owner/repo[/subfolder], lower case: finds the same server in both sources
    repository_key   text,
    -- what the entry publishes: npm, pypi, oci, nuget, mcpb, cargo, go, remote, repository
    kinds            text[]      NOT NULL DEFAULT '{}',
    -- runtime probes of the ways to run it that map to a recipe (npm, pypi, oci, remote)
    runtimes         text[]      NOT NULL DEFAULT '{}',
    -- tool names, space separated (Glama lists them)
    tools            text        NOT NULL DEFAULT '',
    -- the entry as received, and what Catwalk derived from it by mapper_version
    raw              jsonb       NOT NULL,
    mapping          jsonb       NOT NULL,
    mapper_version   integer     NOT NULL,
    -- repository analysis that completed an entry without packages or remotes
    analysis         jsonb,
    analyzed_at      timestamptz,
    -- Glama crawl that last saw the entry (mark and sweep)
    generation       bigint      NOT NULL DEFAULT 0,
    synced_at        timestamptz NOT NULL DEFAULT now(),
    -- the server's own part of the name (after the slash) and the title, as words, for trigram matching
    short_text       text        GENERATED ALWAYS AS (lower(regexp_replace(
                         substring(name FROM '[^/]*$') || ' ' || coalesce(title, ''), '[^A-Za-z0-9]+', ' ', 'g'))) STORED,
    search           tsvector    GENERATED ALWAYS AS (
                         setweight(to_tsvector('simple', regexp_replace(substring(name FROM '[^/]*$'), '[^A-Za-z0-9]+', ' ', 'g')), 'A')
                         || setweight(to_tsvector('simple', coalesce(title, '')), 'A')
                         || setweight(to_tsvector('simple', description), 'B')
                         || setweight(to_tsvector('simple', regexp_replace(substring(name FROM '^[^/]*'), '[^A-Za-z0-9]+', ' ', 'g')), 'C')
                         || setweight(to_tsvector('simple', regexp_replace(tools, '[^A-Za-z0-9]+', ' ', 'g')), 'C')) STORED,
    PRIMARY KEY (source, name, version)
);

CREATE INDEX catalog_entries_search ON catalog_entries USING gin (search) WHERE is_latest;
CREATE INDEX catalog_entries_short_text ON catalog_entries USING gin (short_text gin_trgm_ops) WHERE is_latest;
CREATE INDEX catalog_entries_entry ON catalog_entries (entry_id);
CREATE INDEX catalog_entries_repository ON catalog_entries (repository_key) WHERE is_latest;
CREATE INDEX catalog_entries_generation ON catalog_entries (source, generation);

-- Where each source's sync stands: the delta watermark, a cursor to resume an interrupted walk,
-- the Glama crawl generation, and the last attempt and success.
CREATE TABLE catalog_sync (
    source           text        PRIMARY KEY CHECK (source IN ('registry', 'glama')),
    -- 'backfill' (a full walk) or 'delta' (updated_since the watermark)
    phase            text        NOT NULL DEFAULT 'backfill' CHECK (phase IN ('backfill', 'delta')),
    cursor           text,
    -- when the interrupted walk started (its watermark once it completes)
    walk_started_at  timestamptz,
    watermark        timestamptz,
    generation       bigint      NOT NULL DEFAULT 0,
    last_attempt_at  timestamptz,
    last_success_at  timestamptz,
    last_error       text,
    last_error_at    timestamptz,
    -- entries skipped as malformed in the last run
    skipped          integer     NOT NULL DEFAULT 0
);
