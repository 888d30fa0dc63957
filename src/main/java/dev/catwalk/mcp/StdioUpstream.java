package dev.catwalk.mcp;

import com.zaxxer.nuprocess.NuAbstractProcessHandler;
import com.zaxxer.nuprocess.NuProcess;
import com.zaxxer.nuprocess.NuProcessBuilder;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout (the MCP
 * stdio transport): a pipe of lines with no JSON-RPC bookkeeping. stderr is kept, bounded, as the
 * server's log.
 *
 * <p>Process I/O is event-driven through NuProcess: one epoll thread for every child of the JVM
 * reads stdout and stderr the moment the server writes (so a message an idle server sends unasked
 * arrives at once) and writes stdin without blocking; there is no thread per process, not even the
 * JDK's process reaper. stdout is split into lines on that thread; each read's lines are handed to
 * the owning context in one task, where they are decoded and delivered in the order the server
 * wrote them. The process is started on the {@link ProcessSpawner} thread.
 *
 * <p>The child gets a scrubbed environment (only {@link #INHERITED_ENV} from the gateway, plus the
 * configured variables) so the gateway's own secrets never reach it, and its own working
 * directory. {@link #close()} ends the process and all its descendants.
 */
public final class StdioUpstream extends AbstractUpstream {

  /** Gateway environment variables a child inherits; everything else must be configured. */
  public static final List<String> INHERITED_ENV =
      List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SHELL", "JAVA_HOME");

  private static final Logger LOG = LoggerFactory.getLogger(StdioUpstream.class);
  private static final long CLOSE_GRACE_MILLIS = 2_000;
  private static final int STDERR_LINE_BYTES = 8192;
  /** Copy buffer of the NuProcess thread(s): one per thread, never per process. */
  private static final ThreadLocal<byte[]> CHUNK = ThreadLocal.withInitial(() -> new byte[NuProcess.BUFFER_CAPACITY]);

  private final Vertx vertx;
  private volatile Context context;
  private final Spec spec;
  private final ArrayDeque<String> stderr = new ArrayDeque<>();
  private final Promise<Void> exited = Promise.promise();
  private final Pipes pipes;
  /** Messages sent before the process was there (touched on the owning context only). */
  private List<ByteBuffer> early = new ArrayList<>();
  private volatile NuProcess process;
  private volatile long pid = -1;
  private Path workDir;
  private boolean ownsWorkDir;
  private volatile boolean closing;
  private Future<Void> started;
  private volatile Consumer<String> stderrListener = line -> { };

  /**
   * What to run.
   *
   * @param command      program and arguments
   * @param env          variables to set (configuration values, decrypted secrets)
   * @param workDir      working directory, or null for a fresh temporary one removed on close
   * @param stderrLines  how many recent stderr lines to keep
   * @param maxLineBytes longest stdout line accepted; longer ones are dropped with a warning
   * @param exactEnv     true when {@code env} is the whole environment (a sandbox launcher's): nothing of
   *                     {@link #INHERITED_ENV} is inherited from the gateway
   */
  public record Spec(List<String> command, Map<String, String> env, Path workDir, int stderrLines, int maxLineBytes,
                     boolean exactEnv) {
    public Spec {
      command = List.copyOf(command);
      env = Map.copyOf(env);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("the command is empty");
      }
    }

    /** A process that inherits {@link #INHERITED_ENV} from the gateway besides {@code env}. */
    public Spec(List<String> command, Map<String, String> env, Path workDir, int stderrLines, int maxLineBytes) {
      this(command, env, workDir, stderrLines, maxLineBytes, false);
    }
  }

  /** An upstream owned by the current context (call from the context that will use it). */
  public StdioUpstream(Vertx vertx, Spec spec) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.spec = spec;
    this.pipes = new Pipes();
  }

  /** Starts the process once; later calls (a pooled process handed to its session) get the same outcome. */
  @Override
  public Future<Void> start() {
    if (started == null) {
      started = ProcessSpawner.spawn(context, this::spawn).onSuccess(p -> flushEarly()).mapEmpty();
    }
    return started;
  }

  /** Completes once the process has ended (from any cause). */
  public Future<Void> exited() {
    return exited.future();
  }

  /**
   * Hands the upstream to the current context (a warm process given to a session): from now on its
   * handlers are called there. Call before any message is expected.
   */
  public StdioUpstream adopt() {
    this.context = vertx.getOrCreateContext();
    return this;
  }

  @Override
  public void send(JsonObject message) {
    if (closing) {
      return;
    }
    byte[] json = message.toBuffer().getBytes();
    ByteBuffer line = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
    if (process == null) {
      early.add(line);
      return;
    }
    write(line);
  }

  @Override
  public Future<Void> close() {
    NuProcess running = process;
    if (running == null) {
      return Future.succeededFuture();
    }
    if (!closing) {
      closing = true;
      running.closeStdin(false);
      vertx.executeBlocking(this::terminate, false)
          .onSuccess(tree -> vertx.setTimer(CLOSE_GRACE_MILLIS, t -> vertx.executeBlocking(() -> killAlive(tree), false)));
    }
    return exited.future();
  }

  /** The operating-system process id, or -1 before start. */
  public long pid() {
    return pid;
  }

  /**
   * Receives each stderr line as it is read (on the reader thread, so the listener must be
   * thread-safe), besides keeping the recent ones.
   */
  public StdioUpstream stderrHandler(Consumer<String> listener) {
    this.stderrListener = listener;
    return this;
  }

  /** The most recent stderr lines, oldest first. */
  public List<String> recentStderr() {
    synchronized (stderr) {
      return new ArrayList<>(stderr);
    }
  }

  private NuProcess spawn() throws IOException {
    String program = spec.command().get(0);
    workDir = spec.workDir();
    if (workDir == null) {
      workDir = Files.createTempDirectory(dev.catwalk.sandbox.SessionDirectories.root(), "catwalk-session-");
      ownsWorkDir = true;
    }
    Map<String, String> environment = new HashMap<>();
    System.getenv().forEach((name, value) -> {
      if (!spec.exactEnv() && INHERITED_ENV.contains(name)) {
        environment.put(name, value);
      }
    });
    environment.putAll(spec.env());
    NuProcessBuilder builder = new NuProcessBuilder(spec.command(), environment);
    builder.setCwd(workDir);
    builder.setProcessListener(pipes);
    NuProcess started = builder.start();
    if (started == null || pipes.startFailed) {
      deleteWorkDir();
      throw new IOException("cannot start '" + program + "': " + whyNotExecutable(program, environment.get("PATH")));
    }
    pid = started.getPID();
    process = started;
    return started;
  }

  private static String whyNotExecutable(String program, String path) {
    List<Path> candidates = program.contains("/") ? List.of(Path.of(program))
        : Stream.of((path == null ? "" : path).split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, program)).toList();
    if (candidates.stream().noneMatch(Files::exists)) {
      return "no such file or directory";
    }
    return candidates.stream().anyMatch(Files::isExecutable) ? "the process did not start" : "not executable";
  }

  private void flushEarly() {
    List<ByteBuffer> queued = early;
    early = null;
    queued.forEach(this::write);
  }

  private void write(ByteBuffer line) {
    try {
      process.writeStdin(line);
    } catch (IllegalStateException e) {
      LOG.debug("upstream {} stdin closed: {}", pid, e.getMessage());
    }
  }

  private void deliver(byte[] line) {
    if (line == LineSplitter.TOO_LONG) {
      note("dropped a stdout line longer than " + spec.maxLineBytes() + " bytes");
      return;
    }
    if (line.length == 0) {
      return;
    }
    JsonObject message;
    try {
      message = new JsonObject(Buffer.buffer(line));
    } catch (DecodeException | ClassCastException e) {
      note("ignored a stdout line that is not a JSON-RPC message (" + line.length + " bytes)");
      return;
    }
    messageHandler.handle(message);
  }

  /** Adds a note of the gateway's to the stderr log. */
  private void note(String text) {
    keepStderr("[catwalk] " + text);
  }

  private void keepStderr(String line) {
    stderrListener.accept(line);
    synchronized (stderr) {
      if (stderr.size() >= Math.max(1, spec.stderrLines())) {
        stderr.removeFirst();
      }
      stderr.addLast(line);
    }
  }

  /** Asks the process and its descendants to end; the tree as it was. */
  private List<ProcessHandle> terminate() {
    List<ProcessHandle> tree = tree();
    tree.forEach(ProcessHandle::destroy);
    return tree;
  }

  private Void killAlive(List<ProcessHandle> tree) {
    tree.stream().filter(ProcessHandle::isAlive).forEach(ProcessHandle::destroyForcibly);
    return null;
  }

  private List<ProcessHandle> tree() {
    return ProcessHandle.of(pid).map(root -> Stream.concat(root.descendants(), Stream.of(root)).toList()).orElse(List.of());
  }

  private void stdoutClosed() {
    vertx.setTimer(CLOSE_GRACE_MILLIS, t -> {
      NuProcess running = process;
      if (running != null && running.isRunning()) {
        vertx.executeBlocking(() -> killAlive(tree()), false);
      }
    });
  }

  private void ended(int code) {
    Thread.ofVirtual().start(this::deleteWorkDir);
    boolean requested = closing;
    Integer exitCode = code == Integer.MIN_VALUE ? null : code;
    UpstreamExit exit = new UpstreamExit(exitCode, requested ? "the session ended"
        : "the MCP server process exited with code " + exitCode, requested);
    context.runOnContext(v -> {
      exited.tryComplete();
      exitHandler.handle(exit);
    });
  }

  private void deleteWorkDir() {
    if (!ownsWorkDir || workDir == null) {
      return;
    }
    try (Stream<Path> paths = Files.walk(workDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot remove session directory {}: {}", workDir, e.getMessage());
    }
  }

  /** The process's pipes, called on a NuProcess thread: splits lines and hands them to the owning context. */
  private final class Pipes extends NuAbstractProcessHandler {
    private final LineSplitter stdoutLines = new LineSplitter(spec.maxLineBytes(), this::line);
    private final LineSplitter stderrLines = new LineSplitter(STDERR_LINE_BYTES, line -> keepStderr(
        line == LineSplitter.TOO_LONG ? "[catwalk] (long stderr line cut)" : new String(line, StandardCharsets.UTF_8)));
    private List<byte[]> lines;
    private volatile boolean started;
    private volatile boolean startFailed;

    @Override
    public void onStart(NuProcess nuProcess) {
      started = true;
    }

    @Override
    public void onStdout(ByteBuffer buffer, boolean closed) {
      lines = null;
      feed(stdoutLines, buffer);
      if (closed) {
        stdoutLines.end();
      }
      if (lines != null) {
        List<byte[]> batch = lines;
        lines = null;
        context.runOnContext(v -> batch.forEach(StdioUpstream.this::deliver));
      }
      if (closed) {
        stdoutClosed();
      }
    }

    @Override
    public void onStderr(ByteBuffer buffer, boolean closed) {
      feed(stderrLines, buffer);
      if (closed) {
        stderrLines.end();
      }
    }

    @Override
    public void onExit(int statusCode) {
      if (!started) {
        startFailed = true;
        return;
      }
      ended(statusCode);
    }

    private void line(byte[] line) {
      if (lines == null) {
        lines = new ArrayList<>(2);
      }
      lines.add(line);
    }

    private static void feed(LineSplitter splitter, ByteBuffer buffer) {
      byte[] chunk = CHUNK.get();
      while (buffer.hasRemaining()) {
        int n = Math.min(chunk.length, buffer.remaining());
        buffer.get(chunk, 0, n);
        splitter.feed(chunk, n);
      }
    }
  }

  /**
   * Splits bytes fed to it into lines (LF or CRLF) and hands each to a consumer; a line longer than
   * the bound is handed on as {@link #TOO_LONG}. Holds only the unfinished line.
   */
  private static final class LineSplitter {
    static final byte[] TOO_LONG = new byte[0];
    /** An unfinished-line buffer grown beyond this is dropped once its line is done. */
    private static final int KEPT_CAPACITY = 8192;

    private final int maxBytes;
    private final Consumer<byte[]> lines;
    private ByteArrayOutputStream line = new ByteArrayOutputStream(0);
    private boolean overflow;

    LineSplitter(int maxBytes, Consumer<byte[]> lines) {
      this.maxBytes = maxBytes;
      this.lines = lines;
    }

    void feed(byte[] bytes, int length) {
      int start = 0;
      for (int i = 0; i < length; i++) {
        if (bytes[i] == '\n') {
          if (line.size() == 0 && !overflow) {
            lines.accept(i - start > maxBytes ? TOO_LONG : trimCr(Arrays.copyOfRange(bytes, start, i)));
          } else {
            append(bytes, start, i);
            lines.accept(take());
          }
          start = i + 1;
        }
      }
      append(bytes, start, length);
    }

    /** The end of the input: an unterminated last line still counts. */
    void end() {
      if (line.size() > 0 || overflow) {
        lines.accept(take());
      }
    }

    private void append(byte[] bytes, int from, int to) {
      if (!overflow && to > from) {
        line.write(bytes, from, to - from);
        overflow = line.size() > maxBytes;
      }
    }

    private byte[] take() {
      byte[] result = overflow ? TOO_LONG : trimCr(line.toByteArray());
      line = line.size() > KEPT_CAPACITY ? new ByteArrayOutputStream(0) : line;
      line.reset();
      overflow = false;
      return result;
    }

    private static byte[] trimCr(byte[] bytes) {
      return bytes.length > 0 && bytes[bytes.length - 1] == '\r'
          ? Arrays.copyOf(bytes, bytes.length - 1) : bytes;
    }
  }
}
