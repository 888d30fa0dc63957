package dev.catwalk.sandbox;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs local MCP servers inside bubblewrap ({@code bwrap}), or, when switched off explicitly, as plain
 * child processes. One instance per gateway or runner; thread-safe.
 *
 * <p>A sandboxed server sees: the system directories read-only ({@code /usr} and its links), a few files
 * of {@code /etc} (name resolution, users, certificates, time zone, the dynamic linker's cache, Debian's
 * alternatives), the paths its runtime needs read-only (its executable, a JDK or runtime it belongs to, a
 * Java class path, files its command names, {@code CATWALK_SANDBOX_BIND}), its deployment's own home
 * (read-write, where npm and uv keep their caches), a private {@code /tmp} and working directory, its own
 * {@code /proc} (no other process), and its own environment. Never the gateway's home,
 * {@code CATWALK_HOME}, other deployments' homes, {@code /run} or {@code /var} (sockets), nor the
 * gateway's environment.
 */
public final class Sandbox {

  /** The value of {@code CATWALK_LOCAL_SANDBOX} that runs servers without a sandbox. */
  public static final String OFF = "off";
  /** The value of {@code CATWALK_LOCAL_SANDBOX} that requires the sandbox (the default). */
  public static final String ON = "on";

  private static final Logger LOG = LoggerFactory.getLogger(Sandbox.class);
  private static final List<String> SYSTEM_LINKS = List.of("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32");
  private static final List<String> ETC = List.of("/etc/resolv.conf", "/etc/hosts", "/etc/host.conf",
      "/etc/nsswitch.conf", "/etc/gai.conf", "/etc/passwd", "/etc/group", "/etc/localtime", "/etc/timezone",
      "/etc/ssl", "/etc/ca-certificates", "/etc/ca-certificates.conf", "/etc/pki", "/etc/crypto-policies",
      "/etc/alternatives", "/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/mime.types",
      "/etc/os-release");
  /** Prefixes of {@code /etc} entries runtimes read their own settings from (Debian's JDKs and Pythons). */
  private static final List<String> ETC_PREFIXES = List.of("java-", "python3");
  private static final Set<String> CLASS_PATH_OPTIONS = Set.of("-cp", "-classpath", "--class-path", "-jar");
  private static final long VERSION_CHECK_SECONDS = 10;

  private final Path bwrap;
  private final Path prlimit;
  private final String version;
  private final List<Path> binds;
  private final Path stateRoot;
  private final List<Path> hidden;
  private final List<Path> homes;
  private final Map<String, String> system;
  private final List<String> etc;

  private Sandbox(Path bwrap, Path prlimit, String version, List<Path> binds, Path stateRoot, List<Path> hidden,
                  List<Path> homes) {
    this.bwrap = bwrap;
    this.prlimit = prlimit;
    this.version = version;
    this.binds = List.copyOf(binds);
    this.stateRoot = stateRoot;
    this.hidden = List.copyOf(hidden);
    this.homes = List.copyOf(homes);
    this.system = bwrap == null ? Map.of() : systemPaths();
    this.etc = bwrap == null ? List.of() : etcPaths();
  }

  /** No sandbox: servers run as plain child processes of the gateway's user (only with {@code CATWALK_LOCAL_SANDBOX=off}). */
  public static Sandbox off() {
    return new Sandbox(null, null, null, List.of(), null, List.of(), List.of());
  }

  /**
   * The sandbox as configured: {@code mode} {@code off} gives {@link #off()}; otherwise bubblewrap and
   * prlimit must be found on {@code toolPath} (the gateway's {@code PATH}) and bubblewrap must run.
   *
   * @param binds     host paths every server may read (operator's {@code CATWALK_SANDBOX_BIND})
   * @param stateRoot where deployments' homes are kept (one directory per deployment)
   * @param hidden    paths never bound, nor anything in them, nor any directory holding them ({@code CATWALK_HOME})
   * @param homes     directories never bound whole, nor any directory holding them (the gateway's home); single
   *                  files or directories inside them may be (a JDK or a class path under the home)
   * @throws SandboxUnavailableException when the sandbox is required and cannot run
   */
  public static Sandbox create(String mode, String toolPath, List<String> binds, Path stateRoot, List<Path> hidden,
                               List<Path> homes) {
    if (OFF.equals(mode.toLowerCase(Locale.ROOT))) {
      return off();
    }
    Path bwrap = find("bwrap", toolPath).orElseThrow(() -> new SandboxUnavailableException(
        "bubblewrap (bwrap) is not installed: install it (Debian/Ubuntu: apt-get install bubblewrap) or set "
            + "CATWALK_LOCAL_SANDBOX=off to run local MCP servers without isolation"));
    Path prlimit = find("prlimit", toolPath).orElseThrow(() -> new SandboxUnavailableException(
        "prlimit (util-linux) is not installed; the sandbox applies its limits with it"));
    String version = probe(bwrap);
    return new Sandbox(bwrap, prlimit, version, binds.stream().map(b -> Path.of(b).toAbsolutePath().normalize())
        .toList(), stateRoot.toAbsolutePath().normalize(), normalized(hidden), normalized(homes));
  }

  private static List<Path> normalized(List<Path> paths) {
    return paths.stream().map(p -> realPath(p.toAbsolutePath().normalize())).toList();
  }

  /** Whether servers run sandboxed. */
  public boolean enabled() {
    return bwrap != null;
  }

  /** What the deployments API and the start-up log say about it: {@code bubblewrap 0.8.0} or {@code off}. */
  public String describe() {
    return enabled() ? version : OFF;
  }

  /**
   * How to start one server process.
   *
   * @param command   the program and arguments to run
   * @param env       the process's complete environment
   * @param workDir   the directory to start it in (bubblewrap's; the server's own is inside), or null for a fresh
   *                  temporary one
   * @param exactEnv  true when {@code env} is the whole environment (nothing may be inherited from the gateway)
   */
  public record Launch(List<String> command, Map<String, String> env, Path workDir, boolean exactEnv) {
    public Launch {
      command = List.copyOf(command);
      env = Map.copyOf(env);
    }
  }

  /**
   * How to start a server of deployment {@code key} (a name safe as a directory name: a deployment id).
   *
   * @param command    the server's command line (a program name is looked up in {@code searchPath})
   * @param env        the server's configured variables
   * @param searchPath the server's {@code PATH}
   */
  public Launch launch(String key, List<String> command, Map<String, String> env, String searchPath,
                       SandboxLimits limits) {
    if (!enabled()) {
      Map<String, String> plain = new HashMap<>(env);
      plain.put("PATH", searchPath);
      return new Launch(command, plain, null, false);
    }
    Path deploymentDir = deploymentDir(key);
    Path home = deploymentDir.resolve("home");
    try {
      Files.createDirectories(home, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the deployment's sandbox home " + home, e);
    }
    BwrapCommand bwrapCommand = new BwrapCommand(bwrap, prlimit, system, etc, readOnlyPaths(command, searchPath), home,
        limits, command);
    Map<String, String> environment = new LinkedHashMap<>(env);
    environment.put("PATH", searchPath);
    environment.put("HOME", BwrapCommand.HOME);
    environment.put("TMPDIR", "/tmp");
    environment.putIfAbsent("LANG", "C.UTF-8");
    return new Launch(bwrapCommand.toList(), environment, deploymentDir, true);
  }

  /**
   * Whether {@code program} names an executable file (a path, or a name on {@code searchPath}): inside the
   * sandbox a missing program shows only as an exit code, so the backend asks first.
   */
  public static boolean exists(String program, String searchPath) {
    return find(program, searchPath).isPresent();
  }

  /** Removes what a deployment kept in its sandbox (its home and caches); nothing when there is none. */
  public void forget(String key) {
    if (enabled()) {
      deleteTree(deploymentDir(key));
    }
  }

  /** The host paths a server of {@code command} may read, besides the system: its runtime, class path and named files. */
  List<Path> readOnlyPaths(List<String> command, String searchPath) {
    Set<Path> paths = new LinkedHashSet<>();
    find(command.getFirst(), searchPath).ifPresent(executable -> addRuntime(paths, executable));
    for (int i = 1; i < command.size(); i++) {
      String argument = command.get(i);
      if (CLASS_PATH_OPTIONS.contains(command.get(i - 1))) {
        for (String entry : argument.split(File.pathSeparator)) {
          addExisting(paths, entry, true);
        }
      } else if (argument.startsWith("/")) {
        addExisting(paths, argument, false);
      }
    }
    paths.addAll(binds);
    return paths.stream().filter(Files::exists).filter(this::allowed).filter(p -> !underSystem(p)).toList();
  }

  private void addRuntime(Set<Path> paths, Path executable) {
    Path real = realPath(executable);
    paths.add(real);
    Path bin = real.getParent();
    Path root = bin == null ? null : bin.getParent();
    if (root != null && root.getParent() != null && bin.getFileName().toString().equals("bin")
        && (Files.isRegularFile(root.resolve("release")) || Files.isDirectory(root.resolve("lib")))) {
      paths.add(root);
    }
  }

  private static void addExisting(Set<Path> paths, String argument, boolean directories) {
    try {
      Path path = Path.of(argument).toAbsolutePath().normalize();
      if (Files.isRegularFile(path) || directories && Files.isDirectory(path)) {
        paths.add(realPath(path));
      }
    } catch (java.nio.file.InvalidPathException e) {
      // not a path
    }
  }

  /** False for a path that is, holds or lies inside a hidden path, is or holds a home, or is the root. */
  private boolean allowed(Path path) {
    if (path.getParent() == null) {
      return false;
    }
    for (Path secret : hidden) {
      if (secret.startsWith(path) || path.startsWith(secret)) {
        LOG.warn("the sandbox does not expose {}: it is, holds or lies in {}", path, secret);
        return false;
      }
    }
    for (Path home : homes) {
      if (home.startsWith(path)) {
        LOG.warn("the sandbox does not expose {}: it is or holds the home directory {}", path, home);
        return false;
      }
    }
    return stateRoot == null || !(stateRoot.startsWith(path) || path.startsWith(stateRoot));
  }

  private static boolean underSystem(Path path) {
    return path.startsWith("/usr");
  }

  private Path deploymentDir(String key) {
    if (!key.matches("[A-Za-z0-9][A-Za-z0-9._-]*")) {
      throw new IllegalArgumentException("not a deployment key: " + key);
    }
    return stateRoot.resolve(key);
  }

  private static Map<String, String> systemPaths() {
    Map<String, String> paths = new LinkedHashMap<>();
    paths.put("/usr", "");
    for (String name : SYSTEM_LINKS) {
      Path path = Path.of(name);
      try {
        if (Files.isSymbolicLink(path)) {
          paths.put(name, Files.readSymbolicLink(path).toString());
        } else if (Files.isDirectory(path)) {
          paths.put(name, "");
        }
      } catch (IOException e) {
        LOG.debug("skipping {}: {}", name, e.getMessage());
      }
    }
    return paths;
  }

  private static List<String> etcPaths() {
    List<String> paths = new ArrayList<>(ETC);
    try (Stream<Path> entries = Files.list(Path.of("/etc"))) {
      entries.map(p -> p.getFileName().toString()).filter(n -> ETC_PREFIXES.stream().anyMatch(n::startsWith))
          .sorted().forEach(n -> paths.add("/etc/" + n));
    } catch (IOException e) {
      LOG.debug("cannot list /etc: {}", e.getMessage());
    }
    return paths;
  }

  private static String probe(Path bwrap) {
    try {
      Process process = new ProcessBuilder(bwrap.toString(), "--version").redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
      if (!process.waitFor(VERSION_CHECK_SECONDS, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new SandboxUnavailableException("bubblewrap (" + bwrap + ") does not run: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new SandboxUnavailableException("bubblewrap (" + bwrap + ") cannot be started: " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new SandboxUnavailableException("interrupted while checking bubblewrap");
    }
  }

  /** {@code program} as a file: itself when it is a path, else the first match on {@code searchPath}. */
  static Optional<Path> find(String program, String searchPath) {
    if (program == null || program.isBlank()) {
      return Optional.empty();
    }
    if (program.contains("/")) {
      Path path = Path.of(program).toAbsolutePath().normalize();
      return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
    }
    for (String dir : searchPath.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate.toAbsolutePath());
      }
    }
    return Optional.empty();
  }

  private static Path realPath(Path path) {
    try {
      return path.toRealPath();
    } catch (IOException e) {
      return path;
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("cannot remove {}: {}", root, e.getMessage());
    }
  }
}
