import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { ChatEvent, ChatTurnRequest } from "../../src/backend/types.ts";
import { MAX_LOG_LINE_CHARS } from "../../src/core/logger.ts";
import { createTestApp, FakeBackend, USAGE, type TurnStep } from "../helpers/fake-backend.ts";
import { FUZZ_ENV, fuzzCase, fuzzRequest, POST_ROUTES, type FuzzCase } from "../helpers/fuzz-bodies.ts";
import { INNOCENT_DELTAS, isInnocent, startInnocentStreams } from "../helpers/fuzz-innocent.ts";
import { fuzzSettings } from "../helpers/fuzz-settings.ts";
import { judgeAnswer, judgeInnocent, type Expectation } from "../helpers/fuzz-oracle.ts";

/** Runs of two or three bodies sent at once: at least 1,000 bodies. */
const FUZZ = fuzzSettings();
const RUNS = Math.ceil(500 * FUZZ.scale);

/** The fake, answering the innocent streams slowly (40 deltas, 10 ms apart) and everything else "ok". */
class FuzzBackend extends FakeBackend {
  override chat(request: ChatTurnRequest): AsyncIterable<ChatEvent> {
    // Queued and taken in one synchronous step: no fuzzed turn can take it.
    if (isInnocent(request.input)) this.script(...INNOCENT_DELTAS.map((delta): TurnStep => ({ event: { type: "text", delta }, delayMs: 10 })), { event: { type: "usage", usage: USAGE } }, { event: { type: "done" } });
    return super.chat(request);
  }
}

test("1,000+ generated bodies on every POST route, innocent streams beside them: a completion, response or message or the right 4xx in the API's shape", async (t) => {
  const app = createTestApp({ env: FUZZ_ENV, backend: new FuzzBackend() });
  const answered = new Map<string, number>();
  const tally = (key: string) => answered.set(key, (answered.get(key) ?? 0) + 1);
  const perRoute = new Map<string, number>();

  const innocent = startInnocentStreams((path, init) => app.request(path, init));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzCase(app.config, "edges"), { minLength: 2, maxLength: 3 }), async (cases: FuzzCase[]) => {
        // Without a socket every answer settles in microtasks: let the innocent streams' timers in.
        await new Promise((resolve) => setImmediate(resolve));
        await Promise.all(
          cases.map(async (c) => {
            const res = await app.request(c.path, fuzzRequest(c));
            tally(`${c.expect.kind} -> ${res.status}`);
            if (res.status === 200) perRoute.set(c.path, (perRoute.get(c.path) ?? 0) + 1);
            await judgeAnswer(res, c.expect);
          }),
        );
      }),
      { numRuns: RUNS, seed: FUZZ.seed, includeErrorInReport: true },
    );
  } finally {
    const judged = await innocent.stop();
    t.diagnostic(`innocent streams completed whole: ${Object.entries(judged).map(([k, n]) => `${k}: ${n}`).join(", ")}`);
    // More than one each: the first ended while bodies were still being fuzzed.
    for (const [api, n] of Object.entries(judged)) assert.ok(n >= 2, `only ${n} ${api} innocent streams completed`);
  }

  const sent = [...answered.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`seed ${FUZZ.seed}; ${sent} bodies: ${[...answered].map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  t.diagnostic(`answered 200: ${[...perRoute].map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  assert.ok(sent >= 1000, `only ${sent} bodies`);
  // Every kind of answer was really exercised, not just generated.
  for (const seen of ["success -> 200", "success-or-400 -> 200", "success-or-400 -> 400", "refused -> 400", "invalid-json -> 400", "too-large -> 413"]) {
    assert.ok((answered.get(seen) ?? 0) >= 20, `too few "${seen}"`);
  }
  // Every route was reached and answered, not just generated.
  assert.deepEqual([...perRoute.keys()].sort(), POST_ROUTES.map((r) => r.path).sort());

  const { active, queued } = app.limiter.stats();
  assert.deepEqual({ active, queued }, { active: 0, queued: 0 }, "no slot stays taken");
  assert.equal(app.backend.runtime().activeTurns, 0, "no turn stays running");
  assert.equal((await app.request("/healthz")).status, 200);
  assert.ok(!app.logs.some((l) => l.includes('"unhandled error"')), "no unexpected error was logged");
  const longest = Math.max(...app.logs.map((l) => l.length));
  assert.ok(longest <= MAX_LOG_LINE_CHARS, `a ${longest}-character log line`);
});

describe("the fuzz oracle refuses what it must", () => {
  const error = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const openAiError = (code: string | null) => ({ error: { message: "m", type: "invalid_request_error", param: null, code } });
  const success = { kind: "chat", stream: false, includeUsage: false, model: "codex-cli-default" } as const;
  const responses = { kind: "responses", stream: false, model: "codex-cli-default" } as const;
  const messages = { kind: "messages", stream: false, model: "claude-sonnet-4-5" } as const;
  const anthropicError = (status: number, type: string, message = "m") => error(status, { type: "error", error: { type, message }, request_id: "req_1" });
  const message = { id: "msg_1", type: "message", role: "assistant", model: "claude-sonnet-4-5", content: [{ type: "text", text: "ok" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 } };
  const started = { ...message, content: [], stop_reason: null };
  const messageStream = (text: string[], end = true) =>
    sse([
      ["message_start", { type: "message_start", message: started }],
      ["content_block_start", { type: "content_block_start", index: 0, content_block: { type: "text", text: "" } }],
      ...text.map((t): [string, unknown] => ["content_block_delta", { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } }]),
      ["content_block_stop", { type: "content_block_stop", index: 0 }],
      ...(end
        ? ([
            ["message_delta", { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: message.usage }],
            ["message_stop", { type: "message_stop" }],
          ] as [string, unknown][])
        : []),
    ]);
  const ollama = { kind: "ollama_chat", stream: false, model: "gpt-5.5" } as const;
  const ollamaChunk = { model: "gpt-5.5", created_at: "2026-01-01T00:00:00.000Z", message: { role: "assistant", content: "ok" }, done: true, done_reason: "stop" };
  const ndjson = (objects: unknown[]) => new Response(objects.map((o) => `${JSON.stringify(o)}\n`).join(""), { headers: { "content-type": "application/x-ndjson" } });
  const sse = (frames: [string, unknown][]) =>
    new Response(frames.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(""), { headers: { "content-type": "text/event-stream" } });
  const refused: [string, () => Response, Expectation][] = [
    ["a 500", () => error(500, { error: { message: "m", type: "server_error", param: null, code: "internal_error" } }), { kind: "success-or-400", success }],
    ["an error body with an extra field", () => error(400, { error: { ...openAiError(null).error, extra: 1 } }), { kind: "success-or-400", success }],
    ["an error body without param", () => error(400, { error: { message: "m", type: "invalid_request_error", code: null } }), { kind: "success-or-400", success }],
    ["a 400 where 413 is due", () => error(400, openAiError("request_too_large")), { kind: "too-large", api: "chat" }],
    ["a schema 400 for broken JSON", () => error(400, openAiError(null)), { kind: "invalid-json", api: "chat" }],
    ["invalid_json for a JSON body", () => error(400, openAiError("invalid_json")), { kind: "success-or-400", success }],
    ["a 400 for a valid body", () => error(400, openAiError(null)), { kind: "success", success }],
    ["a stream without [DONE]", () => new Response('data: {"error":{}}\n\n', { headers: { "content-type": "text/event-stream" } }), { kind: "success", success: { ...success, stream: true } }],
    ["a chat completion for a Responses body", () => new Response(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "codex-cli-default", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }), { headers: { "content-type": "application/json" } }), { kind: "success", success: responses }],
    ["an in-progress response", () => new Response(JSON.stringify({ id: "resp_1", object: "response", created_at: 1, status: "in_progress", model: "codex-cli-default", output: [], output_text: "", error: null, usage: null }), { headers: { "content-type": "application/json" } }), { kind: "success", success: responses }],
    ["a Responses stream without response.completed", () => sse([["response.created", { type: "response.created", sequence_number: 0, response: {} }]]), { kind: "success", success: { ...responses, stream: true } }],
    ["a Responses stream ending in error", () => sse([["error", { type: "error", sequence_number: 0, code: "x", message: "m", param: null }]]), { kind: "success-or-400", success: { ...responses, stream: true } }],
    ["a chat-only 400 code for a Responses body", () => error(400, openAiError("invalid_json")), { kind: "success-or-400", success: responses }],
    ["previous_response_not_found for a chat body", () => error(400, openAiError("previous_response_not_found")), { kind: "success-or-400", success }],
    ["a success for a body that must be refused", () => new Response(JSON.stringify(message), { headers: { "content-type": "application/json" } }), { kind: "refused", success: messages }],
    ["an error quoting 2,000 characters", () => error(400, { error: { ...openAiError(null).error, message: "m".repeat(2000) } }), { kind: "refused", success }],
    ["OpenAI's error shape on the Messages API", () => error(400, openAiError(null)), { kind: "success-or-400", success: messages }],
    ["an Anthropic 500", () => anthropicError(500, "api_error"), { kind: "success-or-400", success: messages }],
    ["an Anthropic 400 where 413 is due", () => anthropicError(400, "invalid_request_error"), { kind: "too-large", api: "messages" }],
    ["an unreadable-JSON 400 for a JSON Messages body", () => anthropicError(400, "invalid_request_error", "Request body is not valid JSON."), { kind: "refused", success: messages }],
    ["a Messages stream without message_stop", () => messageStream(["ok"], false), { kind: "success", success: { ...messages, stream: true } }],
    ["a Messages stream with an error event", () => sse([["message_start", { type: "message_start", message: started }], ["error", { type: "error", error: { type: "overloaded_error", message: "m" } }]]), { kind: "success-or-400", success: { ...messages, stream: true } }],
    ["a message with another model", () => new Response(JSON.stringify({ ...message, model: "other" }), { headers: { "content-type": "application/json" } }), { kind: "success", success: messages }],
    ["OpenAI's error shape on Ollama's API", () => error(400, openAiError(null)), { kind: "success-or-400", success: ollama }],
    ["an Ollama stream without a done object", () => ndjson([{ ...ollamaChunk, done: false }]), { kind: "success", success: { ...ollama, stream: true } }],
    ["an Ollama stream with an error line", () => ndjson([{ ...ollamaChunk, done: false }, { error: "m" }]), { kind: "success-or-400", success: { ...ollama, stream: true } }],
    ["an Ollama answer in SSE", () => sse([["message", ollamaChunk]]), { kind: "success", success: { ...ollama, stream: true } }],
    ["count_tokens with an extra field", () => new Response(JSON.stringify({ input_tokens: 1, x: 1 }), { headers: { "content-type": "application/json" } }), { kind: "success", success: { kind: "count_tokens" } }],
  ];
  for (const [what, answer, expect] of refused) {
    test(what, async () => {
      await assert.rejects(judgeAnswer(answer(), expect), assert.AssertionError);
    });
  }

  test("a well-formed Ollama stream passes, and an innocent one must carry every delta", async () => {
    const stream = (texts: readonly string[]) => ndjson([...texts.map((content) => ({ ...ollamaChunk, message: { role: "assistant", content }, done: false })), { ...ollamaChunk, message: { role: "assistant", content: "" } }]);
    const want = { ...ollama, stream: true };
    await judgeAnswer(stream(["o", "k"]), { kind: "success", success: want });
    await judgeInnocent(stream(INNOCENT_DELTAS), want, INNOCENT_DELTAS.join(""));
    await assert.rejects(judgeInnocent(stream(INNOCENT_DELTAS.slice(1)), want, INNOCENT_DELTAS.join("")), assert.AssertionError);
  });

  test("a well-formed Messages stream passes, and an innocent stream must carry every delta", async () => {
    await judgeAnswer(messageStream(["o", "k"]), { kind: "success", success: { ...messages, stream: true } });
    const all = INNOCENT_DELTAS;
    await judgeInnocent(messageStream([...all]), { ...messages, stream: true }, all.join(""));
    await assert.rejects(judgeInnocent(messageStream(all.slice(0, -1)), { ...messages, stream: true }, all.join("")), assert.AssertionError);
    await assert.rejects(judgeInnocent(messageStream([...all], false), { ...messages, stream: true }, all.join("")), assert.AssertionError);
  });
});
