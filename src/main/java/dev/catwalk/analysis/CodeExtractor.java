package dev.catwalk.analysis;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The weakest evidence: environment variables read in the server's code, with the default the code
 * falls back to. TypeScript/JavaScript ({@code process.env.NAME}, {@code process.env["NAME"]}, then
 * {@code || value} or {@code ?? value}), Python ({@code os.getenv("NAME", default)},
 * {@code os.environ.get(...)}, {@code os.environ["NAME"]}, which fails without it, so required), Go
 * ({@code os.Getenv}, {@code os.LookupEnv}) and Rust ({@code env::var}). A variable is also required
 * when an error message of the code says so ("NAME environment variable is required", "must be
 * provided ... NAME"). Names of the platform (HOME, CI, XDG_...) are left out.
 */
public final class CodeExtractor {

  /** Source file extensions the analyzer reads. */
  public static final Set<String> EXTENSIONS = Set.of(".py", ".ts", ".js", ".mjs", ".cjs", ".go", ".rs");

  private static final String NAME = "([A-Z][A-Z0-9_]{2,})";
  private static final String LITERAL = "(\"[^\"\\n]{0,200}\"|'[^'\\n]{0,200}'|-?\\d+(?:\\.\\d+)?|true|false|True|False)";
  private static final Pattern JS = Pattern.compile("process\\.env(?:\\." + NAME + "|\\[\\s*['\"]" + NAME
      + "['\"]\\s*])(?:\\s*(?:\\|\\||\\?\\?)\\s*" + LITERAL + ")?");
  private static final Pattern PY_GET = Pattern.compile("(?:os\\.getenv|environ\\.get|getenv)\\(\\s*['\"]" + NAME
      + "['\"]\\s*(?:,\\s*" + LITERAL + ")?");
  private static final Pattern PY_INDEX = Pattern.compile("environ\\[\\s*['\"]" + NAME + "['\"]\\s*]");
  private static final Pattern GO = Pattern.compile("os\\.(?:Getenv|LookupEnv)\\(\\s*\"" + NAME + "\"");
  private static final Pattern RUST = Pattern.compile("env::var(?:_os)?\\(\\s*\"" + NAME + "\"");
  private static final Pattern REQUIRED_MESSAGE = Pattern.compile("\\b" + NAME
      + "\\b[^\\n]{0,80}?\\b(?:is required|must be (?:set|provided))|\\b(?:must be (?:set|provided)|is required)"
      + "[^;{}]{0,160}?\\b" + NAME + "\\b");
  private static final Pattern ENV_WORDS = Pattern.compile("(?i)\\benv(ironment)?\\b|\\benv var");
  private static final Pattern PLATFORM = Pattern.compile("^(HOME|USER|USERPROFILE|SHELL|TERM|TERM_PROGRAM|CI|PWD|TMPDIR"
      + "|TEMP|TMP|APPDATA|LOCALAPPDATA|HOSTNAME|NO_COLOR|FORCE_COLOR|DEBUG|VERBOSE|LOG_LEVEL|ENVIRONMENT|XDG_[A-Z_]+"
      + "|GITHUB_[A-Z_]+|RUNNER_[A-Z_]+|KUBERNETES_[A-Z_]+|DOCKER_[A-Z_]+|NPM_[A-Z_]+|VERCEL_[A-Z_]+|WSL[A-Z_]*"
      + "|E2E_[A-Z_]+|TEST_[A-Z_]+|[A-Z_]*_TEST|[A-Z_]*_TESTS?_[A-Z_]*)$");

  private CodeExtractor() {
  }

  /** Whether {@code path} is a source file the analyzer may read. */
  public static boolean isSource(String path) {
    String lower = path.toLowerCase(Locale.ROOT);
    return EXTENSIONS.stream().anyMatch(lower::endsWith) && !lower.endsWith(".d.ts")
        && !lower.matches(".*(^|/)(tests?|__tests__|spec|e2e|evals?|examples?|scripts?|docs?|node_modules|dist|build)/.*")
        && !lower.matches(".*([._-](test|spec)\\.[a-z]+|(^|/)test_[^/]*|_test\\.go)$");
  }

  /** Evidence from the source file at {@code path}, or null when it reads no variable. */
  public static Evidence extract(String path, String text) {
    Map<String, Evidence.Variable> variables = new LinkedHashMap<>();
    read(JS.matcher(text), variables, 3, false);
    read(PY_GET.matcher(text), variables, 2, false);
    read(PY_INDEX.matcher(text), variables, 0, true);
    read(GO.matcher(text), variables, 0, false);
    read(RUST.matcher(text), variables, 0, false);
    Matcher message = REQUIRED_MESSAGE.matcher(text);
    while (message.find()) {
      String name = message.group(1) != null ? message.group(1) : message.group(2);
      Evidence.Variable known = variables.get(name);
      if (known == null && name.contains("_") && !PLATFORM.matcher(name).matches()
          && ENV_WORDS.matcher(message.group()).find()) {
        variables.put(name, Evidence.Variable.named(name).with(true, null));
      } else if (known != null && known.defaultValue() == null) {
        variables.put(name, known.with(true, null));
      }
    }
    return variables.isEmpty() ? null : Evidence.of(path, Evidence.CODE, null, List.copyOf(variables.values()));
  }

  private static void read(Matcher matcher, Map<String, Evidence.Variable> variables, int literalGroup,
                           boolean required) {
    while (matcher.find()) {
      String name = matcher.group(1) != null || literalGroup != 3 ? matcher.group(1) : matcher.group(2);
      if (name == null || PLATFORM.matcher(name).matches() || Dotenv.isNoise(name) || variables.containsKey(name)) {
        continue;
      }
      String literal = literalGroup > 0 ? matcher.group(literalGroup) : null;
      Object value = literal == null ? null : literal(literal);
      if (value != null && Values.isPlaceholder(String.valueOf(value))) {
        value = null;
      }
      variables.put(name, Evidence.Variable.named(name).with(required && value == null ? Boolean.TRUE : null, value));
    }
  }

  private static Object literal(String text) {
    if (text.startsWith("\"") || text.startsWith("'")) {
      String inner = text.substring(1, text.length() - 1);
      return inner.isEmpty() ? null : inner;
    }
    return text;
  }
}
