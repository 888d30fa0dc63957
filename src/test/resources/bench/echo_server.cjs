// A stdio MCP server written with the TypeScript SDK, for relay benchmarks: one tool, echo.
// Run with NODE_PATH naming a node_modules that holds @modelcontextprotocol/sdk and zod.
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js');
const { z } = require('zod');

const server = new McpServer({ name: 'bench-echo-node', version: '1.0.0' });
server.registerTool('echo', { description: 'Echoes its arguments', inputSchema: { n: z.number().optional() } },
  async (args) => ({ content: [{ type: 'text', text: JSON.stringify(args) }] }));
server.connect(new StdioServerTransport());
