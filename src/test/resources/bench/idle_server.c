/*
 * The lightest stdio MCP server the idle-session benchmark could find (about 50 KB of private
 * memory per process when linked statically), so that 1,000 sessions each with their own server
 * fit on a small machine. One JSON-RPC message a line on stdin; it answers requests only:
 * initialize (echoing the requested protocol version), ping, tools/list (no tools), anything
 * else "method not found". Notifications and responses are read and ignored. Not a JSON parser:
 * it reads the top-level "id" and "method" members and the first "protocolVersion" string,
 * which is all a benchmark client sends.
 *
 * Built by dev.catwalk.bench.RelayBenchmark: gcc -O2 -static -o idle_server idle_server.c
 */
#include <stdio.h>
#include <string.h>

#define MAX_LINE (1 << 20)

static char line[MAX_LINE];

/* Span of the raw JSON value after a top-level key, or 0 when the key is absent. */
static int member(const char *json, const char *key, const char **start, size_t *length) {
  size_t key_length = strlen(key);
  int depth = 0;
  int expect_key = 0;
  for (const char *p = json; *p; p++) {
    if (*p == '"') {
      const char *s = ++p;
      while (*p && *p != '"') {
        if (*p == '\\' && p[1]) {
          p++;
        }
        p++;
      }
      if (!*p) {
        return 0;
      }
      if (depth == 1 && expect_key && (size_t) (p - s) == key_length && strncmp(s, key, key_length) == 0) {
        const char *v = p + 1;
        while (*v == ' ' || *v == '\t' || *v == ':') {
          v++;
        }
        const char *e = v;
        if (*e == '"') {
          for (e++; *e && *e != '"'; e++) {
            if (*e == '\\' && e[1]) {
              e++;
            }
          }
          if (*e) {
            e++;
          }
        } else {
          while (*e && *e != ',' && *e != '}' && *e != ' ' && *e != '\n' && *e != '\r') {
            e++;
          }
        }
        *start = v;
        *length = (size_t) (e - v);
        return e > v;
      }
      expect_key = 0;
    } else if (*p == '{' || *p == '[') {
      depth++;
      expect_key = *p == '{';
    } else if (*p == '}' || *p == ']') {
      depth--;
    } else if (*p == ',' && depth == 1) {
      expect_key = 1;
    }
  }
  return 0;
}

int main(void) {
  while (fgets(line, sizeof line, stdin)) {
    const char *id;
    const char *method;
    size_t id_length;
    size_t method_length;
    if (!member(line, "id", &id, &id_length) || !member(line, "method", &method, &method_length)) {
      continue;
    }
    if (method_length == 12 && strncmp(method, "\"initialize\"", 12) == 0) {
      const char *version = "\"2025-06-18\"";
      int version_length = 12;
      const char *found = strstr(line, "\"protocolVersion\"");
      if (found) {
        const char *v = strchr(found + 17, '"');
        const char *e = v ? strchr(v + 1, '"') : NULL;
        if (e && e - v < 32) {
          version = v;
          version_length = (int) (e - v + 1);
        }
      }
      printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":{\"protocolVersion\":%.*s,\"capabilities\":{\"tools\":{}},"
             "\"serverInfo\":{\"name\":\"bench-idle\",\"version\":\"1\"}}}\n",
             (int) id_length, id, version_length, version);
    } else if (method_length == 6 && strncmp(method, "\"ping\"", 6) == 0) {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":{}}\n", (int) id_length, id);
    } else if (method_length == 12 && strncmp(method, "\"tools/list\"", 12) == 0) {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"result\":{\"tools\":[]}}\n", (int) id_length, id);
    } else {
      printf("{\"jsonrpc\":\"2.0\",\"id\":%.*s,\"error\":{\"code\":-32601,\"message\":\"method not found\"}}\n",
             (int) id_length, id);
    }
    fflush(stdout);
  }
  return 0;
}
