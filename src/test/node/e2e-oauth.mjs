// Usage: node e2e-oauth.mjs <mcp-url>
// The TypeScript SDK client with its OAuth support against a gateway deployment, given only the URL:
// it discovers (401 -> protected resource metadata -> authorization server metadata), registers
// (RFC 7591), and prints "AUTHORIZE <url>" for the test to sign in and consent; the test then
// opens the redirect, which lands on this script's loopback callback. With the code the client
// finishes the flow, uses the server, refreshes its token, and prints one JSON object.
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { auth, UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [url] = process.argv.slice(2);
let resolveCode;
const codeArrived = new Promise((resolve) => { resolveCode = resolve; });
const server = http.createServer((req, res) => {
  const query = new URL(req.url, 'http://127.0.0.1').searchParams;
  res.writeHead(200, { 'Content-Type': 'text/plain' }).end('done');
  resolveCode({ code: query.get('code'), iss: query.get('iss'), error: query.get('error') });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const redirectUrl = `http://127.0.0.1:${server.address().port}/callback`;

const store = {};
const provider = {
  get redirectUrl() { return redirectUrl; },
  get clientMetadata() {
    return {
      client_name: 'catwalk-node-oauth',
      redirect_uris: [redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  },
  state: () => 'node-state',
  clientInformation: () => store.client,
  saveClientInformation: (info) => { store.client = info; },
  tokens: () => store.tokens,
  saveTokens: (tokens) => { store.tokens = tokens; },
  redirectToAuthorization: (authorizationUrl) => { console.log(`AUTHORIZE ${authorizationUrl}`); },
  saveCodeVerifier: (verifier) => { store.verifier = verifier; },
  codeVerifier: () => store.verifier,
};

try {
  const first = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  let challenged = false;
  try {
    await new Client({ name: 'catwalk-node-oauth', version: '1.0.0' }).connect(first);
  } catch (e) {
    if (!(e instanceof UnauthorizedError)) throw e;
    challenged = true;
  }
  const answer = await codeArrived;
  server.close();
  if (answer.error) throw new Error(`authorization refused: ${answer.error}`);
  await first.finishAuth(answer.code);
  const firstToken = store.tokens.access_token;

  const transport = new StreamableHTTPClientTransport(new URL(url), { authProvider: provider });
  const client = new Client({ name: 'catwalk-node-oauth', version: '1.0.0' });
  await client.connect(transport);
  const tools = (await client.listTools()).tools.map((t) => t.name);
  const echo = await client.callTool({ name: 'echo', arguments: { message: 'oauth from node' } });

  const refreshed = await auth(provider, { serverUrl: new URL(url) });
  const secondToken = store.tokens.access_token;
  const after = await client.callTool({ name: 'echo', arguments: { message: 'after refresh' } });
  await transport.terminateSession();
  await client.close();
  console.log(JSON.stringify({
    challenged,
    iss: answer.iss,
    clientId: store.client.client_id,
    tools,
    echo: echo.content[0].text,
    refreshed,
    tokenChanged: firstToken !== secondToken,
    after: after.content[0].text,
  }));
} catch (e) {
  console.error(e);
  process.exit(1);
}
