import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

// One client leaving mid-stream (slot freed, turn interrupted) is in concurrency.test.ts; this is the crowd.

const CLIENTS = 100;
const SLOTS = 64; // the MAX_CONCURRENT_REQUESTS ceiling: the other 36 queue, then stream once slots free

let e2e: E2E;
before(async () => {
  e2e = await startE2E({
    env: { MAX_CONCURRENT_REQUESTS: String(SLOTS), MAX_QUEUE_LENGTH: "100", QUEUE_WAIT_SECONDS: "60", CODEX_REQUEST_TIMEOUT_SECONDS: "120" },
  });
  await waitHealthy(e2e);
});
after(() => e2e.close());

/** The gauges of GET /metrics (Prometheus text), read as a client would. */
async function gauges(): Promise<{ activeTurns: number; inUse: number; queued: number }> {
  const res = await fetch(`${e2e.service.url}/metrics`, { headers: authHeaders() });
  assert.equal(res.status, 200);
  const text = await res.text();
  const value = (name: string) => {
    const match = new RegExp(`^codex_provider_${name} (\\S+)$`, "m").exec(text);
    assert.ok(match, `/metrics has codex_provider_${name}`);
    return Number(match[1]);
  };
  return { activeTurns: value("active_turns"), inUse: value("concurrency_in_use"), queued: value("queue_length") };
}

test(`${CLIENTS} clients that disconnect mid-stream leave no active turn, no taken slot and no queue (seen in /metrics)`, async () => {
  // Answers of 60 s: a turn left running would still stream when the check at the end gives up.
  e2e.upstream.behave({ deltas: Array.from({ length: 600 }, (_, i) => `t${i} `), deltaIntervalMs: 100 });
  let midStream = 0;
  let gone = 0;
  let releaseFirstWave!: () => void;
  const firstWaveHeld = new Promise<void>((resolve) => (releaseFirstWave = resolve));

  const clients = Array.from({ length: CLIENTS }, async (_, i) => {
    const controller = new AbortController();
    const res = await fetch(`${e2e.baseURL}/chat/completions`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ stream: true, messages: [{ role: "user", content: `client ${i}` }] }),
      signal: controller.signal,
    });
    assert.equal(res.status, 200);
    await new StreamReader(res).until('"content":"t0 "');
    midStream += 1;
    await firstWaveHeld; // the first wave holds its slots until the gauges were read once
    controller.abort();
    gone += 1;
  });

  await waitFor(() => midStream === SLOTS, 60_000, "the first wave mid-stream");
  // The gauges are live: a check of zeros below could not pass on a dead /metrics.
  await waitFor(async () => (await gauges()).queued === CLIENTS - SLOTS, 10_000, "the rest queued");
  assert.deepEqual(await gauges(), { activeTurns: SLOTS, inUse: SLOTS, queued: CLIENTS - SLOTS });

  releaseFirstWave();
  await Promise.all(clients);
  assert.equal(gone, CLIENTS);
  await waitFor(async () => {
    const g = await gauges();
    return g.activeTurns === 0 && g.inUse === 0 && g.queued === 0;
  }, 10_000, "all turns and slots released");
  assert.deepEqual(await gauges(), { activeTurns: 0, inUse: 0, queued: 0 });
  // Every Codex turn was interrupted: no upstream answer is still being streamed to a turn nobody reads.
  // 30 s, half an answer: Codex works through 100 interrupts, and a turn it kept running still streams then.
  await waitFor(() => e2e.upstream.openStreams === 0, 30_000, "Codex's upstream calls closed");

  e2e.upstream.behave({ deltas: ["still ", "fine"] });
  const next = await fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ messages: [{ role: "user", content: "after the crowd" }] }),
  });
  assert.equal(next.status, 200);
  assert.equal(((await next.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "still fine");
});
