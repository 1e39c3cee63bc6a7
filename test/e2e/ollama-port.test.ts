import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { Ollama } from "ollama";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { startChatGptE2E, waitHealthy, type ChatGptE2E } from "../helpers/e2e-service.ts";

/**
 * The keyless Ollama port (OLLAMA_PORT, OLLAMA_WITHOUT_KEY) as an Ollama app uses it: the real
 * `ollama` package with its default settings, no key, on the path users run. The main port
 * still wants the key, and a browser page is refused on the keyless one.
 */

const MODEL = defaultCatalogModel().slug;
let e2e: ChatGptE2E;
before(async () => {
  e2e = await startChatGptE2E({ env: { OLLAMA_PORT: "0", OLLAMA_WITHOUT_KEY: "true" } });
  await waitHealthy(e2e);
});
after(() => e2e.close());

test("an Ollama app without a key lists the models and chats on the Ollama port", async () => {
  const ollama = new Ollama({ host: e2e.service.ollamaUrl ?? "" });
  const { models } = await ollama.list();
  assert.ok(models.some((m) => m.model.startsWith(MODEL)), JSON.stringify(models.map((m) => m.model)));
  e2e.chatgpt.behave({ deltas: ["No", " key", " needed."] });
  const answer = await ollama.chat({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
  assert.equal(answer.message.content, "No key needed.");
});

test("the main port still wants the key; the keyless port refuses a browser page and serves nothing but Ollama's API", async () => {
  assert.equal((await fetch(`${e2e.service.url}/api/tags`)).status, 401);
  const page = await fetch(`${e2e.service.ollamaUrl ?? ""}/api/chat`, {
    method: "POST",
    headers: { Origin: "https://example.com", "Content-Type": "text/plain" },
    body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Hi" }] }),
  });
  assert.equal(page.status, 403);
  const calls = e2e.chatgpt.modelCalls.length;
  assert.equal((await fetch(`${e2e.service.ollamaUrl ?? ""}/v1/models`)).status, 404);
  assert.equal((await fetch(`${e2e.service.ollamaUrl ?? ""}/metrics`)).status, 404);
  assert.equal(e2e.chatgpt.modelCalls.length, calls, "nothing reached the model");
});
