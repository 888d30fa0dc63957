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
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * An MCP server as a child process speaking newline-delimited JSON-RPC on stdin/stdout (the MCP
 * stdio transport). stderr is kept, bounded, as the server's log.
 *
 * <p>Blocking pipe I/O runs on three virtual threads per process (stdout reader, stderr reader,
 * stdin writer), never on an event loop; stdout lines are parsed on the reader thread and handed
 * to the owning context. The child gets a scrubbed environment (only {@link #INHERITED_ENV} from
 * the gateway, plus the configured variables) so the gateway's own secrets never reach it, and
 * its own working directory. {@link #close()} ends the process and all its descendants.
 */
public final class StdioUpstream extends AbstractUpstream {

  /** Gateway environment variables a child inherits; everything else must be configured. */
  public static final List<String> INHERITED_ENV =
      List.of("PATH", "HOME", "USER", "LOGNAME", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "SHELL", "JAVA_HOME");

  private static final Logger LOG = LoggerFactory.getLogger(StdioUpstream.class);
  private static final Buffer END_OF_INPUT = Buffer.buffer();
  private static final long CLOSE_GRACE_MILLIS = 2_000;

  private final Vertx vertx;
  private final Context context;
  private final Spec spec;
  private final ArrayDeque<String> stderr = new ArrayDeque<>();
  private final BlockingQueue<Buffer> outbox = new LinkedBlockingQueue<>();
  private final Promise<Void> exited = Promise.promise();
  private Process process;
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
    Thread.ofVirtual().name("upstream-out-" + process.pid()).start(this::readStdout);
    Thread.ofVirtual().name("upstream-err-" + process.pid()).start(this::readStderr);
    Thread.ofVirtual().name("upstream-in-" + process.pid()).start(this::writeStdin);
  }

  private void readStdout() {
    try (InputStream in = process.getInputStream()) {
      LineReader lines = new LineReader(in, spec.maxLineBytes());
      for (byte[] line = lines.next(); line != null; line = lines.next()) {
        deliver(line);
      }
    } catch (IOException e) {
      LOG.debug("upstream {} stdout closed: {}", process.pid(), e.getMessage());
    }
    onStdoutEnded();
  }

  private void deliver(byte[] line) {
    if (line == LineReader.TOO_LONG) {
      keepStderr("[catwalk] dropped a stdout line longer than " + spec.maxLineBytes() + " bytes");
      return;
    }
    if (line.length == 0) {
      return;
    }
    try {
      JsonObject message = new JsonObject(Buffer.buffer(line));
      context.runOnContext(v -> messageHandler.handle(message));
    } catch (DecodeException | ClassCastException e) {
      keepStderr("[catwalk] ignored a stdout line that is not a JSON-RPC message (" + line.length + " bytes)");
    }
  }

  private void readStderr() {
    try (InputStream in = process.getErrorStream()) {
      LineReader lines = new LineReader(in, 8192);
      for (byte[] line = lines.next(); line != null; line = lines.next()) {
        keepStderr(line == LineReader.TOO_LONG ? "[catwalk] (long stderr line cut)" : new String(line, StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      LOG.debug("upstream {} stderr closed: {}", process.pid(), e.getMessage());
    }
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

  /** Splits a byte stream into lines (LF or CRLF), refusing lines longer than a bound. */
  private static final class LineReader {
    static final byte[] TOO_LONG = new byte[0];

    private final InputStream in;
    private final int maxBytes;
    private final byte[] chunk = new byte[16 * 1024];
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int position;
    private int limit;
    private boolean overflow;

    LineReader(InputStream in, int maxBytes) {
      this.in = in;
      this.maxBytes = maxBytes;
    }

    /** The next line without its terminator, {@link #TOO_LONG} for an oversized one, or null at the end. */
    byte[] next() throws IOException {
      while (true) {
        if (position == limit) {
          limit = in.read(chunk);
          position = 0;
          if (limit <= 0) {
            limit = 0;
            return finish();
          }
        }
        int start = position;
        while (position < limit && chunk[position] != '\n') {
          position++;
        }
        append(start, position);
        if (position < limit) {
          position++;
          return take();
        }
      }
    }

    private void append(int from, int to) {
      if (!overflow) {
        line.write(chunk, from, to - from);
        overflow = line.size() > maxBytes;
      }
    }

    private byte[] take() {
      byte[] result = overflow ? TOO_LONG : trimCr(line.toByteArray());
      line.reset();
      overflow = false;
      return result;
    }

    private byte[] finish() {
      return line.size() == 0 && !overflow ? null : take();
    }

    private static byte[] trimCr(byte[] bytes) {
      return bytes.length > 0 && bytes[bytes.length - 1] == '\r'
          ? java.util.Arrays.copyOf(bytes, bytes.length - 1) : bytes;
    }
  }
}
