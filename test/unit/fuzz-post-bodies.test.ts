import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { createTestApp } from "../helpers/fake-backend.ts";
import { FUZZ_ENV, fuzzCase, fuzzRequest, POST_ROUTES, type FuzzCase } from "../helpers/fuzz-bodies.ts";
import { judgeAnswer, type Expectation } from "../helpers/fuzz-oracle.ts";

/** Runs of two or three bodies sent at once: at least 1,000 bodies. */
const RUNS = 500;

test("1,000+ generated bodies on every POST route: a completion or the right OpenAI-shaped 4xx, and nothing stays taken", async (t) => {
  const app = createTestApp({ env: FUZZ_ENV });
  const answered = new Map<string, number>();
  const tally = (key: string) => answered.set(key, (answered.get(key) ?? 0) + 1);
  const routes = new Set<string>();

  await fc.assert(
    fc.asyncProperty(fc.array(fuzzCase(app.config, "edges"), { minLength: 2, maxLength: 3 }), async (cases: FuzzCase[]) => {
      await Promise.all(
        cases.map(async (c) => {
          routes.add(c.path);
          const res = await app.request(c.path, fuzzRequest(c));
          tally(`${c.expect.kind} -> ${res.status}`);
          await judgeAnswer(res, c.expect);
        }),
      );
    }),
    { numRuns: RUNS, includeErrorInReport: true },
  );

  const sent = [...answered.values()].reduce((a, b) => a + b, 0);
  t.diagnostic(`${sent} bodies: ${[...answered].map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  assert.ok(sent >= 1000, `only ${sent} bodies`);
  // Every kind of answer was really exercised, not just generated.
  for (const seen of ["success -> 200", "success-or-400 -> 200", "success-or-400 -> 400", "invalid-json -> 400", "too-large -> 413"]) {
    assert.ok((answered.get(seen) ?? 0) >= 20, `too few "${seen}"`);
  }
  assert.deepEqual([...routes].sort(), POST_ROUTES.map((r) => r.path).sort());

  const { active, queued } = app.limiter.stats();
  assert.deepEqual({ active, queued }, { active: 0, queued: 0 }, "no slot stays taken");
  assert.equal(app.backend.runtime().activeTurns, 0, "no turn stays running");
  assert.equal((await app.request("/healthz")).status, 200);
  assert.ok(!app.logs.some((l) => l.includes('"unhandled error"')), "no unexpected error was logged");
});

describe("the fuzz oracle refuses what it must", () => {
  const error = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  const openAiError = (code: string | null) => ({ error: { message: "m", type: "invalid_request_error", param: null, code } });
  const success = { stream: false, includeUsage: false, model: "codex-cli-default" };
  const refused: [string, () => Response, Expectation][] = [
    ["a 500", () => error(500, { error: { message: "m", type: "server_error", param: null, code: "internal_error" } }), { kind: "success-or-400", success }],
    ["an error body with an extra field", () => error(400, { error: { ...openAiError(null).error, extra: 1 } }), { kind: "success-or-400", success }],
    ["an error body without param", () => error(400, { error: { message: "m", type: "invalid_request_error", code: null } }), { kind: "success-or-400", success }],
    ["a 400 where 413 is due", () => error(400, openAiError("request_too_large")), { kind: "too-large" }],
    ["a schema 400 for broken JSON", () => error(400, openAiError(null)), { kind: "invalid-json" }],
    ["invalid_json for a JSON body", () => error(400, openAiError("invalid_json")), { kind: "success-or-400", success }],
    ["a 400 for a valid body", () => error(400, openAiError(null)), { kind: "success", success }],
    ["a stream without [DONE]", () => new Response('data: {"error":{}}\n\n', { headers: { "content-type": "text/event-stream" } }), { kind: "success", success: { ...success, stream: true } }],
  ];
  for (const [what, answer, expect] of refused) {
    test(what, async () => {
      await assert.rejects(judgeAnswer(answer(), expect), assert.AssertionError);
    });
  }
});
