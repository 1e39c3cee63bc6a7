import assert from "node:assert/strict";
import { systemClock } from "../../src/core/clock.ts";
import { describe, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { FakeBackend, USAGE, answer, chatBody, createTestApp, fixedClock } from "../helpers/fake-backend.ts";
import { parseSse } from "../helpers/sse.ts";

interface Chunk {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; delta: { role?: string; content?: string; reasoning_content?: string }; finish_reason: string | null }[];
  usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

interface ErrorFrame {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** Parses a finished SSE body into JSON chunks (everything but a final [DONE]). */
function frames(text: string): { chunks: unknown[]; done: boolean; comments: string[] } {
  const { data, comments } = parseSse(text);
  const done = data.at(-1) === "[DONE]";
  assert.ok(!data.slice(0, -1).includes("[DONE]"), "[DONE] must be the last frame");
  return { chunks: (done ? data.slice(0, -1) : data).map((d) => JSON.parse(d) as unknown), done, comments };
}

async function stream(t: ReturnType<typeof createTestApp>, extra: Record<string, unknown> = {}) {
  const res = await t.chat(chatBody({ stream: true, ...extra }));
  return { res, text: await res.text() };
}

describe("streaming chat", () => {
  test("headers, role first, one chunk per delta, finish_reason stop, then [DONE]", async () => {
    const backend = new FakeBackend().script(...answer(["Hel", "lo", "!"]));
    const t = createTestApp({ backend });
    const { res, text } = await stream(t);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    const { chunks, done } = frames(text);
    assert.ok(done, "ends with data: [DONE]");
    assert.ok(text.endsWith("data: [DONE]\n\n"));
    const typed = chunks as Chunk[];
    const ids = new Set(typed.map((c) => c.id));
    assert.equal(ids.size, 1, "one id for the whole stream");
    for (const c of typed) {
      assert.match(c.id, /^chatcmpl-/);
      assert.equal(c.object, "chat.completion.chunk");
      assert.equal(c.created, fixedClock.nowSeconds());
      assert.equal(c.model, "codex-cli-default");
    }
    assert.equal(typed[0]?.choices[0]?.delta.role, "assistant");
    const contents = typed.flatMap((c) => c.choices.map((ch) => ch.delta.content)).filter((x) => x);
    assert.deepEqual(contents, ["Hel", "lo", "!"]);
    const withChoices = typed.filter((c) => c.choices.length > 0);
    assert.equal(withChoices.at(-1)?.choices[0]?.finish_reason, "stop");
    assert.ok(withChoices.slice(0, -1).every((c) => c.choices[0]?.finish_reason === null), "only the last choice chunk finishes");
    assert.equal(typed.length, 5, "role + 3 deltas + finish");
    assert.ok(typed.every((c) => c.usage === undefined), "no usage chunk unless asked");
  });

  test("include_usage adds a final chunk with empty choices and the backend's usage", async () => {
    const backend = new FakeBackend().script(...answer(["a"]));
    const t = createTestApp({ backend });
    const { text } = await stream(t, { stream_options: { include_usage: true } });
    const { chunks, done } = frames(text);
    assert.ok(done);
    const last = chunks.at(-1) as Chunk;
    assert.deepEqual(last.choices, []);
    assert.equal(last.usage?.prompt_tokens, USAGE.inputTokens);
    assert.equal(last.usage?.completion_tokens, USAGE.outputTokens);
    assert.equal(last.usage?.total_tokens, USAGE.totalTokens);
    assert.equal(last.object, "chat.completion.chunk");
    const beforeUsage = chunks.at(-2) as Chunk;
    assert.equal(beforeUsage.choices[0]?.finish_reason, "stop");
  });

  test("include_usage: false sends no usage chunk", async () => {
    const t = createTestApp();
    const { text } = await stream(t, { stream_options: { include_usage: false } });
    assert.ok((frames(text).chunks as Chunk[]).every((c) => c.choices.length === 1));
  });

  test("reasoning deltas appear as reasoning_content, in order with content", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "reasoning", delta: "Let me think." } },
      { event: { type: "text", delta: "Answer." } },
      { event: { type: "done" } },
    );
    const t = createTestApp({ backend });
    const { text } = await stream(t);
    const deltas = (frames(text).chunks as Chunk[]).map((c) => c.choices[0]?.delta);
    assert.deepEqual(deltas[1], { reasoning_content: "Let me think." });
    assert.deepEqual(deltas[2], { content: "Answer." });
  });

  test("an error before the first event is a plain HTTP error (429 JSON, not SSE)", async () => {
    const backend = new FakeBackend().script({ error: new BackendError("rate_limited", "usage limit reached", 60) });
    const t = createTestApp({ backend });
    const { res, text } = await stream(t);
    assert.equal(res.status, 429);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(res.headers.get("retry-after"), "60");
    const body = JSON.parse(text) as ErrorFrame;
    assert.equal(body.error.code, "upstream_rate_limit");
    assert.match(body.error.message, /rate limit/i);
    assert.equal(t.limiter.stats().active, 0);
  });

  test("an error after the first delta is a single data: {error} frame, with no [DONE]", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "partial" } }, { error: new BackendError("upstream", "stream dropped") });
    const t = createTestApp({ backend });
    const { res, text } = await stream(t);
    assert.equal(res.status, 200);
    const { chunks, done } = frames(text);
    assert.ok(!done, "no [DONE] after an error");
    const errors = chunks.filter((c) => typeof c === "object" && c !== null && "error" in c) as ErrorFrame[];
    assert.equal(errors.length, 1);
    assert.equal(chunks.at(-1), errors[0], "the error frame is last");
    assert.equal(errors[0]?.error.code, "upstream_error");
    assert.equal(errors[0]?.error.type, "upstream_error");
    assert.equal((chunks[1] as Chunk).choices[0]?.delta.content, "partial");
    assert.equal(t.limiter.stats().active, 0);
  });

  test("a rate limit after the first delta is reported in the error frame", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "x" } }, { error: new BackendError("rate_limited", "limit", 9) });
    const t = createTestApp({ backend });
    const { text } = await stream(t);
    const last = frames(text).chunks.at(-1) as ErrorFrame;
    assert.equal(last.error.code, "upstream_rate_limit");
    assert.match(last.error.message, /rate limit/i);
  });

  test(
    "an auth error after the first delta also makes readiness re-read the login",
    async () => {
      const backend = new FakeBackend().script({ event: { type: "text", delta: "x" } }, { error: new BackendError("unauthenticated", "401") });
      const t = createTestApp({ backend });
      const { text } = await stream(t);
      assert.equal((frames(text).chunks.at(-1) as ErrorFrame).error.code, "codex_login_required");
      assert.equal(t.readiness.refreshes, 1);
    },
  );
});

// Real-time waits on SSE_KEEPALIVE_SECONDS=1 (the system clock, not the still test clock); each test has its own app, so they run side by side.
describe("streaming with a silent backend", { concurrency: true }, () => {
  test("keep-alive comments flow while the backend is silent longer than SSE_KEEPALIVE_SECONDS", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "text", delta: "early" } },
      { event: { type: "text", delta: "late" }, delayMs: 1700 },
      { event: { type: "done" } },
    );
    const t = createTestApp({ backend, env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock });
    const { text } = await stream(t);
    const { comments, chunks, done } = frames(text);
    assert.ok(comments.includes("keep-alive"), `expected a keep-alive comment in:\n${text}`);
    assert.ok(text.includes(": keep-alive\n\n"));
    assert.ok(text.indexOf('"early"') < text.indexOf(": keep-alive") && text.indexOf(": keep-alive") < text.indexOf('"late"'));
    assert.ok(done);
    assert.equal(chunks.length, 4);
  });

  test("no keep-alive when the backend answers promptly", async () => {
    const t = createTestApp({ env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock });
    const { text } = await stream(t);
    assert.deepEqual(parseSse(text).comments, []);
  });

  test("a silent start opens the stream after SSE_KEEPALIVE_SECONDS, keep-alives flow, then the answer", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "finally" }, delayMs: 2300 }, { event: { type: "done" } });
    const t = createTestApp({ backend, env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock });
    const started = Date.now();
    const res = await t.chat(chatBody({ stream: true }));
    const headersAfter = Date.now() - started;
    assert.equal(res.status, 200);
    assert.ok(headersAfter < 2000, `headers came after ${headersAfter} ms`);
    const text = await res.text();
    const { chunks, comments, done } = frames(text);
    assert.ok(comments.includes("keep-alive"));
    assert.equal((chunks[0] as Chunk).choices[0]?.delta.role, "assistant");
    assert.equal((chunks[1] as Chunk).choices[0]?.delta.content, "finally");
    assert.ok(done);
  });

  test("an error after the stream opened on a silent start is an error frame", async () => {
    const backend = new FakeBackend().script({ error: new BackendError("context_too_long", "too long"), delayMs: 1400 });
    const t = createTestApp({ backend, env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock });
    const { res, text } = await stream(t);
    assert.equal(res.status, 200);
    const { chunks, done } = frames(text);
    assert.ok(!done);
    assert.equal((chunks[0] as Chunk).choices[0]?.delta.role, "assistant");
    assert.equal((chunks.at(-1) as ErrorFrame).error.code, "context_length_exceeded");
  });

  test("a client that cancels the stream aborts the turn and frees the slot", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "first" } }, { hang: true });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody({ stream: true }));
    assert.equal(res.status, 200);
    const reader = res.body?.getReader();
    assert.ok(reader);
    const first = await reader.read();
    assert.ok(!first.done);
    await reader.cancel();
    await waitFor(() => t.backend.turns[0]?.ended === true);
    assert.equal(t.backend.turns[0]?.aborted, true);
    await waitFor(() => t.limiter.stats().active === 0);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail("condition not met in time");
    await new Promise((r) => setTimeout(r, 10));
  }
}
