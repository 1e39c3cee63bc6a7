import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
});
after(() => e2e.close());

const chat = (body: object, signal?: AbortSignal) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", ...body }),
    ...(signal ? { signal } : {}),
  });

function activeTurns(): number {
  const backend = e2e.service.backend;
  assert.ok(backend instanceof AppServerBackend);
  return backend.runtime().activeTurns;
}

test("8 simultaneous requests with a 500 ms upstream all succeed with the default limits", async () => {
  e2e.upstream.behave({ deltas: ["parallel ok"], firstByteDelayMs: 500 });
  const started = Date.now();
  const responses = await Promise.all(
    Array.from({ length: 8 }, (_, i) => chat({ messages: [{ role: "user", content: `request ${i}` }] })),
  );
  const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ choices: { message: { content: string } }[] }>));
  assert.deepEqual(responses.map((r) => r.status), Array(8).fill(200));
  assert.ok(bodies.every((b) => b.choices[0]?.message.content === "parallel ok"));
  // All eight ran at once: well under 8 x 500 ms of serial upstream time.
  assert.ok(Date.now() - started < 3000, `took ${Date.now() - started} ms`);
  assert.equal(e2e.service.limiter.stats().active, 0);
});

test("a client that disconnects mid-stream frees its slot at once and its Codex turn is interrupted", async () => {
  e2e.upstream.behave({ deltas: Array.from({ length: 100 }, (_, i) => `t${i} `), deltaIntervalMs: 100 });
  const controller = new AbortController();
  const res = await chat({ stream: true, messages: [{ role: "user", content: "long answer" }] }, controller.signal);
  assert.equal(res.status, 200);
  await new StreamReader(res).until('"content":"t1 "');
  assert.equal(e2e.service.limiter.stats().active, 1);
  assert.equal(e2e.upstream.openStreams, 1);
  controller.abort();

  await waitFor(() => e2e.service.limiter.stats().active === 0, 2000, "slot released");
  await waitFor(() => activeTurns() === 0, 2000, "turn released");
  // Codex stops its upstream call when the turn is interrupted, long before the 10 s answer would end.
  await waitFor(() => e2e.upstream.openStreams === 0, 5000, "upstream stream closed");

  e2e.upstream.behave({ deltas: ["still working"] });
  const next = await chat({ messages: [{ role: "user", content: "next" }] });
  assert.equal(next.status, 200);
  assert.equal(((await next.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "still working");
});

test("a non-streaming client that gives up also releases its slot and turn", async () => {
  e2e.upstream.behave({ deltas: ["late"], firstByteDelayMs: 10_000 });
  const controller = new AbortController();
  const pending = chat({ messages: [{ role: "user", content: "slow" }] }, controller.signal).catch((e: unknown) => e);
  await waitFor(() => e2e.upstream.openStreams === 1, 5000, "upstream called");
  controller.abort();
  await pending;
  await waitFor(() => e2e.service.limiter.stats().active === 0 && activeTurns() === 0, 2000, "slot and turn released");
});
