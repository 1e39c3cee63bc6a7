import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AppServerBackend } from "../../src/backend/app-server-backend.ts";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
});
after(() => e2e.close());

function backend(): AppServerBackend {
  const b = e2e.service.backend;
  assert.ok(b instanceof AppServerBackend);
  return b;
}

const chat = (body: object) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });

test("Codex killed mid-stream: one error frame, a clean end, a restarted child, and the next request works", async () => {
  e2e.upstream.behave({ deltas: Array.from({ length: 50 }, (_, i) => `d${i} `), deltaIntervalMs: 100 });
  const res = await chat({ stream: true });
  assert.equal(res.status, 200);
  const stream = new StreamReader(res);
  await stream.until('"content":"d1 "');
  const pid = backend().runtime().pid;
  assert.ok(pid);
  process.kill(pid, "SIGKILL");
  const text = await stream.rest();
  const frames = parseSse(text).data;
  const errors = frames.filter((f) => f.includes('"error"'));
  assert.equal(errors.length, 1);
  assert.equal((JSON.parse(errors[0] ?? "{}") as { error: { code: string } }).error.code, "codex_restarting");
  assert.notEqual(frames.at(-1), "[DONE]");
  assert.equal(e2e.service.limiter.stats().active, 0);

  await waitFor(() => backend().runtime().pid !== undefined && backend().runtime().pid !== pid, 15_000, "a new child");
  await waitHealthy(e2e);
  e2e.upstream.behave({ deltas: ["back again"] });
  const next = await chat({});
  assert.equal(next.status, 200);
  assert.equal(((await next.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "back again");
  assert.equal(backend().runtime().restarts, 1);
});

test("Codex killed during a non-streaming request: 503 with Retry-After, then service resumes", async () => {
  e2e.upstream.behave({ deltas: ["never"], firstByteDelayMs: 5000 });
  const pending = chat({});
  await waitFor(() => e2e.upstream.openStreams > 0, 5000, "upstream called");
  process.kill(backend().runtime().pid!, "SIGKILL");
  const res = await pending;
  assert.equal(res.status, 503);
  assert.ok(res.headers.get("retry-after"));
  assert.equal(((await res.json()) as { error: { code: string } }).error.code, "codex_restarting");
  await waitHealthy(e2e);
  e2e.upstream.behave({ deltas: ["fine"] });
  assert.equal((await chat({})).status, 200);
});

test("killed while idle: health goes 503 and back to 200 by itself", async () => {
  await waitHealthy(e2e);
  const pid = backend().runtime().pid!;
  process.kill(pid, "SIGKILL");
  await waitFor(async () => (await fetch(`${e2e.service.url}/healthz`)).status === 503, 5000, "healthz 503");
  await waitHealthy(e2e);
});
