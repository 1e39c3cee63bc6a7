import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { startE2E, TEST_API_KEY, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

// Where continuity lets go: a full table, an idle thread, a killed child. Each falls back to a
// fresh thread with the whole conversation replayed, and the answer is still right.
let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E({ env: { MAX_WARM_THREADS: "1", WARM_THREAD_IDLE_SECONDS: "2" } });
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
  e2e.upstream.behave((req) => {
    const users = (req.body.input ?? []).filter((i) => i.type === "message" && i.role === "user");
    return { deltas: ["echo: ", users.at(-1)?.content?.[0]?.text ?? ""] };
  });
});
after(() => e2e.close());

function backend(): AppServerBackend {
  const b = e2e.service.backend;
  assert.ok(b instanceof AppServerBackend);
  return b;
}

/** Asks and records the answer; returns the prompt_cache_key (Codex's thread id) and how many user messages the upstream saw. */
async function say(messages: ChatCompletionMessageParam[], text: string): Promise<{ key: string | undefined; users: number }> {
  messages.push({ role: "user", content: text });
  const before = e2e.upstream.modelCalls.length;
  const r = await client.chat.completions.create({ model: "codex-cli-default", messages });
  assert.equal(r.choices[0]?.message.content, `echo: ${text}`);
  messages.push({ role: "assistant", content: r.choices[0]?.message.content ?? "" });
  const call = e2e.upstream.modelCalls[before];
  return { key: call?.body.prompt_cache_key, users: (call?.body.input ?? []).filter((i) => i.type === "message" && i.role === "user").length };
}

test("MAX_WARM_THREADS reached: the least recently used thread is let go and unloaded by Codex; its conversation goes on on a fresh thread", async () => {
  const a: ChatCompletionMessageParam[] = [];
  const b: ChatCompletionMessageParam[] = [];
  const a1 = await say(a, "a1");
  assert.equal((await say(a, "a2")).key, a1.key, "continued while it was the only warm thread");
  const b1 = await say(b, "b1");
  await waitFor(async () => !(await backend().loadedThreadIds()).includes(a1.key ?? ""), 5000, "Codex to unload the evicted thread");
  assert.ok((await backend().loadedThreadIds()).includes(b1.key ?? ""), "the warm thread stays loaded");
  const a3 = await say(a, "a3");
  assert.notEqual(a3.key, a1.key);
  assert.equal(a3.users, 3, "the whole conversation was replayed to the fresh thread");
  assert.equal(backend().runtime().warmThreads?.misses.evicted_full, 1);
});

test("WARM_THREAD_IDLE_SECONDS passed: the idle thread is let go and unloaded; the conversation goes on on a fresh thread", async () => {
  const c: ChatCompletionMessageParam[] = [];
  const c1 = await say(c, "c1");
  await waitFor(async () => !(await backend().loadedThreadIds()).includes(c1.key ?? ""), 8000, "the idle thread to be unloaded");
  assert.equal(backend().runtime().warmThreads?.warm, 0);
  const c2 = await say(c, "c2");
  assert.notEqual(c2.key, c1.key);
  assert.equal(c2.users, 2);
  assert.equal(backend().runtime().warmThreads?.misses.evicted_idle, 1);
});

test("a killed Codex child forgets every warm thread: the next turn runs on a fresh thread of the new child, with the right answer", async () => {
  const d: ChatCompletionMessageParam[] = [];
  const d1 = await say(d, "d1");
  const pid = backend().runtime().pid;
  assert.ok(pid);
  process.kill(pid, "SIGKILL");
  await waitFor(() => backend().runtime().pid !== undefined && backend().runtime().pid !== pid, 15_000, "a new child");
  await waitHealthy(e2e);
  const d2 = await say(d, "d2");
  assert.notEqual(d2.key, d1.key);
  assert.equal(d2.users, 2);
  assert.equal(backend().runtime().warmThreads?.misses.restarted, 1);
  assert.equal((await say(d, "d3")).key, d2.key, "and continuity goes on on the new child");
});
