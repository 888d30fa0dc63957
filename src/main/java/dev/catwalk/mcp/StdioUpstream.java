package dev.catwalk.mcp;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout (the MCP
 * stdio transport). stderr is kept, bounded, as the server's log.
 *
 * <p>Pipe I/O never runs on an event loop. A blocking read of a pipe holds its thread (for a virtual
 * thread, its carrier: the JDK does not park virtual threads on pipe reads, and carriers are at most
 * 256, so a few hundred idle sessions would starve every virtual thread). So stdout is read on one
 * platform thread per process, which parses the lines and hands them to the owning context; stderr
 * of every process is read by one shared platform thread that polls what each pipe has available
 * ({@link StderrPoller}); stdin is written by a virtual thread, which parks while there is nothing
 * to write. The child gets a scrubbed environment (only {@link #INHERITED_ENV} from
 * the gateway, plus the configured variables) so the gateway's own secrets never reach it, and
 * its own working directory. {@link #close()} ends the process and all its descendants.
 */
public final class StdioUpstream implements Upstream {

  /** Gateway environment variables a child inherits; everything else must be configured. */
  public static final List<String> INHERITED_ENV =
      List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SHELL", "JAVA_HOME");

  private static final Logger LOG = LoggerFactory.getLogger(StdioUpstream.class);
  private static final Buffer END_OF_INPUT = Buffer.buffer();
  private static final long CLOSE_GRACE_MILLIS = 2_000;
  /** Bytes read from stdout at a time (the JDK's own pipe stream buffers 8 KB in front of it). */
  private static final int STDOUT_CHUNK = 2048;
  private static final int STDERR_LINE_BYTES = 8192;

  private final Vertx vertx;
  private final Context context;
  private final Spec spec;
  private final ArrayDeque<String> stderr = new ArrayDeque<>();
  private final BlockingQueue<Buffer> outbox = new LinkedBlockingQueue<>();
  private final Promise<Void> exited = Promise.promise();
  private Handler<JsonObject> messageHandler = m -> { };
  private Handler<UpstreamExit> exitHandler = e -> { };
  private final Object stderrLock = new Object();
  private LineSplitter stderrLines;
  private volatile boolean stdoutEnded;
  private Process process;
  private Path workDir;
  private boolean ownsWorkDir;
  private volatile boolean closing;

  /**
   * What to run.
   *
   * @param command      program and arguments
   * @param env          variables to set (configuration values, decrypted secrets)
   * @param workDir      working directory, or null for a fresh temporary one removed on close
   * @param stderrLines  how many recent stderr lines to keep
   * @param maxLineBytes longest stdout line accepted; longer ones are dropped with a warning
   */
  public record Spec(List<String> command, Map<String, String> env, Path workDir, int stderrLines, int maxLineBytes) {
    public Spec {
      command = List.copyOf(command);
      env = Map.copyOf(env);
      if (command.isEmpty()) {
        throw new IllegalArgumentException("the command is empty");
      }
    }
  }

  /** An upstream owned by the current context (call from the context that will use it). */
  public StdioUpstream(Vertx vertx, Spec spec) {
    this.vertx = vertx;
    this.context = vertx.getOrCreateContext();
    this.spec = spec;
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(this::spawn, false).onSuccess(v -> startPipes());
  }

  @Override
  public void send(JsonObject message) {
    if (!closing) {
      outbox.add(message.toBuffer());
    }
  }

  @Override
  public Upstream messageHandler(Handler<JsonObject> handler) {
    this.messageHandler = handler;
    return this;
  }

  @Override
  public Upstream exitHandler(Handler<UpstreamExit> handler) {
    this.exitHandler = handler;
    return this;
  }

  @Override
  public Future<Void> close() {
    if (process == null) {
      return Future.succeededFuture();
    }
    if (!closing) {
      closing = true;
      outbox.add(END_OF_INPUT);
      vertx.executeBlocking(this::terminate, false);
    }
    return exited.future();
  }

  /** The operating-system process id, or -1 before start. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /** The most recent stderr lines, oldest first. */
  public List<String> recentStderr() {
    synchronized (stderr) {
      return new ArrayList<>(stderr);
    }
  }

  private Void spawn() throws IOException {
    workDir = spec.workDir();
    if (workDir == null) {
      workDir = Files.createTempDirectory("catwalk-session-");
      ownsWorkDir = true;
    }
    ProcessBuilder builder = new ProcessBuilder(spec.command()).directory(workDir.toFile());
    Map<String, String> environment = builder.environment();
    environment.keySet().retainAll(INHERITED_ENV);
    environment.putAll(spec.env());
    try {
      process = builder.start();
    } catch (IOException e) {
      deleteWorkDir();
      throw new IOException("cannot start '" + spec.command().get(0) + "': " + e.getMessage(), e);
    }
    return null;
  }

  private void startPipes() {
    stderrLines = new LineSplitter(STDERR_LINE_BYTES, line -> keepStderr(line == LineSplitter.TOO_LONG
        ? "[catwalk] (long stderr line cut)" : new String(line, StandardCharsets.UTF_8)));
    StderrPoller.INSTANCE.add(this);
    Thread.ofPlatform().daemon().name("upstream-out-" + process.pid()).start(this::readStdout);
    Thread.ofVirtual().name("upstream-in-" + process.pid()).start(this::writeStdin);
  }

  private void readStdout() {
    LineSplitter lines = new LineSplitter(spec.maxLineBytes(), this::deliver);
    byte[] chunk = new byte[STDOUT_CHUNK];
    try (InputStream in = process.getInputStream()) {
      for (int n = in.read(chunk); n >= 0; n = in.read(chunk)) {
        lines.feed(chunk, n);
      }
      lines.end();
    } catch (IOException e) {
      LOG.debug("upstream {} stdout closed: {}", process.pid(), e.getMessage());
    }
    onStdoutEnded();
  }

  private void deliver(byte[] line) {
    if (line == LineSplitter.TOO_LONG) {
      note("dropped a stdout line longer than " + spec.maxLineBytes() + " bytes");
      return;
    }
    if (line.length == 0) {
      return;
    }
    try {
      JsonObject message = new JsonObject(Buffer.buffer(line));
      context.runOnContext(v -> messageHandler.handle(message));
    } catch (DecodeException | ClassCastException e) {
      note("ignored a stdout line that is not a JSON-RPC message (" + line.length + " bytes)");
    }
  }

  /** Adds a note of the gateway's to the stderr log, after what the server had written to stderr until then. */
  private void note(String text) {
    pollStderr(new byte[1024], StderrPoller.MAX_BYTES_PER_POLL);
    keepStderr("[catwalk] " + text);
  }

  /**
   * Reads what stderr has available without blocking (on the poller's thread); after the process has
   * ended, reads the rest, closes the pipe and returns false.
   */
  private boolean pollStderr(byte[] buffer, int maxBytes) {
    boolean last = stdoutEnded;
    synchronized (stderrLock) {
      InputStream in = process.getErrorStream();
      try {
        int total = 0;
        for (int n = in.available(); n > 0 && total < (last ? 16 * maxBytes : maxBytes); n = in.available()) {
          int read = in.read(buffer, 0, Math.min(n, buffer.length));
          if (read < 0) {
            break;
          }
          stderrLines.feed(buffer, read);
          total += read;
        }
        if (last) {
          stderrLines.end();
          in.close();
        }
      } catch (IOException e) {
        LOG.debug("upstream {} stderr closed: {}", process.pid(), e.getMessage());
        return false;
      }
    }
    return !last;
  }

  private void keepStderr(String line) {
    synchronized (stderr) {
      if (stderr.size() >= Math.max(1, spec.stderrLines())) {
        stderr.removeFirst();
      }
      stderr.addLast(line);
    }
  }

  private void writeStdin() {
    try (OutputStream out = process.getOutputStream()) {
      while (true) {
        Buffer next = outbox.take();
        if (next == END_OF_INPUT) {
          return;
        }
        out.write(next.getBytes());
        out.write('\n');
        if (outbox.isEmpty()) {
          out.flush();
        }
      }
    } catch (IOException e) {
      LOG.debug("upstream {} stdin closed: {}", process.pid(), e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onStdoutEnded() {
    Integer code = null;
    try {
      if (!process.waitFor(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
        killTree(process.toHandle(), true);
      }
      code = process.waitFor();
      process.descendants().forEach(child -> child.destroyForcibly());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    outbox.add(END_OF_INPUT);
    stdoutEnded = true;
    deleteWorkDir();
    UpstreamExit exit = new UpstreamExit(code, closing ? "the session ended"
        : "the MCP server process exited with code " + code, closing);
    context.runOnContext(v -> {
      exited.tryComplete();
      exitHandler.handle(exit);
    });
  }

  private Void terminate() throws InterruptedException {
    killTree(process.toHandle(), false);
    if (!process.waitFor(CLOSE_GRACE_MILLIS, TimeUnit.MILLISECONDS)) {
      killTree(process.toHandle(), true);
    }
    return null;
  }

  private static void killTree(ProcessHandle root, boolean force) {
    List<ProcessHandle> descendants = root.descendants().toList();
    for (ProcessHandle handle : descendants) {
      if (force) {
        handle.destroyForcibly();
      } else {
        handle.destroy();
      }
    }
    if (force) {
      root.destroyForcibly();
    } else {
      root.destroy();
    }
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

  /**
   * Reads the stderr of every upstream in this JVM on one platform thread: every {@link #INTERVAL_MILLIS}
   * it reads what each pipe has available (up to {@link #MAX_BYTES_PER_POLL}), which never blocks. A
   * thread per pipe would cost about 60 KB of resident memory per session; a server that writes
   * more than a pipe holds between two polls waits for the next one.
   */
  private static final class StderrPoller implements Runnable {
    static final StderrPoller INSTANCE = new StderrPoller();
    static final long INTERVAL_MILLIS = 100;
    static final int MAX_BYTES_PER_POLL = 64 * 1024;

    private final Set<StdioUpstream> upstreams = ConcurrentHashMap.newKeySet();
    private final byte[] buffer = new byte[8192];
    private Thread thread;

    synchronized void add(StdioUpstream upstream) {
      upstreams.add(upstream);
      if (thread == null) {
        thread = Thread.ofPlatform().daemon().name("upstream-stderr").start(this);
      }
    }

    @Override
    public void run() {
      while (true) {
        for (StdioUpstream upstream : upstreams) {
          try {
            if (!upstream.pollStderr(buffer, MAX_BYTES_PER_POLL)) {
              upstreams.remove(upstream);
            }
          } catch (RuntimeException e) {
            upstreams.remove(upstream);
            LOG.warn("reading the stderr of upstream {} failed", upstream.pid(), e);
          }
        }
        try {
          Thread.sleep(INTERVAL_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }
}
