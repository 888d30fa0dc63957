package dev.catwalk.analysis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What one file says about how to run the server and what it needs, before merging.
 *
 * @param path      the file, relative to the analyzed folder
 * @param trust     rank in the trust order (lower is more trusted); see {@link #SERVER_JSON} and on
 * @param recipe    how to run the server according to this file, or null
 * @param variables configuration variables the file names
 * @param warnings  what the file says that could not be used
 */
public record Evidence(String path, int trust, Hint recipe, List<Variable> variables, List<String> warnings) {

  /** MCP Registry {@code server.json}. */
  public static final int SERVER_JSON = 1;
  /** MCP Bundle {@code manifest.json}. */
  public static final int MCPB = 2;
  /** {@code smithery.yaml}. */
  public static final int SMITHERY = 3;
  /** {@code package.json} and {@code pyproject.toml}. */
  public static final int PACKAGE = 4;
  /** README client configuration snippets. */
  public static final int README = 5;
  /** dotenv templates. */
  public static final int DOTENV = 6;
  /** {@code Dockerfile}. */
  public static final int DOCKERFILE = 7;
  /** Environment reads in the server's source code. */
  public static final int CODE = 8;

  public Evidence {
    variables = List.copyOf(variables);
    warnings = List.copyOf(warnings);
  }

  /** Evidence with a recipe and variables, no warnings. */
  public static Evidence of(String path, int trust, Hint recipe, List<Variable> variables) {
    return new Evidence(path, trust, recipe, variables, new ArrayList<>());
  }

  /**
   * How to run the server, as far as one file says ({@code null} fields are unknown).
   *
   * @param runtime     npm, pypi, oci, command or remote
   * @param packageName npm or PyPI name, or image reference without tag
   * @param version     package version or image tag
   * @param command     the program for the {@code command} runtime
   * @param args        arguments after the package (or command)
   * @param transport   stdio, streamable-http or sse
   * @param url         the URL of a remote server
   * @param headers     headers of a remote server; values may name variables as {@code ${NAME}}
   */
  public record Hint(String runtime, String packageName, String version, String command, List<String> args,
                     String transport, String url, Map<String, String> headers) {
    public Hint {
      args = args == null ? List.of() : List.copyOf(args);
      headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
    }

    /** A package hint. */
    public static Hint pkg(String runtime, String packageName, String version, List<String> args) {
      return new Hint(runtime, packageName, version, null, args, "stdio", null, null);
    }

    /** This hint at another version. */
    public Hint withVersion(String otherVersion) {
      return new Hint(runtime, packageName, otherVersion, command, args, transport, url, headers);
    }

    /** What the hint runs, for comparing sources: runtime and package (or command, or URL). */
    public String identity() {
      String what = switch (runtime) {
        case "remote" -> url;
        case "command" -> command + (packageName == null ? "" : " " + packageName);
        default -> packageName;
      };
      return runtime + " " + what;
    }
  }

  /**
   * A configuration variable as one file describes it ({@code null} fields are unknown).
   *
   * @param name         environment variable name
   * @param title        short label
   * @param description  what it is
   * @param type         JSON Schema type (string, number, integer, boolean)
   * @param defaultValue default value (a string, number or boolean)
   * @param choices      allowed values, or null
   * @param required     whether the server cannot start without it
   * @param secret       whether it is a secret
   */
  public record Variable(String name, String title, String description, String type, Object defaultValue,
                         List<String> choices, Boolean required, Boolean secret) {

    /** A variable known only by name. */
    public static Variable named(String name) {
      return new Variable(name, null, null, null, null, null, null, null);
    }

    /** This variable with {@code required} and a default. */
    public Variable with(Boolean isRequired, Object value) {
      return new Variable(name, title, description, type, value, choices, isRequired, secret);
    }

    /** This variable with a description. */
    public Variable describedAs(String text) {
      return new Variable(name, title, text, type, defaultValue, choices, required, secret);
    }

    /** This variable marked secret or not. */
    public Variable secret(Boolean isSecret) {
      return new Variable(name, title, description, type, defaultValue, choices, required, isSecret);
    }
  }
}
