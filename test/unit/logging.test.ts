import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { createLogger, logLine, MAX_LOG_FIELD_CHARS, MAX_LOG_LINE_CHARS } from "../../src/core/logger.ts";
import { FakeBackend, TEST_KEY, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";

const PROMPT = "PROMPT-marker-7f3a9c: my bank PIN is 8842";
const SYSTEM = "SYSTEM-marker-51d0e2";
const ANSWER = "ANSWER-marker-c4b8e6";
const REASONING = "REASONING-marker-0a9d";

function assertClean(logs: readonly string[], secrets: readonly string[]) {
  assert.ok(logs.length > 0, "something was logged");
  for (const line of logs) {
    for (const secret of secrets) assert.ok(!line.includes(secret), `log line leaks ${JSON.stringify(secret)}: ${line}`);
  }
}

const body = (extra: Record<string, unknown> = {}) =>
  chatBody({
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: PROMPT },
    ],
    ...extra,
  });

describe("logs", () => {
  test("a non-streaming chat logs one structured request line without prompt, answer or bearer key", async () => {
    const backend = new FakeBackend().script({ event: { type: "reasoning", delta: REASONING } }, ...answer([ANSWER]));
    const t = createTestApp({ backend });
    const res = await t.chat(body());
    assert.ok((await res.text()).includes(ANSWER), "the answer did reach the client");
    assertClean(t.logs, [PROMPT, SYSTEM, ANSWER, REASONING, TEST_KEY]);
    const requestLines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
    assert.equal(requestLines.length, 1);
    assert.equal(requestLines[0]?.status, 200);
    assert.equal(requestLines[0]?.path, "/v1/chat/completions");
    assert.equal(requestLines[0]?.method, "POST");
    assert.equal(typeof requestLines[0]?.ms, "number");
    assert.match(String(requestLines[0]?.requestId), /^req_/);
  });

  test("a stream is logged once, when it ends, with its duration, first-token time, tokens and mid-stream error code", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "text", delta: "a" } },
      { event: { type: "usage", usage: { inputTokens: 5, cachedInputTokens: 0, outputTokens: 2, reasoningOutputTokens: 0, totalTokens: 7 } } },
      { error: new BackendError("upstream", "boom"), delayMs: 120 },
    );
    const t = createTestApp({ backend });
    const res = await t.chat(body({ stream: true }));
    assert.match(await res.text(), /upstream_error/);
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.msg === "request");
    assert.equal(lines.length, 1);
    const line = lines[0] ?? {};
    assert.equal(line.status, 200);
    assert.equal(line.code, "upstream_error");
    assert.equal(line.stream, true);
    assert.equal(line.promptTokens, 5);
    assert.equal(line.completionTokens, 2);
    assert.ok(Number(line.ms) >= 100, `ms covers the whole stream: ${String(line.ms)}`);
    assert.equal(typeof line.ttftMs, "number");
    assert.ok(Number(line.ttftMs) < Number(line.ms));
  });

  test("health checks are logged at debug only", async () => {
    const t = createTestApp({ env: { LOG_LEVEL: "info" } });
    await t.app.request("/healthz");
    assert.ok(t.logs.every((l) => (JSON.parse(l) as { level: string }).level === "debug"));
  });

  test("a streaming chat leaks nothing either", async () => {
    const backend = new FakeBackend().script(...answer([ANSWER]));
    const t = createTestApp({ backend });
    const res = await t.chat(body({ stream: true }));
    assert.ok((await res.text()).includes(ANSWER));
    assertClean(t.logs, [PROMPT, SYSTEM, ANSWER, TEST_KEY]);
  });

  test("failures (backend error, bad JSON, wrong key, unexpected error) leak nothing", async () => {
    const backend = new FakeBackend()
      .script({ event: { type: "text", delta: ANSWER } }, { error: new BackendError("upstream", `upstream echoed ${PROMPT}`) })
      .script({ error: new Error(`internal ${PROMPT}`) });
    const t = createTestApp({ backend });
    await (await t.chat(body())).text();
    await (await t.chat(body())).text();
    await (
      await t.request("/v1/chat/completions", { method: "POST", body: `{"messages":[{"role":"user","content":"${PROMPT}"` })
    ).text();
    await (await t.app.request("/v1/models", { headers: { authorization: "Bearer wrong-key-abcdefghijklmnopqrstuvwxyz" } })).text();
    assertClean(t.logs, [PROMPT, ANSWER, TEST_KEY, "wrong-key-abcdefghijklmnopqrstuvwxyz"]);
  });
});

describe("createLogger", () => {
  test("one JSON object per line with time, level, msg and fields; levels below the threshold are dropped", () => {
    const lines: string[] = [];
    const logger = createLogger("warn", (l) => lines.push(l));
    logger.debug("d");
    logger.info("i");
    logger.warn("w", { a: 1 });
    logger.error("e", { b: "x" });
    assert.equal(lines.length, 2);
    assert.ok(lines.every((l) => l.endsWith("\n") && !l.slice(0, -1).includes("\n")));
    const first = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    assert.equal(first.level, "warn");
    assert.equal(first.msg, "w");
    assert.equal(first.a, 1);
    assert.ok(!Number.isNaN(Date.parse(String(first.time))));
  });

  test(`no line is longer than ${MAX_LOG_LINE_CHARS} characters: strings are cut to ${MAX_LOG_FIELD_CHARS}, saying how long they were, and fields that do not fit are counted`, () => {
    const lines: string[] = [];
    const logger = createLogger("debug", (l) => lines.push(l));
    logger.info("request", { model: "m".repeat(5_000_000), status: 400 });
    logger.warn("many", Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`field${i}`, "v".repeat(1000)])));
    logger.error("escapes", { a: "\u0001".repeat(100_000), b: "\ud83d".repeat(1000), c: true });
    for (const line of lines) {
      assert.ok(line.length <= MAX_LOG_LINE_CHARS, `a ${line.length}-character line`);
      assert.ok(line.endsWith("\n") && !line.slice(0, -1).includes("\n"));
    }
    const [request, many, escapes] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(request?.msg, "request");
    assert.equal(request?.status, 400);
    assert.equal(request?.model, `${"m".repeat(MAX_LOG_FIELD_CHARS)}… (5000000 characters)`);
    assert.equal(many?.msg, "many");
    assert.equal(many?.field0, "v".repeat(MAX_LOG_FIELD_CHARS) + "… (1000 characters)");
    assert.ok(Number(many?.omittedFields) > 80, `omitted ${String(many?.omittedFields)}`);
    assert.equal(escapes?.msg, "escapes");
    const a = String(escapes?.a);
    assert.ok(a.startsWith("\u0001".repeat(8)) && a.endsWith("… (100000 characters)"), a.slice(-40));
    assert.equal(escapes?.c, true);
    // Fields keep their order and a field may override time, level or msg, as before.
    assert.equal(logLine({ time: "t", level: "info", msg: "m", x: 1, y: undefined, z: null }), '{"time":"t","level":"info","msg":"m","x":1,"z":null}\n');
  });

  test("the request line of a huge path stays short", async () => {
    const t = createTestApp();
    await (await t.request(`/${"p".repeat(100_000)}`, { method: "POST" })).text();
    const line = t.logs.find((l) => l.includes('"msg":"request"')) ?? "";
    assert.ok(line.length > 0 && line.length <= MAX_LOG_LINE_CHARS, `a ${line.length}-character line`);
    assert.match(line, /p… \(100001 characters\)/);
  });

  test("silent logs nothing", () => {
    const lines: string[] = [];
    const logger = createLogger("silent", (l) => lines.push(l));
    logger.error("e");
    assert.deepEqual(lines, []);
  });
});

describe("clients that leave", () => {
  test("a client that disconnects mid-turn is logged as 499, not as an adapter error", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend });
    const controller = new AbortController();
    const pending = t.chat(chatBody(), { signal: controller.signal });
    await backend.waitForTurns(1);
    controller.abort();
    assert.equal((await pending).status, 499);
    const lines = t.logs.map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.deepEqual(lines.filter((l) => l.msg === "request").map((l) => l.status), [499]);
    assert.equal(lines.filter((l) => l.level === "error").length, 0);
    assert.equal(t.limiter.stats().active, 0);
  });
});
