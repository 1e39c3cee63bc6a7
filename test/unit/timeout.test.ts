import assert from "node:assert/strict";
import { afterEach, describe, mock, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { TimeoutError } from "../../src/errors.ts";
import { toApiError } from "../../src/http/backend-errors.ts";
import { FakeBackend, chatBody, createTestApp } from "../helpers/fake-backend.ts";
import { parseSse } from "../helpers/sse.ts";

// CODEX_REQUEST_TIMEOUT_SECONDS is clamped to >= 5 s, so the route tests fake setTimeout
// (only setTimeout: the SSE keep-alive interval and setImmediate stay real) and jump 5 s.

const turnStarted = async (backend: FakeBackend) => {
  await backend.waitForTurns(1);
  await new Promise((r) => setImmediate(r));
};

describe("request timeout", () => {
  afterEach(() => mock.timers.reset());

  test("a hanging non-streaming turn -> 504 request_timeout; the turn is aborted and the slot freed", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend, env: { CODEX_REQUEST_TIMEOUT_SECONDS: "1" } });
    const pending = t.chat(chatBody());
    await turnStarted(backend);
    mock.timers.tick(4_999);
    await new Promise((r) => setImmediate(r));
    assert.equal(backend.turns[0]?.aborted, false, "not before the clamped 5 s");
    mock.timers.tick(1);
    const res = await pending;
    assert.equal(res.status, 504);
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    assert.equal(body.error.code, "request_timeout");
    assert.equal(body.error.type, "timeout_error");
    assert.match(body.error.message, /5 s/);
    assert.equal(backend.turns[0]?.aborted, true);
    assert.equal(t.limiter.stats().active, 0);
  });

  test("the timeout wins over the error the aborted turn throws", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    // the backend reacts to the abort with its own error, as a real interrupt would
    const backend = new FakeBackend().script({ hang: true, thenThrow: new BackendError("interrupted", "turn interrupted") });
    const t = createTestApp({ backend });
    const pending = t.chat(chatBody());
    await turnStarted(backend);
    mock.timers.tick(180_000);
    const res = await pending;
    assert.equal(res.status, 504);
  });

  test("a streaming turn that hangs after its first delta ends with a request_timeout error frame", async () => {
    mock.timers.enable({ apis: ["setTimeout"] });
    const backend = new FakeBackend().script({ event: { type: "text", delta: "started" } }, { hang: true });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody({ stream: true }));
    assert.equal(res.status, 200);
    const reading = res.text(); // consume as it comes, as a client would
    await turnStarted(backend);
    mock.timers.tick(180_000);
    const text = await reading;
    const { data } = parseSse(text);
    assert.ok(!data.includes("[DONE]"));
    const last = JSON.parse(data.at(-1) ?? "{}") as { error?: { code: string } };
    assert.equal(last.error?.code, "request_timeout");
    assert.equal(t.limiter.stats().active, 0);
  });
});

describe("toApiError", () => {
  test("a TimeoutError abort reason renders as 504 request_timeout", () => {
    const err = toApiError(new TimeoutError("Codex did not finish within 5 s."), "npm run login");
    assert.equal(err.status, 504);
    assert.deepEqual(err.toBody(), {
      error: { message: "Codex did not finish within 5 s.", type: "timeout_error", param: null, code: "request_timeout" },
    });
  });

  test("rate_limited keeps the reset time as Retry-After and says 'rate limit'", () => {
    const err = toApiError(new BackendError("rate_limited", "plan limit", 42), "npm run login");
    assert.equal(err.status, 429);
    assert.equal(err.retryAfterSeconds, 42);
    assert.match(err.message, /rate limit/i);
    assert.match(err.message, /plan limit/);
  });

  test("anything that is not a backend or API error becomes a 500 without its message", () => {
    const err = toApiError(new Error("ENOENT /home/user/.codex/auth.json"), "npm run login");
    assert.equal(err.status, 500);
    assert.ok(!err.message.includes("auth.json"));
    assert.equal(toApiError("a string", "npm run login").status, 500);
  });
});
