-- Several gateway replicas on one database.
--
-- provision_wanted: a provisioning was asked for (the deployment was created, restarted, or its
-- configuration or version changed) and no replica has taken it on yet. The replica that provisions
-- clears it in the same conditional UPDATE that claims the work, while it holds the deployment's
-- advisory lock, so a request is provisioned once even when a command on one replica and the
-- reconciler on another both see it. Deployments that exist when this migration runs have been
-- provisioned already; new ones start with the flag set.
ALTER TABLE deployments ADD COLUMN provision_wanted boolean NOT NULL DEFAULT false;
ALTER TABLE deployments ALTER COLUMN provision_wanted SET DEFAULT true;
