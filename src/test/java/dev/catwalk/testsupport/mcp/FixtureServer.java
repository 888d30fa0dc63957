package dev.catwalk.testsupport.mcp;

import io.modelcontextprotocol.json.McpJsonDefaults;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.server.McpServer;
import io.modelcontextprotocol.server.McpServerFeatures.SyncCompletionSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncPromptSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncResourceTemplateSpecification;
import io.modelcontextprotocol.server.McpServerFeatures.SyncToolSpecification;
import io.modelcontextprotocol.server.McpSyncServer;
import io.modelcontextprotocol.server.McpSyncServerExchange;
import io.modelcontextprotocol.server.transport.StdioServerTransportProvider;
import io.modelcontextprotocol.spec.McpSchema.AudioContent;
import io.modelcontextprotocol.spec.McpSchema.BlobResourceContents;
import io.modelcontextprotocol.spec.McpSchema.CallToolRequest;
import io.modelcontextprotocol.spec.McpSchema.CallToolResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult;
import io.modelcontextprotocol.spec.McpSchema.CompleteResult.CompleteCompletion;
import io.modelcontextprotocol.spec.McpSchema.Content;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitFormRequest;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.EmbeddedResource;
import io.modelcontextprotocol.spec.McpSchema.GetPromptResult;
import io.modelcontextprotocol.spec.McpSchema.ImageContent;
import io.modelcontextprotocol.spec.McpSchema.LoggingLevel;
import io.modelcontextprotocol.spec.McpSchema.LoggingMessageNotification;
import io.modelcontextprotocol.spec.McpSchema.ProgressNotification;
import io.modelcontextprotocol.spec.McpSchema.Prompt;
import io.modelcontextprotocol.spec.McpSchema.PromptArgument;
import io.modelcontextprotocol.spec.McpSchema.PromptMessage;
import io.modelcontextprotocol.spec.McpSchema.PromptReference;
import io.modelcontextprotocol.spec.McpSchema.ReadResourceResult;
import io.modelcontextprotocol.spec.McpSchema.Resource;
import io.modelcontextprotocol.spec.McpSchema.ResourceContents;
import io.modelcontextprotocol.spec.McpSchema.ResourceTemplate;
import io.modelcontextprotocol.spec.McpSchema.ResourcesUpdatedNotification;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.SamplingMessage;
import io.modelcontextprotocol.spec.McpSchema.ServerCapabilities;
import io.modelcontextprotocol.spec.McpSchema.TextContent;
import io.modelcontextprotocol.spec.McpSchema.TextResourceContents;
import io.modelcontextprotocol.spec.McpSchema.Tool;

import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real MCP server over stdio, built with the official MCP Java SDK, for gateway and relay tests.
 * Run it as its own JVM with {@link FixtureCommand#command()}.
 *
 * <p>It offers what the MCP conformance suite's "everything" server offers (the {@code test_*} tools,
 * the {@code test://} resources and the {@code test_*} prompts, with the same texts), plus tools for
 * gateway tests: {@code echo{message}}, {@code get_env{name}} (the variable's value or
 * {@code (unset)}), {@code slow{millis}} (sleeps, then "done"), {@code exit{code}} (ends the process
 * with that code without answering) and {@code garbage} (writes a non-JSON line to stdout, then
 * answers normally).
 *
 * <p>Only JSON-RPC lines reach stdout: the real stdout is handed to the SDK transport and
 * {@code System.out} is pointed at stderr before anything can log. The process exits when stdin
 * closes. Subscribers to {@code test://watched-resource} get a {@code notifications/resources/updated}
 * every {@code FIXTURE_WATCH_INTERVAL_MS} milliseconds (default 3000).
 */
public final class FixtureServer {

  static final String NAME = "catwalk-fixture-server";
  static final String VERSION = "1.0.0";

  /** A 1x1 red PNG, the conformance suite's test image. */
  static final String TEST_IMAGE_BASE64 =
      "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";
  /** A minimal WAV file, the conformance suite's test audio. */
  static final String TEST_AUDIO_BASE64 = "UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=";

  static final String STATIC_TEXT = "This is the content of the static text resource.";
  static final String WATCHED_URI = "test://watched-resource";
  static final String GARBAGE_LINE = "this is not json {";

  private static CallToolResult elicit(McpSyncServerExchange exchange, String message, Map<String, Object> properties) {
    ElicitResult answer = exchange.createElicitation(ElicitFormRequest.builder(message,
        Map.of("type", "object", "properties", properties)).build());
    String content = toJson(answer.content() == null ? Map.of() : answer.content());
    return text("Elicitation completed: action=" + answer.action().name().toLowerCase() + ", content=" + content);
  }

  private static final Pattern TEMPLATE_URI = Pattern.compile("^test://template/([^/]+)/data$");
  private static final Map<String, List<String>> COMPLETIONS = Map.of(
      "arg1", List.of("alpha", "apple", "apricot", "banana"),
      "arg2", List.of("red", "green", "blue"));

  private FixtureServer() {
  }

  public static void main(String[] args) throws Exception {
    // The protocol owns the real stdout; everything else that prints (logback's console appender
    // included) goes to stderr.
    LineAtomicOutputStream protocolOut = new LineAtomicOutputStream(new FileOutputStream(FileDescriptor.out));
    System.setOut(new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8));

    CountDownLatch stdinClosed = new CountDownLatch(1);
    InputStream protocolIn = new FilterInputStream(new FileInputStream(FileDescriptor.in)) {
      @Override
      public int read() throws IOException {
        int b = super.read();
        if (b < 0) {
          stdinClosed.countDown();
        }
        return b;
      }

      @Override
      public int read(byte[] buffer, int offset, int length) throws IOException {
        int n = super.read(buffer, offset, length);
        if (n < 0) {
          stdinClosed.countDown();
        }
        return n;
      }
    };

    McpJsonMapper json = McpJsonDefaults.getMapper();
    StdioServerTransportProvider transport = new StdioServerTransportProvider(json, protocolIn, protocolOut);
    McpSyncServer server = McpServer.sync(transport)
        .serverInfo(NAME, VERSION)
        .capabilities(ServerCapabilities.builder()
            .tools(true)
            .resources(true, true)
            .prompts(true)
            .logging()
            .completions()
            .build())
        .tools(tools(protocolOut))
        .resources(resources())
        .resourceTemplates(resourceTemplates())
        .prompts(prompts())
        .completions(completions())
        .build();

    long watchInterval = longEnv("FIXTURE_WATCH_INTERVAL_MS", 3000);
    ScheduledExecutorService watcher = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "fixture-watched-resource");
      thread.setDaemon(true);
      return thread;
    });
    // The SDK sends this only to sessions that subscribed to the URI.
    watcher.scheduleAtFixedRate(() -> {
      try {
        server.notifyResourcesUpdated(new ResourcesUpdatedNotification(WATCHED_URI));
      } catch (RuntimeException e) {
        System.err.println("fixture: resource update failed: " + e);
      }
    }, watchInterval, watchInterval, TimeUnit.MILLISECONDS);

    System.err.println("fixture: " + NAME + " ready on stdio");
    stdinClosed.await();
    System.err.println("fixture: stdin closed, exiting");
    // Give answers already in flight a moment to be written.
    Thread.sleep(100);
    System.exit(0);
  }

  // ---------------------------------------------------------------- tools

  static List<SyncToolSpecification> tools(LineAtomicOutputStream protocolOut) {
    List<SyncToolSpecification> tools = new ArrayList<>();

    tools.add(tool("test_simple_text", "Tests simple text content response", noArgs(),
        (exchange, request) -> text("This is a simple text response for testing.")));
    tools.add(tool("test_image_content", "Tests image content response", noArgs(),
        (exchange, request) -> result(ImageContent.builder(TEST_IMAGE_BASE64, "image/png").build())));
    tools.add(tool("test_audio_content", "Tests audio content response", noArgs(),
        (exchange, request) -> result(AudioContent.builder(TEST_AUDIO_BASE64, "audio/wav").build())));
    tools.add(tool("test_embedded_resource", "Tests embedded resource content response", noArgs(),
        (exchange, request) -> result(embedded(textResource("test://embedded-resource", "text/plain",
            "This is an embedded resource content.")))));
    tools.add(tool("test_multiple_content_types",
        "Tests response with multiple content types (text, image, resource)", noArgs(),
        (exchange, request) -> result(
            content("Multiple content types test:"),
            ImageContent.builder(TEST_IMAGE_BASE64, "image/png").build(),
            embedded(textResource("test://mixed-content-resource", "application/json",
                "{\"test\":\"data\",\"value\":123}")))));
    tools.add(tool("test_tool_with_logging", "Tests tool that emits log messages during execution", noArgs(),
        (exchange, request) -> {
          log(exchange, "Tool execution started");
          sleep(50);
          log(exchange, "Tool processing data");
          sleep(50);
          log(exchange, "Tool execution completed");
          return text("Tool with logging executed successfully");
        }));
    tools.add(tool("test_tool_with_progress", "Tests tool that reports progress notifications", noArgs(),
        (exchange, request) -> {
          Object token = request.progressToken();
          if (token != null) {
            for (int progress : new int[] {0, 50, 100}) {
              exchange.progressNotification(ProgressNotification.builder(token, progress)
                  .total(100.0)
                  .message("Completed step " + progress + " of 100")
                  .build());
              if (progress < 100) {
                sleep(50);
              }
            }
          }
          return text(String.valueOf(token));
        }));
    tools.add(tool("test_error_handling", "Tests error response handling", noArgs(),
        (exchange, request) -> CallToolResult.builder()
            .addTextContent("This tool intentionally returns an error for testing")
            .isError(true)
            .build()));
    tools.add(tool("test_sampling", "Tests server-initiated sampling (LLM completion request)",
        stringArgs(Map.of("prompt", "The prompt to send to the LLM")),
        (exchange, request) -> {
          String prompt = stringArg(request, "prompt");
          CreateMessageResult answer = exchange.createMessage(CreateMessageRequest.builder(
              List.of(new SamplingMessage(Role.USER, content(prompt))), 100).build());
          String modelText = answer.content() instanceof TextContent t ? t.text() : "No response";
          return text("LLM response: " + modelText);
        }));
    tools.add(tool("test_elicitation", "Tests server-initiated elicitation (user input request)",
        stringArgs(Map.of("message", "The message to show the user")),
        (exchange, request) -> {
          Map<String, Object> schema = new LinkedHashMap<>();
          schema.put("type", "object");
          schema.put("properties", Map.of("response", Map.of("type", "string", "description", "User's response")));
          schema.put("required", List.of("response"));
          ElicitResult answer = exchange.createElicitation(
              ElicitFormRequest.builder(stringArg(request, "message"), schema).build());
          String content = toJson(answer.content() == null ? Map.of() : answer.content());
          return text("User response: action=" + answer.action().name().toLowerCase() + ", content=" + content);
        }));

    tools.add(tool("test_elicitation_sep1034_defaults", "Tests elicitation with default values (SEP-1034)",
        stringArgs(Map.of()),
        (exchange, request) -> elicit(exchange, "Please review and update the form fields with defaults", Map.of(
            "name", Map.of("type", "string", "description", "User name", "default", "John Doe"),
            "age", Map.of("type", "integer", "description", "User age", "default", 30),
            "score", Map.of("type", "number", "description", "User score", "default", 95.5),
            "status", Map.of("type", "string", "description", "User status",
                "enum", List.of("active", "inactive", "pending"), "default", "active"),
            "verified", Map.of("type", "boolean", "description", "Verification status", "default", true)))));
    tools.add(tool("test_elicitation_sep1330_enums", "Tests elicitation with the five enum schema forms (SEP-1330)",
        stringArgs(Map.of()),
        (exchange, request) -> elicit(exchange, "Please select options from the enum fields", Map.of(
            "untitledSingle", Map.of("type", "string", "description", "Select one option",
                "enum", List.of("option1", "option2", "option3")),
            "titledSingle", Map.of("type", "string", "description", "Select one option with titles",
                "oneOf", List.of(Map.of("const", "value1", "title", "First Option"),
                    Map.of("const", "value2", "title", "Second Option"),
                    Map.of("const", "value3", "title", "Third Option"))),
            "legacyEnum", Map.of("type", "string", "description", "Select one option (legacy)",
                "enum", List.of("opt1", "opt2", "opt3"),
                "enumNames", List.of("Option One", "Option Two", "Option Three")),
            "untitledMulti", Map.of("type", "array", "description", "Select multiple options",
                "items", Map.of("type", "string", "enum", List.of("option1", "option2", "option3"))),
            "titledMulti", Map.of("type", "array", "description", "Select multiple options with titles",
                "items", Map.of("anyOf", List.of(Map.of("const", "value1", "title", "First Choice"),
                    Map.of("const", "value2", "title", "Second Choice"),
                    Map.of("const", "value3", "title", "Third Choice"))))))));

    tools.add(tool("echo", "Echoes the message back", stringArgs(Map.of("message", "Text to echo")),
        (exchange, request) -> text(stringArg(request, "message"))));
    tools.add(tool("get_env", "Returns the value of an environment variable, or (unset)",
        stringArgs(Map.of("name", "Name of the environment variable")),
        (exchange, request) -> {
          String value = System.getenv(stringArg(request, "name"));
          return text(value == null ? "(unset)" : value);
        }));
    tools.add(tool("log_to_stderr", "Writes the message as a line to the server's stderr (its log)",
        stringArgs(Map.of("message", "Line to write")),
        (exchange, request) -> {
          System.err.println(stringArg(request, "message"));
          return text("logged");
        }));
    tools.add(tool("slow", "Sleeps for the given milliseconds, then answers \"done\"",
        intArg("millis", "How long to sleep, in milliseconds"),
        (exchange, request) -> {
          sleep(((Number) request.arguments().get("millis")).longValue());
          return text("done");
        }));
    tools.add(tool("exit", "Terminates the server process with the given exit code, without answering",
        intArg("code", "Process exit code"),
        (exchange, request) -> {
          int code = ((Number) request.arguments().get("code")).intValue();
          System.err.println("fixture: exiting with code " + code + " as asked");
          Runtime.getRuntime().halt(code);
          throw new IllegalStateException("unreachable");
        }));
    tools.add(tool("garbage", "Writes a non-JSON line to stdout, then answers normally", noArgs(),
        (exchange, request) -> {
          protocolOut.writeRawLine(GARBAGE_LINE);
          return text("garbage written");
        }));
    return tools;
  }

  private static SyncToolSpecification tool(String name, String description, Map<String, Object> inputSchema,
      java.util.function.BiFunction<McpSyncServerExchange, CallToolRequest, CallToolResult> handler) {
    return SyncToolSpecification.builder()
        .tool(Tool.builder(name, inputSchema).description(description).build())
        .callHandler(handler)
        .build();
  }

  private static Map<String, Object> noArgs() {
    return Map.of("type", "object", "properties", Map.of());
  }

  private static Map<String, Object> stringArgs(Map<String, String> descriptions) {
    Map<String, Object> properties = new LinkedHashMap<>();
    descriptions.forEach((name, description) ->
        properties.put(name, Map.of("type", "string", "description", description)));
    return Map.of("type", "object", "properties", properties, "required", List.copyOf(descriptions.keySet()));
  }

  private static Map<String, Object> intArg(String name, String description) {
    return Map.of("type", "object", "properties", Map.of(name, Map.of("type", "integer", "description", description)),
        "required", List.of(name));
  }

  private static String stringArg(CallToolRequest request, String name) {
    Object value = request.arguments() == null ? null : request.arguments().get(name);
    return value == null ? "" : value.toString();
  }

  private static CallToolResult text(String text) {
    return result(content(text));
  }

  private static TextContent content(String text) {
    return TextContent.builder(text).build();
  }

  private static TextResourceContents textResource(String uri, String mimeType, String text) {
    return TextResourceContents.builder(uri, text).mimeType(mimeType).build();
  }

  private static EmbeddedResource embedded(TextResourceContents resource) {
    return EmbeddedResource.builder(resource).build();
  }

  private static ReadResourceResult read(ResourceContents contents) {
    return ReadResourceResult.builder(List.of(contents)).build();
  }

  private static CallToolResult result(Content... content) {
    return CallToolResult.builder().content(List.of(content)).isError(false).build();
  }

  private static void log(McpSyncServerExchange exchange, String message) {
    exchange.loggingNotification(LoggingMessageNotification.builder(LoggingLevel.INFO, message)
        .logger("conformance-test-server")
        .build());
  }

  // ---------------------------------------------------------------- resources

  static List<SyncResourceSpecification> resources() {
    return List.of(
        new SyncResourceSpecification(
            Resource.builder("test://static-text", "static-text").title("Static Text Resource")
                .description("A static text resource for testing").mimeType("text/plain").build(),
            (exchange, request) -> read(textResource("test://static-text", "text/plain", STATIC_TEXT))),
        new SyncResourceSpecification(
            Resource.builder("test://static-binary", "static-binary").title("Static Binary Resource")
                .description("A static binary resource (image) for testing").mimeType("image/png").build(),
            (exchange, request) -> read(BlobResourceContents.builder("test://static-binary", TEST_IMAGE_BASE64)
                .mimeType("image/png").build())),
        new SyncResourceSpecification(
            Resource.builder(WATCHED_URI, "watched-resource").title("Watched Resource")
                .description("A resource that subscribers hear about periodically").mimeType("text/plain").build(),
            (exchange, request) -> read(textResource(WATCHED_URI, "text/plain", "Watched resource content"))));
  }

  static List<SyncResourceTemplateSpecification> resourceTemplates() {
    return List.of(new SyncResourceTemplateSpecification(
        ResourceTemplate.builder("test://template/{id}/data", "template")
            .title("Resource Template").description("A resource template with parameter substitution")
            .mimeType("application/json").build(),
        (exchange, request) -> {
          Matcher matcher = TEMPLATE_URI.matcher(request.uri());
          String id = matcher.matches() ? matcher.group(1) : "";
          Map<String, Object> data = new LinkedHashMap<>();
          data.put("id", id);
          data.put("templateTest", true);
          data.put("data", "Data for ID: " + id);
          return read(textResource(request.uri(), "application/json", toJson(data)));
        }));
  }

  // ---------------------------------------------------------------- prompts

  static List<SyncPromptSpecification> prompts() {
    return List.of(
        new SyncPromptSpecification(
            prompt("test_simple_prompt", "Simple Test Prompt", "A simple prompt without arguments"),
            (exchange, request) -> promptResult(
                new PromptMessage(Role.USER, content("This is a simple prompt for testing.")))),
        new SyncPromptSpecification(
            prompt("test_prompt_with_arguments", "Prompt With Arguments", "A prompt with required arguments",
                required("arg1", "First test argument"), required("arg2", "Second test argument")),
            (exchange, request) -> promptResult(new PromptMessage(Role.USER, content(
                "Prompt with arguments: arg1='" + request.arguments().get("arg1")
                    + "', arg2='" + request.arguments().get("arg2") + "'")))),
        new SyncPromptSpecification(
            prompt("test_prompt_with_embedded_resource", "Prompt With Embedded Resource",
                "A prompt that includes an embedded resource", required("resourceUri", "URI of the resource to embed")),
            (exchange, request) -> promptResult(
                new PromptMessage(Role.USER, embedded(textResource(
                    String.valueOf(request.arguments().get("resourceUri")), "text/plain",
                    "Embedded resource content for testing."))),
                new PromptMessage(Role.USER, content("Please process the embedded resource above.")))),
        new SyncPromptSpecification(
            prompt("test_prompt_with_image", "Prompt With Image", "A prompt that includes image content"),
            (exchange, request) -> promptResult(
                new PromptMessage(Role.USER, ImageContent.builder(TEST_IMAGE_BASE64, "image/png").build()),
                new PromptMessage(Role.USER, content("Please analyze the image above.")))));
  }

  private static Prompt prompt(String name, String title, String description, PromptArgument... arguments) {
    return Prompt.builder(name).title(title).description(description).arguments(List.of(arguments)).build();
  }

  private static PromptArgument required(String name, String description) {
    return PromptArgument.builder(name).description(description).required(true).build();
  }

  private static GetPromptResult promptResult(PromptMessage... messages) {
    return GetPromptResult.builder(List.of(messages)).build();
  }

  static List<SyncCompletionSpecification> completions() {
    return List.of(new SyncCompletionSpecification(new PromptReference("test_prompt_with_arguments"),
        (exchange, request) -> {
          String prefix = request.argument().value() == null ? "" : request.argument().value();
          List<String> values = COMPLETIONS.getOrDefault(request.argument().name(), List.of()).stream()
              .filter(value -> value.startsWith(prefix))
              .toList();
          return new CompleteResult(new CompleteCompletion(values, values.size(), false));
        }));
  }

  // ---------------------------------------------------------------- helpers

  private static String toJson(Object value) {
    try {
      return McpJsonDefaults.getMapper().writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static long longEnv(String name, long fallback) {
    String value = System.getenv(name);
    try {
      return value == null || value.isBlank() ? fallback : Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return fallback;
    }
  }

  /**
   * Stdout for the SDK transport that emits whole lines only, under one lock, so a raw line written
   * by {@link #writeRawLine} can never land inside a JSON-RPC message (the transport writes the
   * message and its newline in separate calls).
   */
  static final class LineAtomicOutputStream extends OutputStream {
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    LineAtomicOutputStream(OutputStream out) {
      this.out = out;
    }

    @Override
    public synchronized void write(int b) throws IOException {
      pending.write(b);
      if (b == '\n') {
        pending.writeTo(out);
        pending.reset();
        out.flush();
      }
    }

    @Override
    public synchronized void write(byte[] bytes, int offset, int length) throws IOException {
      for (int i = offset; i < offset + length; i++) {
        write(bytes[i]);
      }
    }

    @Override
    public synchronized void flush() throws IOException {
      out.flush();
    }

    @Override
    public synchronized void close() throws IOException {
      flush();
      out.close();
    }

    synchronized void writeRawLine(String line) {
      try {
        out.write((line + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
  }
}
