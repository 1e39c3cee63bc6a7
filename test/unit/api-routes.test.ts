import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { API_MOUNTS, API_ROUTES, API_SCOPES, apiFamily, type ApiFamily } from "../../src/http/api-routes.ts";
import { TEST_KEY, createTestApp } from "../helpers/fake-backend.ts";

/** What the app serves outside the API table: not labelled, not counted as API requests. */
const OUTSIDE_API = (route: string) => route === "GET /healthz" || route === "GET /metrics" || /^[A-Z]+ \/dashboard(\/|$)/.test(route);

const mounted = (mount: string, path: string) => (mount === "/" ? path : `${mount}${path}`);

describe("the API route table", () => {
  test("every route the app serves is in the table, and every row is served under each mount", () => {
    const { app } = createTestApp();
    // "ALL" entries are middleware (key checks, CORS, tracing), not routes.
    const served = app.routes.filter((r) => r.method !== "ALL").map((r) => `${r.method} ${r.path}`);
    const expected = API_ROUTES.flatMap((r) => API_MOUNTS.map((mount) => `${r.method} ${mounted(mount, r.path)}`));
    assert.deepEqual([...new Set(served.filter((r) => !OUTSIDE_API(r)))].sort(), expected.sort());
  });

  test("no path is listed twice and no scope is shared by two families", () => {
    assert.equal(new Set(API_ROUTES.map((r) => r.path)).size, API_ROUTES.length);
    for (const route of API_ROUTES) assert.equal(apiFamily(route.path), route.family, route.path);
  });

  test("the key guards each route's whole scope, which answers unknown paths in its family's shape", async () => {
    const t = createTestApp();
    const shape: Record<ApiFamily, (body: Record<string, unknown>) => boolean> = {
      openai: (body) => typeof body["error"] === "object" && !("type" in body),
      anthropic: (body) => body["type"] === "error",
    };
    for (const { pattern, family } of API_SCOPES) {
      for (const mount of API_MOUNTS) {
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
});
