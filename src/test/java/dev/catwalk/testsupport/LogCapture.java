package dev.catwalk.testsupport;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/** Records every log event of this JVM while open (Catwalk's own at DEBUG and up), message and stack trace. */
public final class LogCapture extends AppenderBase<ILoggingEvent> implements AutoCloseable {

  private final List<String> lines = new ArrayList<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  private final Logger catwalk = (Logger) LoggerFactory.getLogger("dev.catwalk");
  private ch.qos.logback.classic.Level previous;

  private LogCapture() {
  }

  /** Starts recording. */
  public static LogCapture begin() {
    LogCapture capture = new LogCapture();
    capture.setContext(capture.root.getLoggerContext());
    capture.start0();
    return capture;
  }

  private void start0() {
    previous = catwalk.getLevel();
    catwalk.setLevel(ch.qos.logback.classic.Level.DEBUG);
    super.start();
    root.addAppender(this);
  }

  @Override
  protected synchronized void append(ILoggingEvent event) {
    String line = event.getLoggerName() + " " + event.getFormattedMessage();
    if (event.getThrowableProxy() != null) {
      line += "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
    }
    lines.add(line);
  }

  /** Everything recorded so far. */
  public synchronized List<String> lines() {
    return List.copyOf(lines);
  }

  @Override
  public void close() {
    root.detachAppender(this);
    catwalk.setLevel(previous);
    stop();
  }
}
