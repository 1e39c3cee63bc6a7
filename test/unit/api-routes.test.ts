import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { API_ROUTES, API_SCOPES, apiFamily, FAMILY_MOUNTS, routeLabel, type ApiFamily } from "../../src/http/api-routes.ts";
import { TEST_KEY, createTestApp } from "../helpers/fake-backend.ts";

/** What the app serves outside the API table: not labelled, not counted as API requests. */
const OUTSIDE_API = (route: string) => route === "GET /" || route === "HEAD /" || route === "GET /healthz" || route === "GET /metrics" || /^[A-Z]+ \/dashboard(\/|$)/.test(route);

const mounted = (mount: string, path: string) => (mount === "/" ? path : `${mount}${path}`);

/** Every route under each of its family's mounts, as `METHOD /path`. */
const expectedRoutes = () => API_ROUTES.flatMap((r) => FAMILY_MOUNTS[r.family].map((mount) => `${r.method} ${mounted(mount, r.path)}`));

/** docs/api.md's "Endpoints" section: its table and the notes below it. */
const endpointsDoc = (() => {
  const text = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
  const start = text.indexOf("## Endpoints");
  return text.slice(start, text.indexOf("\n## ", start));
})();

describe("the API route table", () => {
  test("every route the app serves is in the table, and every row is served under each of its family's mounts", () => {
    const { app } = createTestApp();
    // "ALL" entries are middleware (key checks, CORS, tracing), not routes.
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    assert.deepEqual([...new Set(served.filter((r) => !OUTSIDE_API(r)))].sort(), expectedRoutes().sort());
  });

  test("Ollama's API is served at the root only, and its routes are labelled by their own path", () => {
    assert.deepEqual(FAMILY_MOUNTS.ollama, ["/"]);
    assert.equal(routeLabel("/api/chat"), "/api/chat");
    assert.equal(routeLabel("/api/blobs/sha256:abc"), "/api/blobs/:digest");
    assert.equal(routeLabel("/v1/api/chat"), "/v1/unknown");
    assert.equal(routeLabel("/chat/completions"), "/v1/chat/completions");
    assert.equal(apiFamily("/api/chat"), "ollama");
    assert.equal(apiFamily("/v1/api/chat"), undefined);
  });

  test("no route is listed twice and no scope is shared by two families", () => {
    assert.equal(new Set(API_ROUTES.map((r) => `${r.method} ${r.path}`)).size, API_ROUTES.length);
    for (const route of API_ROUTES) assert.equal(apiFamily(route.path), route.family, route.path);
  });

  test("the key guards each route's whole scope, which answers unknown paths in its family's shape", async () => {
    const t = createTestApp();
    const shape: Record<ApiFamily, (body: Record<string, unknown>) => boolean> = {
      openai: (body) => typeof body["error"] === "object" && !("type" in body),
      anthropic: (body) => body["type"] === "error",
      ollama: (body) => typeof body["error"] === "string" && Object.keys(body).length === 1,
    };
    for (const { pattern, family } of API_SCOPES) {
      for (const mount of FAMILY_MOUNTS[family]) {
        const path = mounted(mount, pattern.replace("/*", "/nope"));
        const anonymous = await t.app.request(path);
        assert.equal(anonymous.status, 401, path);
        assert.ok(shape[family]((await anonymous.json()) as Record<string, unknown>), `${path}: a ${family}-shaped 401`);
        const keyed = await t.app.request(path, { headers: { authorization: `Bearer ${TEST_KEY}` } });
        assert.equal(keyed.status, 404, path);
        assert.ok(shape[family]((await keyed.json()) as Record<string, unknown>), `${path}: a ${family}-shaped 404`);
      }
    }
  });

  test("docs/api.md's endpoint table lists exactly the table's routes under each mount, with the family's key", () => {
    const rows = endpointsDoc.split("\n").filter((line) => line.startsWith("| `"));
    const documented = rows.flatMap((row) => {
      const [, endpoints = "", auth = ""] = row.split("|");
      return [...endpoints.matchAll(/`([A-Z]+ \/[^`\s]*)`/g)].map((m) => ({ route: m[1] ?? "", auth }));
    });
    const api = documented.filter((d) => !OUTSIDE_API(d.route));
    assert.deepEqual(api.map((d) => d.route).sort(), expectedRoutes().sort());
    for (const { route, auth } of api) {
      const family = apiFamily(route.replace(/^[A-Z]+ (\/v1)?/, ""));
      assert.equal(auth.includes("x-api-key"), family === "anthropic", `${route}: auth column "${auth.trim()}"`);
    }
  });

  test("docs/api.md's note on the key names every scope", () => {
    const note = endpointsDoc.slice(endpointsDoc.indexOf("- The bearer key is checked"));
    const named = new Set([...note.slice(0, note.indexOf("\n- ", 1)).matchAll(/`((?:\/v1)?\/[a-z_]+)`/g)].map((m) => m[1]));
    const scope = (s: (typeof API_SCOPES)[number]) => mounted(FAMILY_MOUNTS[s.family][0] ?? "/", s.pattern.replace("/*", ""));
    assert.deepEqual([...named].sort(), API_SCOPES.map(scope).sort());
  });
});
