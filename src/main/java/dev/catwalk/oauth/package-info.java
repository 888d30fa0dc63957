/**
 * OAuth 2.1 for MCP clients (MCP authorization, revision 2025-11-25): each deployment's endpoint
 * {@code /api/mcp/{id}} is a protected resource with its own RFC 9728 metadata, and the gateway's
 * origin is the authorization server (RFC 8414 metadata, RFC 7591 registration, authorization code
 * with PKCE S256, RFC 8707 resource indicators, rotating refresh tokens, RFC 7009 revocation).
 * Operator accounts sign in and consent through the pages of {@code dev.catwalk.web}.
 */
package dev.catwalk.oauth;
