import assert from "node:assert/strict";
import { after, describe, test } from "node:test";
import { createApp, createTelemetry } from "../../src/app.ts";
import { loadConfig } from "../../src/config.ts";
import { systemClock } from "../../src/core/clock.ts";
import { createLimiter, type Limiter } from "../../src/core/limiter.ts";
import { createLogger } from "../../src/core/logger.ts";
import { listen, type Listening, type ServerLimits } from "../../src/http/listen.ts";
import { RecentRequests } from "../../src/observability/recent-requests.ts";
import type { RequestRecord } from "../../src/observability/request-record.ts";
import { FakeBackend, FakeReadiness, TEST_KEY, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";
import { rawClient, type RawClient } from "../helpers/raw-client.ts";
import { TestClock } from "../helpers/test-clock.ts";

// The listening server (src/http/listen.ts) in front of the app on a fake backend, driven by raw
// sockets on 127.0.0.1: clients that stall or hang up, and the connection cap.

interface Served {
  readonly url: string;
  readonly port: number;
  readonly backend: FakeBackend;
  readonly limiter: Limiter;
  readonly listening: Listening;
  /** Parsed log lines. */
  logs(): Record<string, unknown>[];
  close(): Promise<void>;
}

const servers: Served[] = [];
after(() => Promise.all(servers.map((s) => s.close())));

async function serve(limits: ServerLimits, env: Record<string, string> = {}, backend = new FakeBackend()): Promise<Served> {
  const config = loadConfig({ PROXY_API_KEY: TEST_KEY, DATA_DIR: "/tmp/ccp-unit", ...env });
  const limiter = createLimiter({ capacity: config.maxConcurrentRequests, maxQueue: config.maxQueueLength, maxWaitMs: config.queueWaitMs });
  const readiness = new FakeReadiness();
  const lines: string[] = [];
  const logger = createLogger("debug", (line) => lines.push(line));
  const telemetry = createTelemetry({ limiter, backend, readiness, clock: systemClock });
  const app = createApp({ config, apiKey: TEST_KEY, backend, limiter, readiness, logger, clock: systemClock, telemetry });
  const listening = await listen({ fetch: app.fetch, host: "127.0.0.1", port: 0, limits, logger });
  telemetry.metrics.watchConnections(listening.stats);
  const served: Served = {
    url: `http://127.0.0.1:${listening.port}`,
    port: listening.port,
    backend,
    limiter,
    listening,
    logs: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>),
    close: () =>
      new Promise<void>((resolve) => {
        listening.server.close(() => resolve());
        listening.server.closeAllConnections();
      }),
  };
  servers.push(served);
  return served;
}

const BODY = JSON.stringify(chatBody());

/** A well-behaved client's chat request, sent whole. */
const postChat = (url: string) =>
  fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" }, body: BODY });
function chatHead(length = BODY.length, extra = ""): string {
  return (
    "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
    `Authorization: Bearer ${TEST_KEY}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`
  );
}

/** A chat request whose head the app has received (Node's `100 Continue` says so) and half of whose body follows; then silence. */
async function midBody(port: number): Promise<RawClient> {
  const client = await rawClient(port, chatHead(BODY.length, "Expect: 100-continue\r\n"));
  await until(() => client.text().startsWith("HTTP/1.1 100 Continue\r\n\r\n"), 5000, "100 Continue");
  client.socket.write(BODY.slice(0, 10));
  return client;
}

async function metric(s: Served, line: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${TEST_KEY}` } })).text();
  const match = new RegExp(`^${line.replace(/[{}()|.*+?^$[\]\\]/g, "\\$&")} (\\S+)$`, "m").exec(text);
  assert.ok(match, `/metrics has ${line}`);
  return Number(match[1]);
}

interface DashboardLoad {
  errorsByCode: Record<string, number>;
  clientAborts: { closed: number; body_timeout: number };
}
async function dashboardLoad(s: Served): Promise<DashboardLoad> {
  const res = await fetch(`${s.url}/dashboard/api/state`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { load: DashboardLoad }).load;
}

async function until(check: () => boolean, timeoutMs = 5000, what = "condition"): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!check()) {
    if (performance.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const requestLines = (s: Served) => s.logs().filter((l) => l.msg === "request");
const errorLines = (s: Served) => s.logs().filter((l) => l.level === "error" || l.level === "warn");

// Short limits; Node checks its deadlines every quarter of the shorter one (250 ms here). A limit
// is kept if it acts within SLACK_MS of it (a busy two-core machine), far below Node's own 60 s,
// 300 s and 5 s.
const SLACK_MS = 2500;
const SHORT: ServerLimits = { headersTimeoutMs: 1000, bodyTimeoutMs: 1500, idleTimeoutMs: 500, maxConnections: 64 };
/** For hang-ups: no limit can act first. */
const PATIENT: ServerLimits = { ...SHORT, headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000 };

describe("clients that stall or hang up", { concurrency: true }, () => {
  test("a body that stops arriving is answered 408 body_timeout at the body timeout, logged at info, counted as a client abort", async () => {
    const s = await serve(SHORT);
    const client = await midBody(s.port);
    const { text: received, ms } = await client.ended;
    const text = received.slice("HTTP/1.1 100 Continue\r\n\r\n".length);
    assert.match(text, /^HTTP\/1\.1 408 /, text);
    assert.ok(ms >= SHORT.bodyTimeoutMs - 50 && ms < SHORT.bodyTimeoutMs + SLACK_MS, `answered after ${Math.round(ms)} ms`);
    assert.match(text, /\r\nconnection: close\r\n/i, "the unread rest of the body cannot spoil a next request");
    const body = JSON.parse(text.slice(text.indexOf("\r\n\r\n") + 4)) as { error: { type: string; code: string; message: string } };
    assert.deepEqual([body.error.type, body.error.code], ["invalid_request_error", "body_timeout"]);
    assert.match(body.error.message, /did not arrive within 1\.5 s/);

    await until(() => requestLines(s).length === 1, 2000, "the request line");
    const [line] = requestLines(s);
    assert.deepEqual([line?.level, line?.status, line?.code], ["info", 408, "body_timeout"]);
    assert.deepEqual(errorLines(s), [], "nothing at warn or error: no `unhandled error`");
    assert.equal(await metric(s, 'codex_provider_client_aborts_total{reason="body_timeout"}'), 1);
    assert.equal(await metric(s, 'codex_provider_requests_total{route="/v1/chat/completions",status="408",code="body_timeout"}'), 1);
    const load = await dashboardLoad(s);
    assert.deepEqual([load.errorsByCode, load.clientAborts], [{}, { closed: 0, body_timeout: 1 }], "not an error");
  });

  test("a client that hangs up mid-body is a 499 client_closed in the log at info, counted as a client abort", async () => {
    const s = await serve(PATIENT);
    const client = await midBody(s.port);
    client.socket.destroy();
    await until(() => requestLines(s).length === 1, 2000, "the request line");
    const [line] = requestLines(s);
    assert.deepEqual([line?.level, line?.status, line?.code], ["info", 499, "client_closed"]);
    assert.deepEqual(errorLines(s), []);
    assert.equal(await metric(s, 'codex_provider_client_aborts_total{reason="closed"}'), 1);
    assert.equal(await metric(s, 'codex_provider_client_aborts_total{reason="body_timeout"}'), 0);
    const load = await dashboardLoad(s);
    assert.deepEqual([load.errorsByCode, load.clientAborts], [{}, { closed: 1, body_timeout: 0 }]);
  });

  test("a client that half-closes mid-body is a 499 client_closed as well", async () => {
    const s = await serve(PATIENT);
    const client = await midBody(s.port);
    client.socket.end();
    await client.ended;
    await until(() => requestLines(s).length === 1, 2000, "the request line");
    assert.deepEqual(requestLines(s).map((l) => [l.level, l.status, l.code]), [["info", 499, "client_closed"]]);
    assert.deepEqual(errorLines(s), []);
  });

  test("a head that never completes, or never starts, is dropped at the headers timeout and never reaches the app", async () => {
    const s = await serve(SHORT);
    const [partial, silent] = await Promise.all([rawClient(s.port, chatHead().slice(0, 40)), rawClient(s.port)]);
    for (const client of [partial, silent]) {
      const { ms, status } = await client.ended;
      assert.equal(status, 408);
      assert.ok(ms >= SHORT.headersTimeoutMs - 50 && ms < SHORT.headersTimeoutMs + SLACK_MS, `dropped after ${Math.round(ms)} ms`);
    }
    assert.deepEqual(requestLines(s), []);
    assert.equal(await metric(s, 'codex_provider_connections_dropped_total{reason="headers_timeout"}'), 2);
  });

  test("a kept-alive connection left idle is closed after the idle timeout (Node adds a second's margin)", async () => {
    const s = await serve(SHORT);
    s.backend.script(...answer(["ok"]));
    const client = await rawClient(s.port, chatHead() + BODY);
    const { text, ms, status } = await client.ended;
    assert.equal(status, 200);
    assert.match(text, /Keep-Alive: timeout=0/i);
    assert.ok(ms >= SHORT.idleTimeoutMs && ms < SHORT.idleTimeoutMs + 1000 + SLACK_MS, `closed after ${Math.round(ms)} ms`);
  });
});

describe("answers are not cut by the read timeouts", { concurrency: true }, () => {
  test("a stream longer than every timeout, with keep-alive comments, ends with [DONE]; the connection then serves another request", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "text", delta: "early" } },
      { event: { type: "text", delta: "late" }, delayMs: 2600 },
      ...answer(["end"]),
    );
    backend.script(...answer(["again"]));
    const s = await serve(SHORT, { SSE_KEEPALIVE_SECONDS: "1" }, backend);
    const body = JSON.stringify(chatBody({ stream: true }));
    const client = await rawClient(s.port, chatHead(body.length) + body);
    await until(() => /data: \[DONE\]/.test(client.text()), 6000, "the end of the stream");
    const streamed = client.text();
    assert.match(streamed, /^HTTP\/1\.1 200/);
    assert.ok(streamed.includes(": keep-alive"), "keep-alive comments flowed");
    assert.ok(streamed.indexOf('"early"') < streamed.indexOf('"late"') && streamed.indexOf('"late"') < streamed.indexOf('"end"'));
    // The same connection, kept alive: the stream's length did not count against it.
    client.socket.write(chatHead() + BODY);
    await until(() => client.text().includes('"again"'), 2000, "the second answer");
    client.socket.destroy();
    assert.deepEqual(requestLines(s).map((l) => l.status), [200, 200]);
  });

  test("a non-streamed answer that takes longer than every timeout is answered 200", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "slow" }, delayMs: 2000 }, ...answer([]));
    const s = await serve(SHORT, {}, backend);
    const started = performance.now();
    const res = await postChat(s.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"slow"/);
    assert.ok(performance.now() - started >= 2000);
  });
});

describe("the connection cap", { concurrency: true }, () => {
  // Long read timeouts: here only the cap closes connections.
  const CAPPED: ServerLimits = { headersTimeoutMs: 30_000, bodyTimeoutMs: 30_000, idleTimeoutMs: 30_000, maxConnections: 16 };

  test("with the cap reached by slow clients a normal request answers 200 promptly: the longest-stalled connections make room", async () => {
    const s = await serve(CAPPED);
    s.backend.script(...answer(["ok"]));
    // Three kinds of stalling, in turn: nothing sent, half a head, a head and half a body.
    const kinds = ["", chatHead().slice(0, 40), chatHead() + BODY.slice(0, 10)];
    const slow: RawClient[] = [];
    for (let i = 0; i < 3 * CAPPED.maxConnections; i++) slow.push(await rawClient(s.port, kinds[i % 3]));
    await until(() => s.listening.stats().dropped.evicted === 2 * CAPPED.maxConnections, 5000, "the oldest slow clients closed");
    assert.equal(s.listening.stats().open, CAPPED.maxConnections);
    const open = new Set<RawClient>(slow);
    for (const client of slow) void client.ended.then(() => open.delete(client));
    await until(() => open.size === CAPPED.maxConnections, 2000, "the closes seen by the clients");
    assert.deepEqual([...open], slow.slice(-CAPPED.maxConnections), "the newest stayed, the oldest went");

    const started = performance.now();
    const res = await postChat(s.url);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /"ok"/);
    const ms = performance.now() - started;
    assert.ok(ms < SLACK_MS, `answered in ${Math.round(ms)} ms`);
    assert.deepEqual(s.listening.stats(), { open: CAPPED.maxConnections, dropped: { headers_timeout: 0, evicted: 2 * CAPPED.maxConnections + 1, refused: 0 } });

    // Closed mid-body to make room: a client abort (408 body_timeout) at info, never an error.
    const lines = requestLines(s);
    assert.ok(lines.length > 1);
    assert.deepEqual(lines.filter((l) => l.status !== 200).map((l) => [l.level, l.status, l.code]), Array.from({ length: lines.length - 1 }, () => ["info", 408, "body_timeout"]));
    assert.deepEqual(errorLines(s), []);
    for (const client of slow) client.socket.destroy();
  });

  test("an idle kept-alive connection makes room only after every stalled one", async () => {
    const backend = new FakeBackend().script(...answer(["kept"]));
    for (let i = 1; i < CAPPED.maxConnections; i++) backend.script({ hang: true });
    const s = await serve(CAPPED, { MAX_CONCURRENT_REQUESTS: "8", MAX_QUEUE_LENGTH: "32", QUEUE_WAIT_SECONDS: "60" }, backend);
    const idle = await rawClient(s.port, chatHead() + BODY);
    await until(() => idle.text().includes('"kept"'), 2000, "the first answer");
    // Stalled ones, all younger than the idle one: the oldest of them goes.
    const silent: RawClient[] = [];
    for (let i = 1; i <= CAPPED.maxConnections; i++) silent.push(await rawClient(s.port));
    await silent[0]?.ended;
    await until(() => s.listening.stats().open === CAPPED.maxConnections, 2000, "the cap");
    assert.equal(s.listening.stats().dropped.evicted, 1);
    assert.equal(idle.socket.readyState, "open");
    for (const client of silent) client.socket.destroy();
    await until(() => s.listening.stats().open === 1, 2000, "only the idle one left");
    // The rest are answering requests: now the idle one makes room.
    const busy: RawClient[] = [];
    for (let i = 1; i < CAPPED.maxConnections; i++) busy.push(await rawClient(s.port, chatHead() + BODY));
    await backend.waitForTurns(8);
    await until(() => s.limiter.stats().queued === CAPPED.maxConnections - 1 - 8, 2000, "the rest queued");
    const newcomer = await rawClient(s.port);
    await idle.ended;
    assert.equal(s.listening.stats().dropped.evicted, 2);
    assert.ok([...busy, newcomer].every((c) => c.socket.readyState === "open"));
    for (const client of [...busy, newcomer]) client.socket.destroy();
  });

  test("a connection answering a request is never closed for another: when all are, the new one is refused", async () => {
    const backend = new FakeBackend();
    for (let i = 0; i < CAPPED.maxConnections; i++) backend.script({ hang: true });
    const s = await serve(CAPPED, { MAX_CONCURRENT_REQUESTS: "8", MAX_QUEUE_LENGTH: "32", QUEUE_WAIT_SECONDS: "60" }, backend);
    const busy: RawClient[] = [];
    for (let i = 0; i < CAPPED.maxConnections; i++) busy.push(await rawClient(s.port, chatHead() + BODY));
    await backend.waitForTurns(8);
    await until(() => s.limiter.stats().queued === 8, 2000, "eight queued");
    const refused = await rawClient(s.port, chatHead() + BODY);
    const { text, ms } = await refused.ended;
    assert.equal(text, "", "closed without an answer");
    assert.ok(ms < SLACK_MS, `closed after ${Math.round(ms)} ms`);
    assert.deepEqual(s.listening.stats().dropped, { headers_timeout: 0, evicted: 0, refused: 1 });
    assert.ok(busy.every((c) => c.socket.readyState === "open"));
    for (const client of busy) client.socket.destroy();
  });
});

describe("client aborts are counted apart from errors", () => {
  test("a client that leaves mid-turn or mid-stream counts as closed (499 client_closed), not under the errors", async () => {
    const backend = new FakeBackend().script({ hang: true }).script({ event: { type: "text", delta: "a" } }, { hang: true });
    const t = createTestApp({ backend });
    for (const stream of [false, true]) {
      const controller = new AbortController();
      const pending = t.chat(chatBody({ stream }), { signal: controller.signal });
      await backend.waitForTurns(stream ? 2 : 1);
      controller.abort();
      await (await pending.catch(() => undefined))?.text().catch(() => undefined);
    }
    await until(() => t.logs.filter((l) => l.includes('"msg":"request"')).length === 2, 2000, "two request lines");
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
    assert.deepEqual(lines.map((l) => [l.level, l.status, l.code]), [["info", 499, "client_closed"], ["info", 499, "client_closed"]]);
    const metrics = await (await t.request("/metrics")).text();
    assert.match(metrics, /^codex_provider_client_aborts_total\{reason="closed"\} 2$/m);
    const state = (await (await t.app.request("http://127.0.0.1:8320/dashboard/api/state", { headers: { host: "127.0.0.1:8320" } })).json()) as { load: DashboardLoad };
    assert.deepEqual([state.load.errorsByCode, state.load.clientAborts], [{}, { closed: 2, body_timeout: 0 }]);
  });

  test("the dashboard's history keeps client aborts out of the error counts, by code and per minute", () => {
    const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
    const recent = new RecentRequests({ capacity: 10, clock: new TestClock(T0) });
    const record = (status: number, code: string | null): RequestRecord => ({
      time: T0,
      requestId: `req_${status}_${code ?? ""}`,
      method: "POST",
      route: "/v1/chat/completions",
      status,
      code,
      durationMs: 5,
      ttftMs: null,
      model: null,
      stream: null,
      promptTokens: null,
      completionTokens: null,
      webSearches: 0,
    });
    recent.add(record(499, "client_closed"));
    recent.add(record(408, "body_timeout"));
    recent.add(record(408, "body_timeout"));
    recent.add(record(500, "internal_error"));
    recent.add(record(200, null));
    assert.deepEqual(recent.errorsByCode(), { internal_error: 1 });
    assert.deepEqual(recent.clientAborts(), { closed: 1, body_timeout: 2 });
    assert.deepEqual(recent.lastHour().at(-1), { minute: T0, requests: 5, errors: 1, p50Ms: 5, p95Ms: 5 });
    assert.equal(recent.events().length, 5, "still listed among the recent requests");
  });
});
