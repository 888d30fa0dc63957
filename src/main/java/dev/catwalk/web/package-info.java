/**
 * Server-rendered pages: {@link dev.catwalk.web.Web} gives every page the same protections (an
 * auto-escaping Thymeleaf template engine with one shared layout, a strict Content-Security-Policy
 * without inline script, CSRF tokens on every form, an HttpOnly SameSite=Lax session cookie that is
 * Secure behind HTTPS, no caching, no framing) and serves the stylesheet from the jar. See docs/web.md.
 */
package dev.catwalk.web;
