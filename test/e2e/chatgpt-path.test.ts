import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertSignInAgain, authHeaders, type ChatGptE2E, startChatGptE2E, waitFor, waitHealthy } from "../helpers/e2e-service.ts";
import { LIVE_ONLY_MODEL } from "../helpers/chatgpt-backend-answers.ts";
import { parseSse } from "../helpers/sse.ts";
import type { BackendCall } from "../helpers/stand-in-chatgpt-backend.ts";

// The path users run: Codex's built-in provider, its default chatgpt.com URLs (tunnelled to the
// stand-in ChatGPT backend), a ChatGPT login, and the adapter's relay in between.

let e2e: ChatGptE2E;
before(async () => {
  e2e = await startChatGptE2E({ env: { CODEX_REQUEST_TIMEOUT_SECONDS: "8" } });
  await waitHealthy(e2e);
});
after(() => e2e.close());

type ChatBody = { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number } };
type ErrorBody = { error: { message: string; type: string; code: string | null } };

const chat = (body: object = {}) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], ...body }),
  });

/** The stand-in's calls from `from` on, other than the model stream itself. */
const restCalls = (from: number): BackendCall[] => e2e.chatgpt.calls.slice(from).filter((c) => c.endpoint !== "responses");

test("a chat answers from the ChatGPT backend's model stream, streaming and not, with exact usage", async () => {
  e2e.chatgpt.behave({ deltas: ["Hello", " from", " ChatGPT."], usage: { input_tokens: 31, cached_tokens: 0, output_tokens: 9, reasoning_tokens: 0 } });
  const plain = await chat();
  assert.equal(plain.status, 200);
  const body = (await plain.json()) as ChatBody;
  assert.equal(body.choices[0]?.message.content, "Hello from ChatGPT.");
  assert.deepEqual([body.usage.prompt_tokens, body.usage.completion_tokens], [31, 9]);

  const streamed = await chat({ stream: true, stream_options: { include_usage: true } });
  const { data } = parseSse(await streamed.text());
  assert.equal(data.at(-1), "[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number } });
  assert.equal(chunks.map((c) => c.choices[0]?.delta.content ?? "").join(""), "Hello from ChatGPT.");
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, 9);
  assert.ok(e2e.chatgpt.modelCalls.length >= 2);
});

test("a conversation continues on one warm thread: every turn reaches the model stream with one prompt_cache_key", async () => {
  e2e.chatgpt.behave({ deltas: ["Noted."] });
  const from = e2e.chatgpt.modelCalls.length;
  const messages: { role: string; content: string }[] = [];
  for (const text of ["first question", "second question", "third question"]) {
    messages.push({ role: "user", content: text });
    const res = await chat({ messages });
    assert.equal(res.status, 200);
    messages.push({ role: "assistant", content: ((await res.json()) as ChatBody).choices[0]?.message.content ?? "" });
  }
  const calls = e2e.chatgpt.modelCalls.slice(from);
  assert.equal(calls.length, 3);
  assert.ok(calls[0]?.body.prompt_cache_key, "Codex names its cache key");
  assert.equal(new Set(calls.map((c) => c.body.prompt_cache_key)).size, 1);
});

test("Codex's per-turn user-settings fetch never reaches the backend: the relay answers it", async () => {
  const from = e2e.chatgpt.calls.length;
  for (let i = 0; i < 3; i++) assert.equal((await chat()).status, 200);
  assert.deepEqual(e2e.chatgpt.calls.filter((c) => c.endpoint === "settings"), [], "no wham/settings/user call at all, since start");
  assert.deepEqual(restCalls(from).map((c) => c.path), [], "a request waits on no other backend call either");
  assert.ok(e2e.logs.some((l) => l.includes('"path":"wham/settings/user"') && l.includes('"how":"answered"')));
});

test("the plan's usage windows and credits reach /v1/usage, the x-ratelimit-* headers and the dashboard", async () => {
  e2e.chatgpt.setLimits({ primaryUsedPercent: 61, secondaryUsedPercent: 12 });
  const res = await chat();
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-ratelimit-primary-used-percent"), "61", "from the rate-limit headers of that very answer");
  assert.equal(res.headers.get("x-ratelimit-secondary-window-minutes"), String(e2e.chatgpt.limits.secondaryWindowMinutes));
  assert.equal(res.headers.get("x-ratelimit-credits-balance"), e2e.chatgpt.limits.credits.balance);

  const usage = (await (await fetch(`${e2e.baseURL}/usage`, { headers: authHeaders() })).json()) as {
    plan_type: string;
    primary: { used_percent: number; resets_at: number };
    secondary: { used_percent: number };
  };
  assert.equal(usage.plan_type, e2e.chatgpt.limits.planType);
  assert.deepEqual([usage.primary.used_percent, usage.primary.resets_at, usage.secondary.used_percent], [61, e2e.chatgpt.limits.primaryResetsAt, 12]);

  const state = (await (await fetch(`${e2e.service.url}/dashboard/api/state`)).json()) as {
    account: { planType: string; rateLimits: { primary: { usedPercent: number } } };
  };
  assert.equal(state.account.planType, e2e.chatgpt.limits.planType);
  assert.equal(state.account.rateLimits.primary.usedPercent, 61);
});

test("/v1/models lists the backend's live catalog, a model the pinned binary does not know included", async () => {
  const models = (await (await fetch(`${e2e.baseURL}/models`, { headers: authHeaders() })).json()) as { data: { id: string }[] };
  assert.ok(models.data.some((m) => m.id === LIVE_ONLY_MODEL), JSON.stringify(models.data));
});

test("a usage limit (429 with the limit headers) is a 429 until the reported reset", async () => {
  e2e.chatgpt.fault("model", 429);
  try {
    const res = await chat();
    assert.equal(res.status, 429);
    const body = (await res.json()) as ErrorBody;
    assert.equal(body.error.code, "upstream_rate_limit");
    const retryAfter = Number(res.headers.get("retry-after"));
    const untilReset = e2e.chatgpt.limits.primaryResetsAt - Math.floor(Date.now() / 1000);
    assert.ok(retryAfter > untilReset - 60 && retryAfter <= untilReset + 1, `Retry-After ${retryAfter}, reset in ${untilReset}`);
    assert.match(body.error.message, new RegExp(new Date(e2e.chatgpt.limits.primaryResetsAt * 1000).toISOString().slice(0, 16)));
  } finally {
    e2e.chatgpt.fault("model", undefined);
  }
});

test("a backend that hangs gives a clear error within the request timeout, and the next request after it recovers works", async () => {
  e2e.chatgpt.fault("model", "blackhole");
  const started = Date.now();
  try {
    const res = await chat();
    assert.equal(res.status, 504);
    const body = (await res.json()) as ErrorBody;
    assert.ok(body.error.message.length > 10, body.error.message);
    assert.ok(Date.now() - started < 8_000 + 3_000, `answered after ${Date.now() - started} ms`);
  } finally {
    e2e.chatgpt.fault("model", undefined);
  }
  await waitFor(async () => (await fetch(`${e2e.service.url}/healthz`)).status === 200, 20_000, "healthy again");
  const after = await chat();
  assert.equal(after.status, 200);
  assert.equal(((await after.json()) as ChatBody).choices[0]?.message.content.length ? "answered" : "empty", "answered");
});

test("the backend refusing the login (401) ends in 503 asking to sign in again, once Codex's own token refresh gave up", async () => {
  // Codex first tries to refresh the token at auth.openai.com (refused by the egress guard here).
  const patient = await startChatGptE2E({ env: { CODEX_REQUEST_TIMEOUT_SECONDS: "30" } });
  try {
    await waitHealthy(patient);
    patient.chatgpt.fault("model", 401);
    const res = await fetch(`${patient.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
    await assertSignInAgain(res);
  } finally {
    await patient.close();
  }
});

test("a workspace without a routing constraint (origin NO_CONSTRAINT) still gets its model stream through the relay", async () => {
  // Codex would send the model stream to chatgpt_base_url's origin, the relay's plain http one, and refuse it;
  // the relay names the real backend's origin instead, which is what Codex resolves without it.
  const open = await startChatGptE2E({ backend: { workspaceOrigin: "NO_CONSTRAINT" } });
  try {
    await waitHealthy(open);
    open.chatgpt.behave({ deltas: ["routed"] });
    const res = await fetch(`${open.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as ChatBody).choices[0]?.message.content, "routed");
    assert.ok(open.chatgpt.modelCalls.length >= 1);
  } finally {
    await open.close();
  }
});

test("neither the login's tokens nor a backend answer appear in the adapter's logs", () => {
  const secrets = ["fake-access-token", "fake-refresh-token", "acct-test", "commit_attribution_enabled", "Hello from ChatGPT"];
  const relayLines = e2e.logs.filter((l) => l.includes("chatgpt backend call"));
  assert.ok(relayLines.length > 3, "the relay logged its calls");
  for (const line of e2e.logs) for (const s of secrets) assert.ok(!line.includes(s), `log line leaks ${s}: ${line}`);
});
