package dev.catwalk.mcp;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonRpcMessageTest {

  @Test
  void classifiesTheThreeShapesWithStringAndIntegerIds() {
    JsonRpcMessage request = one("{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"tools/call\",\"params\":{\"_meta\":{\"progressToken\":\"p1\"}}}");
    JsonRpcMessage notification = one("{\"jsonrpc\":\"2.0\",\"method\":\"notifications/initialized\"}");
    JsonRpcMessage result = one("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"result\":{}}");
    JsonRpcMessage error = one("{\"jsonrpc\":\"2.0\",\"id\":\"abc\",\"error\":{\"code\":-1,\"message\":\"x\"}}");

    assertThat(request.isRequest()).isTrue();
    assertThat(request.id()).isEqualTo(7L);
    assertThat(request.method()).isEqualTo("tools/call");
    assertThat(request.progressToken()).isEqualTo("p1");
    assertThat(notification.isNotification()).isTrue();
    assertThat(notification.id()).isNull();
    assertThat(result.isResponse()).isTrue();
    assertThat(result.id()).isEqualTo("abc");
    assertThat(error.isResponse()).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"id\":1,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"1.0\",\"id\":1,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"ping\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":42}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":\"s\"}",
      "{\"jsonrpc\":\"2.0\",\"id\":1}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":{},\"error\":{\"code\":1}}",
      "{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":\"bad\"}",
      "{\"jsonrpc\":\"2.0\",\"result\":{}}",
      "[]",
      "[1, 2]",
      "\"text\"",
      "42"})
  void rejectsWrongShapesAsInvalidRequest(String body) {
    assertThatThrownBy(() -> JsonRpcMessage.parse(Buffer.buffer(body), true))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.code()).isEqualTo(JsonRpcMessage.INVALID_REQUEST));
  }

  @ParameterizedTest
  @ValueSource(strings = {"{", "{\"jsonrpc\":\"2.0\",", "", "nul"})
  void rejectsMalformedJsonAsParseError(String body) {
    assertThatThrownBy(() -> JsonRpcMessage.parse(Buffer.buffer(body), true))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.code()).isEqualTo(JsonRpcMessage.PARSE_ERROR));
  }

  @Test
  void rejectsInvalidUtf8AsParseError() {
    Buffer invalid = Buffer.buffer(new byte[] {'{', '"', 'a', '"', ':', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});

    assertThatThrownBy(() -> JsonRpcMessage.parse(invalid, false))
        .isInstanceOfSatisfying(InvalidMessageException.class,
            e -> assertThat(e.code()).isIn(JsonRpcMessage.PARSE_ERROR, JsonRpcMessage.INVALID_REQUEST));
  }

  @Test
  void batchesOnlyWhereAllowed() {
    String batch = "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"ping\"},{\"jsonrpc\":\"2.0\",\"method\":\"n\"}]";

    List<JsonRpcMessage> messages = JsonRpcMessage.parse(Buffer.buffer(batch), true);

    assertThat(messages).extracting(JsonRpcMessage::kind)
        .containsExactly(JsonRpcMessage.Kind.REQUEST, JsonRpcMessage.Kind.NOTIFICATION);
    assertThatThrownBy(() -> JsonRpcMessage.parse(Buffer.buffer(batch), false))
        .hasMessageContaining("batches are not allowed");
  }

  @Test
  void errorResponsesCarryTheIdCodeAndMessage() {
    JsonObject error = JsonRpcMessage.error(5L, JsonRpcMessage.INTERNAL_ERROR, "upstream exited with code 1");

    assertThat(JsonRpcMessage.of(error).isResponse()).isTrue();
    assertThat(error.getJsonObject("error").getInteger("code")).isEqualTo(-32603);
    assertThat(error.getLong("id")).isEqualTo(5L);
  }

  private static JsonRpcMessage one(String json) {
    return JsonRpcMessage.parse(Buffer.buffer(json), false).get(0);
  }
}
