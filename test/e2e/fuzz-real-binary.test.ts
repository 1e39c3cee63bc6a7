import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { MAX_LOG_LINE_CHARS } from "../../src/core/logger.ts";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { FUZZ_ENV, FUZZ_LIMITS, fuzzCase, fuzzRequest, type FuzzCase } from "../helpers/fuzz-bodies.ts";
import { INNOCENT_DELTAS, isInnocent, startInnocentStreams } from "../helpers/fuzz-innocent.ts";
import { fuzzSettings } from "../helpers/fuzz-settings.ts";
import { judgeAnswer } from "../helpers/fuzz-oracle.ts";
import { DEFAULT_DELTAS } from "../helpers/responses-answer.ts";

/** Pairs of bodies sent at once: 180 bodies, most of them valid enough to reach Codex. */
const FUZZ = fuzzSettings();
const RUNS = Math.ceil(90 * FUZZ.scale);
/** A turn that hangs becomes a 504 well within the test's time (the stand-in answers at once). */
const ENV = { ...FUZZ_ENV, CODEX_REQUEST_TIMEOUT_SECONDS: "15" };

let e2e: E2E;
before(async () => {
  e2e = await startE2E({ env: ENV });
  await waitHealthy(e2e);
});
after(() => e2e.close());

function codex(): AppServerBackend {
  const backend = e2e.service.backend;
  assert.ok(backend instanceof AppServerBackend);
  return backend;
}

test("generated bodies over real sockets to the real Codex, innocent streams beside them: a completion, response or message or the right 4xx; Codex never restarts", async (t) => {
  // The innocent streams' answers come slowly (40 deltas, 25 ms apart), so each spans many fuzzed bodies.
  e2e.upstream.behave((req) => (isInnocent(JSON.stringify(req.body.input ?? [])) ? { deltas: INNOCENT_DELTAS, deltaIntervalMs: 25 } : { deltas: DEFAULT_DELTAS }));
  const { pid, restarts } = codex().runtime();
  const statuses = new Map<string, number>();
  const answers = new Map<string, number>();
  const tally = (counts: Map<string, number>, key: string) => counts.set(key, (counts.get(key) ?? 0) + 1);

  const innocent = startInnocentStreams((path, init) => fetch(`${e2e.service.url}${path}`, { ...init, headers: authHeaders({ "anthropic-version": "2023-06-01" }), signal: AbortSignal.timeout(60_000) }));
  try {
    await fc.assert(
      fc.asyncProperty(fc.array(fuzzCase(FUZZ_LIMITS, "mostly-valid"), { minLength: 2, maxLength: 2 }), async (cases: FuzzCase[]) => {
        await Promise.all(
          cases.map(async (c) => {
            const res = await fetch(`${e2e.service.url}${c.path}`, { ...fuzzRequest(c, authHeaders()), signal: AbortSignal.timeout(30_000) });
            tally(statuses, `${c.path.replace(/^\/v1/, "")} ${res.status}`);
            tally(answers, `${c.expect.kind} -> ${res.status}`);
            await judgeAnswer(res, c.expect);
          }),
        );
      }),
      // No shrinking: a failure here may cost a Codex restart or a timeout per attempt; the unit fuzz shrinks.
      { numRuns: RUNS, seed: FUZZ.seed, endOnFailure: true, includeErrorInReport: true },
    );
  } finally {
    const judged = await innocent.stop();
    t.diagnostic(`innocent streams completed whole: ${Object.entries(judged).map(([k, n]) => `${k}: ${n}`).join(", ")}`);
    // More than one each: the first ended while bodies were still being fuzzed.
    for (const [api, n] of Object.entries(judged)) assert.ok(n >= 2, `only ${n} ${api} innocent streams completed`);
  }
  t.diagnostic(`seed ${FUZZ.seed}; ${[...answers].sort().map(([k, n]) => `${k}: ${n}`).join(", ")}; upstream calls: ${e2e.upstream.requests.length}`);
  t.diagnostic(`by route: ${[...statuses].sort().map(([k, n]) => `${k}: ${n}`).join(", ")}`);
  const ok = [...statuses].filter(([k]) => k.endsWith(" 200")).reduce((sum, [, n]) => sum + n, 0);
  assert.ok(ok >= RUNS / 2, "a good share of the bodies must reach Codex and be answered");

  await waitFor(() => {
    const { active, queued } = e2e.service.limiter.stats();
    return active === 0 && queued === 0 && codex().runtime().activeTurns === 0 && e2e.upstream.openStreams === 0;
  }, 5000, "slots, Codex turns and upstream calls to end");
  assert.deepEqual({ pid: codex().runtime().pid, restarts: codex().runtime().restarts }, { pid, restarts }, "Codex was never killed, crashed or recycled");
  assert.equal((await fetch(`${e2e.service.url}/healthz`)).status, 200);
  assert.ok(!e2e.logs.some((l) => l.includes('"unhandled error"')), "no unexpected error was logged");
  const longest = Math.max(...e2e.logs.map((l) => l.length));
  assert.ok(longest <= MAX_LOG_LINE_CHARS, `a ${longest}-character log line`);
});
