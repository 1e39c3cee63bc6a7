import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createTestApp } from "../helpers/fake-backend.ts";
import { FUZZ_ENV, fuzzCase, fuzzRequest, POST_ROUTES, type FuzzCase } from "../helpers/fuzz-bodies.ts";
import { fuzzSettings } from "../helpers/fuzz-settings.ts";
import { judgeAnswer, type Expectation } from "../helpers/fuzz-oracle.ts";

/** Runs of two or three bodies sent at once: at least 1,000 bodies. */
const FUZZ = fuzzSettings();
const RUNS = Math.ceil(500 * FUZZ.scale);

test("1,000+ generated bodies on every POST route: a completion or the right OpenAI-shaped 4xx, and nothing stays taken", async (t) => {
  const app = createTestApp({ env: FUZZ_ENV });
  const answered = new Map<string, number>();
  const tally = (key: string) => answered.set(key, (answered.get(key) ?? 0) + 1);
  const perRoute = new Map<string, number>();

  await fc.assert(
    fc.asyncProperty(fc.array(fuzzCase(app.config, "edges"), { minLength: 2, maxLength: 3 }), async (cases: FuzzCase[]) => {
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

  const sent = [...answered.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`seed ${FUZZ.seed}; ${sent} bodies: ${[...answered].map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  t.diagnostic(`answered 200: ${[...perRoute].map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  assert.ok(sent >= 1000, `only ${sent} bodies`);
  // Every kind of answer was really exercised, not just generated.
  for (const seen of ["success -> 200", "success-or-400 -> 200", "success-or-400 -> 400", "invalid-json -> 400", "too-large -> 413"]) {
    assert.ok((answered.get(seen) ?? 0) >= 20, `too few "${seen}"`);
  }
  // Every route was reached and answered, not just generated.
  assert.deepEqual([...perRoute.keys()].sort(), POST_ROUTES.map((r) => r.path).sort());

  const { active, queued } = app.limiter.stats();
  assert.deepEqual({ active, queued }, { active: 0, queued: 0 }, "no slot stays taken");
  assert.equal(app.backend.runtime().activeTurns, 0, "no turn stays running");
  assert.equal((await app.request("/healthz")).status, 200);
  assert.ok(!app.logs.some((l) => l.includes('"unhandled error"')), "no unexpected error was logged");
});

describe("the fuzz oracle refuses what it must", () => {
  const error = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const openAiError = (code: string | null) => ({ error: { message: "m", type: "invalid_request_error", param: null, code } });
  const success = { kind: "chat", stream: false, includeUsage: false, model: "codex-cli-default" } as const;
  const responses = { kind: "responses", stream: false, model: "codex-cli-default" } as const;
  const sse = (frames: [string, unknown][]) =>
    new Response(frames.map(([event, data]) => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`).join(""), { headers: { "content-type": "text/event-stream" } });
  const refused: [string, () => Response, Expectation][] = [
    ["a 500", () => error(500, { error: { message: "m", type: "server_error", param: null, code: "internal_error" } }), { kind: "success-or-400", success }],
    ["an error body with an extra field", () => error(400, { error: { ...openAiError(null).error, extra: 1 } }), { kind: "success-or-400", success }],
    ["an error body without param", () => error(400, { error: { message: "m", type: "invalid_request_error", code: null } }), { kind: "success-or-400", success }],
    ["a 400 where 413 is due", () => error(400, openAiError("request_too_large")), { kind: "too-large" }],
    ["a schema 400 for broken JSON", () => error(400, openAiError(null)), { kind: "invalid-json" }],
    ["invalid_json for a JSON body", () => error(400, openAiError("invalid_json")), { kind: "success-or-400", success }],
    ["a 400 for a valid body", () => error(400, openAiError(null)), { kind: "success", success }],
    ["a stream without [DONE]", () => new Response('data: {"error":{}}\n\n', { headers: { "content-type": "text/event-stream" } }), { kind: "success", success: { ...success, stream: true } }],
    ["a chat completion for a Responses body", () => new Response(JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "codex-cli-default", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 } }), { headers: { "content-type": "application/json" } }), { kind: "success", success: responses }],
    ["an in-progress response", () => new Response(JSON.stringify({ id: "resp_1", object: "response", created_at: 1, status: "in_progress", model: "codex-cli-default", output: [], output_text: "", error: null, usage: null }), { headers: { "content-type": "application/json" } }), { kind: "success", success: responses }],
    ["a Responses stream without response.completed", () => sse([["response.created", { type: "response.created", sequence_number: 0, response: {} }]]), { kind: "success", success: { ...responses, stream: true } }],
    ["a Responses stream ending in error", () => sse([["error", { type: "error", sequence_number: 0, code: "x", message: "m", param: null }]]), { kind: "success-or-400", success: { ...responses, stream: true } }],
    ["a chat-only 400 code for a Responses body", () => error(400, openAiError("invalid_json")), { kind: "success-or-400", success: responses }],
    ["previous_response_not_found for a chat body", () => error(400, openAiError("previous_response_not_found")), { kind: "success-or-400", success }],
  ];
  for (const [what, answer, expect] of refused) {
    test(what, async () => {
      await assert.rejects(judgeAnswer(answer(), expect), assert.AssertionError);
    });
  }
});
