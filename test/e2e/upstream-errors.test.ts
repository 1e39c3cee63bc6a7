import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { assertSignInAgain, authHeaders, type E2E, startE2E, waitHealthy } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { assertUsageLimitAnswer } from "../helpers/usage-limit-answer.ts";

/** Below the smallest CODEX_REQUEST_TIMEOUT_SECONDS (5): the timeout test waits less for it. */
const REQUEST_TIMEOUT_MS = 3000;

let e2e: E2E;
before(async () => {
  e2e = await startE2E({ limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS } });
  await waitHealthy(e2e);
});
after(() => e2e.close());

type ErrorBody = { error: { message: string; type: string; code: string | null } };

const chat = (body: object = {}) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });

test("an upstream 429 becomes 429 upstream_rate_limit promptly, with Retry-After", async () => {
  e2e.upstream.behave({
    status: 429,
    headers: { "retry-after": "20" },
    errorBody: { error: { type: "rate_limit_exceeded", code: "rate_limit_exceeded", message: "Rate limit reached" } },
  });
  const started = Date.now();
  const res = await chat();
  assert.equal(res.status, 429);
  const body = (await res.json()) as ErrorBody;
  assert.equal(body.error.code, "upstream_rate_limit");
  assert.match(body.error.message, /rate limit/i);
  assert.ok(Number(res.headers.get("retry-after")) > 0);
  assert.ok(Date.now() - started < 4000, "no minutes of hidden retries");
});

test("a ChatGPT usage limit becomes 429 upstream_rate_limit with Retry-After until the reported reset", async () => {
  const resetsAt = Math.floor(Date.now() / 1000) + 3600;
  e2e.upstream.behave({
    status: 429,
    // The rate-limit headers the ChatGPT backend sends; Codex turns them into its rate-limit snapshot.
    headers: {
      "x-codex-primary-used-percent": "100",
      "x-codex-primary-window-minutes": "300",
      "x-codex-primary-reset-at": String(resetsAt),
    },
    errorBody: { error: { type: "usage_limit_reached", message: "The usage limit has been reached", plan_type: "plus", resets_at: resetsAt, resets_in_seconds: 3600 } },
  });
  await assertUsageLimitAnswer(await chat(), resetsAt, 3600);
});

test("a context window overflow becomes 400 context_length_exceeded", async () => {
  e2e.upstream.behave({
    status: 400,
    errorBody: { error: { type: "invalid_request_error", code: "context_length_exceeded", message: "Your input exceeds the context window of this model." } },
  });
  const res = await chat();
  assert.equal(res.status, 400);
  assert.equal(((await res.json()) as ErrorBody).error.code, "context_length_exceeded");
});

test("an unknown model becomes 404 model_not_found", async () => {
  e2e.upstream.behave({
    status: 404,
    errorBody: { error: { type: "invalid_request_error", code: "model_not_found", message: "The model does not exist" } },
  });
  const res = await chat({ model: "no-such-model" });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as ErrorBody).error.code, "model_not_found");
});

test("an upstream 401 (login expired or revoked), once Codex's own retries give up, becomes 503 asking to sign in again", async () => {
  // Codex retries a 401 for about 6 s (for a ChatGPT login that is where it refreshes its token),
  // so this needs a longer request timeout than the rest of the file.
  const patient = await startE2E({ env: { CODEX_REQUEST_TIMEOUT_SECONDS: "30" } });
  try {
    await waitHealthy(patient);
    patient.upstream.behave({ status: 401, errorBody: { error: { type: "invalid_request_error", code: "invalid_api_key", message: "token expired" } } });
    const res = await fetch(`${patient.baseURL}/chat/completions`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    });
    await assertSignInAgain(res);
  } finally {
    await patient.close();
  }
});

test("a streaming request whose upstream fails before any token gets a plain HTTP error, not a stream", async () => {
  e2e.upstream.behave({ status: 429, errorBody: { error: { type: "rate_limit_exceeded", message: "Rate limit reached" } } });
  const res = await chat({ stream: true });
  assert.equal(res.status, 429);
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
});

test("a turn that outlives CODEX_REQUEST_TIMEOUT_SECONDS ends with 504 and frees its slot", async () => {
  e2e.upstream.behave({ deltas: ["too late"], firstByteDelayMs: REQUEST_TIMEOUT_MS + 3000 });
  const res = await chat();
  assert.equal(res.status, 504);
  assert.equal(((await res.json()) as ErrorBody).error.code, "request_timeout");
  assert.equal(e2e.service.limiter.stats().active, 0);
});

test("keep-alive comments flow while the upstream is silent", async () => {
  const quiet = await startE2E({ env: { SSE_KEEPALIVE_SECONDS: "1" } });
  try {
    await waitHealthy(quiet);
    quiet.upstream.behave({ deltas: ["finally"], firstByteDelayMs: 3500 });
    const res = await fetch(`${quiet.baseURL}/chat/completions`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ stream: true, messages: [{ role: "user", content: "think" }] }),
    });
    assert.equal(res.status, 200);
    const { data, comments } = parseSse(await res.text());
    assert.ok(comments.filter((c) => c === "keep-alive").length >= 1);
    assert.equal(data.at(-1), "[DONE]");
  } finally {
    await quiet.close();
  }
});
