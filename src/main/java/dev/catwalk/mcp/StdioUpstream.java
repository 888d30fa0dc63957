package dev.catwalk.mcp;

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
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * An MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout (the MCP
 * stdio transport). stderr is kept, bounded, as the server's log.
 *
 * <p>Pipe I/O never runs on an event loop, and an idle session holds no thread of the relay's (the
 * JDK keeps one "process reaper" thread per child). A blocking pipe read holds a platform thread,
 * about 80 KB of resident stack (a virtual thread would hold its carrier: the JDK does not park
 * virtual threads on pipes, and carriers are at most 256, so a few hundred idle sessions would starve
 * them all). So stdout is read with blocking reads on a shared pool of platform threads only while
 * the server owes an answer to a request (or has bytes waiting). Otherwise one shared thread, the
 * {@link Poller}, reads what each server's stdout and stderr have available, which never blocks,
 * every 0.1 to 1 s: a message a server sends while nothing is asked of it arrives that much later.
 * Lines are parsed on the reading thread and handed to the owning context in the order the server
 * wrote them. stdin is written from the pool while messages are queued.
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
  private static final Buffer END_OF_INPUT = Buffer.buffer();
  private static final long CLOSE_GRACE_MILLIS = 2_000;
  /** Bytes read from stdout at a time (the JDK's own pipe stream buffers 8 KB in front of it). */
  private static final int STDOUT_CHUNK = 2048;
  private static final int STDERR_LINE_BYTES = 8192;
  /** Platform threads for blocking pipe reads and writes of busy sessions; a thread idle for 10 s ends. */
  private static final ExecutorService PIPES = new ThreadPoolExecutor(0, Integer.MAX_VALUE, 10, TimeUnit.SECONDS,
      new SynchronousQueue<>(), Thread.ofPlatform().daemon().name("upstream-pipe-", 1).factory());

  private final Vertx vertx;
  private final Context context;
  private final Spec spec;
  private final ArrayDeque<String> stderr = new ArrayDeque<>();
  private final Queue<Buffer> outbox = new ConcurrentLinkedQueue<>();
  /** Set while a pool thread writes the outbox; stays set once stdin is closed. */
  private final AtomicBoolean writing = new AtomicBoolean();
  private final Promise<Void> exited = Promise.promise();
  /** Guards who reads stdout ({@link #reading}), {@link #owed} and the process states below. */
  private final Object stdoutLock = new Object();
  /** Ids ({@link JsonRpcMessage#idKey}) of requests sent to the server and not yet answered or cancelled. */
  private final Set<String> owed = new HashSet<>();
  private boolean started;
  private boolean reading;
  private boolean processExited;
  private volatile boolean stdoutEnded;
  private final Object stderrLock = new Object();
  private final PollSchedule stdoutPolls = new PollSchedule();
  private final PollSchedule stderrPolls = new PollSchedule();
  private LineSplitter stdoutLines;
  private LineSplitter stderrLines;
  private volatile Process process;
  private Path workDir;
  private boolean ownsWorkDir;
  private volatile boolean closing;
  private volatile java.util.function.Consumer<String> stderrListener = line -> { };

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
  }

  @Override
  public Future<Void> start() {
    return vertx.executeBlocking(this::spawn, false).onSuccess(v -> startPipes());
  }

  @Override
  public void send(JsonObject message) {
    if (closing) {
      return;
    }
    Object id = message.getValue("id");
    Object method = message.getValue("method");
    synchronized (stdoutLock) {
      if (method instanceof String && id != null) {
        owed.add(JsonRpcMessage.idKey(id));
        readStdoutOnPool();
      } else if ("notifications/cancelled".equals(method) && message.getValue("params") instanceof JsonObject params
          && params.getValue("requestId") != null) {
        owed.remove(JsonRpcMessage.idKey(params.getValue("requestId")));
      }
    }
    outbox.add(message.toBuffer());
    writeStdinOnPool();
  }

  @Override
  public Future<Void> close() {
    if (process == null) {
      return Future.succeededFuture();
    }
    if (!closing) {
      closing = true;
      outbox.add(END_OF_INPUT);
      writeStdinOnPool();
      vertx.executeBlocking(this::terminate, false);
    }
    return exited.future();
  }

  /** The operating-system process id, or -1 before start. */
  public long pid() {
    return process == null ? -1 : process.pid();
  }

  /**
   * Receives each stderr line as it is read (on the reader thread, so the listener must be
   * thread-safe), besides keeping the recent ones.
   */
  public StdioUpstream stderrHandler(java.util.function.Consumer<String> listener) {
    this.stderrListener = listener;
    return this;
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
      workDir = Files.createTempDirectory(dev.catwalk.sandbox.SessionDirectories.root(), "catwalk-session-");
      ownsWorkDir = true;
    }
    ProcessBuilder builder = new ProcessBuilder(spec.command()).directory(workDir.toFile());
    Map<String, String> environment = builder.environment();
    if (spec.exactEnv()) {
      environment.clear();
    } else {
      environment.keySet().retainAll(INHERITED_ENV);
    }
    environment.putAll(spec.env());
    try {
      // dev.catwalk.sandbox: started from one long-lived thread (bwrap --die-with-parent, PR_SET_PDEATHSIG)
      process = dev.catwalk.sandbox.ProcessSpawner.start(builder);
    } catch (IOException e) {
      deleteWorkDir();
      throw new IOException("cannot start '" + spec.command().get(0) + "': " + e.getMessage(), e);
    }
    return null;
  }

  private void startPipes() {
    stdoutLines = new LineSplitter(spec.maxLineBytes(), this::deliver);
    stderrLines = new LineSplitter(STDERR_LINE_BYTES, line -> keepStderr(line == LineSplitter.TOO_LONG
        ? "[catwalk] (long stderr line cut)" : new String(line, StandardCharsets.UTF_8)));
    synchronized (stdoutLock) {
      started = true;
      if (!owed.isEmpty()) {
        readStdoutOnPool();
      }
    }
    Poller.INSTANCE.add(this);
    process.onExit().thenRun(() -> {
      synchronized (stdoutLock) {
        processExited = true;
        readStdoutOnPool();
      }
    });
    writeStdinOnPool();
  }

  /** Hands stdout to a pool thread unless one has it (call holding {@link #stdoutLock}). */
  private void readStdoutOnPool() {
    if (started && !reading && !stdoutEnded) {
      reading = true;
      PIPES.execute(this::readStdout);
    }
  }

  /**
   * Reads stdout with blocking reads while the server owes an answer, has bytes waiting or has
   * exited (then up to the end of its output); then gives stdout back to the poller.
   */
  private void readStdout() {
    byte[] chunk = new byte[STDOUT_CHUNK];
    InputStream in = process.getInputStream();
    try {
      while (true) {
        synchronized (stdoutLock) {
          if (owed.isEmpty() && !processExited && in.available() == 0) {
            reading = false;
            return;
          }
        }
        int n = in.read(chunk);
        if (n < 0) {
          break;
        }
        stdoutLines.feed(chunk, n);
      }
      stdoutLines.end();
      in.close();
    } catch (IOException e) {
      LOG.debug("upstream {} stdout closed: {}", process.pid(), e.getMessage());
    }
    onStdoutEnded();
  }

  /**
   * Reads what stdout has available (on the poller's thread); the bytes read, or -1 while a pool
   * thread has stdout.
   */
  private int pollStdout(byte[] buffer, int maxBytes) {
    synchronized (stdoutLock) {
      if (reading || stdoutEnded) {
        return -1;
      }
      try {
        return readAvailable(process.getInputStream(), buffer, maxBytes, stdoutLines);
      } catch (IOException e) {
        LOG.debug("upstream {} stdout closed: {}", process.pid(), e.getMessage());
        return 0;
      }
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
    try {
      JsonObject message = new JsonObject(Buffer.buffer(line));
      Object id = message.getValue("id");
      if (id != null && !message.containsKey("method")) {
        synchronized (stdoutLock) {
          owed.remove(JsonRpcMessage.idKey(id));
        }
      }
      context.runOnContext(v -> messageHandler.handle(message));
    } catch (DecodeException | ClassCastException e) {
      note("ignored a stdout line that is not a JSON-RPC message (" + line.length + " bytes)");
    }
  }

  /** Adds a note of the gateway's to the stderr log, after what the server had written to stderr until then. */
  private void note(String text) {
    pollStderr(new byte[1024], Poller.MAX_BYTES_PER_POLL);
    keepStderr("[catwalk] " + text);
  }

  /**
   * Reads what stderr has available, which never blocks; the bytes read. Once stdout has ended,
   * reads the rest, closes the pipe and returns -1.
   */
  private int pollStderr(byte[] buffer, int maxBytes) {
    boolean last = stdoutEnded;
    synchronized (stderrLock) {
      InputStream in = process.getErrorStream();
      try {
        int read = readAvailable(in, buffer, last ? 16 * maxBytes : maxBytes, stderrLines);
        if (!last) {
          return read;
        }
        stderrLines.end();
        in.close();
      } catch (IOException e) {
        LOG.debug("upstream {} stderr closed: {}", process.pid(), e.getMessage());
      }
      return -1;
    }
  }

  /** Reads up to about {@code maxBytes} of what {@code in} has available, which never blocks; the bytes read. */
  private static int readAvailable(InputStream in, byte[] buffer, int maxBytes, LineSplitter lines) throws IOException {
    int total = 0;
    for (int n = in.available(); n > 0 && total < maxBytes; n = in.available()) {
      int read = in.read(buffer, 0, Math.min(n, buffer.length));
      if (read < 0) {
        break;
      }
      lines.feed(buffer, read);
      total += read;
    }
    return total;
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

  /** Starts writing the outbox on a pool thread unless one is writing it. */
  private void writeStdinOnPool() {
    if (process != null && !outbox.isEmpty() && writing.compareAndSet(false, true)) {
      PIPES.execute(this::writeStdin);
    }
  }

  private void writeStdin() {
    OutputStream out = process.getOutputStream();
    try {
      do {
        for (Buffer next = outbox.poll(); next != null; next = outbox.poll()) {
          if (next == END_OF_INPUT) {
            outbox.clear();
            out.close();
            return;
          }
          out.write(next.getBytes());
          out.write('\n');
        }
        out.flush();
        writing.set(false);
      } while (!outbox.isEmpty() && writing.compareAndSet(false, true));
    } catch (IOException e) {
      LOG.debug("upstream {} stdin closed: {}", process.pid(), e.getMessage());
      outbox.clear();
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
    synchronized (stdoutLock) {
      stdoutEnded = true;
      owed.clear();
    }
    outbox.add(END_OF_INPUT);
    writeStdinOnPool();
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
   * Reads, on one platform thread for the whole JVM, what every upstream's stderr has available, and
   * its stdout while no pool thread reads it (at most {@link #MAX_BYTES_PER_POLL} a pipe and poll),
   * which never blocks. A pipe is polled every {@link #MIN_WAIT_MILLIS} ms after it had data, and
   * less often the longer it stays empty, down to once every {@link #MAX_WAIT_MILLIS} ms: each poll
   * costs system calls, about 2,000 a second for 1,000 idle sessions. So a message an idle server
   * sends unasked arrives up to a second late, and a server that writes more than a pipe holds
   * (64 KB) between two polls waits for the next one.
   */
  private static final class Poller implements Runnable {
    static final Poller INSTANCE = new Poller();
    static final long MIN_WAIT_MILLIS = 100;
    static final long MAX_WAIT_MILLIS = 1_000;
    static final int MAX_BYTES_PER_POLL = 64 * 1024;

    private final Set<StdioUpstream> upstreams = ConcurrentHashMap.newKeySet();
    private final byte[] buffer = new byte[8192];
    private Thread thread;

    synchronized void add(StdioUpstream upstream) {
      upstreams.add(upstream);
      if (thread == null) {
        thread = Thread.ofPlatform().daemon().name("upstream-poller").start(this);
      }
    }

    @Override
    public void run() {
      while (true) {
        long now = TimeUnit.NANOSECONDS.toMillis(System.nanoTime());
        for (StdioUpstream upstream : upstreams) {
          try {
            if (upstream.stdoutPolls.due(now)) {
              upstream.stdoutPolls.polled(now, upstream.pollStdout(buffer, MAX_BYTES_PER_POLL));
            }
            if ((upstream.stdoutEnded || upstream.stderrPolls.due(now))
                && !upstream.stderrPolls.polled(now, upstream.pollStderr(buffer, MAX_BYTES_PER_POLL))) {
              upstreams.remove(upstream);
            }
          } catch (RuntimeException e) {
            upstreams.remove(upstream);
            LOG.warn("reading the pipes of upstream {} failed", upstream.pid(), e);
          }
        }
        try {
          Thread.sleep(MIN_WAIT_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
      }
    }
  }

  /** When the poller next reads one pipe (used on the poller's thread only). */
  private static final class PollSchedule {
    private long due;
    private long wait = Poller.MIN_WAIT_MILLIS;

    boolean due(long now) {
      return now >= due;
    }

    /** Schedules the next poll after one that read {@code read} bytes (-1: the pipe is not the poller's now); false for -1. */
    boolean polled(long now, int read) {
      wait = read == 0 ? Math.min(Poller.MAX_WAIT_MILLIS, wait * 2) : Poller.MIN_WAIT_MILLIS;
      due = now + wait;
      return read >= 0;
    }
  }
}
