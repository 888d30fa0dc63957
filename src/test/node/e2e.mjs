// Usage: node e2e.mjs <mcp-url> <bearer-token>
// Connects with the TypeScript SDK's Streamable HTTP client, exercises server-everything's tools and
// prints one JSON object with what it saw; exits non-zero on any failure.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const [url, token] = process.argv.slice(2);
const transport = new StreamableHTTPClientTransport(new URL(url), {
  requestInit: { headers: { Authorization: `Bearer ${token}` } },
});
const client = new Client({ name: 'catwalk-node-e2e', version: '1.0.0' }, { capabilities: {} });
const progress = [];
try {
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'hello from node' } });
  const sum = await client.callTool({ name: 'get-sum', arguments: { a: 2, b: 40 } });
  const env = await client.callTool({ name: 'get-env', arguments: {} });
  const slow = await client.callTool(
    { name: 'trigger-long-running-operation', arguments: { duration: 1, steps: 3 } },
    undefined,
    { onprogress: (p) => progress.push(p.progress) },
  );
  const prompts = (await client.listPrompts()).prompts.map((p) => p.name);
  const sessionId = transport.sessionId;
  await transport.terminateSession();
  await client.close();
  console.log(JSON.stringify({
    sessionId,
    tools,
    prompts,
    echo: echo.content[0].text,
    sum: sum.content[0].text,
    env: env.content[0].text,
    slow: slow.content[0].text,
    progress,
  }));
} catch (e) {
  console.error(e);
  process.exit(1);
}
