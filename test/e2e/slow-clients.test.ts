import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TEST_API_KEY, authHeaders, startE2E, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { parseSse } from "../helpers/sse.ts";
import { rawClient, type RawClient } from "../helpers/raw-client.ts";

// The real service's read timeouts and connection cap (HTTP_* settings), driven by raw sockets
// on 127.0.0.1: clients that stall or hang up are the clients' doing, and they cannot crowd out
// a normal request. The server's own unit tests: test/unit/slow-clients.test.ts.

const HEADERS_S = 2;
const BODY_S = 3;
const IDLE_S = 2;
/** How late a limit may act on a busy two-core machine (Node's own are 60 s, 300 s and 5 s). */
const SLACK_MS = 2500;

let e2e: E2E;
let port: number;
before(async () => {
  e2e = await startE2E({
    env: {
      HTTP_HEADERS_TIMEOUT_SECONDS: String(HEADERS_S),
      HTTP_BODY_TIMEOUT_SECONDS: String(BODY_S),
      HTTP_IDLE_TIMEOUT_SECONDS: String(IDLE_S),
      SSE_KEEPALIVE_SECONDS: "1",
    },
  });
  port = Number(new URL(e2e.service.url).port);
  await waitHealthy(e2e);
});
after(() => e2e.close());

const BODY = JSON.stringify({ messages: [{ role: "user", content: "hello" }] });
const HEAD =
  "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
  `Authorization: Bearer ${TEST_API_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/** A chat request whose head the adapter has received (Node's `100 Continue` says so) and half of whose body follows. */
async function midBody(): Promise<RawClient> {
  const client = await rawClient(port, HEAD.replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
  await waitFor(() => client.text().startsWith(CONTINUE), 5000, "100 Continue");
  client.socket.write(BODY.slice(0, 12));
  return client;
}

async function metrics(): Promise<string> {
  return (await fetch(`${e2e.service.url}/metrics`, { headers: authHeaders() })).text();
}
function metric(text: string, line: string): number {
  const match = new RegExp(`^${line.replace(/[{}()|.*+?^$[\]\\]/g, "\\$&")} (\\S+)$`, "m").exec(text);
  assert.ok(match, `/metrics has ${line}`);
  return Number(match[1]);
}

const logLines = (from: number) => e2e.logs.slice(from).map((l) => JSON.parse(l) as Record<string, unknown>);
const chatLines = (from: number) => logLines(from).filter((l) => l.msg === "request" && l.path === "/v1/chat/completions");

function chat(body: object): Promise<Response> {
  return fetch(`${e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });
}

test("a stalled body is a 408 body_timeout, a hang-up mid-body a 499, a head that never completes is dropped: at info, counted apart from errors", async () => {
  const from = e2e.logs.length;
  const [stalled, hangUp, partialHead] = await Promise.all([midBody(), midBody(), rawClient(port, HEAD.slice(0, 30))]);
  hangUp.socket.destroy();

  const late = await stalled.ended;
  const answer = late.text.slice(CONTINUE.length);
  assert.match(answer, /^HTTP\/1\.1 408 /, answer);
  assert.ok(late.ms >= BODY_S * 1000 - 50 && late.ms < BODY_S * 1000 + SLACK_MS, `answered after ${Math.round(late.ms)} ms`);
  const error = (JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4)) as { error: { code: string; type: string } }).error;
  assert.deepEqual([error.type, error.code], ["invalid_request_error", "body_timeout"]);
  const head = await partialHead.ended;
  assert.equal(head.status, 408);
  assert.ok(head.ms >= HEADERS_S * 1000 - 50 && head.ms < HEADERS_S * 1000 + SLACK_MS, `dropped after ${Math.round(head.ms)} ms`);

  await waitFor(() => chatLines(from).length === 2, 5000, "two request lines");
  const seen = chatLines(from).map((l) => [l.level, l.status, l.code]);
  assert.deepEqual(seen.sort(), [["info", 408, "body_timeout"], ["info", 499, "client_closed"]]);
  assert.deepEqual(logLines(from).filter((l) => l.level === "error" || l.level === "warn"), [], "no `unhandled error`");

  const text = await metrics();
  assert.equal(metric(text, 'codex_provider_client_aborts_total{reason="body_timeout"}'), 1);
  assert.equal(metric(text, 'codex_provider_client_aborts_total{reason="closed"}'), 1);
  assert.equal(metric(text, 'codex_provider_connections_dropped_total{reason="headers_timeout"}'), 1);
  assert.ok(!/code="internal_error"/.test(text), "no internal_error counted");
  const state = (await (await fetch(`${e2e.service.url}/dashboard/api/state`)).json()) as {
    load: { errorsByCode: Record<string, number>; clientAborts: Record<string, number> };
  };
  assert.deepEqual(state.load.errorsByCode, {});
  assert.deepEqual(state.load.clientAborts, { closed: 1, body_timeout: 1 });
});

test("with the connection cap (256) reached by 300 slow clients, a chat request answers 200 promptly", async (t) => {
  e2e.upstream.behave({ deltas: ["still ", "here"] });
  const baselineStart = performance.now();
  assert.equal((await chat({ messages: [{ role: "user", content: "warm up" }] })).status, 200);
  const baselineMs = performance.now() - baselineStart;

  const from = e2e.logs.length;
  const before = metric(await metrics(), 'codex_provider_connections_dropped_total{reason="evicted"}');
  const kinds = ["", HEAD.slice(0, 30), HEAD + BODY.slice(0, 12)];
  const slow: RawClient[] = [];
  const opening = performance.now();
  for (let i = 0; i < 300; i++) slow.push(await rawClient(port, kinds[i % 3]));
  const openedMs = performance.now() - opening;

  const started = performance.now();
  const res = await chat({ messages: [{ role: "user", content: "are you there?" }] });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  assert.equal(body.choices[0]?.message.content, "still here");
  const ms = performance.now() - started;
  t.diagnostic(`300 slow sockets opened in ${Math.round(openedMs)} ms; chat answered in ${Math.round(ms)} ms (${Math.round(baselineMs)} ms before them)`);
  assert.ok(ms < 5000, `answered in ${Math.round(ms)} ms`);

  const text = await metrics();
  const evicted = metric(text, 'codex_provider_connections_dropped_total{reason="evicted"}') - before;
  assert.ok(evicted >= 300 - 256, `${evicted} connections evicted: the cap was reached`);
  assert.ok(metric(text, "codex_provider_open_connections") <= 256);
  for (const client of slow) client.socket.destroy();
  // Closed mid-body to make room, or hung up: the clients' doing, never an error.
  await waitFor(() => e2e.service.limiter.stats().active === 0, 5000, "slots free");
  const odd = chatLines(from).filter((l) => l.status !== 200 && !(l.status === 408 && l.code === "body_timeout") && !(l.status === 499 && l.code === "client_closed"));
  assert.deepEqual(odd, []);
  assert.deepEqual(logLines(from).filter((l) => l.level === "error"), []);
});

test("answers and streams longer than every read timeout are not cut; keep-alive comments flow", async () => {
  // About 6 s of answer: longer than the head, body and idle limits together.
  const deltas = Array.from({ length: 30 }, (_, i) => `d${i} `);
  e2e.upstream.behave({ deltas, deltaIntervalMs: 200, firstByteDelayMs: 2500 });
  const streamed = await chat({ stream: true, messages: [{ role: "user", content: "a long stream" }] });
  assert.equal(streamed.status, 200);
  const { comments, data } = parseSse(await streamed.text());
  assert.ok(comments.includes("keep-alive"), "keep-alive comments while Codex was silent");
  assert.equal(data.at(-1), "[DONE]");
  const text = data
    .slice(0, -1)
    .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
    .join("");
  assert.equal(text, deltas.join(""));

  e2e.upstream.behave({ deltas, deltaIntervalMs: 150 });
  const started = performance.now();
  const answered = await chat({ messages: [{ role: "user", content: "a long answer" }] });
  assert.equal(answered.status, 200);
  assert.equal(((await answered.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, deltas.join(""));
  assert.ok(performance.now() - started > BODY_S * 1000);
});
