package dev.catwalk.analysis;

import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Each extractor on small inputs, and the merger's trust order. */
class ExtractorsTest {

  private static Evidence.Variable variable(Evidence evidence, String name) {
    return evidence.variables().stream().filter(v -> v.name().equals(name)).findFirst().orElseThrow();
  }

  @Test
  void serverJsonCamelCaseWithPlaceholderVersionAndArguments() {
    Evidence evidence = ServerJsonExtractor.extract("server.json", """
        {"name":"io.github.a/b","version":"${VERSION}","packages":[{"registryType":"npm","identifier":"@a/b",
         "version":"${VERSION}","transport":{"type":"stdio"},
         "packageArguments":[{"type":"positional","value":"serve"},{"type":"named","name":"--dir","valueHint":"path"}],
         "environmentVariables":[{"name":"A_KEY","isRequired":true},{"name":"MODE","choices":["x","y"],"default":"x"}]}]}
        """);
    assertThat(evidence.recipe()).isEqualTo(Evidence.Hint.pkg("npm", "@a/b", null, List.of("serve")));
    assertThat(variable(evidence, "A_KEY").required()).isTrue();
    assertThat(variable(evidence, "A_KEY").secret()).isNull();
    assertThat(variable(evidence, "MODE").choices()).containsExactly("x", "y");
    assertThat(evidence.warnings()).anyMatch(w -> w.contains("placeholder")).anyMatch(w -> w.contains("--dir"));
  }

  @Test
  void serverJsonSnakeCaseDockerVariablesAndUnsupportedRegistries() {
    Evidence evidence = ServerJsonExtractor.extract("server.json", """
        {"packages":[{"registry_type":"nuget","identifier":"A.B"},
         {"registry_type":"oci","identifier":"ghcr.io/a/b:1.0.2","runtime_arguments":[
          {"type":"named","name":"-e","value":"B_TOKEN={t}","variables":{"t":{"is_secret":true,"is_required":true}}}]}]}
        """);
    assertThat(evidence.recipe().runtime()).isEqualTo("oci");
    assertThat(evidence.recipe().packageName()).isEqualTo("ghcr.io/a/b");
    assertThat(evidence.recipe().version()).isEqualTo("1.0.2");
    assertThat(variable(evidence, "B_TOKEN")).extracting(Evidence.Variable::required, Evidence.Variable::secret)
        .containsExactly(true, true);
    assertThat(evidence.warnings()).anyMatch(w -> w.contains("nuget"));
  }

  @Test
  void serverJsonRemotePrefersStreamableHttpAndMapsHeadersToVariables() {
    Evidence evidence = ServerJsonExtractor.extract("server.json", """
        {"remotes":[{"type":"sse","url":"https://x.dev/sse"},{"type":"streamable-http","url":"https://x.dev/mcp",
         "headers":[{"name":"Authorization","value":"Bearer {api_key}","isSecret":true,"isRequired":true}]}]}
        """);
    assertThat(evidence.recipe().url()).isEqualTo("https://x.dev/mcp");
    assertThat(evidence.recipe().headers()).isEqualTo(Map.of("Authorization", "Bearer ${AUTHORIZATION}"));
    assertThat(variable(evidence, "AUTHORIZATION").secret()).isTrue();
  }

  @Test
  void mcpbManifestUserConfig() {
    Evidence evidence = McpbExtractor.extract("manifest.json", """
        {"manifest_version":"0.2","server":{"type":"node","mcp_config":{"command":"node","args":["${__dirname}/i.js"],
         "env":{"K":"${user_config.k}","LEVEL":"debug"}}},
         "user_config":{"k":{"type":"string","title":"Key","sensitive":true,"required":true}}}
        """);
    assertThat(evidence.recipe()).isNull();
    assertThat(variable(evidence, "K")).extracting(Evidence.Variable::title, Evidence.Variable::required,
        Evidence.Variable::secret).containsExactly("Key", true, true);
    assertThat(variable(evidence, "LEVEL").defaultValue()).isEqualTo("debug");
    assertThat(McpbExtractor.extract("manifest.json", "{\"name\":\"web app manifest\"}")).isNull();
  }

  @Test
  void smitheryClassicMapsConfigKeysToEnvironmentNames() {
    Evidence evidence = SmitheryExtractor.extract("smithery.yaml", """
        startCommand:
          type: stdio
          configSchema:
            type: object
            required: [apiKey]
            properties:
              apiKey: {type: string, description: The key}
              region: {type: string, enum: [eu, us], default: eu}
          commandFunction: |-
            (config) => ({command: 'uvx', args: ['svc-mcp==1.0.0'], env: {SVC_KEY: config.apiKey, SVC_REGION: config['region'], FIXED: 'on'}})
        """);
    assertThat(evidence.recipe()).isEqualTo(Evidence.Hint.pkg("pypi", "svc-mcp", "1.0.0", List.of()));
    assertThat(variable(evidence, "SVC_KEY")).extracting(Evidence.Variable::required, Evidence.Variable::description)
        .containsExactly(true, "The key");
    assertThat(variable(evidence, "SVC_REGION").choices()).containsExactly("eu", "us");
    assertThat(variable(evidence, "FIXED").defaultValue()).isEqualTo("on");
  }

  @Test
  void packageFilesNameThePackage() {
    assertThat(PackageExtractor.packageJson("package.json", "{\"name\":\"x\",\"private\":true,\"bin\":\"a.js\"}")).isNull();
    assertThat(PackageExtractor.packageJson("package.json", "{\"name\":\"@s/x\",\"version\":\"1.0.0\",\"bin\":\"a.js\"}")
        .recipe()).isEqualTo(Evidence.Hint.pkg("npm", "@s/x", "1.0.0", List.of()));
    Evidence twoBins = PackageExtractor.packageJson("package.json",
        "{\"name\":\"tools\",\"bin\":{\"tool-a\":\"a.js\",\"tool-b\":\"b.js\"}}");
    assertThat(twoBins.recipe().command()).isEqualTo("npx");
    assertThat(twoBins.recipe().args()).containsExactly("-y", "-p", "tools", "tool-a");
    Evidence python = PackageExtractor.pyproject("pyproject.toml", """
        [project]
        name = "fetch_server"
        dynamic = ["version"]
        [project.scripts]
        fetch-server = "fetch_server:main"
        """);
    assertThat(python.recipe()).isEqualTo(Evidence.Hint.pkg("pypi", "fetch_server", null, List.of()));
    Evidence otherScript = PackageExtractor.pyproject("pyproject.toml",
        "[project]\nname = \"pkg\"\nversion = \"2.0\"\n[project.scripts]\nrun-it = \"pkg:main\"\n");
    assertThat(otherScript.recipe().args()).containsExactly("--from", "pkg==2.0", "run-it");
  }

  @Test
  void readmeSnippetsTablesAndPlaceholders() {
    List<Evidence> evidence = ReadmeExtractor.extract("README.md", """
        ```sh
        claude mcp add x -- npx -y x-mcp
        ```
        ```json
        "mcpServers": { "x": { "command": "npx", "args": ["-y", "x-mcp@2.0.0"],
          "env": { "X_API_KEY": "sk-...", "X_MODE": "fast", "X_HOME": "" } } }
        ```
        | Name | Required | Description |
        |---|---|---|
        | `X_EXTRA` | no | extra |
        """);
    Evidence first = evidence.getFirst();
    assertThat(first.recipe()).isEqualTo(Evidence.Hint.pkg("npm", "x-mcp", "2.0.0", List.of()));
    assertThat(variable(first, "X_API_KEY").required()).isTrue();
    assertThat(variable(first, "X_MODE")).extracting(Evidence.Variable::required, Evidence.Variable::defaultValue)
        .containsExactly(null, "fast");
    assertThat(variable(first, "X_HOME").required()).isTrue();
    assertThat(variable(first, "X_EXTRA").required()).isFalse();
  }

  @Test
  void defaultsAndChoicesTakeTheVariablesType() {
    Evidence evidence = Evidence.of("server.json", Evidence.SERVER_JSON, null, List.of(
        new Evidence.Variable("TIMEOUT_MS", null, null, "number", "10000", null, null, null),
        new Evidence.Variable("RATIO", null, null, "number", "0.5", null, null, null),
        new Evidence.Variable("DRY_RUN", null, null, "boolean", "true", null, null, null)));
    JsonObject properties = Merger.merge(RepositorySnapshot.of("o", "r", "", "abc", Map.of()), List.of(evidence))
        .toJson().getJsonObject("configSchema").getJsonObject("properties");
    assertThat(properties.getJsonObject("TIMEOUT_MS").getValue("default")).isEqualTo(10000L);
    assertThat(properties.getJsonObject("RATIO").getValue("default")).isEqualTo(0.5);
    assertThat(properties.getJsonObject("DRY_RUN").getValue("default")).isEqualTo(true);
  }

  @Test
  void commandLines() {
    assertThat(CommandLines.interpret("npx -y @a/b@1.2.3 --stdio", List.of()).hint())
        .isEqualTo(Evidence.Hint.pkg("npm", "@a/b", "1.2.3", List.of("--stdio")));
    assertThat(CommandLines.interpret("uvx", List.of("--from", "pkg==1.0", "pkg")).hint())
        .isEqualTo(Evidence.Hint.pkg("pypi", "pkg", "1.0", List.of()));
    CommandLines.Interpreted docker = CommandLines.interpret("docker",
        List.of("run", "-i", "--rm", "-e", "A_TOKEN", "-e", "MODE=x", "-v", "/d:/d", "img/x:latest", "serve"));
    assertThat(docker.hint()).isEqualTo(Evidence.Hint.pkg("oci", "img/x", null, List.of("serve")));
    assertThat(docker.variables()).extracting(Evidence.Variable::name).containsExactly("A_TOKEN", "MODE");
    assertThat(CommandLines.interpret("node", List.of("/path/to/build/index.js")).hint()).isNull();
    assertThat(CommandLines.interpret("mcp-server-x", List.of("--flag")).hint().runtime()).isEqualTo("command");
  }

  @Test
  void dotenvAndDockerfile() {
    Evidence dotenv = Dotenv.template(".env.example", """
        # The API key
        SVC_KEY=
        SVC_URL=https://svc.dev # where
        # Optional: debug output
        # SVC_DEBUG=1
        """);
    assertThat(variable(dotenv, "SVC_KEY")).extracting(Evidence.Variable::required, Evidence.Variable::description)
        .containsExactly(true, "The API key");
    assertThat(variable(dotenv, "SVC_URL").defaultValue()).isEqualTo("https://svc.dev");
    assertThat(variable(dotenv, "SVC_DEBUG").required()).isFalse();
    Evidence docker = Dotenv.dockerfile("Dockerfile", "ENV NODE_ENV=production A=1 \\\n  B=\"two words\"\nENV C 3\n");
    assertThat(docker.variables()).extracting(Evidence.Variable::name).containsExactly("A", "B", "C");
    assertThat(variable(docker, "B").defaultValue()).isEqualTo("two words");
  }

  @Test
  void valuesHeuristics() {
    assertThat(List.of("API_KEY", "GITHUB_PERSONAL_ACCESS_TOKEN", "DB_PASSWORD", "CLIENT_SECRET", "DATABASE_URL",
        "SLACK_COOKIE")).allMatch(Values::looksSecret);
    assertThat(List.of("KEY_FILE", "TOKEN_URL", "CLIENT_ID", "KEYBOARD_LAYOUT", "LOG_LEVEL", "MONKEY_NAME"))
        .noneMatch(Values::looksSecret);
    assertThat(List.of("<your-key>", "${API_KEY}", "$TOKEN", "your_token_here", "xoxp-", "ghp_xxxxxxxx", "", "sk-..."))
        .allMatch(Values::isPlaceholder);
    assertThat(List.of("info", "https://api.github.com", "metric", "5")).noneMatch(Values::isPlaceholder);
    assertThat(Values.version("${VERSION}")).isNull();
    assertThat(Values.version("0.0.0")).isNull();
    assertThat(Values.version("v1.2.3")).isEqualTo("1.2.3");
    assertThat(Values.envName("X-Api-Key")).isEqualTo("X_API_KEY");
  }

  @Test
  void mergerPrefersTrustedSourcesAndWarnsOnConflicts() {
    RepositorySnapshot snapshot = RepositorySnapshot.of("o", "r", "", "abc", Map.of());
    Evidence server = Evidence.of("server.json", Evidence.SERVER_JSON, Evidence.Hint.pkg("npm", "x", null, List.of()),
        List.of(new Evidence.Variable("K", null, "from server.json", null, null, null, false, null)));
    Evidence pkg = Evidence.of("package.json", Evidence.PACKAGE, Evidence.Hint.pkg("npm", "x", "1.0.0", List.of()),
        List.of());
    Evidence readme = Evidence.of("README.md", Evidence.README, Evidence.Hint.pkg("pypi", "y", null, List.of()),
        List.of(new Evidence.Variable("K", null, "from README", null, null, null, true, null)));
    JsonObject answer = Merger.merge(snapshot, List.of(readme, pkg, server)).toJson();
    assertThat(answer.getJsonObject("recipe").getString("package")).isEqualTo("x");
    assertThat(answer.getJsonObject("recipe").getString("version")).isEqualTo("1.0.0");
    assertThat(answer.getJsonObject("sources").getJsonObject("recipe.version").getString("path")).isEqualTo("package.json");
    assertThat(answer.getJsonObject("configSchema").getJsonArray("required")).isEmpty();
    assertThat(answer.getJsonObject("configSchema").getJsonObject("properties").getJsonObject("K")
        .getString("description")).isEqualTo("from server.json");
    assertThat(answer.getJsonArray("warnings").encode()).contains("pypi y").contains("says it is required");
    assertThat(answer.getJsonObject("configSchema").getJsonObject("properties").getJsonObject("K")
        .containsKey("writeOnly")).isFalse();
    assertThat(answer.getJsonObject("sources").getJsonObject("configSchema.properties.K.writeOnly")
        .getString("rule")).contains("nothing says");
  }

  @Test
  void readmeVariablesFromOptionTablesShellSnippetsAndProse() {
    List<Evidence> evidence = ReadmeExtractor.extract("README.md", """
        | Option | Description |
        |---|---|
        | --viewport <size> | size of the page<br>*env* `ZED_VIEWPORT` |

        | Variable | Default | Description |
        |---|---|---|
        | `ZED_INDEX` / `--index` | `false` | Checks indexes. Required for running the admin tools. |

        ```sh
        export ZED_REGION="eu-1"
        docker run -i --rm -e ZED_TOKEN -e YOUR_TOKEN_HERE zed/mcp
        ```

        To silence it, set the environment variable `ZED_QUIET` to `true`.
        The words `ZED_NOT_A_SETTING` appear here without saying how it is set.
        """);
    Evidence readme = evidence.getFirst();
    assertThat(readme.variables()).extracting(Evidence.Variable::name)
        .containsExactlyInAnyOrder("ZED_VIEWPORT", "ZED_INDEX", "ZED_REGION", "ZED_TOKEN", "ZED_QUIET");
    assertThat(variable(readme, "ZED_INDEX").required()).isFalse();
    assertThat(variable(readme, "ZED_REGION").defaultValue()).isEqualTo("eu-1");
    assertThat(variable(readme, "ZED_TOKEN").required()).isNull();
  }

  @Test
  void readmeVariablesSetInOnlySomeSnippetsOrCalledOptionalAreNotRequired() {
    List<Evidence> evidence = ReadmeExtractor.extract("README.md", """
        ```json
        {"mcpServers": {"a": {"command": "npx", "args": ["-y", "a-mcp"], "env": {"A_TOKEN": "<token>", "A_SITE": "<site>"}}}}
        ```
        ```json
        {"mcpServers": {"a": {"command": "npx", "args": ["-y", "a-mcp"], "env": {"A_HEADERS": "<headers>", "A_SITE": "<site>"}}}}
        ```
        `A_SITE` is optional when you use the default site.
        """);
    Evidence readme = evidence.getFirst();
    assertThat(variable(readme, "A_TOKEN").required()).isNull();
    assertThat(variable(readme, "A_HEADERS").required()).isNull();
    assertThat(variable(readme, "A_SITE").required()).isFalse();
  }

  @Test
  void dotenvTakesAPlaceholderAsRequiredOnlyWhenItIsTheOnlyOneAndNotForTests() {
    Evidence several = Dotenv.template(".env.example", """
        B_USER_TOKEN=
        B_BOT_TOKEN=
        """);
    assertThat(several.variables()).allMatch(v -> v.required() == null);
    Evidence single = Dotenv.template(".env.example", """
        B_API_KEY=
        # Project used by the integration tests
        B_TEST_PROJECT=your_project_here
        # Required for the summary tools only
        B_MODEL_KEY=sk-...
        """);
    assertThat(variable(single, "B_API_KEY").required()).isTrue();
    assertThat(variable(single, "B_TEST_PROJECT").required()).isNull();
    assertThat(variable(single, "B_MODEL_KEY").required()).isFalse();
  }

  @Test
  void weakEvidenceDoesNotRequireAVariableWithADefaultOrATransportSetting() {
    Evidence readme = Evidence.of("README.md", Evidence.README, Evidence.Hint.pkg("npm", "c-mcp", null, List.of()),
        List.of(Evidence.Variable.named("C_HOST").with(true, "127.0.0.1"), Evidence.Variable.named("MCP_PORT").with(true, null),
            Evidence.Variable.named("C_KEY").with(true, null)));
    Evidence serverJson = Evidence.of("server.json", Evidence.SERVER_JSON, null,
        List.of(Evidence.Variable.named("C_LISTEN_PORT").with(true, null)));
    JsonObject schema = Merger.merge(RepositorySnapshot.of("c", "c", "", "0".repeat(40), Map.of()),
        List.of(readme, serverJson)).toJson().getJsonObject("configSchema");
    assertThat(schema.getJsonArray("required").getList()).containsExactlyInAnyOrder("C_KEY", "C_LISTEN_PORT");
  }

  @Test
  void aSnippetThatOnlySetsATransportPortDoesNotMakeTheTokenOptional() {
    List<Evidence> evidence = ReadmeExtractor.extract("README.md", """
        ```json
        {"servers": {"d": {"command": "docker", "args": ["run", "-i", "-e", "D_TOKEN", "ghcr.io/d/d"], "env": {"D_TOKEN": "<token>"}}}}
        ```
        ```json
        {"servers": {"d": {"command": "docker", "args": ["run", "-i", "-e", "D_CALLBACK_PORT", "ghcr.io/d/d"], "env": {"D_CALLBACK_PORT": "8085"}}}}
        ```
        """);
    assertThat(variable(evidence.getFirst(), "D_TOKEN").required()).isTrue();
  }

  @Test
  void aMapOfNamedServersWithoutAWrapperIsAClientSnippet() {
    List<Evidence> evidence = ReadmeExtractor.extract("README.md", """
        ```json
        {"vec": {"command": "uvx", "args": ["vec-mcp"], "env": {"VEC_URL": "<url>", "VEC_COLLECTION": "<name>"}}}
        ```
        ```json
        {"vec": {"command": "uvx", "args": ["vec-mcp"], "env": {"VEC_LOCAL_PATH": "<path>", "VEC_COLLECTION": "<name>"}}}
        ```
        """);
    assertThat(evidence.getFirst().recipe()).isEqualTo(Evidence.Hint.pkg("pypi", "vec-mcp", null, List.of()));
    assertThat(variable(evidence.getFirst(), "VEC_URL").required()).isNull();
    assertThat(variable(evidence.getFirst(), "VEC_LOCAL_PATH").required()).isNull();
    assertThat(variable(evidence.getFirst(), "VEC_COLLECTION").required()).isTrue();
  }

  @Test
  void environmentReadsInPythonGoAndRustCode() {
    Evidence python = CodeExtractor.extract("pkg/server.py", """
        token = os.environ["P_TOKEN"]
        limit = int(os.getenv("P_LIMIT", "25"))
        url = os.environ.get('P_URL')
        home = os.getenv("HOME")
        if not url:
            raise ValueError("P_URL must be set, "
                             "or P_SITE environment variable must be provided")
        """);
    assertThat(variable(python, "P_TOKEN").required()).isTrue();
    assertThat(variable(python, "P_LIMIT").defaultValue()).isEqualTo("25");
    assertThat(variable(python, "P_URL").required()).isTrue();
    assertThat(python.variables()).extracting(Evidence.Variable::name).doesNotContain("HOME");
    Evidence go = CodeExtractor.extract("cmd/g/main.go", "host := os.Getenv(\"G_HOST\")\nv, ok := os.LookupEnv(\"G_MODE\")");
    assertThat(go.variables()).extracting(Evidence.Variable::name).containsExactly("G_HOST", "G_MODE");
    Evidence rust = CodeExtractor.extract("src/main.rs", "let key = std::env::var(\"R_KEY\").ok();");
    assertThat(rust.variables()).extracting(Evidence.Variable::name).containsExactly("R_KEY");
    assertThat(CodeExtractor.isSource("src/tests/a.test.ts")).isFalse();
    assertThat(CodeExtractor.isSource("pkg/test_server.py")).isFalse();
  }

  @Test
  void codeThatFailsWithoutAnUpstreamHostOutweighsTheReadmeExampleValue() {
    Evidence readme = Evidence.of("README.md", Evidence.README, Evidence.Hint.pkg("pypi", "m-mcp", null, List.of()),
        List.of(Evidence.Variable.named("M_API_HOST").with(null, "https://api.example.io")));
    Evidence code = CodeExtractor.extract("m_mcp/server.py", """
        host = os.getenv(ENV_HOST)
        if not host:
            raise ValueError("M_API_HOST environment variable is required")
        """);
    JsonObject schema = Merger.merge(RepositorySnapshot.of("m", "m", "", "0".repeat(40), Map.of()),
        List.of(readme, code)).toJson().getJsonObject("configSchema");
    assertThat(schema.getJsonArray("required").getList()).containsExactly("M_API_HOST");
    assertThat(Values.isTransportSetting("M_API_HOST")).isFalse();
    assertThat(Values.isTransportSetting("FASTMCP_PORT")).isTrue();
    assertThat(Values.isTransportSetting("REDIS_PORT")).isFalse();
  }
}
