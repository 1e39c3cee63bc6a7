import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import type { ModelInfo } from "../../src/backend/types.ts";
import { FakeBackend, chatBody, createTestApp, fixedClock } from "../helpers/fake-backend.ts";
import { TestClock } from "../helpers/test-clock.ts";

interface ModelList {
  object: string;
  data: { id: string; object: string; created: number; owned_by: string }[];
}

const model = (id: string, isDefault = false): ModelInfo => ({
  id,
  displayName: id,
  isDefault,
  reasoningEfforts: ["low", "medium", "high"],
  inputModalities: ["text"],
});

describe("GET /v1/models", () => {
  test("lists codex-cli-default first and drops ids containing ':' or '/'", async () => {
    const backend = new FakeBackend();
    backend.models = [model("gpt-5.5", true), model("org/model"), model("llama3:8b"), model("gpt-5.5-mini"), model("codex-cli-default")];
    const t = createTestApp({ backend });
    const res = await t.request("/v1/models");
    assert.equal(res.status, 200);
    const body = (await res.json()) as ModelList;
    assert.equal(body.object, "list");
    assert.deepEqual(
      body.data.map((m) => m.id),
      ["codex-cli-default", "gpt-5.5", "gpt-5.5-mini"],
    );
    for (const m of body.data) {
      assert.equal(m.object, "model");
      assert.equal(m.created, fixedClock.nowSeconds());
      assert.equal(typeof m.owned_by, "string");
    }
  });

  test("an empty catalog still lists the default alias", async () => {
    const backend = new FakeBackend();
    backend.models = [];
    const t = createTestApp({ backend });
    const body = (await (await t.request("/v1/models")).json()) as ModelList;
    assert.deepEqual(
      body.data.map((m) => m.id),
      ["codex-cli-default"],
    );
  });

  test("a backend failure while listing is an OpenAI-shaped error, not a crash", async () => {
    const backend = new FakeBackend();
    backend.models = new BackendError("crashed", "Codex restarted");
    const t = createTestApp({ backend });
    const res = await t.request("/v1/models");
    assert.equal(res.status, 503);
    assert.ok(res.headers.get("retry-after"));
    const body = (await res.json()) as { error: { code: string } };
    assert.equal(body.error.code, "codex_restarting");
  });

  test("the catalog is cached between calls", async () => {
    const t = createTestApp();
    await t.request("/v1/models");
    await t.request("/models");
    assert.equal(t.backend.listModelsCalls, 1);
  });

  test("the catalog is read again once five minutes have passed", async () => {
    const clock = new TestClock();
    const t = createTestApp({ clock });
    await t.request("/v1/models");
    clock.advance(5 * 60_000 - 1);
    await t.request("/v1/models");
    assert.equal(t.backend.listModelsCalls, 1);
    clock.advance(1);
    await t.request("/v1/models");
    assert.equal(t.backend.listModelsCalls, 2);
  });
});

describe("route aliases", () => {
  for (const path of ["/v1/models", "/models", "//v1/models", "/v1/models/", "/v1//models"]) {
    test(`GET ${path} -> 200 model list`, async () => {
      const t = createTestApp();
      const res = await t.request(`http://localhost${path}`);
      assert.equal(res.status, 200);
      const body = (await res.json()) as ModelList;
      assert.equal(body.object, "list");
    });
  }

  for (const path of ["/v1/chat/completions", "/chat/completions", "/v1/chat/completions/", "//v1/chat/completions", "//chat/completions"]) {
    test(`POST ${path} -> 200 completion`, async () => {
      const t = createTestApp();
      const res = await t.request(`http://localhost${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(chatBody()),
      });
      assert.equal(res.status, 200);
      const body = (await res.json()) as { object: string };
      assert.equal(body.object, "chat.completion");
      assert.equal(t.backend.turns.length, 1);
    });
  }

  for (const [method, path] of [
    ["GET", "/v1/chat/completions"],
    ["POST", "/v1/models"],
  ] as const) {
    test(`${method} ${path} (wrong method) -> 404 not_found JSON`, async () => {
      const t = createTestApp();
      const res = await t.request(path, { method });
      assert.equal(res.status, 404);
      const body = (await res.json()) as { error: { code: string } };
      assert.equal(body.error.code, "not_found");
    });
  }
});
