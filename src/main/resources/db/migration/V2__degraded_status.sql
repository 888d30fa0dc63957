-- A running deployment whose server a session could not start or reach is 'degraded' (with the reason)
-- until a session gets an answer from it again.
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check
    CHECK (status IN ('pending', 'provisioning', 'running', 'degraded', 'failed', 'stopped', 'deleted'));
