import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { chatGptSuite, TEST_API_KEY } from "../helpers/e2e-service.ts";

/**
 * Open WebUI's Ollama connection, replayed as its backend sends it (open-webui
 * backend/open_webui/routers/ollama.py): the connection check `GET /api/version`, the model list
 * `GET /api/tags` (its ids are the entries' `model`), the loaded models `GET /api/ps` (it parses
 * `expires_at` as ISO 8601), and `POST /api/chat` with `Content-Type: application/json`, the key
 * as `Authorization: Bearer`, `:latest` added to a name without a tag, `options` and
 * `keep_alive` from the model's settings, streamed for the chat and whole for its title task.
 * Open WebUI itself (Python, from PyPI) cannot be installed here; this is its wire.
 */

const suite = chatGptSuite();
const MODEL = defaultCatalogModel().slug;
const headers = { "Content-Type": "application/json", Authorization: `Bearer ${TEST_API_KEY}` };
const get = (path: string) => fetch(`${suite.e2e.service.url}${path}`, { headers });
const chat = (body: object) => fetch(`${suite.e2e.service.url}/api/chat`, { method: "POST", headers, body: JSON.stringify(body) });

test("the connection check, the model list and the loaded models answer as Open WebUI reads them", async () => {
  const version = (await (await get("/api/version")).json()) as { version?: unknown };
  assert.equal(typeof version.version, "string");
  const tags = (await (await get("/api/tags")).json()) as { models: { model: string; name: string }[] };
  const ids = tags.models.map((m) => m.model);
  assert.ok(ids.some((id) => id === MODEL || id === `${MODEL}:latest`), JSON.stringify(ids));
  const ps = (await (await get("/api/ps")).json()) as { models: { name: string; expires_at?: string }[] };
  for (const m of ps.models) if (m.expires_at !== undefined) assert.ok(!Number.isNaN(Date.parse(m.expires_at)), m.expires_at);
});

test("a chat streamed as NDJSON, with the :latest tag, options and keep_alive Open WebUI adds", async () => {
  suite.e2e.chatgpt.behave({ deltas: ["Open", " WebUI", " works."] });
  const res = await chat({
    model: `${MODEL}:latest`,
    messages: [{ role: "system", content: "You are helpful." }, { role: "user", content: "Hello" }],
    stream: true,
    options: { temperature: 0.8, num_ctx: 2048 },
    keep_alive: "5m",
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /application\/x-ndjson/);
  const lines = (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as { message?: { content: string }; done: boolean });
  assert.equal(lines.map((l) => l.message?.content ?? "").join(""), "Open WebUI works.");
  assert.equal(lines.at(-1)?.done, true);
  assert.equal(suite.e2e.chatgpt.modelCalls.at(-1)?.body.model, MODEL);
});

test("the title task: stream false, one JSON object; a refusal carries the `error` text Open WebUI shows", async () => {
  suite.e2e.chatgpt.behave({ deltas: ["A greeting"] });
  const res = await chat({ model: `${MODEL}:latest`, messages: [{ role: "user", content: "Create a title for: Hello" }], stream: false });
  const body = (await res.json()) as { message: { role: string; content: string }; done: boolean };
  assert.deepEqual([res.status, body.message.role, body.message.content, body.done], [200, "assistant", "A greeting", true]);

  // Open WebUI raises the status with res["error"] as the detail its user sees.
  const wrongKey = await fetch(`${suite.e2e.service.url}/api/chat`, {
    method: "POST",
    headers: { ...headers, Authorization: "Bearer not-the-key" },
    body: JSON.stringify({ model: `${MODEL}:latest`, messages: [{ role: "user", content: "Hi" }], stream: true }),
  });
  assert.equal(wrongKey.status, 401);
  assert.match(((await wrongKey.json()) as { error: string }).error, /key/i);
});
