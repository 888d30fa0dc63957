package dev.catwalk.deploy;

import java.time.Duration;

/**
 * The {@code deployments} section of the configuration: the deployments' lifecycle and the local backend.
 *
 * @param localPath             {@code PATH} for local MCP server processes and for finding their runtimes
 * @param allowPrivateUpstreams whether remote MCP URLs may point at loopback or private addresses
 * @param reconcileInterval     how often deployments are reconciled with their backends
 * @param provisionWait         how long a create or update waits for provisioning before it answers
 * @param logLines              log lines kept per deployment
 * @param remoteConnectTimeout  how long a connection to a remote MCP server or a Fly runner may take to open
 * @param limitDefaults         the session limits of deployments that set none
 */
public record LifecycleOptions(String localPath, boolean allowPrivateUpstreams, Duration reconcileInterval,
                                Duration provisionWait, int logLines, Duration remoteConnectTimeout,
                                DeploymentLimits.Defaults limitDefaults) {
}
