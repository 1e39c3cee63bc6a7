import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { STAND_IN_MODEL } from "../helpers/chatgpt-backend-answers.ts";
import { startChatGptE2E, type ChatGptE2E } from "../helpers/chatgpt-e2e-service.ts";
import { authHeaders, waitFor, waitHealthy } from "../helpers/e2e-service.ts";
import { DEFAULT_USAGE } from "../helpers/responses-answer.ts";
import type { Endpoint, Fault } from "../helpers/stand-in-chatgpt-backend.ts";
import { parseSse } from "../helpers/sse.ts";
import { assertUsageLimitAnswer } from "../helpers/usage-limit-answer.ts";

/**
 * The path users run, against the real pinned binary: Codex's built-in provider with a ChatGPT
 * login, its ChatGPT backend played by the stand-in (https on 127.0.0.1, throwaway CA).
 */

type ErrorBody = { error: { message: string; type: string; code: string | null } };
type Completion = { choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number } };
type Window = { usedPercent: number; windowMinutes: number | null; resetsAt: number | null } | null;
type DashboardState = { account: { signedIn: boolean; planType: string | null; rateLimits: { primary: Window; secondary: Window } | null } };

let e2e: ChatGptE2E;
before(async () => {
  e2e = await startChatGptE2E({ env: { CODEX_REQUEST_TIMEOUT_SECONDS: "20" } });
  await waitHealthy(e2e);
});
after(() => e2e.close());

const chat = (target: ChatGptE2E, body: object = {}) =>
  fetch(`${target.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });

test("a turn answers with the stand-in's text and usage, over the WebSocket, and nothing leaves 127.0.0.1", async () => {
  e2e.backend.behave({ deltas: ["The ", "answer ", "is ", "42."] });
  const seen = e2e.backend.modelCalls.length;
  const res = await chat(e2e);
  assert.equal(res.status, 200);
  const body = (await res.json()) as Completion;
  assert.equal(body.choices[0]?.message.content, "The answer is 42.");
  assert.equal(body.usage.prompt_tokens, DEFAULT_USAGE.input_tokens);
  assert.equal(body.usage.completion_tokens, DEFAULT_USAGE.output_tokens);
  assert.equal(body.usage.total_tokens, DEFAULT_USAGE.input_tokens + DEFAULT_USAGE.output_tokens);
  const call = e2e.backend.modelCalls[seen];
  assert.equal(call?.transport, "ws");
  assert.equal(call.body.model, STAND_IN_MODEL, "the default model is the live catalog's");
  // Every backend call carries the login and the workspace's account, and no call went anywhere else.
  const rest = e2e.backend.calls.filter((c) => c.transport === "http");
  assert.ok(rest.length > 0 && rest.every((c) => c.headers.includes("authorization") && c.headers.includes("chatgpt-account-id")));
  assert.deepEqual([...e2e.egress.attempts], []);
});

test("streaming: every delta of the stand-in arrives as its own chunk, then usage and [DONE]", async () => {
  const deltas = Array.from({ length: 12 }, (_, i) => `w${i} `);
  e2e.backend.behave({ deltas, deltaIntervalMs: 5, usage: { input_tokens: 77, cached_tokens: 0, output_tokens: 12, reasoning_tokens: 0 } });
  const res = await chat(e2e, { stream: true, stream_options: { include_usage: true } });
  assert.equal(res.status, 200);
  const { data } = parseSse(await res.text());
  assert.equal(data.at(-1), "[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as { choices: { delta: { content?: string } }[]; usage?: { prompt_tokens: number; completion_tokens: number } });
  assert.deepEqual(chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).filter(Boolean), deltas);
  assert.equal(chunks.at(-1)?.usage?.prompt_tokens, 77);
  assert.equal(chunks.at(-1)?.usage?.completion_tokens, 12);
});

test("/v1/models lists the catalog the backend served (codex/models), not Codex's bundled one", async () => {
  const res = await fetch(`${e2e.baseURL}/models`, { headers: authHeaders() });
  assert.equal(res.status, 200);
  const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  assert.ok(ids.includes(STAND_IN_MODEL), ids.join(","));
  assert.ok(e2e.backend.calls.some((c) => c.path === "/backend-api/codex/models?client_version="), "the catalog was fetched (query values are not recorded)");
});

test("the dashboard shows the plan and both usage windows the backend reported (wham/usage)", async () => {
  const limits = e2e.backend.limits;
  const res = await fetch(`${e2e.service.url}/dashboard/api/state`);
  assert.equal(res.status, 200);
  const { account } = (await res.json()) as DashboardState;
  assert.equal(account.signedIn, true);
  assert.equal(account.planType, "plus");
  assert.deepEqual(account.rateLimits?.primary, { usedPercent: limits.primaryUsedPercent, windowMinutes: limits.primaryWindowMinutes, resetsAt: limits.primaryResetsAt });
  assert.deepEqual(account.rateLimits?.secondary, { usedPercent: limits.secondaryUsedPercent, windowMinutes: limits.secondaryWindowMinutes, resetsAt: limits.secondaryResetsAt });
  assert.ok(e2e.backend.calls.some((c) => c.endpoint === "usage"));
});

test("a usage limit (429 with the x-codex limit headers) becomes 429 upstream_rate_limit with Retry-After until the reset", async () => {
  const resetsAt = Math.floor(Date.now() / 1000) + 1800;
  e2e.backend.setLimits({ primaryResetsAt: resetsAt });
  e2e.backend.fault("model", 429);
  try {
    const started = Date.now();
    // The reset comes from the limit headers of the 429 (Codex's pushed snapshot), not from wham/usage.
    await assertUsageLimitAnswer(await chat(e2e), resetsAt, 1800);
    assert.ok(Date.now() - started < 5000, "no hidden retries of a usage limit");
  } finally {
    e2e.backend.fault("model", undefined);
  }
  assert.equal((await chat(e2e)).status, 200, "answers again once the limit is lifted");
});

test("the HTTP fallback: with WebSocket upgrades refused, the zstd POST answers the same", async () => {
  const fallback = await startChatGptE2E({ backend: { refuseWebSocket: true } });
  try {
    await waitHealthy(fallback);
    fallback.backend.behave({ deltas: ["over ", "https"] });
    const res = await chat(fallback);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Completion).choices[0]?.message.content, "over https");
    assert.deepEqual(fallback.backend.modelCalls.map((c) => c.transport), ["http"]);
    assert.equal(fallback.backend.modelCalls[0]?.body.model, STAND_IN_MODEL, "the compressed body was decoded");
    assert.ok(fallback.backend.calls.some((c) => c.transport === "ws" && c.method === "GET"), "Codex tried the upgrade first");
    assert.deepEqual([...fallback.egress.attempts], []);
  } finally {
    await fallback.close();
  }
});

const SIGN_IN_AGAIN_CASES: readonly { name: string; faults: readonly [Endpoint | "model", Fault][]; loginDropped: boolean }[] = [
  // Codex retries 5 times over the WebSocket, falls back to HTTPS and refreshes its token before each POST: about 13 s.
  { name: "a backend 401 that outlasts a successful token refresh", faults: [["model", 401]], loginDropped: false },
  { name: "a backend 401 whose token refresh is refused (login revoked)", faults: [["model", 401], ["token-refresh", 401]], loginDropped: true },
];

for (const c of SIGN_IN_AGAIN_CASES) {
  test(`${c.name} becomes 503 asking to sign in again`, async () => {
    const own = await startChatGptE2E({ env: { CODEX_REQUEST_TIMEOUT_SECONDS: "40" } }); // the login may not survive
    try {
      await waitHealthy(own);
      for (const [target, fault] of c.faults) own.backend.fault(target, fault);
      const res = await chat(own);
      assert.equal(res.status, 503);
      const body = (await res.json()) as ErrorBody;
      assert.equal(body.error.code, "codex_login_required");
      assert.match(body.error.message, /sign in again/);
      assert.ok(own.backend.calls.some((call) => call.endpoint === "token-refresh"), "Codex tried to refresh its token first");
      assert.deepEqual([...own.egress.attempts], [], "the refresh went to the stand-in, not to auth.openai.com");
      if (c.loginDropped) await waitFor(async () => (await fetch(`${own.service.url}/healthz`)).status === 503, 5000, "healthz 503 after the refusal");
    } finally {
      await own.close();
    }
  });
}

test("workspace routing: with Codex's default model base, the stream goes to the origin accounts/check names", async () => {
  // Codex 0.171.0 then fetches codex/models from chatgpt.com itself (refused by the egress guard,
  // and the bundled catalog used), so this instance names a bundled model's alias: the default.
  const routed = await startChatGptE2E({ pinModelBase: false, env: { CODEX_REQUEST_TIMEOUT_SECONDS: "40" } });
  try {
    await waitHealthy(routed);
    routed.backend.behave({ deltas: ["routed"] });
    const res = await chat(routed);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as Completion).choices[0]?.message.content, "routed");
    assert.equal(routed.backend.modelCalls.length, 1);
    assert.ok(!routed.backend.calls.some((c) => c.endpoint === "models"), "the catalog is not fetched from chatgpt_base_url");
    assert.deepEqual([...routed.egress.attempts.keys()], ["chatgpt.com:443"], "only the catalog fetch tried to leave");
  } finally {
    await routed.close();
  }
});
