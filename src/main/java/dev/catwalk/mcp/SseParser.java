package dev.catwalk.mcp;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Reads a {@code text/event-stream} as the HTML living standard's EventSource does: lines end with
 * LF, CRLF or CR (also across chunk boundaries), {@code :} starts a comment, {@code data} lines of
 * one event are joined with LF, {@code id} sets the last event id (kept across events and
 * reconnections), {@code retry} sets the reconnection delay, an empty line dispatches the event.
 * Events without a {@code data} field are not dispatched. Lines are decoded as UTF-8 only when complete, so
 * characters split across chunks survive.
 *
 * <p>Bounded: an event whose data exceeds {@code maxEventBytes} is dispatched with null data (its id
 * still counts). Not thread-safe; feed it from one context.
 */
final class SseParser {

  /**
   * One dispatched event.
   *
   * @param lastEventId the last event id when it was dispatched, or null if none was ever set
   * @param type        the {@code event} field, {@code message} when absent
   * @param data        the data lines joined with LF, or null when the event was larger than the bound
   */
  record Event(String lastEventId, String type, String data) {
  }

  private final int maxEventBytes;
  private final Consumer<Event> events;
  private Buffer line = Buffer.buffer();
  private final StringBuilder data = new StringBuilder();
  private boolean lineTooLong;
  private boolean afterCr;
  private boolean firstLine = true;
  private boolean hasData;
  private int dataBytes;
  private boolean eventTooLarge;
  private String type = "";
  private String idBuffer;
  private String lastEventId;
  private long retryMillis = -1;

  SseParser(int maxEventBytes, Consumer<Event> events) {
    this.maxEventBytes = maxEventBytes;
    this.events = events;
  }

  /** Consumes the next chunk of the stream, dispatching every event it completes. */
  void feed(Buffer chunk) {
    int length = chunk.length();
    int start = 0;
    for (int i = 0; i < length; i++) {
      byte b = chunk.getByte(i);
      if (b != '\r' && b != '\n') {
        afterCr = false;
        continue;
      }
      append(chunk, start, i);
      start = i + 1;
      if (b == '\n' && afterCr) {
        afterCr = false;
        continue;
      }
      afterCr = b == '\r';
      endLine();
    }
    if (start < length) {
      append(chunk, start, length);
    }
  }

  /** Forgets a partly received line and event (a new connection starts); keeps the last event id and retry. */
  void reset() {
    clearLine();
    clearEvent();
    afterCr = false;
    firstLine = true;
    idBuffer = lastEventId;
  }

  /** The id of the last dispatched event that had one (also priming events without data), or null. */
  String lastEventId() {
    return lastEventId;
  }

  /** The last {@code retry} value in milliseconds, or -1 when the server sent none. */
  long retryMillis() {
    return retryMillis;
  }

  private void append(Buffer chunk, int from, int to) {
    if (from == to || lineTooLong) {
      return;
    }
    if (line.length() + to - from > maxEventBytes + 16) {
      lineTooLong = true;
      return;
    }
    line.appendBuffer(chunk, from, to - from);
  }

  private void endLine() {
    boolean tooLong = lineTooLong;
    int bytes = line.length();
    String text = tooLong ? "" : decodeLine();
    clearLine();
    if (tooLong) {
      eventTooLarge = true;
      hasData = true;
      return;
    }
    if (text.isEmpty()) {
      dispatch();
      return;
    }
    if (text.charAt(0) == ':') {
      return;
    }
    int colon = text.indexOf(':');
    String field = colon < 0 ? text : text.substring(0, colon);
    String value = colon < 0 ? "" : text.substring(value(text, colon));
    field(field, value, bytes);
  }

  private String decodeLine() {
    String text = line.toString(StandardCharsets.UTF_8);
    if (firstLine) {
      firstLine = false;
      if (text.startsWith("\uFEFF")) {
        text = text.substring(1);
      }
    }
    return text;
  }

  private static int value(String text, int colon) {
    return colon + 1 < text.length() && text.charAt(colon + 1) == ' ' ? colon + 2 : colon + 1;
  }

  private void field(String field, String value, int lineBytes) {
    switch (field) {
      case "data" -> {
        hasData = true;
        dataBytes += lineBytes;
        if (dataBytes > maxEventBytes) {
          eventTooLarge = true;
        } else {
          data.append(value).append('\n');
        }
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          idBuffer = value;
        }
      }
      case "event" -> type = value;
      case "retry" -> {
        if (!value.isEmpty() && value.length() <= 9 && value.chars().allMatch(c -> c >= '0' && c <= '9')) {
          retryMillis = Long.parseLong(value);
        }
      }
      default -> { }
    }
  }

  private void dispatch() {
    lastEventId = idBuffer;
    if (hasData) {
      String payload = eventTooLarge ? null : data.substring(0, Math.max(0, data.length() - 1));
      events.accept(new Event(lastEventId, type.isEmpty() ? "message" : type, payload));
    }
    clearEvent();
  }

  private void clearLine() {
    if (line.length() > 0) {
      line = Buffer.buffer();
    }
    lineTooLong = false;
  }

  private void clearEvent() {
    data.setLength(0);
    dataBytes = 0;
    hasData = false;
    eventTooLarge = false;
    type = "";
  }
}
