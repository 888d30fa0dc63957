package dev.catwalk.catalog;

import dev.catwalk.error.ApiException;
import dev.catwalk.testsupport.catalog.CatalogFixtures;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The registry mapping, type by type: every package type and transport, remotes with headers and URL
 * variables, arguments, environment variables, statuses, the 2025-07-09 spelling, malformed rows, and
 * what a deployment of each variant is made of.
 */
class ServerJsonMapperTest {

  private static MappedEntry entry(String name) {
    JsonObject row = null;
    for (Object candidate : CatalogFixtures.registryRows()) {
      if (name.equals(((JsonObject) candidate).getJsonObject("server").getString("name"))) {
        row = (JsonObject) candidate;
      }
    }
    assertThat(row).as("fixture " + name).isNotNull();
    return ServerJsonMapper.map(row);
  }

  private static Variant variant(MappedEntry entry, String id) {
    return entry.variants().stream().filter(v -> v.id().equals(id)).findFirst().orElseThrow();
  }

  private static JsonObject property(Variant variant, String field) {
    return variant.configSchema().getJsonObject("properties").getJsonObject(field);
  }

  @Test
  void npmPackageWithEnvironmentVariablesFixedArgumentsAndAConstant() {
    MappedEntry weather = entry("io.github.acme/weather");
    assertThat(weather.version()).isEqualTo("1.4.0");
    assertThat(weather.title()).isEqualTo("Acme Weather");
    assertThat(weather.kinds()).containsExactly("npm", "oci", "mcpb");
    assertThat(weather.runtimes()).containsExactly("npm", "oci");
    assertThat(weather.officialLatest()).isTrue();
    Variant npm = variant(weather, "npm");
    assertThat(npm.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "npm").put("transport", "stdio")
        .put("package", "@acme/weather-mcp").put("version", "1.4.0").put("args", new JsonArray().add("--log-format")
            .add("json")));
    JsonObject schema = npm.configSchema();
    assertThat(schema.getJsonArray("required").getList()).containsExactly("ACME_WEATHER_API_KEY");
    assertThat(property(npm, "ACME_WEATHER_API_KEY")).isEqualTo(new JsonObject().put("title", "Acme weather api key")
        .put("description", "API key from the Acme developer console").put("type", "string")
        .put("examples", new JsonArray().add("awk_...")).put("writeOnly", true));
    assertThat(property(npm, "ACME_WEATHER_UNITS").getString("default")).isEqualTo("metric");
    assertThat(property(npm, "ACME_WEATHER_UNITS").getJsonArray("enum").getList()).containsExactly("metric", "imperial");
    assertThat(property(npm, "ACME_WEATHER_TIMEOUT_MS").getString("type")).isEqualTo("number");
    assertThat(property(npm, "ACME_WEATHER_TIMEOUT_MS").getValue("default")).isEqualTo(10000L);
    assertThat(property(npm, "ACME_WEATHER_REGION").getString("const")).isEqualTo("eu");
    assertThat(property(npm, "ACME_WEATHER_REGION").getBoolean("readOnly")).isTrue();
    assertThat(npm.sources().getJsonObject("configSchema.properties.ACME_WEATHER_UNITS")).isEqualTo(new JsonObject()
        .put("catalog", "registry").put("entry", "io.github.acme/weather").put("version", "1.4.0")
        .put("pointer", "/packages/0/environmentVariables/1"));
    assertThat(npm.sources().getJsonObject("recipe.version").getString("pointer")).isEqualTo("/packages/0/version");

    Materializer.Deployment deployment = Materializer.materialize(npm, new JsonObject()
        .put("ACME_WEATHER_API_KEY", "awk_secret"));
    assertThat(deployment.recipe().getJsonArray("args").getList()).containsExactly("--log-format", "json");
    assertThat(deployment.config()).isEqualTo(new JsonObject().put("ACME_WEATHER_API_KEY", "awk_secret")
        .put("ACME_WEATHER_UNITS", "metric").put("ACME_WEATHER_TIMEOUT_MS", 10000L).put("ACME_WEATHER_REGION", "eu"));
    assertThat(deployment.configSchema().getJsonObject("properties").fieldNames())
        .containsExactly("ACME_WEATHER_API_KEY", "ACME_WEATHER_UNITS", "ACME_WEATHER_TIMEOUT_MS", "ACME_WEATHER_REGION");
  }

  @Test
  void ociImagesMcpbBundlesAndTheOtherPackageTypes() {
    MappedEntry weather = entry("io.github.acme/weather");
    assertThat(variant(weather, "oci").displayRecipe()).isEqualTo(new JsonObject().put("runtime", "oci")
        .put("transport", "stdio").put("package", "ghcr.io/acme/weather-mcp").put("version", "1.4.0"));
    assertThat(variant(weather, "mcpb").problems()).extracting(Variant.Problem::code).containsExactly("unsupported-package");
    assertThat(variant(weather, "mcpb").mapped()).isFalse();
    assertThat(variant(entry("io.github.dotnet-tools/clock"), "nuget").problems().getFirst().message()).contains("dnx");
    assertThat(variant(entry("io.github.rusty/grep-server"), "cargo").problems().getFirst().message()).contains("Rust");
    assertThat(variant(entry("io.github.gopher/dns-lookup"), "go").problems().getFirst().message()).contains("Go");
    MappedEntry http = entry("io.github.httpish/metrics");
    assertThat(http.variants()).allSatisfy(v -> assertThat(v.problems()).extracting(Variant.Problem::code)
        .containsExactly("package-transport"));
    assertThat(variant(http, "oci").problems().getFirst().message()).contains("sse");
    assertThat(http.runtimes()).isEmpty();
  }

  @Test
  void dockerRuntimeArgumentsBecomeVariablesOrProblems() {
    Variant kube = variant(entry("io.github.docktools/kube-inspector"), "oci");
    assertThat(kube.problems()).isEmpty();
    assertThat(kube.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "oci").put("transport", "stdio")
        .put("package", "ghcr.io/docktools/kube-inspector").put("version", "0.7.1")
        .put("args", new JsonArray().add("stdio")));
    assertThat(kube.configSchema().getJsonArray("required").getList()).containsExactly("KUBE_TOKEN", "KUBE_API_URL");
    assertThat(property(kube, "KUBE_TOKEN").getString("description")).isEqualTo("Service account token");
    assertThat(property(kube, "KUBE_TOKEN").getBoolean("writeOnly")).isTrue();
    assertThat(property(kube, "KUBE_NAMESPACE").getString("default")).isEqualTo("default");

    Variant volume = variant(entry("io.github.docktools/volume-reader"), "oci");
    assertThat(volume.problems()).extracting(Variant.Problem::code).containsExactly("docker-option");
    assertThat(volume.problems().getFirst().message()).contains("-v").contains("host path");
  }

  @Test
  void dockerEnvironmentOptionsSplitOverTwoArgumentsAndTheImageNamedWithoutItsRegistry() {
    JsonObject pkg = new JsonObject().put("registryType", "oci").put("identifier", "docker.io/tools/ci-mcp:0.7.0")
        .put("transport", new JsonObject().put("type", "stdio"))
        .put("runtimeArguments", new JsonArray()
            .add(new JsonObject().put("type", "positional").put("value", "run"))
            .add(new JsonObject().put("type", "named").put("name", "-i"))
            .add(new JsonObject().put("type", "named").put("name", "-e").put("description", "Set a variable"))
            .add(new JsonObject().put("type", "positional").put("value", "CI_TOKEN").put("valueHint", "env_var_name"))
            .add(new JsonObject().put("type", "named").put("name", "-e"))
            .add(new JsonObject().put("type", "positional").put("value", "CI_URL"))
            .add(new JsonObject().put("type", "positional").put("value", "tools/ci-mcp:0.7.0")))
        .put("environmentVariables", new JsonArray().add(new JsonObject().put("name", "CI_TOKEN")
            .put("isRequired", true).put("isSecret", true).put("description", "Token of the CI service")));
    Variant oci = ServerJsonMapper.map(new JsonObject().put("name", "io.github.tools/ci").put("version", "0.7.0")
        .put("packages", new JsonArray().add(pkg))).variants().getFirst();
    assertThat(oci.problems()).isEmpty();
    assertThat(oci.configSchema().getJsonObject("properties").fieldNames()).containsExactlyInAnyOrder("CI_TOKEN", "CI_URL");
    assertThat(property(oci, "CI_TOKEN").getString("description")).isEqualTo("Token of the CI service");
    assertThat(property(oci, "CI_URL").getString("description"))
        .isEqualTo("Passed to the server as the environment variable CI_URL.");
  }

  @Test
  void argumentsWithInputBecomeFieldsFilledInAtDeployTime() {
    Variant pypi = variant(entry("io.github.pyco/postgres-explorer"), "pypi");
    assertThat(pypi.problems()).isEmpty();
    assertThat(pypi.runtime()).isEqualTo("pypi");
    assertThat(pypi.configSchema().getJsonObject("properties").fieldNames())
        .containsExactly("DATABASE_URL", "READ_ONLY", "schema", "MAX_ROWS");
    assertThat(property(pypi, "READ_ONLY").getString("type")).isEqualTo("boolean");
    assertThat(property(pypi, "schema").getString("default")).isEqualTo("public");
    assertThat(property(pypi, "MAX_ROWS").getString("type")).isEqualTo("number");
    assertThat(pypi.warnings()).anyMatch(w -> w.contains("'max-rows' lacks its leading dashes; passed as --max-rows"))
        .anyMatch(w -> w.contains("--password would pass a secret on the command line; left out"));
    assertThat(pypi.displayRecipe().getJsonArray("args").getList())
        .containsExactly("--read-only", "--schema", "${schema}", "--max-rows", "${MAX_ROWS}");

    Materializer.Deployment chosen = Materializer.materialize(pypi, new JsonObject()
        .put("DATABASE_URL", "postgresql://u:p@db/app").put("READ_ONLY", true).put("MAX_ROWS", 50));
    assertThat(chosen.recipe().getJsonArray("args").getList())
        .containsExactly("--read-only", "--schema", "public", "--max-rows", "50");
    assertThat(chosen.configSchema().getJsonObject("properties").fieldNames()).containsExactly("DATABASE_URL");
    assertThat(chosen.config()).isEqualTo(new JsonObject().put("DATABASE_URL", "postgresql://u:p@db/app"));

    Materializer.Deployment minimal = Materializer.materialize(pypi, new JsonObject()
        .put("DATABASE_URL", "postgresql://u:p@db/app"));
    assertThat(minimal.recipe().getJsonArray("args").getList()).containsExactly("--schema", "public");
  }

  @Test
  void repeatedPositionalArgumentsAndRequiredOnes() {
    Variant files = variant(entry("io.github.files/filesystem"), "npm");
    assertThat(property(files, "allowed_directory").getString("type")).isEqualTo("array");
    assertThat(property(files, "allowed_directory").getString("description"))
        .isEqualTo("A directory the server may use (a path on the machine that runs the server)");
    Materializer.Deployment deployment = Materializer.materialize(files, new JsonObject()
        .put("allowed_directory", new JsonArray().add("/srv/a").add("/srv/b")));
    assertThat(deployment.recipe().getJsonArray("args").getList()).containsExactly("/srv/a", "/srv/b");
    assertThat(deployment.configSchema().getJsonObject("properties")).isEmpty();
    assertThatThrownBy(() -> Materializer.materialize(files, new JsonObject()))
        .isInstanceOf(ApiException.class).hasMessageContaining("config.allowed_directory: required");
  }

  @Test
  void aRequiredSecretArgumentIsAProblem() {
    Variant vault = variant(entry("io.github.leaky/vault-cli"), "pypi");
    assertThat(vault.problems()).extracting(Variant.Problem::code).containsExactly("secret-argument");
    assertThat(vault.problems().getFirst().message()).contains("--vault-token");
  }

  @Test
  void remotesWithHeaderTemplatesConstantHeadersAndSse() {
    MappedEntry search = entry("com.example.search/hosted-search");
    assertThat(search.repositoryUrl()).isNull();
    Variant remote = variant(search, "remote");
    assertThat(remote.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "remote")
        .put("transport", "streamable-http").put("url", "https://search.example.com/mcp")
        .put("headers", new JsonObject().put("Authorization", "Bearer ${search_api_key}").put("X-Client", "catwalk")));
    assertThat(remote.configSchema().getJsonArray("required").getList()).containsExactly("search_api_key");
    assertThat(property(remote, "search_api_key").getBoolean("writeOnly")).isTrue();
    assertThat(variant(search, "remote-2").problems()).extracting(Variant.Problem::code).containsExactly("sse-remote");
    Materializer.Deployment deployment = Materializer.materialize(remote, new JsonObject()
        .put("search_api_key", "sk-live"));
    assertThat(deployment.recipe().getJsonObject("headers").getString("Authorization"))
        .isEqualTo("Bearer ${search_api_key}");
    assertThat(deployment.config()).isEqualTo(new JsonObject().put("search_api_key", "sk-live"));
  }

  @Test
  void remoteUrlVariablesAreFilledInAndOptionalHeadersLeftOut() {
    Variant crm = variant(entry("com.example.crm/tenant-crm"), "remote");
    assertThat(crm.problems()).isEmpty();
    assertThat(crm.displayRecipe().getString("url")).isEqualTo("https://${tenant}.crm.example.com/mcp/${region}");
    assertThat(crm.configSchema().getJsonObject("properties").fieldNames())
        .containsExactly("tenant", "region", "X_API_KEY", "X_TRACE");
    assertThat(crm.configSchema().getJsonArray("required").getList()).containsExactly("tenant", "X_API_KEY");
    assertThat(property(crm, "region").getJsonArray("enum").getList()).containsExactly("eu", "us");
    Materializer.Deployment deployment = Materializer.materialize(crm, new JsonObject().put("tenant", "acme")
        .put("X_API_KEY", "key-1"));
    assertThat(deployment.recipe()).isEqualTo(new JsonObject().put("runtime", "remote")
        .put("url", "https://acme.crm.example.com/mcp/eu").put("headers", new JsonObject()
            .put("X-API-Key", "${X_API_KEY}")));
    assertThat(deployment.configSchema().getJsonObject("properties").fieldNames()).containsExactly("X_API_KEY", "X_TRACE");
    assertThat(deployment.config()).isEqualTo(new JsonObject().put("X_API_KEY", "key-1"));
    assertThatThrownBy(() -> Materializer.materialize(crm, new JsonObject().put("tenant", "acme")
        .put("X_API_KEY", "k").put("region", "mars"))).isInstanceOf(ApiException.class)
        .hasMessageContaining("config.region: must be one of \"eu\", \"us\"");
    assertThatThrownBy(() -> Materializer.materialize(crm, new JsonObject().put("tenant", "acme")
        .put("X_API_KEY", "k").put("EXTRA", "x"))).isInstanceOf(ApiException.class)
        .hasMessageContaining("config: unknown field \"EXTRA\"");
    assertThatThrownBy(() -> Materializer.materialize(crm, new JsonObject().put("tenant", "evil.example/x?")
        .put("X_API_KEY", "k"))).isInstanceOf(ApiException.class).hasMessageContaining("recipe.url");
  }

  @Test
  void aSecretInARemoteUrlIsAProblem() {
    JsonObject server = new JsonObject().put("name", "com.example/token-in-url").put("version", "1.0.0")
        .put("remotes", new JsonArray().add(new JsonObject().put("type", "streamable-http")
            .put("url", "https://mcp.example.com/{key}/mcp").put("variables", new JsonObject()
                .put("key", new JsonObject().put("isSecret", true).put("isRequired", true)))));
    Variant remote = ServerJsonMapper.map(new JsonObject().put("server", server)).variants().getFirst();
    assertThat(remote.problems()).extracting(Variant.Problem::code).containsExactly("secret-url");
  }

  @Test
  void environmentValuesWithVariablesAreBuiltAtDeployTime() {
    JsonObject server = new JsonObject().put("name", "io.github.example/app-db").put("version", "1.0.0")
        .put("packages", new JsonArray().add(new JsonObject().put("registryType", "npm").put("identifier", "app-db")
            .put("version", "1.0.0").put("transport", new JsonObject().put("type", "stdio"))
            .put("environmentVariables", new JsonArray().add(new JsonObject().put("name", "DATABASE_URL")
                .put("isRequired", true).put("value", "postgres://{user}:{password}@db.example.com/app")
                .put("variables", new JsonObject().put("user", new JsonObject().put("isRequired", true))
                    .put("password", new JsonObject().put("isRequired", true).put("isSecret", true)))))));
    Variant npm = ServerJsonMapper.map(new JsonObject().put("server", server)).variants().getFirst();
    assertThat(npm.configSchema().getJsonObject("properties").fieldNames()).containsExactly("user", "password");
    Materializer.Deployment deployment = Materializer.materialize(npm, new JsonObject().put("user", "app")
        .put("password", "s3cret"));
    assertThat(deployment.config()).isEqualTo(new JsonObject()
        .put("DATABASE_URL", "postgres://app:s3cret@db.example.com/app"));
    assertThat(deployment.configSchema().getJsonObject("properties").getJsonObject("DATABASE_URL")
        .getBoolean("writeOnly")).isTrue();
    assertThat(deployment.configSchema().getJsonArray("required").getList()).containsExactly("DATABASE_URL");
  }

  @Test
  void runtimeArgumentsOfNpxAndUvx() {
    JsonObject misplaced = new JsonObject().put("registryType", "npm").put("identifier", "@vendor/db-mcp")
        .put("version", "0.5.9").put("transport", new JsonObject().put("type", "stdio"))
        .put("runtimeArguments", new JsonArray()
            .add(new JsonObject().put("type", "named").put("name", "-y"))
            .add(new JsonObject().put("type", "named").put("name", "--project-ref").put("format", "string")
                .put("description", "Project")));
    Variant npm = ServerJsonMapper.map(new JsonObject().put("name", "com.vendor/db").put("version", "0.5.9")
        .put("packages", new JsonArray().add(misplaced))).variants().getFirst();
    assertThat(npm.runtime()).isEqualTo("npm");
    assertThat(npm.warnings()).anyMatch(w -> w.contains("--project-ref is not an option of npx; passed to the server"));
    assertThat(Materializer.materialize(npm, new JsonObject().put("PROJECT_REF", "abc")).recipe().getJsonArray("args")
        .getList()).containsExactly("--project-ref", "abc");

    JsonObject script = new JsonObject().put("registryType", "pypi").put("identifier", "learning-tools")
        .put("version", "2.0.0").put("transport", new JsonObject().put("type", "stdio"))
        .put("runtimeArguments", new JsonArray()
            .add(new JsonObject().put("type", "named").put("name", "--python").put("value", "3.12"))
            .add(new JsonObject().put("type", "named").put("name", "--from").put("value", "learning-tools"))
            .add(new JsonObject().put("type", "positional").put("value", "learning-server")));
    Variant uvx = ServerJsonMapper.map(new JsonObject().put("name", "io.github.l/learning").put("version", "2.0.0")
        .put("packages", new JsonArray().add(script))).variants().getFirst();
    assertThat(uvx.problems()).isEmpty();
    assertThat(uvx.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "command").put("transport", "stdio")
        .put("command", "uvx").put("args", new JsonArray().add("--python").add("3.12").add("--from")
            .add("learning-tools==2.0.0").add("learning-server")));
    assertThat(uvx.probe()).isEqualTo("pypi");
  }

  @Test
  void theFirstSchemaSpelling() {
    MappedEntry legacy = entry("io.github.legacy/sqlite-tools");
    assertThat(legacy.version()).isEqualTo("0.5.1");
    Variant pypi = variant(legacy, "pypi");
    assertThat(pypi.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "pypi").put("transport", "stdio")
        .put("package", "sqlite-tools-mcp").put("version", "0.5.1")
        .put("args", new JsonArray().add("--db-path").add("${db_path}")));
    assertThat(pypi.configSchema().getJsonArray("required").getList()).containsExactly("db_path");
    assertThat(property(pypi, "SQLITE_TOOLS_READONLY").getValue("default")).isEqualTo(true);
  }

  @Test
  void statusesAndEntriesWithoutPackages() {
    MappedEntry deprecated = entry("io.github.old/everything-legacy");
    assertThat(deprecated.status()).isEqualTo("deprecated");
    assertThat(deprecated.statusMessage()).contains("server-everything");
    assertThat(entry("io.github.spam/everything-free-tokens").status()).isEqualTo("deleted");
    MappedEntry repositoryOnly = entry("io.github.pyco/pg-inspect");
    assertThat(repositoryOnly.kinds()).containsExactly("repository");
    assertThat(repositoryOnly.variants().getFirst().needsAnalysis()).isTrue();
    assertThat(repositoryOnly.runtimes()).isEmpty();
    MappedEntry nothing = ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "com.example/nothing").put("version", "1").put("repository", new JsonObject())));
    assertThat(nothing.variants()).isEmpty();
    assertThat(nothing.warnings()).containsExactly("the entry publishes no package, no remote and no repository");
    MappedEntry unknownStatus = ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "com.example/odd").put("version", "1")).put("_meta", new JsonObject()
        .put(ServerJsonMapper.OFFICIAL, new JsonObject().put("status", "frozen"))));
    assertThat(unknownStatus.status()).isEqualTo("active");
  }

  @Test
  void malformedRowsAreRefusedWithAReason() {
    assertThatThrownBy(() -> ServerJsonMapper.map("not an object")).isInstanceOf(MalformedEntryException.class)
        .hasMessage("the row is not a JSON object");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", "x")))
        .hasMessage("'server' is not an object");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", new JsonObject().put("version", "1"))))
        .hasMessage("no name");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "no-namespace").put("version", "1")))).hasMessage("the name 'no-namespace' is not namespace/name");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "com.example/a")))).hasMessage("com.example/a: no version");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "com.example/a").put("version", "1").put("packages", "npm"))))
        .hasMessage("com.example/a@1: 'packages' is not an array");
    assertThatThrownBy(() -> ServerJsonMapper.map(new JsonObject().put("server", new JsonObject()
        .put("name", "com.example/a").put("version", "1").put("description", 42))))
        .hasMessage("com.example/a@1: 'description' is not a string");
  }

  @Test
  void glamaServersMapToARepositoryVariantWithTheirEnvironmentSchema() {
    JsonArray servers = CatalogFixtures.glamaServers();
    MappedEntry weather = GlamaMapper.map(servers.getJsonObject(0));
    assertThat(weather.name()).isEqualTo("acme/weather-mcp");
    assertThat(weather.title()).isEqualTo("Acme Weather (community listing)");
    assertThat(weather.tools()).containsExactly("forecast");
    assertThat(weather.kinds()).containsExactly("repository");
    Variant repository = weather.variants().getFirst();
    assertThat(repository.needsAnalysis()).isTrue();
    assertThat(property(repository, "ACME_WEATHER_API_KEY").getBoolean("writeOnly")).as("secret by its name").isTrue();
    assertThat(repository.sources().getJsonObject("configSchema.properties.ACME_WEATHER_API_KEY"))
        .isEqualTo(new JsonObject().put("catalog", "glama").put("entry", "acme/weather-mcp")
            .put("pointer", "/environmentVariablesJsonSchema/properties/ACME_WEATHER_API_KEY"));
    MappedEntry notes = GlamaMapper.map(servers.getJsonObject(3));
    assertThat(notes.variants().getFirst().warnings()).anyMatch(w -> w.contains("NOTES_TOKEN, or NOTES_PASSWORD"));
    assertThat(notes.variants().getFirst().configSchema().getJsonArray("required")).isEmpty();
    MappedEntry without = GlamaMapper.map(servers.getJsonObject(2));
    assertThat(without.variants()).isEmpty();
    assertThatThrownBy(() -> GlamaMapper.map(servers.getJsonObject(4))).isInstanceOf(MalformedEntryException.class)
        .hasMessageContaining("no usable namespace and slug");
  }

  @Test
  void theRepositoryAnalysisCompletesARepositoryVariant() {
    MappedEntry glama = GlamaMapper.map(CatalogFixtures.glamaServers().getJsonObject(1));
    JsonObject analysis = new JsonObject()
        .put("repository", new JsonObject().put("host", "github.com").put("owner", "pyco").put("repo", "postgres-explorer"))
        .put("recipe", new JsonObject().put("runtime", "pypi").put("package", "postgres-explorer-mcp")
            .put("version", "1.2.0").put("transport", "stdio"))
        .put("configSchema", new JsonObject().put("type", "object").put("required", new JsonArray().add("PG_DSN"))
            .put("properties", new JsonObject()
                .put("PG_DSN", new JsonObject().put("type", "string").put("writeOnly", true))
                .put("DATABASE_URL", new JsonObject().put("type", "string").put("description", "from the README"))))
        .put("sources", new JsonObject()
            .put("recipe.runtime", new JsonObject().put("path", "pyproject.toml").put("commit", "abc"))
            .put("configSchema.properties.PG_DSN", new JsonObject().put("path", ".env.sample").put("commit", "abc")))
        .put("warnings", new JsonArray().add("a README snippet disagrees"));
    Variant completed = Completion.complete("glama", glama.name(), "", glama.variants().getFirst(), analysis);
    assertThat(completed.mapped()).isTrue();
    assertThat(completed.displayRecipe()).isEqualTo(new JsonObject().put("runtime", "pypi").put("transport", "stdio")
        .put("package", "postgres-explorer-mcp").put("version", "1.2.0"));
    assertThat(completed.configSchema().getJsonObject("properties").fieldNames())
        .containsExactly("PG_DSN", "DATABASE_URL", "PG_EXPLORER_SCHEMA", "PG_EXPLORER_STATEMENT_TIMEOUT");
    assertThat(completed.configSchema().getJsonArray("required").getList()).containsExactly("PG_DSN");
    assertThat(completed.sources().getJsonObject("configSchema.properties.PG_DSN").getJsonObject("analysis"))
        .isEqualTo(new JsonObject().put("path", ".env.sample").put("commit", "abc"));
    assertThat(completed.sources().getJsonObject("configSchema.properties.PG_EXPLORER_SCHEMA").getString("catalog"))
        .isEqualTo("glama");
    assertThat(completed.warnings()).contains("analysis: a README snippet disagrees");

    Variant nothing = Completion.complete("glama", glama.name(), "", glama.variants().getFirst(),
        new JsonObject().put("recipe", (Object) null).put("configSchema", new JsonObject()));
    assertThat(nothing.problems()).extracting(Variant.Problem::code).containsExactly("no-recipe");
  }

  @Test
  void theLatestVersionFollowsTheAggregatorRules() {
    java.time.OffsetDateTime early = java.time.OffsetDateTime.parse("2026-01-01T00:00:00Z");
    java.time.OffsetDateTime late = early.plusDays(1);
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("1.0.0", "active", false, late),
        new LatestVersion.Candidate("1.10.0", "active", false, early),
        new LatestVersion.Candidate("1.9.0", "active", false, late)))).contains("1.10.0");
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("2.0.0", "deleted", true, late),
        new LatestVersion.Candidate("1.0.0", "active", false, early)))).contains("1.0.0");
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("1.0.0", "active", false, early),
        new LatestVersion.Candidate("0.9.0", "active", true, early)))).as("the registry's mark wins").contains("0.9.0");
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("2.0.0-rc.1", "active", false, late),
        new LatestVersion.Candidate("2.0.0", "active", false, early),
        new LatestVersion.Candidate("nightly", "active", false, late)))).contains("2.0.0");
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("a", "active", false, early),
        new LatestVersion.Candidate("b", "active", false, late)))).contains("b");
    assertThat(LatestVersion.choose(List.of(new LatestVersion.Candidate("1.0.0", "deleted", false, early))))
        .isEmpty();
    assertThat(SemVer.PRECEDENCE.compare("1.0.0-alpha", "1.0.0-alpha.1")).isNegative();
    assertThat(SemVer.PRECEDENCE.compare("1.0.0-alpha.beta", "1.0.0-beta")).isNegative();
    assertThat(SemVer.PRECEDENCE.compare("1.0.0-rc.1", "1.0.0")).isNegative();
    assertThat(SemVer.PRECEDENCE.compare("1.0.0+build.5", "1.0.0")).isZero();
  }

  @Test
  void repositoryKeysNameTheSameRepositoryHoweverItIsWritten() {
    assertThat(RepositoryKey.of("https://github.com/Acme/Weather-MCP.git", null)).isEqualTo("github.com/acme/weather-mcp");
    assertThat(RepositoryKey.of("https://www.github.com/acme/weather-mcp/", "")).isEqualTo("github.com/acme/weather-mcp");
    assertThat(RepositoryKey.of("git@github.com:acme/weather-mcp.git", "/packages/x/"))
        .isEqualTo("github.com/acme/weather-mcp/packages/x");
    assertThat(RepositoryKey.of("https://github.com/acme/mono/tree/main/servers/a", null))
        .isEqualTo("github.com/acme/mono/servers/a");
    assertThat(RepositoryKey.of("https://github.com/acme", null)).isNull();
    assertThat(CatalogViews.suggestedName("io.github.modelcontextprotocol/server-everything"))
        .isEqualTo("server-everything");
    assertThat(CatalogViews.suggestedName("com.example/My_Server..v2")).isEqualTo("my-server-v2");
  }
}
