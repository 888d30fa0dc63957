package dev.catwalk.testsupport;

import io.vertx.core.json.JsonObject;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal stdio JSON-RPC peer for transport tests, run as its own process: it answers each
 * request with {@code {"method": …, "params": …, "env": …}}, and misbehaves on demand:
 * {@code exit} ends the process with {@code params.code} without answering, {@code garbage} writes
 * a non-JSON line first, {@code stderr} writes {@code params.text} to stderr, {@code spawn} starts
 * a long-lived child process and answers with its pid, {@code cwd} answers with the working directory,
 * {@code silent} never answers, {@code later} answers and {@code params.millis} ms later sends the
 * notification {@code notifications/later} with {@code params.text}.
 *
 * <p>A slow tool, step by step: {@code tools/call} of the tool {@code stepped} sends progress 1 for
 * its {@code _meta.progressToken} and holds the request; each {@code notifications/step} from the
 * client then sends the next progress, and one with {@code params.answer = true} also answers the
 * held request with {@code {"steps": n}}.
 */
public final class ScriptedStdioServer {

  private ScriptedStdioServer() {
  }

  /** Environment variable naming a file the server writes its process id to when it starts. */
  public static final String PID_FILE_ENV = "SCRIPTED_PID_FILE";

  public static void main(String[] args) throws Exception {
    String pidFile = System.getenv(PID_FILE_ENV);
    if (pidFile != null) {
      java.nio.file.Files.writeString(Path.of(pidFile), String.valueOf(ProcessHandle.current().pid()));
    }
    PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    JsonObject held = null;
    int steps = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      JsonObject request = new JsonObject(line);
      String method = request.getString("method", "");
      JsonObject params = request.getJsonObject("params", new JsonObject());
      JsonObject result = new JsonObject().put("method", method).put("params", params);
      switch (method) {
        case "exit" -> {
          out.flush();
          System.exit(params.getInteger("code", 0));
        }
        case "garbage" -> out.println("this is not json {");
        case "stderr" -> System.err.println(params.getString("text"));
        case "spawn" -> result.put("pid", new ProcessBuilder("sleep", "300").start().pid());
        case "cwd" -> result.put("cwd", Path.of("").toAbsolutePath().toString());
        case "env" -> result.put("value", System.getenv(params.getString("name")));
        case "silent" -> {
          continue;
        }
        case "later" -> {
          answer(out, request, result);
          Thread.sleep(params.getLong("millis", 0L));
          out.println(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/later")
              .put("params", new JsonObject().put("text", params.getString("text"))).encode());
          out.flush();
          continue;
        }
        case "tools/call" -> {
          if ("stepped".equals(params.getString("name"))) {
            held = request;
            steps = 1;
            progress(out, held, steps);
            continue;
          }
        }
        case "notifications/step" -> {
          if (held != null) {
            progress(out, held, ++steps);
            if (params.getBoolean("answer", false)) {
              answer(out, held, new JsonObject().put("steps", steps));
              held = null;
            }
          }
          continue;
        }
        default -> { }
      }
      if (request.containsKey("id")) {
        answer(out, request, result);
      }
    }
  }

  private static void answer(PrintStream out, JsonObject request, JsonObject result) {
    out.println(new JsonObject().put("jsonrpc", "2.0").put("id", request.getValue("id")).put("result", result).encode());
    out.flush();
  }

  private static void progress(PrintStream out, JsonObject request, int progress) {
    Object token = request.getJsonObject("params").getJsonObject("_meta", new JsonObject()).getValue("progressToken");
    out.println(new JsonObject().put("jsonrpc", "2.0").put("method", "notifications/progress")
        .put("params", new JsonObject().put("progressToken", token).put("progress", progress)).encode());
    out.flush();
  }

  /** The command line that runs this class in a new JVM with the test class path. */
  public static List<String> command() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xshare:auto");
    command.add("-XX:TieredStopAtLevel=1");
    command.add("-cp");
    command.add(System.getProperty("java.class.path"));
    command.add(ScriptedStdioServer.class.getName());
    return command;
  }
}
