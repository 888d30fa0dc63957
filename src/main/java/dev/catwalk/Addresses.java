package dev.catwalk;

/**
 * Every event-bus address and message header Catwalk uses. Commands are request/reply with a
 * timeout; a failed command replies {@code fail(status, reason)} where {@code status} is the HTTP
 * status the REST API answers with (400 bad input, 404 unknown, 409 conflict, 503 database
 * unavailable, 500 unexpected) and {@code reason} is safe to show. Facts are published.
 * Bodies are {@code JsonObject}s.
 */
public final class Addresses {

  /** Header: who asks ({@code admin} for the REST API, {@code operator} for {@code catwalk admin}); recorded in the audit trail. */
  public static final String ACTOR_HEADER = "catwalk-actor";
  /** Header on admin-bridge messages: the admin token, checked in constant time. */
  public static final String ADMIN_TOKEN_HEADER = "catwalk-admin-token";

  /**
   * Create: body {@code {name, backend?, recipe, configSchema?, config?}}, or {@code {catalogId, catalogVersion?,
   * variant?, name?, backend?, config?}} (made into the first form by {@link #CATALOG_RESOLVE}); reply the deployment
   * plus {@code accessToken}; 400, 404 (catalog entry), 409, 422.
   */
  public static final String DEPLOYMENTS_CREATE = "catwalk.deployments.create";
  /** Get: body {@code {id}}; reply the deployment with its tokens (metadata); 404. */
  public static final String DEPLOYMENTS_GET = "catwalk.deployments.get";
  /** List: body {@code {limit, offset}}; reply {@code {items, total, limit, offset}}. */
  public static final String DEPLOYMENTS_LIST = "catwalk.deployments.list";
  /** Update: body {@code {id, name?, config?, version?}} (version = recipe version); reply the deployment; 400, 404, 409. */
  public static final String DEPLOYMENTS_UPDATE = "catwalk.deployments.update";
  /** Delete: body {@code {id}}; ends its sessions, revokes its tokens, drops its secrets; reply {@code {deleted: true}}; 404. */
  public static final String DEPLOYMENTS_DELETE = "catwalk.deployments.delete";
  /** Restart: body {@code {id}}; ends its sessions and provisions it again; reply the deployment; 404. */
  public static final String DEPLOYMENTS_RESTART = "catwalk.deployments.restart";
  /** Stop: body {@code {id}}; ends its sessions and refuses new ones until restarted; reply the deployment; 404. */
  public static final String DEPLOYMENTS_STOP = "catwalk.deployments.stop";
  /** Logs: body {@code {id, limit?}}; reply {@code {lines, events}} (recent upstream stderr and lifecycle, redacted); 404. */
  public static final String DEPLOYMENTS_LOGS = "catwalk.deployments.logs";
  /** New token: body {@code {id, label?}}; reply {@code {id, accessToken, prefix}}; 404. */
  public static final String DEPLOYMENTS_TOKEN_CREATE = "catwalk.deployments.tokens.create";
  /** Revoke token: body {@code {id, tokenId}}; ends the sessions it opened; reply {@code {revoked: true}}; 404. */
  public static final String DEPLOYMENTS_TOKEN_REVOKE = "catwalk.deployments.tokens.revoke";
  /** Fact (publish): body {@code {id, status, reason?}} after a deployment's status changed. */
  public static final String DEPLOYMENTS_STATUS = "catwalk.deployments.status";
  /**
   * Fact (send, no reply): body {@code {id, reachable, reason?}} from the node where a session of the
   * deployment found its server unusable ({@code reachable: false}, the reason without secrets) or got
   * an answer from it ({@code reachable: true}); a running deployment becomes {@code degraded} with the
   * reason, and {@code running} again on the next answer.
   */
  public static final String DEPLOYMENTS_UPSTREAM = "catwalk.deployments.upstream";

  /** Keep a log line of a deployment (send, no reply; this node's log book): body {@code {id, source, text}}, already redacted. */
  public static final String DEPLOYMENT_LOG_APPEND = "catwalk.deployments.log.append";
  /** A deployment's newest log lines on this node: body {@code {id, limit}}; reply {@code {lines: [{at, source, text}]}}. */
  public static final String DEPLOYMENT_LOG_RECENT = "catwalk.deployments.log.recent";
  /** Forget a deleted deployment's log on this node (send, no reply): body {@code {id}}. */
  public static final String DEPLOYMENT_LOG_FORGET = "catwalk.deployments.log.forget";

  /**
   * Analyze a repository: body {@code {repoUrl, ref?, refresh?}}; reply {@code {repository, commit, recipe,
   * configSchema, sources, warnings, analyzerVersion, cached}}; 400 bad URL or ref, 401 GitHub refused the token,
   * 404 unknown or private repository, ref or folder, 429 GitHub rate limit (with its reset time), 502 GitHub failed,
   * 503 GitHub unreachable, 504 GitHub timed out.
   */
  public static final String ANALYSIS_ANALYZE = "catwalk.analysis.analyze";

  /**
   * Search the catalog (local; never calls a registry): body {@code {q?, runtime?, backend?, cursor?, limit?}};
   * reply {@code {items: [entry summary], nextCursor, sources: [sync status]}}; 400 bad parameter or cursor.
   */
  public static final String CATALOG_SEARCH = "catwalk.catalog.search";
  /**
   * One catalog entry with the recipe and configSchema derived from it: body {@code {id, version?, refresh?}};
   * reply the entry with {@code variant, recipe, configSchema, sources, variants, backends, versions, warnings};
   * 404 unknown or deleted. An entry with only a repository is completed by {@link #ANALYSIS_ANALYZE}.
   */
  public static final String CATALOG_GET = "catwalk.catalog.get";
  /**
   * What a deployment of a catalog entry is made of: body {@code {catalogId, catalogVersion?, variant?, backend,
   * name?, config?}}; reply {@code {name, backend, recipe, configSchema, config, catalog: {id, source, name, version,
   * variant}}} as {@link #DEPLOYMENTS_CREATE} takes it (argument and URL values filled in); 400 bad configuration,
   * 404 unknown or deleted entry or version, 409 deprecated, 422 cannot run on that backend (with the reason).
   */
  public static final String CATALOG_RESOLVE = "catwalk.catalog.resolve";
  /** Sync status: body {@code {}}; reply {@code {sources: [{source, enabled, configured, url, state, ...}]}}. */
  public static final String CATALOG_STATUS = "catwalk.catalog.status";
  /** Start a sync now: body {@code {source?}}; reply the status at once (the sync runs on); 400 unknown source. */
  public static final String CATALOG_SYNC = "catwalk.catalog.sync";
  /** Fact (publish): body {@code {names: [setting]}} after {@link #ADMIN_SETTINGS_UPDATE} changed settings. */
  public static final String SETTINGS_CHANGED = "catwalk.settings.changed";

  /** End MCP sessions on this node: body {@code {deploymentId?, tokenId?}} (all given fields must match); reply {@code {ended}}. */
  public static final String SESSIONS_END = "catwalk.sessions.end";

  /** Admin: body {@code {deploymentId?}}; reply {@code {sessions: [{sessionId, deploymentId, tokenId, ageSeconds, idleSeconds, client}]}}. */
  public static final String ADMIN_SESSIONS_LIST = "catwalk.admin.sessions.list";
  /** Admin: body {@code {sessionId}}; reply {@code {ended: true}}; 404. */
  public static final String ADMIN_SESSIONS_END = "catwalk.admin.sessions.end";
  /** Admin: body {@code {limit?, offset?}}; as {@link #DEPLOYMENTS_LIST} (for {@code catwalk admin list} and names). */
  public static final String ADMIN_DEPLOYMENTS_LIST = "catwalk.admin.deployments.list";
  /** Admin: body {@code {id}}; as {@link #DEPLOYMENTS_STOP}. */
  public static final String ADMIN_DEPLOYMENTS_STOP = "catwalk.admin.deployments.stop";
  /** Admin: body {@code {id}}; as {@link #DEPLOYMENTS_RESTART}. */
  public static final String ADMIN_DEPLOYMENTS_RESTART = "catwalk.admin.deployments.restart";
  /** Admin: body {@code {drain?: bool (default true), endSessions?: bool}}; refuse (or again accept) new sessions on this node, optionally ending open ones; reply {@code {draining, sessionsEnded, sessionsOpen}}. */
  public static final String ADMIN_DRAIN = "catwalk.admin.drain";
  /** Admin: body {@code {}}; re-encrypt every stored secret with the current key, in one transaction; reply {@code {keyId, secrets, settings}}. */
  public static final String ADMIN_ROTATE_KEY = "catwalk.admin.rotate-key";
  /** Admin: body {@code {username, password, role?}} (role admin or member, default member); reply the account {@code {id, username, role}}; 400, 409. */
  public static final String ADMIN_ACCOUNTS_ADD = "catwalk.admin.accounts.add";
  /** Admin: body {@code {username}}; removes the account, revokes its grants and ends their sessions; reply {@code {removed, grantsRevoked}}; 404. */
  public static final String ADMIN_ACCOUNTS_REMOVE = "catwalk.admin.accounts.remove";
  /** Admin: body {@code {}}; reply {@code {accounts: [{id, username, role}]}}. */
  public static final String ADMIN_ACCOUNTS_LIST = "catwalk.admin.accounts.list";
  /** Admin: body {@code {deploymentId}}; reply {@code {grants: [{id, clientId, clientName, username, scope, createdAt, lastUsedAt, revoked, revokedReason}]}}. */
  public static final String ADMIN_GRANTS_LIST = "catwalk.admin.grants.list";
  /** Admin: body {@code {deploymentId, grantId}}; revokes an OAuth grant and ends its sessions; reply {@code {revoked, sessionsEnded}}; 404. */
  public static final String ADMIN_GRANTS_REVOKE = "catwalk.admin.grants.revoke";
  /** Admin: body {@code {id}}; reply the account {@code {id, username, role}}; 404. */
  public static final String ADMIN_ACCOUNTS_GET = "catwalk.admin.accounts.get";
  /** Admin: body {@code {username, role}} (admin or member); reply the account; 400, 404, 409 for the last admin. */
  public static final String ADMIN_ACCOUNTS_ROLE = "catwalk.admin.accounts.role";
  /** Admin: body {@code {}}; reply {@code {settings: [{name, set, source, environmentVariable, value?}]}}, never a secret value. */
  public static final String ADMIN_SETTINGS_GET = "catwalk.admin.settings.get";
  /** Admin: body {@code {name: value | true | false | null, …}}; sets or clears stored settings; reply as {@link #ADMIN_SETTINGS_GET}; 400. */
  public static final String ADMIN_SETTINGS_UPDATE = "catwalk.admin.settings.update";
  /** The addresses the admin bridge lets through (a regular expression). */
  public static final String ADMIN_ADDRESS_PATTERN = "catwalk\\.admin\\..+";

  private Addresses() {
  }
}
