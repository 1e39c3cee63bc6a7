import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { StreamReader } from "../helpers/stream-reader.ts";

// SIGKILL mid-stream, during a non-streaming request and while idle: test/e2e/child-crash.test.ts.

/** The request timeout, below the smallest CODEX_REQUEST_TIMEOUT_SECONDS (5), so the tests wait less for it. */
const REQUEST_TIMEOUT_MS = 3000;
/** The test's stand-in for Codex's 30 s "no answer means the child hangs" limit; longer than the request timeout. */
const HUNG_AFTER_MS = 6000;

let e2e: E2E;
before(async () => {
  e2e = await startE2E({
    // The keep-alive interval is longer than the request timeout, so a stream that never gets a first event is a plain 504.
    env: { SSE_KEEPALIVE_SECONDS: "15", MAX_CONCURRENT_REQUESTS: "2" },
    limits: { requestTimeoutMs: REQUEST_TIMEOUT_MS },
    codexRpcTimeoutMs: HUNG_AFTER_MS,
  });
  await waitHealthy(e2e);
});
after(async () => {
  const pid = e2e.service.backend.runtime().pid;
  if (pid) process.kill(pid, "SIGCONT"); // never leave a stopped process behind a failed test
  await e2e.close();
});

type ErrorBody = { error: { message: string; type: string; code: string | null } };
type Completion = { choices: { message: { content: string } }[] };

const chat = (body: object) =>
  fetch(`${e2e.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], ...body }),
  });

const codexPid = () => e2e.service.backend.runtime().pid;
const isGone = (pid: number) => {
  try {
    process.kill(pid, 0);
    return false;
  } catch {
    return true;
  }
};
const errorFrames = (text: string) =>
  parseSse(text).data.filter((f) => f.includes('"error"')).map((f) => (JSON.parse(f) as ErrorBody).error);

/** After a fault: a new child, healthy again, and an ordinary request answered by it. */
async function recovers(oldPid: number): Promise<void> {
  await waitFor(() => codexPid() !== undefined && codexPid() !== oldPid, HUNG_AFTER_MS + 15_000, "a new Codex child");
  await waitFor(() => isGone(oldPid), 5000, "the old child gone");
  await waitHealthy(e2e);
  e2e.upstream.behave({ deltas: ["back ", "again"] });
  const next = await chat({});
  assert.equal(next.status, 200);
  assert.equal(((await next.json()) as Completion).choices[0]?.message.content, "back again");
  assert.deepEqual(e2e.service.limiter.stats(), { active: 0, queued: 0, capacity: 2 });
  assert.equal(e2e.service.backend.runtime().activeTurns, 0);
}

test("SIGKILL with two streams in flight and one request queued: one error frame each, the queued one is answered by the new child", async () => {
  e2e.upstream.behave((req) =>
    JSON.stringify(req.body.input).includes("queued")
      ? { deltas: ["answered ", "after ", "restart"] }
      : { deltas: Array.from({ length: 50 }, (_, i) => `d${i} `), deltaIntervalMs: 100 },
  );
  const streams = await Promise.all([1, 2].map(() => chat({ stream: true })));
  const readers = streams.map((r) => new StreamReader(r));
  await Promise.all(readers.map((r) => r.until('"content":"d1 "')));
  const queued = chat({ messages: [{ role: "user", content: "queued" }] });
  await waitFor(() => e2e.service.limiter.stats().queued === 1, 5000, "the third request queued");

  const pid = codexPid()!;
  process.kill(pid, "SIGKILL");
  for (const reader of readers) {
    const text = await reader.rest();
    assert.deepEqual(errorFrames(text).map((e) => e.code), ["codex_restarting"]);
    assert.notEqual(parseSse(text).data.at(-1), "[DONE]");
  }
  const answer = await queued;
  assert.equal(answer.status, 200);
  assert.equal(((await answer.json()) as Completion).choices[0]?.message.content, "answered after restart");
  await recovers(pid);
});

test("SIGSTOP mid-stream: the stream ends at the request timeout with one request_timeout frame, and the hung child is replaced", async () => {
  e2e.upstream.behave({ deltas: Array.from({ length: 100 }, (_, i) => `d${i} `), deltaIntervalMs: 100 });
  const started = Date.now();
  const res = await chat({ stream: true });
  assert.equal(res.status, 200);
  const stream = new StreamReader(res);
  await stream.until('"content":"d1 "');
  const pid = codexPid()!;
  process.kill(pid, "SIGSTOP");

  const text = await stream.rest();
  const elapsed = Date.now() - started;
  assert.deepEqual(errorFrames(text).map((e) => e.code), ["request_timeout"]);
  assert.notEqual(parseSse(text).data.at(-1), "[DONE]");
  assert.ok(elapsed >= REQUEST_TIMEOUT_MS - 500 && elapsed < HUNG_AFTER_MS, `ended after ${elapsed} ms, at the ${REQUEST_TIMEOUT_MS} ms request timeout`);
  assert.equal(e2e.service.limiter.stats().active, 0);
  // No other request is pending: the unanswered turn/interrupt alone shows the child hangs.
  await recovers(pid);
});

test("SIGSTOP while idle: requests sent to the stopped child end with 504 at their timeout, then the child is replaced", async () => {
  await waitHealthy(e2e);
  const pid = codexPid()!;
  process.kill(pid, "SIGSTOP");
  e2e.upstream.behave({ deltas: ["never sent"] });
  const started = Date.now();
  const [plain, streamed] = await Promise.all([chat({}), chat({ stream: true })]);
  const elapsed = Date.now() - started;
  for (const res of [plain, streamed]) {
    assert.equal(res.status, 504);
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    assert.equal(((await res.json()) as ErrorBody).error.code, "request_timeout");
  }
  // They end at their own request timeout, not when Codex's unanswered turn/start gives up.
  assert.ok(elapsed < HUNG_AFTER_MS, `ended after ${elapsed} ms`);
  assert.equal(codexPid(), pid, "the child is replaced only once the RPC limit shows it hangs");
  await recovers(pid);
});
