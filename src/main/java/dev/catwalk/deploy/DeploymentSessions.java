package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.UnauthorizedException;
import dev.catwalk.error.UnavailableException;
import dev.catwalk.Addresses;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.mcp.SessionAuthority;
import dev.catwalk.mcp.SessionCaps;
import dev.catwalk.mcp.SessionGrant;
import dev.catwalk.oauth.OAuthBearer;
import dev.catwalk.oauth.OAuthRepository;
import dev.catwalk.oauth.Resources;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import io.vertx.ext.web.RoutingContext;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Who may use {@code /api/mcp/{deploymentId}}: a client presenting a live access token of that
 * deployment, or an OAuth access token whose audience is that deployment (see {@code dev.catwalk.oauth}),
 * while the deployment is running. Each grant carries the deployment's session caps (its {@code limits}, see
 * {@link DeploymentLimits}), which the endpoint enforces. A session is bound to the token that opened it:
 * every later request must carry the same token, and revoking it ends the session. The session's
 * upstream gets the deployment's configuration with its secrets decrypted, and nothing else.
 */
public final class DeploymentSessions implements SessionAuthority {

  /** The path parameter holding the deployment id. */
  public static final String PATH_PARAM = "deploymentId";
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentSessions.class);

  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final Vertx vertx;
  private final Resources resources;
  private final DeploymentLimits.Defaults limitDefaults;

  /**
   * @param resources     the public URLs that 401 challenges point clients at (RFC 9728 metadata)
   * @param limitDefaults the limits of deployments that set none (their sessions' caps)
   */
  public DeploymentSessions(Vertx vertx, DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
                            DeploymentLogs logs, Resources resources, DeploymentLimits.Defaults limitDefaults) {
    this.vertx = vertx;
    this.limitDefaults = limitDefaults;
    this.resources = resources;
    this.repository = repository;
    this.box = box;
    this.backends = Map.copyOf(backends);
    this.logs = logs;
  }

  @Override
  public Future<SessionGrant> open(RoutingContext ctx) {
    UUID id = deploymentId(ctx);
    String token = Tokens.bearer(ctx.request().getHeader("Authorization"));
    if (id == null) {
      return Future.failedFuture(new NotFoundException("no such deployment"));
    }
    if (token == null) {
      return Future.failedFuture(unauthorized(ctx, id, false));
    }
    return repository.find(id).compose(found -> authorize(ctx, found, token));
  }

  @Override
  public ApiException refusal(SessionGrant grant, RoutingContext ctx) {
    if (grant.owner() == null || !grant.owner().equals(dev.catwalk.Ids.canonical(ctx.pathParam(PATH_PARAM)))) {
      return new NotFoundException("unknown or ended session");
    }
    String token = Tokens.bearer(ctx.request().getHeader("Authorization"));
    boolean same = OAuthBearer.isGrantCredential(grant.credentialId())
        ? OAuthBearer.grant(ctx) != null && OAuthBearer.credentialId(OAuthBearer.grant(ctx).id()).equals(grant.credentialId())
        : Tokens.matches(token, grant.credentialHash());
    if (!same) {
      return unauthorized(ctx, UUID.fromString(grant.owner()), token != null);
    }
    return null;
  }

  private Future<SessionGrant> authorize(RoutingContext ctx, Optional<Deployment> found, String token) {
    if (found.isEmpty()) {
      return Future.failedFuture(new NotFoundException("no such deployment"));
    }
    Deployment deployment = found.get();
    byte[] hash = OAuthBearer.isAccessToken(token) ? null : Tokens.hash(token);
    return credential(ctx, deployment, token, hash).compose(credentialId -> {
      if (!deployment.servesSessions()) {
        ctx.response().putHeader("Retry-After", "10");
        return Future.failedFuture(new UnavailableException("the deployment is " + deployment.status()
            + (deployment.statusReason() == null ? "" : ": " + deployment.statusReason())));
      }
      return grant(deployment, credentialId, hash);
    });
  }

  /**
   * The auth hook: the id of the credential that lets this request open a session on {@code deployment}
   * — a static token of the deployment, or an OAuth access token whose audience is the deployment's
   * resource URL (its grant, looked up by {@link OAuthBearer} in front of the endpoint).
   */
  private Future<String> credential(RoutingContext ctx, Deployment deployment, String token, byte[] hash) {
    if (OAuthBearer.isAccessToken(token)) {
      OAuthRepository.Grant oauth = OAuthBearer.grant(ctx);
      return oauth != null && oauth.deploymentId().equals(deployment.id())
          && oauth.resource().equals(resources.resource(deployment.id()))
          ? Future.succeededFuture(OAuthBearer.credentialId(oauth.id()))
          : Future.failedFuture(unauthorized(ctx, deployment.id(), true));
    }
    return repository.findToken(hash).compose(match -> {
      if (match.isEmpty() || !match.get().deploymentId().equals(deployment.id())) {
        return Future.failedFuture(unauthorized(ctx, deployment.id(), true));
      }
      repository.touchToken(match.get().tokenId());
      return Future.succeededFuture(match.get().tokenId().toString());
    });
  }

  private Future<SessionGrant> grant(Deployment deployment, String credentialId, byte[] hash) {
    Backend backend = backends.get(deployment.backend());
    if (backend == null) {
      return Future.failedFuture(new UnavailableException("the deployment's backend is not available on this node"));
    }
    return DeploymentEnv.load(repository, box, deployment)
        .map(env -> grant(deployment, backend, credentialId, hash, env));
  }

  private SessionGrant grant(Deployment deployment, Backend backend, String credentialId, byte[] hash, DeploymentEnv env) {
    DeploymentLogs.Sink sink = logs.sink(deployment.id(), env.secretValues());
    ObservedUpstream.Health health = new UpstreamHealth(deployment.id(), sink);
    String installing = installing(deployment.parsedRecipe());
    SessionCaps caps = DeploymentLimits.effective(deployment.limits(), limitDefaults).caps();
    return new SessionGrant(deployment.id().toString(), credentialId, hash, caps, () -> {
      sink.line("lifecycle", "session starting");
      if (installing != null) {
        sink.line("lifecycle", installing);
        LOG.info("deployment {}: {}", deployment.id(), installing);
      }
      return new ObservedUpstream(backend.openSession(deployment, env, sink), health);
    });
  }

  /** What a package runtime does before the server answers the first time, for the logs; null for others. */
  private static String installing(Recipe recipe) {
    String tool = switch (recipe.runtime()) {
      case "npm" -> "npx";
      case "pypi" -> "uvx";
      case "oci" -> "docker";
      default -> null;
    };
    if (tool == null || recipe.packageName() == null) {
      return null;
    }
    String version = recipe.version() == null ? "" : (recipe.runtime().equals("pypi") ? "==" : recipe.runtime()
        .equals("oci") ? ":" : "@") + recipe.version();
    return "installing " + recipe.packageName() + version + "… (" + tool + " downloads it unless it is cached)";
  }

  /** A session's observations: into the deployment's log and the gateway's, and to the deployment's owner. */
  private final class UpstreamHealth implements ObservedUpstream.Health {
    private final UUID deploymentId;
    private final DeploymentLogs.Sink sink;

    UpstreamHealth(UUID deploymentId, DeploymentLogs.Sink sink) {
      this.deploymentId = deploymentId;
      this.sink = sink;
    }

    @Override
    public void failed(String reason, boolean unusable) {
      String safe = logs.redact(reason);
      sink.line("lifecycle", safe);
      LOG.warn("deployment {}: {}", deploymentId, safe);
      if (unusable) {
        vertx.eventBus().send(Addresses.DEPLOYMENTS_UPSTREAM, new JsonObject().put("id", deploymentId.toString())
            .put("reachable", false).put("reason", safe));
      }
    }

    @Override
    public void answered(long millis) {
      sink.line("lifecycle", "the MCP server answered after " + millis / 1000 + "." + millis % 1000 / 100 + " s");
      vertx.eventBus().send(Addresses.DEPLOYMENTS_UPSTREAM, new JsonObject().put("id", deploymentId.toString())
          .put("reachable", true));
    }
  }

  private static UUID deploymentId(RoutingContext ctx) {
    return dev.catwalk.Ids.parse(ctx.pathParam(PATH_PARAM)).orElse(null);
  }

  private ApiException unauthorized(RoutingContext ctx, UUID deploymentId, boolean presented) {
    ctx.response().putHeader("WWW-Authenticate", resources.challenge(deploymentId, presented ? "invalid_token" : null,
        null));
    return new UnauthorizedException(presented ? "the access token is not valid for this deployment"
        : "an access token is required (Authorization: Bearer <token>)");
  }
}
