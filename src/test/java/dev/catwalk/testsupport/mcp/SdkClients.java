package dev.catwalk.testsupport.mcp;

import io.modelcontextprotocol.client.McpClient;
import io.modelcontextprotocol.spec.McpClientTransport;
import io.modelcontextprotocol.spec.McpSchema.ClientCapabilities;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageRequest;
import io.modelcontextprotocol.spec.McpSchema.CreateMessageResult;
import io.modelcontextprotocol.spec.McpSchema.ElicitResult;
import io.modelcontextprotocol.spec.McpSchema.Implementation;
import io.modelcontextprotocol.spec.McpSchema.Role;
import io.modelcontextprotocol.spec.McpSchema.TextContent;

import java.time.Duration;
import java.util.Map;

/** MCP Java SDK clients as the gateway tests use them. */
public final class SdkClients {

  private SdkClients() {
  }

  /**
   * A sync client with sampling (answers {@code model says: <first message>}) and elicitation
   * (accepts with {@code {"response": elicitationAnswer}}), 30 s request and 60 s initialization timeouts.
   */
  public static McpClient.SyncSpec sync(McpClientTransport transport, String clientName, String elicitationAnswer) {
    return McpClient.sync(transport)
        .clientInfo(Implementation.builder(clientName, "1.0.0").build())
        .requestTimeout(Duration.ofSeconds(30))
        .initializationTimeout(Duration.ofSeconds(60))
        .capabilities(ClientCapabilities.builder().sampling().elicitation().build())
        .sampling(SdkClients::sample)
        .elicitation(request -> new ElicitResult(ElicitResult.Action.ACCEPT, Map.of("response", elicitationAnswer)));
  }

  private static CreateMessageResult sample(CreateMessageRequest request) {
    return CreateMessageResult.builder(Role.ASSISTANT,
            "model says: " + ((TextContent) request.messages().get(0).content()).text(), "test-model")
        .stopReason(CreateMessageResult.StopReason.END_TURN).build();
  }
}
