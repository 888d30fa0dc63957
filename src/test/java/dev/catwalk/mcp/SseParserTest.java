package dev.catwalk.mcp;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The event-stream reader, fed whole and cut at every byte. */
class SseParserTest {

  private static final String STREAM = "\uFEFFid: 1-0\nretry: 2500\ndata: \n\n"
      + ": keep-alive\n\n"
      + "id: 1-1\r\nevent: message\r\ndata: {\"a\":\"h\u00e9llo \u2713\"}\r\n\r\n"
      + "data:first\rdata: second\r\rid\n"
      + "data: after-empty-id\n\n"
      + "id: bad\u0000id\ndata: x\n\n"
      + "retry: soon\nevent: other\ndata\n\n"
      + "data: unfinished";

  @Test
  void readsFieldsCommentsAndEveryLineEnding() {
    List<SseParser.Event> events = new ArrayList<>();
    SseParser parser = new SseParser(1024, events::add);

    parser.feed(Buffer.buffer(STREAM));

    assertThat(events).containsExactly(
        new SseParser.Event("1-0", "message", ""),
        new SseParser.Event("1-1", "message", "{\"a\":\"h\u00e9llo \u2713\"}"),
        new SseParser.Event("1-1", "message", "first\nsecond"),
        new SseParser.Event("", "message", "after-empty-id"),
        new SseParser.Event("", "message", "x"),
        new SseParser.Event("", "other", ""));
    assertThat(parser.retryMillis()).isEqualTo(2500);
    assertThat(parser.lastEventId()).isEmpty();
  }

  @Test
  void givesTheSameEventsWhenCutAtAnyByte() {
    byte[] bytes = STREAM.getBytes(StandardCharsets.UTF_8);
    List<SseParser.Event> whole = new ArrayList<>();
    new SseParser(1024, whole::add).feed(Buffer.buffer(bytes));
    for (int cut = 1; cut < bytes.length; cut++) {
      List<SseParser.Event> events = new ArrayList<>();
      SseParser parser = new SseParser(1024, events::add);
      parser.feed(Buffer.buffer(bytes).getBuffer(0, cut));
      parser.feed(Buffer.buffer(bytes).getBuffer(cut, bytes.length));
      assertThat(events).as("cut at byte %d", cut).isEqualTo(whole);
    }
  }

  @Test
  void anEventWithoutDataSetsTheIdWithoutDispatchingAndResetKeepsIt() {
    List<SseParser.Event> events = new ArrayList<>();
    SseParser parser = new SseParser(1024, events::add);

    parser.feed(Buffer.buffer("id: 3-0\nretry: 1000\n\ndata: cut off mid-ev"));
    parser.reset();
    parser.feed(Buffer.buffer("ent\n\ndata: next\n\n"));

    assertThat(events).containsExactly(new SseParser.Event("3-0", "message", "next"));
    assertThat(parser.lastEventId()).isEqualTo("3-0");
  }

  @Test
  void anOversizedEventComesWithoutDataAndTheNextOneIsIntact() {
    List<SseParser.Event> events = new ArrayList<>();
    SseParser parser = new SseParser(32, events::add);

    parser.feed(Buffer.buffer("id: 1\ndata: " + "x".repeat(100) + "\n\nid: 2\ndata: "
        + "y".repeat(20) + "\ndata: " + "z".repeat(20) + "\n\nid: 3\ndata: small\n\n"));

    assertThat(events).containsExactly(new SseParser.Event("1", "message", null),
        new SseParser.Event("2", "message", null), new SseParser.Event("3", "message", "small"));
  }
}
