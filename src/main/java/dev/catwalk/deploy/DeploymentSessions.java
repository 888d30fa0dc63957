package dev.catwalk.deploy;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.NotFoundException;
import dev.catwalk.error.UnauthorizedException;
import dev.catwalk.error.UnavailableException;
import dev.catwalk.Addresses;
import dev.catwalk.crypto.SecretBox;
import dev.catwalk.crypto.Tokens;
import dev.catwalk.mcp.SessionAuthority;
import dev.catwalk.mcp.SessionGrant;
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
 * deployment, while the deployment is running. A session is bound to the token that opened it:
 * every later request must carry the same token, and revoking it ends the session. The session's
 * upstream gets the deployment's configuration with its secrets decrypted, and nothing else.
 */
public final class DeploymentSessions implements SessionAuthority {

  /** The path parameter holding the deployment id. */
  public static final String PATH_PARAM = "deploymentId";
  private static final String CHALLENGE = "Bearer realm=\"catwalk\"";
  private static final Logger LOG = LoggerFactory.getLogger(DeploymentSessions.class);

  private final DeploymentRepository repository;
  private final SecretBox box;
  private final Map<String, Backend> backends;
  private final DeploymentLogs logs;
  private final Vertx vertx;

  public DeploymentSessions(Vertx vertx, DeploymentRepository repository, SecretBox box, Map<String, Backend> backends,
                            DeploymentLogs logs) {
    this.vertx = vertx;
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
      return Future.failedFuture(unauthorized(ctx, false));
    }
    return repository.find(id).compose(found -> authorize(ctx, found, token));
  }

  @Override
  public ApiException refusal(SessionGrant grant, RoutingContext ctx) {
    if (grant.owner() == null || !grant.owner().equals(ctx.pathParam(PATH_PARAM))) {
      return new NotFoundException("unknown or ended session");
    }
    String token = Tokens.bearer(ctx.request().getHeader("Authorization"));
    if (!Tokens.matches(token, grant.credentialHash())) {
      return unauthorized(ctx, token != null);
    }
    return null;
  }

  private Future<SessionGrant> authorize(RoutingContext ctx, Optional<Deployment> found, String token) {
    if (found.isEmpty()) {
      return Future.failedFuture(new NotFoundException("no such deployment"));
    }
    Deployment deployment = found.get();
    byte[] hash = Tokens.hash(token);
    return repository.findToken(hash).compose(match -> {
      if (match.isEmpty() || !match.get().deploymentId().equals(deployment.id())) {
        return Future.failedFuture(unauthorized(ctx, true));
      }
      if (!deployment.servesSessions()) {
        ctx.response().putHeader("Retry-After", "10");
        return Future.failedFuture(new UnavailableException("the deployment is " + deployment.status()
            + (deployment.statusReason() == null ? "" : ": " + deployment.statusReason())));
      }
      return grant(deployment, match.get().tokenId(), hash);
    });
  }

  private Future<SessionGrant> grant(Deployment deployment, UUID tokenId, byte[] hash) {
    Backend backend = backends.get(deployment.backend());
    if (backend == null) {
      return Future.failedFuture(new UnavailableException("the deployment's backend is not available on this node"));
    }
    repository.touchToken(tokenId);
    return DeploymentEnv.load(repository, box, deployment).map(env -> grant(deployment, backend, tokenId, hash, env));
  }

  private SessionGrant grant(Deployment deployment, Backend backend, UUID tokenId, byte[] hash, DeploymentEnv env) {
    DeploymentLogs.Sink sink = logs.sink(deployment.id(), env.secretValues());
    ObservedUpstream.Health health = new UpstreamHealth(deployment.id(), sink);
    String installing = installing(deployment.parsedRecipe());
    return new SessionGrant(deployment.id().toString(), tokenId.toString(), hash, () -> {
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
    try {
      return UUID.fromString(ctx.pathParam(PATH_PARAM));
    } catch (IllegalArgumentException | NullPointerException e) {
      return null;
    }
  }

  private static ApiException unauthorized(RoutingContext ctx, boolean presented) {
    ctx.response().putHeader("WWW-Authenticate", presented ? CHALLENGE + ", error=\"invalid_token\"" : CHALLENGE);
    return new UnauthorizedException(presented ? "the access token is not valid for this deployment"
        : "an access token is required (Authorization: Bearer <token>)");
  }
}
