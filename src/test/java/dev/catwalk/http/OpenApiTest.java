package dev.catwalk.http;

import dev.catwalk.BuildInfo;
import dev.catwalk.catalog.CatalogIds;
import dev.catwalk.config.ConfigKeys;
import dev.catwalk.testsupport.ClassResources;
import dev.catwalk.testsupport.FakeGitHub;
import dev.catwalk.testsupport.GatewayHarness;
import dev.catwalk.testsupport.TestConfig;
import dev.catwalk.testsupport.catalog.FakeRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.core.json.pointer.JsonPointer;
import io.vertx.ext.web.Route;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputFormat;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.SchemaRepository;
import io.vertx.json.schema.Validator;
import io.vertx.openapi.contract.OpenAPIVersion;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code /api/openapi.json} against the running gateway: the document is public, cacheable and a
 * valid OpenAPI 3.1 document whose examples match their schemas; every documented operation is
 * routed, and answers its examples (sent with the documented credentials) with a documented 2xx
 * status, content type, headers and a body that validates against the documented schema, and
 * without credentials with a documented 401; and every route the gateway mounts is documented.
 * The local backend's PATH holds stand-ins for npx, uvx, docker and node, so the create examples
 * of every runtime are accepted without downloading anything (no session is opened for them); the
 * catalog mirrors the fake registry's entries, so the catalog examples name real entries.
 */
@Timeout(300)
class OpenApiTest {

  @RegisterExtension
  static final ClassResources resources = ClassResources.withDatabase();

  @TempDir
  static Path bin;

  private static final Set<String> HTTP_METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options",
      "trace");
  private static final JsonSchemaOptions SCHEMA_OPTIONS = new JsonSchemaOptions().setDraft(Draft.DRAFT202012)
      .setBaseUri("app://").setOutputFormat(OutputFormat.Basic);
  private static final Pattern PATH_PARAM = Pattern.compile("\\{([^}]+)}");

  private static GatewayHarness gateway;
  private static HttpClient http;
  private static Context context;
  private static Response served;
  private static JsonObject document;
  private static FakeGitHub github;
  private static FakeRegistry registry;
  private static int fixtures;

  @BeforeAll
  static void start() throws IOException {
    for (String program : List.of("npx", "uvx", "docker", "node")) {
      Path file = bin.resolve(program);
      Files.writeString(file, "#!/bin/sh\nexit 0\n");
      assertThat(file.toFile().setExecutable(true)).isTrue();
    }
    github = FakeGitHub.start(resources.vertx());
    registry = FakeRegistry.withFixtures(resources.vertx());
    gateway = GatewayHarness.start(resources, raw -> raw.put(ConfigKeys.LOCAL_PATH, bin.toString())
        .put(ConfigKeys.GITHUB_API_URL, github.url()).put(ConfigKeys.REGISTRY_URL, registry.url()));
    GatewayHarness.eventually(() -> gateway.admin(HttpMethod.GET, "/api/catalog/status", null).json()
        .getJsonArray("sources").getJsonObject(0).getString("lastSuccessAt") != null, "the catalog's first sync",
        java.time.Duration.ofSeconds(60));
    http = resources.vertx().createHttpClient();
    context = resources.vertx().getOrCreateContext();
    served = send(HttpMethod.GET, OpenApiRoute.PATH, Map.of(), null);
    assertThat(served.status()).as(served.body()).isEqualTo(200);
    document = new JsonObject(served.body());
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (github != null) {
      github.close();
    }
    if (registry != null) {
      registry.close();
    }
  }

  @Test
  void theDocumentIsPublicCacheableAndValidOpenApi31() throws IOException {
    assertThat(served.headers().get("Content-Type")).isEqualTo("application/json");
    assertThat(served.headers().get("Cache-Control")).contains("max-age=");
    String etag = served.headers().get("ETag");
    assertThat(etag).matches("\"[A-Za-z0-9_-]+\"");
    assertThat(document.getString("openapi")).matches("3\\.1\\.\\d+");
    assertThat(document.getJsonObject("info").getString("version")).isEqualTo(BuildInfo.version());
    assertThat(document.getJsonArray("servers").getJsonObject(0).getString("url"))
        .isEqualTo(gateway.gateway().config().publicUrl());

    Response withWrongToken = send(HttpMethod.GET, OpenApiRoute.PATH,
        Map.of("Authorization", "Bearer wrong-token-wrong-token"), null);
    assertThat(withWrongToken.status()).as("public, whatever the Authorization").isEqualTo(200);
    assertThat(withWrongToken.body()).isEqualTo(served.body());
    Response notModified = send(HttpMethod.GET, OpenApiRoute.PATH, Map.of("If-None-Match", etag), null);
    assertThat(notModified.status()).isEqualTo(304);
    assertThat(notModified.body()).isEmpty();
    assertThat(send(HttpMethod.GET, OpenApiRoute.PATH, Map.of("If-None-Match", "\"other\""), null).status())
        .isEqualTo(200);

    JsonObject resource;
    try (InputStream in = OpenApiRoute.class.getResourceAsStream(OpenApiRoute.RESOURCE)) {
      resource = new JsonObject(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    }
    JsonObject comparable = document.copy();
    comparable.getJsonObject("info").put("version", resource.getJsonObject("info").getString("version"));
    comparable.put("servers", resource.getJsonArray("servers"));
    assertThat(comparable).as("served as written, apart from version and server").isEqualTo(resource);

    SchemaRepository repository = OpenAPIVersion.V3_1.getRepository(resources.vertx(), "app://").await();
    OutputUnit meta = OpenAPIVersion.V3_1.validateContract(resources.vertx(), repository, document).await();
    assertThat(meta.getValid()).as("valid against the OpenAPI 3.1 schema: %s", meta.getErrors()).isTrue();
  }

  @Test
  void everyReferenceResolvesAndEveryExampleMatchesItsSchema() {
    List<String> problems = new ArrayList<>();
    collectRefs(document, "#", problems);
    Set<String> operationIds = new TreeSet<>();
    forEachOperation((path, method, operation) -> {
      String where = method.toUpperCase(Locale.ROOT) + " " + path;
      if (!operationIds.add(operation.getString("operationId", where))) {
        problems.add(where + ": duplicate operationId");
      }
      if (operation.getString("summary") == null || operation.getString("operationId") == null) {
        problems.add(where + ": needs an operationId and a summary");
      }
      JsonObject responses = operation.getJsonObject("responses");
      if (responses.fieldNames().stream().noneMatch(s -> s.startsWith("2"))) {
        problems.add(where + ": no 2xx response");
      }
      if (!security(operation).isEmpty() && !responses.containsKey("401")) {
        problems.add(where + ": secured but no 401");
      }
      JsonObject body = operation.getJsonObject("requestBody");
      if (body != null) {
        resolve(body).getJsonObject("content").forEach(media -> checkExamples(where + " request " + media.getKey(),
            (JsonObject) media.getValue(), problems, true));
      }
      responses.forEach(response -> {
        JsonObject content = resolve((JsonObject) response.getValue()).getJsonObject("content", new JsonObject());
        content.forEach(media -> checkExamples(where + " " + response.getKey() + " " + media.getKey(),
            (JsonObject) media.getValue(), problems, false));
      });
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyDocumentedOperationIsRoutedAndAnswersAsDocumented() {
    List<String> problems = new ArrayList<>();
    forEachOperation((path, method, operation) -> {
      Fixture fixture = new Fixture();
      List<Object> bodies = requestExamples(operation);
      if (!security(operation).isEmpty()) {
        Call anonymous = new Call(path, method, operation, fixture, bodies.getFirst(), false);
        Response response = anonymous.send();
        if (response.status() != 401) {
          problems.add(anonymous + " without credentials: " + response.status() + " " + response.body());
        }
        check(anonymous, response, problems);
      }
      for (Object body : bodies) {
        Call call = new Call(path, method, operation, fixture, body, true);
        Response response = call.send();
        if (response.status() < 200 || response.status() > 299) {
          problems.add(call + ": the documented example got " + response.status() + " " + response.body());
        }
        check(call, response, problems);
      }
    });
    assertThat(problems).isEmpty();
  }

  @Test
  void everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() {
    List<Route> routes = gateway.gateway().routes();
    assertThat(routes).isNotEmpty();
    JsonObject paths = document.getJsonObject("paths");
    List<String> mismatches = new ArrayList<>();
    for (Route route : routes) {
      Set<HttpMethod> methods = route.methods() == null ? Set.of() : route.methods();
      if (route.getPath() == null) {
        if (route.isRegexPath() && !methods.isEmpty()) {
          mismatches.add("a regular-expression route for " + methods + " (" + route.getName() + ") cannot be"
              + " checked against the document");
        }
        continue;
      }
      String path = openApiPath(route);
      if (path.equals("/") || PROTOCOL_AND_PAGES.stream().anyMatch(path::startsWith)) {
        continue;
      }
      JsonObject item = paths.getJsonObject(path);
      if (item == null) {
        mismatches.add(path + " is routed but not documented");
        continue;
      }
      for (HttpMethod method : methods) {
        if (!item.containsKey(method.name().toLowerCase(Locale.ROOT))) {
          mismatches.add(method + " " + path + " is routed but not documented");
        }
      }
    }
    forEachOperation((path, method, operation) -> {
      HttpMethod httpMethod = HttpMethod.valueOf(method.toUpperCase(Locale.ROOT));
      boolean routed = routes.stream().anyMatch(route -> route.getPath() != null && openApiPath(route).equals(path)
          && route.methods() != null && route.methods().contains(httpMethod));
      if (!routed) {
        mismatches.add(httpMethod + " " + path + " is documented but not routed");
      }
    });
    assertThat(mismatches).isEmpty();
  }

  /**
   * Routes this document does not describe: the OAuth endpoints, whose contracts are RFCs 8414, 9728,
   * 7591, 6749 and 7009 (form bodies, redirects; see docs/oauth.md), and the server-rendered pages with
   * their stylesheet (see docs/web.md).
   */
  private static final List<String> PROTOCOL_AND_PAGES = List.of("/.well-known/", "/register", "/token", "/revoke",
      "/authorize", "/signin", "/signout", "/account", "/static/", "/events", "/deployments/", "/catalog", "/users",
      "/settings");

  /** A route's path as OpenAPI writes it: {@code /api/deployments/:id} is {@code /api/deployments/{id}}. */
  private static String openApiPath(Route route) {
    return route.getPath().replaceAll(":([A-Za-z0-9_]+)", "{$1}");
  }

  // ------------------------------------------------------------------ checking one answer

  private static void check(Call call, Response response, List<String> problems) {
    if (response.status() == 405 || response.status() == 404 && response.body().contains("no resource at")) {
      problems.add(call + ": not routed (" + response.status() + ")");
      return;
    }
    JsonObject documented = resolve(call.operation.getJsonObject("responses")).getJsonObject(
        String.valueOf(response.status()));
    if (documented == null) {
      problems.add(call + ": status " + response.status() + " is not documented (" + response.body() + ")");
      return;
    }
    documented = resolve(documented);
    JsonObject headers = documented.getJsonObject("headers", new JsonObject());
    for (String name : headers.fieldNames()) {
      if (resolve(headers.getJsonObject(name)).getBoolean("required", false) && response.headers().get(name) == null) {
        problems.add(call + ": " + response.status() + " lacks the documented header " + name);
      }
    }
    String header = response.headers().get("Content-Type");
    if (header == null) {
      if (!response.body().isEmpty()) {
        problems.add(call + ": " + response.status() + " has a body without a Content-Type");
      }
      return;
    }
    String contentType = header.split(";")[0].trim().toLowerCase(Locale.ROOT);
    JsonObject media = documented.getJsonObject("content", new JsonObject()).getJsonObject(contentType);
    if (media == null) {
      problems.add(call + ": " + response.status() + " answered " + contentType + ", documented: "
          + documented.getJsonObject("content", new JsonObject()).fieldNames());
      return;
    }
    if (contentType.endsWith("json") && media.containsKey("schema") && !response.body().isEmpty()) {
      Object body;
      try {
        body = io.vertx.core.json.Json.decodeValue(response.body());
      } catch (RuntimeException e) {
        problems.add(call + ": " + contentType + " body is not JSON: " + response.body());
        return;
      }
      String errors = validate(media.getJsonObject("schema"), body);
      if (errors != null) {
        problems.add(call + ": " + response.status() + " body does not match its schema: " + shorten(errors, 1500)
            + "\n  " + shorten(response.body(), 400));
      }
    }
  }

  private static String shorten(String text, int max) {
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }

  private static void checkExamples(String where, JsonObject media, List<String> problems, boolean request) {
    JsonObject schema = media.getJsonObject("schema");
    JsonObject examples = media.getJsonObject("examples", new JsonObject());
    if (request && examples.isEmpty()) {
      problems.add(where + ": a request body without examples");
    }
    if (schema == null || !where.contains("json")) {
      return;
    }
    examples.forEach(example -> {
      Object value = resolve((JsonObject) example.getValue()).getValue("value");
      String errors = validate(schema, value);
      if (errors != null) {
        problems.add(where + " example " + example.getKey() + ": " + errors);
      }
    });
  }

  /** The validation errors of {@code value} against {@code schema} (its references resolved), or null. */
  private static String validate(JsonObject schema, Object value) {
    Object inlined = inline(schema, new ArrayList<>());
    OutputUnit result = Validator.create(JsonSchema.of((JsonObject) inlined), SCHEMA_OPTIONS).validate(value);
    if (Boolean.TRUE.equals(result.getValid())) {
      return null;
    }
    List<String> errors = new ArrayList<>();
    collectErrors(result, errors);
    return String.join("; ", errors);
  }

  private static void collectErrors(OutputUnit unit, List<String> errors) {
    if (unit.getErrors() != null && !unit.getErrors().isEmpty()) {
      unit.getErrors().forEach(error -> collectErrors(error, errors));
    } else if (unit.getError() != null) {
      errors.add(unit.getInstanceLocation() + " " + unit.getError() + " (" + unit.getKeywordLocation() + ")");
    }
  }

  // ------------------------------------------------------------------ the document

  private interface OperationVisitor {
    void visit(String path, String method, JsonObject operation);
  }

  private static void forEachOperation(OperationVisitor visitor) {
    document.getJsonObject("paths").forEach(path -> {
      JsonObject item = (JsonObject) path.getValue();
      for (String method : item.fieldNames()) {
        if (HTTP_METHODS.contains(method)) {
          JsonObject operation = item.getJsonObject(method).copy();
          JsonArray parameters = new JsonArray();
          item.getJsonArray("parameters", new JsonArray()).forEach(p -> parameters.add(resolve((JsonObject) p)));
          operation.getJsonArray("parameters", new JsonArray()).forEach(p -> parameters.add(resolve((JsonObject) p)));
          operation.put("parameters", parameters);
          visitor.visit(path.getKey(), method, operation);
        }
      }
    });
  }

  private static JsonArray security(JsonObject operation) {
    return operation.containsKey("security") ? operation.getJsonArray("security")
        : document.getJsonArray("security", new JsonArray());
  }

  private static List<Object> requestExamples(JsonObject operation) {
    List<Object> bodies = new ArrayList<>();
    JsonObject body = operation.getJsonObject("requestBody");
    if (body != null) {
      JsonObject media = resolve(body).getJsonObject("content").getJsonObject("application/json");
      media.getJsonObject("examples", new JsonObject())
          .forEach(example -> bodies.add(resolve((JsonObject) example.getValue()).getValue("value")));
    }
    if (bodies.isEmpty()) {
      bodies.add(null);
    }
    return bodies;
  }

  /** {@code node} itself, or what its {@code $ref} points at. */
  private static JsonObject resolve(JsonObject node) {
    JsonObject current = node;
    while (current.containsKey("$ref")) {
      current = (JsonObject) target(current.getString("$ref"));
    }
    return current;
  }

  private static Object target(String ref) {
    if (!ref.startsWith("#")) {
      throw new AssertionError("only local references are expected: " + ref);
    }
    Object found = JsonPointer.from(ref.substring(1)).queryJson(document);
    if (found == null) {
      throw new AssertionError("unresolved reference " + ref);
    }
    return found;
  }

  /** A copy of {@code node} with every local {@code $ref} replaced by its target (the document has no cycles). */
  private static Object inline(Object node, List<String> seen) {
    if (node instanceof JsonObject object) {
      if (object.containsKey("$ref")) {
        String ref = object.getString("$ref");
        if (seen.contains(ref)) {
          throw new AssertionError("reference cycle through " + ref);
        }
        List<String> deeper = new ArrayList<>(seen);
        deeper.add(ref);
        JsonObject merged = ((JsonObject) inline(target(ref), deeper)).copy();
        object.forEach(entry -> {
          if (!entry.getKey().equals("$ref")) {
            merged.put(entry.getKey(), inline(entry.getValue(), seen));
          }
        });
        return merged;
      }
      JsonObject copy = new JsonObject();
      object.forEach(entry -> copy.put(entry.getKey(), inline(entry.getValue(), seen)));
      return copy;
    }
    if (node instanceof JsonArray array) {
      JsonArray copy = new JsonArray();
      array.forEach(item -> copy.add(inline(item, seen)));
      return copy;
    }
    return node;
  }

  private static void collectRefs(Object node, String where, List<String> problems) {
    if (node instanceof JsonObject object) {
      object.forEach(entry -> {
        if (entry.getKey().equals("$ref")) {
          String ref = String.valueOf(entry.getValue());
          if (!ref.startsWith("#/") || JsonPointer.from(ref.substring(1)).queryJson(document) == null) {
            problems.add(where + ": unresolved $ref " + ref);
          }
        } else {
          collectRefs(entry.getValue(), where + "/" + entry.getKey(), problems);
        }
      });
    } else if (node instanceof JsonArray array) {
      for (int i = 0; i < array.size(); i++) {
        collectRefs(array.getValue(i), where + "/" + i, problems);
      }
    }
  }

  // ------------------------------------------------------------------ requests

  /** One request made from the document: the path with its parameters filled, credentials, an example body. */
  private static final class Call {
    private final String path;
    private final String method;
    private final JsonObject operation;
    private final Object body;
    private final String uri;
    private final Map<String, String> headers = new LinkedHashMap<>();

    Call(String path, String method, JsonObject operation, Fixture fixture, Object body, boolean credentials) {
      this.path = path;
      this.method = method;
      this.operation = operation;
      this.body = body;
      boolean initialize = body instanceof JsonObject message && "initialize".equals(message.getString("method"));
      StringBuilder query = new StringBuilder();
      for (Object p : operation.getJsonArray("parameters")) {
        JsonObject parameter = (JsonObject) p;
        String name = parameter.getString("name");
        switch (parameter.getString("in")) {
          case "query" -> {
            if (parameter.containsKey("example")) {
              query.append(query.isEmpty() ? "?" : "&").append(name).append('=').append(parameter.getValue("example"));
            }
          }
          case "header" -> {
            if (name.equalsIgnoreCase("MCP-Session-Id") && !initialize) {
              headers.put(name, fixture.sessionId());
            } else if (name.equalsIgnoreCase("MCP-Protocol-Version")) {
              headers.put(name, String.valueOf(parameter.getValue("example")));
            }
          }
          default -> {
          }
        }
      }
      Matcher matcher = PATH_PARAM.matcher(path);
      StringBuilder filled = new StringBuilder();
      while (matcher.find()) {
        String value = switch (matcher.group(1)) {
          case "id", "deploymentId" -> body instanceof JsonObject json && json.containsKey("version")
              ? fixture.packagedId() : fixture.id();
          case "tokenId" -> fixture.tokenId();
          case "catalogId" -> CatalogIds.entryId("registry", "io.github.acme/weather").toString();
          case "sessionId" -> fixture.sessionId();
          case "username" -> fixture.username();
          case "grantId" -> fixture.grantId();
          default -> throw new AssertionError("no value for the path parameter " + matcher.group(1) + " of " + path);
        };
        matcher.appendReplacement(filled, value);
      }
      matcher.appendTail(filled);
      this.uri = filled + query.toString();
      Set<String> accepted = new TreeSet<>();
      resolve(operation.getJsonObject("responses")).forEach(response -> {
        if (response.getKey().startsWith("2")) {
          accepted.addAll(resolve((JsonObject) response.getValue()).getJsonObject("content", new JsonObject())
              .fieldNames());
        }
      });
      if (!accepted.isEmpty()) {
        headers.put("Accept", String.join(", ", accepted));
      }
      JsonArray security = security(operation);
      if (credentials && !security.isEmpty()) {
        JsonObject scheme = security.getJsonObject(0);
        headers.put("Authorization", "Bearer " + (scheme.containsKey("accessToken") ? fixture.accessToken()
            : TestConfig.ADMIN_TOKEN));
      }
    }

    Response send() {
      Buffer buffer = body == null ? null : Buffer.buffer(io.vertx.core.json.Json.encode(body));
      Map<String, String> all = new LinkedHashMap<>(headers);
      if (buffer != null) {
        all.put("Content-Type", "application/json");
      }
      return OpenApiTest.send(HttpMethod.valueOf(method.toUpperCase(Locale.ROOT)), uri, all, buffer);
    }

    @Override
    public String toString() {
      return method.toUpperCase(Locale.ROOT) + " " + path + " (" + uri + (body == null ? "" : " " + body) + ")";
    }
  }

  /**
   * What path parameters name, made on first use: a deployment of the SDK fixture server with the
   * create example's configuration, a second access token, an MCP session opened with its token.
   */
  private static final class Fixture {
    private JsonObject deployment;
    private String packaged;
    private String tokenId;
    private String sessionId;

    String id() {
      return deployment().getString("id");
    }

    String accessToken() {
      return deployment().getString("accessToken");
    }

    /** A deployment of the npm create example (a version applies only to packages), made on first use. */
    String packagedId() {
      if (packaged == null) {
        JsonObject example = resolve(document.getJsonObject("paths").getJsonObject("/api/deployments")
            .getJsonObject("post").getJsonObject("requestBody")).getJsonObject("content")
            .getJsonObject("application/json").getJsonObject("examples").getJsonObject("npm").getJsonObject("value");
        GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments",
            example.copy().put("name", "openapi-packaged-" + ++fixtures));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        packaged = reply.json().getString("id");
      }
      return packaged;
    }

    /** A member account, made on first use. */
    String username() {
      String name = "openapi-user-" + ++fixtures;
      GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/accounts", new JsonObject()
          .put("username", name).put("password", "a long enough password"));
      assertThat(reply.status()).as(reply.body()).isEqualTo(201);
      return name;
    }

    /** A live OAuth grant of the fixture deployment (rows as the consent page writes them). */
    String grantId() {
      String name = username();
      java.util.UUID grant = java.util.UUID.randomUUID();
      String client = "cw-client-openapi-" + fixtures;
      var pool = gateway.gateway().pool();
      pool.preparedQuery("INSERT INTO oauth_clients (client_id, client_name, redirect_uris, metadata, registered_by)"
          + " VALUES ($1, 'OpenAPI', '[\"https://client.example/cb\"]'::jsonb, '{}'::jsonb, 'dcr')")
          .execute(io.vertx.sqlclient.Tuple.of(client)).await();
      pool.preparedQuery("INSERT INTO oauth_grants (id, client_id, account_id, deployment_id, resource, scope)"
          + " SELECT $1, $2, id, $3, $4, 'mcp:tools' FROM accounts WHERE username = $5")
          .execute(io.vertx.sqlclient.Tuple.of(grant, client, java.util.UUID.fromString(id()),
              gateway.gateway().config().publicUrl() + "/api/mcp/" + id(), name)).await();
      return grant.toString();
    }

    String tokenId() {
      if (tokenId == null) {
        GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments/" + id() + "/tokens",
            new JsonObject().put("label", "openapi-test"));
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        tokenId = reply.json().getString("id");
      }
      return tokenId;
    }

    String sessionId() {
      if (sessionId == null) {
        JsonObject initialize = new JsonObject().put("jsonrpc", "2.0").put("id", 1).put("method", "initialize")
            .put("params", new JsonObject().put("protocolVersion", "2025-06-18").put("capabilities", new JsonObject())
                .put("clientInfo", new JsonObject().put("name", "openapi-test").put("version", "1")));
        Response opened = send(HttpMethod.POST, "/api/mcp/" + id(), mcpHeaders(null), initialize.toBuffer());
        assertThat(opened.status()).as(opened.body()).isEqualTo(200);
        sessionId = opened.headers().get("MCP-Session-Id");
        Response initialized = send(HttpMethod.POST, "/api/mcp/" + id(), mcpHeaders(sessionId), new JsonObject()
            .put("jsonrpc", "2.0").put("method", "notifications/initialized").toBuffer());
        assertThat(initialized.status()).isEqualTo(202);
      }
      return sessionId;
    }

    private Map<String, String> mcpHeaders(String session) {
      Map<String, String> headers = new LinkedHashMap<>();
      headers.put("Authorization", "Bearer " + accessToken());
      headers.put("Accept", "application/json, text/event-stream");
      headers.put("Content-Type", "application/json");
      headers.put("MCP-Protocol-Version", "2025-06-18");
      if (session != null) {
        headers.put("MCP-Session-Id", session);
      }
      return headers;
    }

    private JsonObject deployment() {
      if (deployment == null) {
        JsonObject example = resolve(document.getJsonObject("paths").getJsonObject("/api/deployments")
            .getJsonObject("post").getJsonObject("requestBody")).getJsonObject("content")
            .getJsonObject("application/json").getJsonObject("examples").getJsonObject("npm").getJsonObject("value");
        JsonObject body = GatewayHarness.fixtureDeployment("openapi-fixture-" + ++fixtures,
            example.getJsonObject("configSchema"), example.getJsonObject("config"));
        GatewayHarness.Reply reply = gateway.admin(HttpMethod.POST, "/api/deployments", body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        deployment = reply.json();
      }
      return deployment;
    }
  }

  private record Response(int status, MultiMap headers, String body) {
  }

  /**
   * Sends a request; an event stream that stays open (GET) is cut after its headers. The exchange
   * runs on one event-loop context, so the body is read from the moment the response arrives.
   */
  private static Response send(HttpMethod method, String uri, Map<String, String> headers, Buffer body) {
    RequestOptions options = new RequestOptions().setMethod(method).setHost("127.0.0.1").setPort(gateway.port())
        .setURI(uri).setIdleTimeout(60_000).setConnectTimeout(20_000);
    headers.forEach(options::putHeader);
    Promise<Response> answered = Promise.promise();
    context.runOnContext(v -> http.request(options)
        .compose(request -> (body == null ? request.send() : request.send(body)).compose(response -> {
          String contentType = String.valueOf(response.headers().get("Content-Type"));
          if (method == HttpMethod.GET && contentType.startsWith("text/event-stream")) {
            response.exceptionHandler(e -> { }); // the reset below ends the stream on purpose
            response.request().reset();
            return Future.succeededFuture(new Response(response.statusCode(), response.headers(), ""));
          }
          return response.body().map(buffer -> new Response(response.statusCode(), response.headers(),
              buffer.toString()));
        }))
        .onComplete(answered));
    return answered.future().await();
  }
}
