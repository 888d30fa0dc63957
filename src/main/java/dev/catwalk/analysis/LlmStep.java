package dev.catwalk.analysis;

import dev.catwalk.error.ApiException;
import dev.catwalk.error.BadGatewayException;
import dev.catwalk.deploy.Recipe;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.json.schema.Draft;
import io.vertx.json.schema.JsonSchema;
import io.vertx.json.schema.JsonSchemaOptions;
import io.vertx.json.schema.OutputUnit;
import io.vertx.json.schema.Validator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The optional LLM step of an analysis: when a model and an API key are configured and the
 * deterministic answer has gaps (no recipe, variables without a description, no variables), it
 * sends a compact digest of what was found to an OpenAI-compatible {@code /chat/completions}
 * endpoint and asks for JSON matching {@link #ANSWER_SCHEMA}. The answer only fills empty fields,
 * never overrides what the files say, and is marked {@code {"llm": model}} in {@code sources}.
 * Timeouts, HTTP errors and answers that are not valid JSON against the schema leave the
 * deterministic answer as it is, with a warning.
 */
public final class LlmStep {

  /**
   * Where and how to ask.
   *
   * @param baseUrl base URL of the API (ending before {@code /chat/completions})
   * @param model   model name
   * @param timeout for the whole request
   */
  public record Options(String baseUrl, String model, Duration timeout) {
  }

  /** The JSON Schema the model's answer must match. */
  public static final JsonObject ANSWER_SCHEMA = new JsonObject("""
      {"type": "object", "additionalProperties": false, "required": ["recipe", "variables"],
       "properties": {
         "recipe": {"type": ["object", "null"], "additionalProperties": false, "required": ["runtime"],
           "properties": {
             "runtime": {"enum": ["npm", "pypi", "oci", "command", "remote"]},
             "package": {"type": ["string", "null"], "maxLength": 214},
             "version": {"type": ["string", "null"], "maxLength": 64},
             "command": {"type": ["string", "null"], "maxLength": 200},
             "args": {"type": "array", "maxItems": 32, "items": {"type": "string", "maxLength": 500}},
             "url": {"type": ["string", "null"], "maxLength": 2000}}},
         "variables": {"type": "array", "maxItems": 64, "items": {"type": "object", "additionalProperties": false,
           "required": ["name", "description"],
           "properties": {
             "name": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]{0,127}$"},
             "description": {"type": "string", "maxLength": 500},
             "required": {"type": "boolean"},
             "secret": {"type": "boolean"}}}}}}
      """);

  private static final Logger LOG = LoggerFactory.getLogger(LlmStep.class);
  private static final int README_EXCERPT = 6000;
  private static final Validator VALIDATOR = Validator.create(JsonSchema.of(ANSWER_SCHEMA),
      new JsonSchemaOptions().setDraft(Draft.DRAFT202012).setBaseUri("https://catwalk.invalid/llm-answer"));

  private final WebClient client;
  private final Options options;

  /** A step sending through {@code client}. */
  public LlmStep(WebClient client, Options options) {
    this.client = client;
    this.options = options;
  }

  /** Whether {@code analysis} has gaps the LLM may fill. */
  public static boolean hasGaps(Analysis analysis) {
    return analysis.recipe == null || analysis.variables.isEmpty()
        || analysis.variables.values().stream().anyMatch(f -> f.description == null);
  }

  /** Fills the gaps of {@code analysis} with the model's answer; never fails (failures become warnings). */
  public Future<Analysis> complete(Analysis analysis, String apiKey) {
    if (!hasGaps(analysis)) {
      return Future.succeededFuture(analysis);
    }
    JsonObject request = new JsonObject()
        .put("model", options.model())
        .put("temperature", 0)
        .put("messages", new JsonArray()
            .add(new JsonObject().put("role", "system").put("content", SYSTEM_PROMPT))
            .add(new JsonObject().put("role", "user").put("content", digest(analysis).encode())))
        .put("response_format", new JsonObject().put("type", "json_schema").put("json_schema", new JsonObject()
            .put("name", "catwalk_analysis").put("strict", false).put("schema", ANSWER_SCHEMA)));
    return client.postAbs(options.baseUrl() + "/chat/completions")
        .putHeader("Authorization", "Bearer " + apiKey)
        .putHeader("Content-Type", "application/json")
        .timeout(options.timeout().toMillis())
        .sendBuffer(request.toBuffer())
        .map(this::answer)
        .map(answer -> apply(analysis, answer))
        .recover(e -> degrade(analysis, e));
  }

  private static final String SYSTEM_PROMPT = "You complete the analysis of an MCP server repository. You get what"
      + " its metadata files said (recipe: how to run it; variables: its environment variables) and an excerpt of its"
      + " README. Fill only what is missing: a recipe when there is none (runtime npm, pypi, oci, command or remote;"
      + " only a package that is published, never a local path), a description for variables that have none, and"
      + " variables only when none were found. Never invent values. Answer with JSON matching the given schema.";

  private JsonObject digest(Analysis analysis) {
    JsonArray variables = new JsonArray();
    analysis.variables.values().forEach(field -> variables.add(new JsonObject().put("name", field.name)
        .put("description", field.description).put("required", field.required).put("secret", field.secret)));
    Map.Entry<String, String> readme = analysis.snapshot.first(List.of("README.md", "README.markdown", "README"));
    String excerpt = readme == null ? null : readme.getValue().length() > README_EXCERPT
        ? readme.getValue().substring(0, README_EXCERPT) : readme.getValue();
    return new JsonObject()
        .put("repository", analysis.snapshot.owner() + "/" + analysis.snapshot.repo())
        .put("subfolder", analysis.snapshot.subdir())
        .put("files", new JsonArray(List.copyOf(analysis.snapshot.files().keySet())))
        .put("recipe", analysis.recipe == null ? null : analysis.recipe.identity())
        .put("variables", variables)
        .put("readmeExcerpt", excerpt);
  }

  private JsonObject answer(HttpResponse<Buffer> response) {
    if (response.statusCode() != 200) {
      throw new BadGatewayException("the LLM API answered " + response.statusCode());
    }
    JsonObject body = response.bodyAsJsonObject();
    String content = body.getJsonArray("choices").getJsonObject(0).getJsonObject("message").getString("content");
    String json = content.strip().replaceAll("^```(?:json)?\\s*|\\s*```$", "");
    JsonObject answer = new JsonObject(json);
    OutputUnit result = VALIDATOR.validate(answer);
    if (!Boolean.TRUE.equals(result.getValid())) {
      throw new BadGatewayException("the LLM's answer does not match the answer schema");
    }
    return answer;
  }

  private Analysis apply(Analysis analysis, JsonObject answer) {
    JsonObject llm = new JsonObject().put("llm", options.model());
    JsonObject recipe = answer.getJsonObject("recipe");
    if (analysis.recipe == null && recipe != null) {
      applyRecipe(analysis, recipe, llm);
    }
    boolean noneFound = analysis.variables.isEmpty();
    for (Object item : answer.getJsonArray("variables")) {
      JsonObject offered = (JsonObject) item;
      Analysis.Field field = analysis.variables.get(offered.getString("name"));
      if (field == null && noneFound) {
        field = new Analysis.Field(offered.getString("name"));
        field.required = offered.getBoolean("required", false);
        field.secret = offered.getBoolean("secret", ExtractionHeuristics.looksSecret(field.name));
        field.sources.put("name", llm);
        field.sources.put("required", llm);
        field.sources.put("writeOnly", llm);
        analysis.variables.put(field.name, field);
      }
      if (field != null && field.description == null) {
        field.description = offered.getString("description");
        field.sources.put("description", llm);
      }
    }
    return analysis;
  }

  private void applyRecipe(Analysis analysis, JsonObject recipe, JsonObject llm) {
    Evidence.Hint hint = new Evidence.Hint(recipe.getString("runtime"), recipe.getString("package"),
        ExtractionHeuristics.version(recipe.getString("version")), recipe.getString("command"),
        recipe.getJsonArray("args", new JsonArray()).stream().map(String::valueOf).toList(),
        recipe.getString("runtime").equals("remote") ? "streamable-http" : "stdio", recipe.getString("url"), null);
    try {
      JsonObject probe = new JsonObject().put("runtime", hint.runtime()).put("package", hint.packageName())
          .put("version", hint.version()).put("command", hint.command()).put("url", hint.url())
          .put("args", new JsonArray(hint.args()));
      probe.fieldNames().removeIf(name -> probe.getValue(name) == null);
      Recipe.fromJson(probe);
    } catch (ApiException e) {
      analysis.warnings.add("the LLM proposed a recipe the Deployments API would refuse; not used");
      return;
    }
    analysis.recipe = hint;
    for (String field : List.of("runtime", "package", "version", "command", "args", "transport", "url")) {
      analysis.recipeSources.put(field, llm);
    }
  }

  private Future<Analysis> degrade(Analysis analysis, Throwable failure) {
    String why = failure instanceof ApiException http ? http.getMessage()
        : String.valueOf(failure.getMessage()).toLowerCase(java.util.Locale.ROOT).contains("timeout")
        ? "no answer within " + options.timeout().toSeconds() + " s" : "its answer could not be used";
    LOG.warn("analysis LLM step failed: {}", why);
    analysis.warnings.add("the LLM step failed (" + why + "); the answer comes from the repository's files only");
    return Future.succeededFuture(analysis);
  }
}
