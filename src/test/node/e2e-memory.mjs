// Usage: node e2e-memory.mjs <mcp-url> <bearer-token>
// The TypeScript SDK's Streamable HTTP client against @modelcontextprotocol/server-memory 2025.4.25,
// whose SDK (1.0.1) answers initialize with protocol version 2024-11-05: the client then sends
// "MCP-Protocol-Version: 2024-11-05" on every request. Prints one JSON object with what it saw;
// exits non-zero on any failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'catwalk-node-e2e-memory', version: '1.0.0' }, { capabilities: {} });
try {
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  await client.callTool({
    name: 'create_entities',
    arguments: { entities: [{ name: 'catwalk', entityType: 'gateway', observations: ['relays 2024-11-05'] }] },
  });
  const graph = await client.callTool({ name: 'read_graph', arguments: {} });
  const sessionId = transport.sessionId;
  const protocolVersion = transport.protocolVersion;
  await transport.terminateSession();
  await client.close();
  console.log(JSON.stringify({ sessionId, protocolVersion, tools, graph: graph.content[0].text }));
} catch (e) {
  console.error(e);
  process.exit(1);
}
