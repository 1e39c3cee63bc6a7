import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { FUZZ_ENV, FUZZ_LIMITS, fuzzCase, fuzzRequest, type FuzzCase } from "../helpers/fuzz-bodies.ts";
import { fuzzSettings } from "../helpers/fuzz-settings.ts";
import { judgeAnswer } from "../helpers/fuzz-oracle.ts";

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

test("generated bodies over real sockets to the real Codex: a completion or the right 4xx; Codex, slots and upstream end idle", async (t) => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(fc.array(fuzzCase(FUZZ_LIMITS, "mostly-valid"), { minLength: 2, maxLength: 2 }), async (cases: FuzzCase[]) => {
      await Promise.all(
        cases.map(async (c) => {
          const res = await fetch(`${e2e.service.url}${c.path}`, { ...fuzzRequest(c, authHeaders()), signal: AbortSignal.timeout(30_000) });
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          await judgeAnswer(res, c.expect);
        }),
      );
    }),
    // No shrinking: a failure here may cost a Codex restart or a timeout per attempt; the unit fuzz shrinks.
    { numRuns: RUNS, seed: FUZZ.seed, endOnFailure: true, includeErrorInReport: true },
  );
  t.diagnostic(`seed ${FUZZ.seed}; statuses: ${[...statuses].map(([s, n]) => `${s}: ${n}`).join(", ")}; upstream calls: ${e2e.upstream.requests.length}`);
  assert.ok((statuses.get(200) ?? 0) >= RUNS / 2, "a good share of the bodies must reach Codex and be answered");

  await waitFor(() => {
    const { active, queued } = e2e.service.limiter.stats();
    return active === 0 && queued === 0 && codex().runtime().activeTurns === 0 && e2e.upstream.openStreams === 0;
  }, 5000, "slots, Codex turns and upstream calls to end");
  assert.equal(codex().runtime().restarts, 0, "Codex never crashed or was recycled");
  assert.equal((await fetch(`${e2e.service.url}/healthz`)).status, 200);
});
