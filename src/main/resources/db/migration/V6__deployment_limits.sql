-- A deployment's limits object: only the keys it sets ({"maxSessions": 3, "maxSessionsPerToken": 2,
-- "memoryMb": ..., "processes": ..., "openFiles": ..., "network": ...}); the others take the gateway's
-- defaults when read (CATWALK_DEPLOYMENT_MAX_SESSIONS, CATWALK_DEPLOYMENT_MAX_SESSIONS_PER_TOKEN, the
-- sandbox's built-in ones), so existing deployments keep working unchanged.
ALTER TABLE deployments ADD COLUMN limits jsonb NOT NULL DEFAULT '{}'::jsonb
    CHECK (jsonb_typeof(limits) = 'object');
