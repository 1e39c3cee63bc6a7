import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError, type BackendErrorKind } from "../../src/backend/backend-error.ts";
import { FakeBackend, USAGE, answer, chatBody, createTestApp, fixedClock } from "../helpers/fake-backend.ts";

interface Completion {
  id: string;
  object: string;
  created: number;
  model: string;
  choices: { index: number; message: { role: string; content: string; refusal: null; reasoning_content?: string }; finish_reason: string }[];
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number; prompt_tokens_details: { cached_tokens: number } };
}

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe("non-streaming completion", () => {
  test("response shape, joined content, and usage equal to the backend's usage event", async () => {
    const backend = new FakeBackend().script(...answer(["Hello", ", ", "world."]));
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody());
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    const body = (await res.json()) as Completion;
    assert.match(body.id, /^chatcmpl-/);
    assert.equal(body.object, "chat.completion");
    assert.equal(body.created, fixedClock.nowSeconds());
    assert.equal(body.model, "codex-cli-default");
    assert.equal(body.choices.length, 1);
    const choice = body.choices[0];
    assert.equal(choice?.index, 0);
    assert.deepEqual(choice?.message, { role: "assistant", content: "Hello, world.", refusal: null });
    assert.equal(choice?.finish_reason, "stop");
    assert.equal(body.usage.prompt_tokens, USAGE.inputTokens);
    assert.equal(body.usage.completion_tokens, USAGE.outputTokens);
    assert.equal(body.usage.total_tokens, USAGE.totalTokens);
    assert.equal(body.usage.prompt_tokens_details.cached_tokens, USAGE.cachedInputTokens);
  });

  test("reasoning is returned as reasoning_content, separate from content", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "reasoning", delta: "thinking " } },
      { event: { type: "reasoning", delta: "hard" } },
      ...answer(["42"]),
    );
    const t = createTestApp({ backend });
    const body = (await (await t.chat(chatBody())).json()) as Completion;
    assert.equal(body.choices[0]?.message.content, "42");
    assert.equal(body.choices[0]?.message.reasoning_content, "thinking hard");
  });

  test("no usage event -> zero usage, not a missing field", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "x" } }, { event: { type: "done" } });
    const t = createTestApp({ backend });
    const body = (await (await t.chat(chatBody())).json()) as Completion;
    assert.equal(body.usage.prompt_tokens, 0);
    assert.equal(body.usage.completion_tokens, 0);
    assert.equal(body.usage.total_tokens, 0);
  });

  test("each completion gets a fresh id", async () => {
    const t = createTestApp();
    const a = (await (await t.chat(chatBody())).json()) as Completion;
    const b = (await (await t.chat(chatBody())).json()) as Completion;
    assert.notEqual(a.id, b.id);
  });

  test("the limiter slot is released after the answer", async () => {
    const t = createTestApp();
    await (await t.chat(chatBody())).json();
    assert.equal(t.limiter.stats().active, 0);
  });
});

describe("backend errors", () => {
  const cases: {
    kind: BackendErrorKind;
    retry?: number;
    status: number;
    code: string;
    retryAfter?: string;
    message?: RegExp;
  }[] = [
    { kind: "rate_limited", retry: 120, status: 429, code: "upstream_rate_limit", retryAfter: "120", message: /rate limit/i },
    { kind: "context_too_long", status: 400, code: "context_length_exceeded" },
    { kind: "model_not_found", status: 404, code: "model_not_found" },
    { kind: "unauthenticated", status: 503, code: "codex_login_required", retryAfter: "30" },
    { kind: "crashed", status: 503, code: "codex_restarting", retryAfter: "1" },
    { kind: "unavailable", status: 503, code: "codex_unavailable", retryAfter: "5" },
    { kind: "bad_request", status: 400, code: "invalid_request_error" },
    { kind: "upstream", status: 502, code: "upstream_error" },
    { kind: "interrupted", status: 502, code: "upstream_error" },
  ];
  for (const c of cases) {
    test(`${c.kind} -> ${c.status} ${c.code}`, async () => {
      const backend = new FakeBackend().script({ error: new BackendError(c.kind, "details from codex", c.retry) });
      const t = createTestApp({ backend });
      const res = await t.chat(chatBody());
      assert.equal(res.status, c.status);
      const body = (await res.json()) as ErrorJson;
      if (c.kind === "bad_request") assert.equal(body.error.type, "invalid_request_error");
      else assert.equal(body.error.code, c.code);
      if (c.retryAfter) assert.equal(res.headers.get("retry-after"), c.retryAfter);
      if (c.message) assert.match(body.error.message, c.message);
      assert.equal(t.limiter.stats().active, 0);
    });
  }

  test("rate_limited without a reset time still says 'rate limit'", async () => {
    const backend = new FakeBackend().script({ error: new BackendError("rate_limited", "usage limit") });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody());
    assert.equal(res.status, 429);
    assert.match(((await res.json()) as ErrorJson).error.message, /rate limit/i);
  });

  test("context_too_long names messages as the param", async () => {
    const backend = new FakeBackend().script({ error: new BackendError("context_too_long", "too long") });
    const t = createTestApp({ backend });
    const body = (await (await t.chat(chatBody())).json()) as ErrorJson;
    assert.equal(body.error.param, "messages");
  });

  test("an error after some text still fails the whole non-streaming request", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "partial" } }, { error: new BackendError("upstream", "boom") });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody());
    assert.equal(res.status, 502);
    assert.ok(!(await res.text()).includes("partial"));
  });

  test("an unexpected (non-backend) error -> 500 internal_error without its message", async () => {
    const backend = new FakeBackend().script({ error: new TypeError("secret internal detail") });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody());
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.ok(!text.includes("secret internal detail"));
    assert.equal((JSON.parse(text) as ErrorJson).error.code, "internal_error");
  });

  test(
    "unauthenticated triggers a readiness refresh (login re-read)",
    async () => {
      const backend = new FakeBackend().script({ error: new BackendError("unauthenticated", "401") });
      const t = createTestApp({ backend });
      await (await t.chat(chatBody())).text();
      assert.equal(t.readiness.refreshes, 1);
    },
  );

  test("unauthenticated before the first streamed event triggers a readiness refresh", async () => {
    const backend = new FakeBackend().script({ error: new BackendError("unauthenticated", "401") });
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody({ stream: true }));
    assert.equal(res.status, 503);
    assert.equal(t.readiness.refreshes, 1);
  });
});
