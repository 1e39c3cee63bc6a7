import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { systemClock } from "../../src/core/clock.ts";
import { OLLAMA_PARAMETERS } from "../../src/ollama/ollama-parameters.ts";
import { compatibilityTable } from "../../src/openai/parameters.ts";
import { answer, createTestApp, FakeBackend, TEST_KEY, USAGE, type TestApp } from "../helpers/fake-backend.ts";
import { TestClock } from "../helpers/test-clock.ts";

type Json = Record<string, unknown>;

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 73, 72, 68, 82]).toString("base64");
const JPEG = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0, 1]).toString("base64");

function call(t: TestApp, method: string, path: string, payload?: unknown, headers: Record<string, string> = { authorization: `Bearer ${TEST_KEY}` }): Promise<Response> {
  return Promise.resolve(t.app.request(path, { method, headers: { "content-type": "application/json", ...headers }, ...(payload === undefined ? {} : { body: JSON.stringify(payload) }) }));
}
const post = (t: TestApp, path: string, payload: unknown) => call(t, "POST", path, payload);
const lines = async (res: Response) => (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Json);
const chat = (extra: Json = {}) => ({ model: "gpt-5.5", messages: [{ role: "user", content: "Hello" }], ...extra });

describe("POST /api/chat", () => {
  test("streams NDJSON by default: one object per delta, then done with the durations and Codex's exact counts", async () => {
    const clock = new TestClock(1_750_000_000_000);
    const backend = new FakeBackend().script({ event: { type: "text", delta: "Hi" } }, { event: { type: "text", delta: " there" }, delayMs: 5 }, { event: { type: "usage", usage: USAGE } }, { event: { type: "done" } });
    const t = createTestApp({ backend, clock });
    const res = await post(t, "/api/chat", chat());
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("content-type"), "application/x-ndjson");
    const objects = await lines(res);
    assert.deepEqual(objects.map((o) => [(o.message as Json).content, o.done]), [["Hi", false], [" there", false], ["", true]]);
    assert.deepEqual(objects[0], { model: "gpt-5.5", created_at: new Date(clock.nowMs()).toISOString(), message: { role: "assistant", content: "Hi" }, done: false });
    const last = objects.at(-1) ?? {};
    assert.equal(last.done_reason, "stop");
    assert.deepEqual([last.prompt_eval_count, last.eval_count, last.load_duration], [USAGE.inputTokens, USAGE.outputTokens, 0]);
    for (const field of ["total_duration", "prompt_eval_duration", "eval_duration"]) assert.equal(typeof last[field], "number", field);
  });

  test("a silent backend: the keep-alive is an empty object of the answer's shape, never a line a client cannot parse", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "early" } }, { event: { type: "text", delta: "late" }, delayMs: 1700 }, { event: { type: "done" } });
    const t = createTestApp({ backend, env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock });
    const objects = await lines(await post(t, "/api/chat", chat()));
    const contents = objects.map((o) => (o.message as Json).content);
    assert.ok(contents.length >= 4 && contents[0] === "early" && contents.at(-2) === "late", JSON.stringify(contents));
    assert.ok(contents.slice(1, -2).every((c) => c === ""), "keep-alives between the deltas carry nothing");
    assert.ok(objects.slice(0, -1).every((o) => o.done === false && o.model === "gpt-5.5"));
  });

  test("stream:false answers one object; an error after the stream opened is one {error} line", async () => {
    const t = createTestApp();
    t.backend.script(...answer(["Hi", " there"]));
    const res = await post(t, "/api/chat", chat({ stream: false }));
    assert.equal(res.headers.get("content-type"), "application/json");
    const body = (await res.json()) as Json;
    assert.deepEqual([body.message, body.done, body.done_reason], [{ role: "assistant", content: "Hi there" }, true, "stop"]);

    t.backend.script({ event: { type: "text", delta: "Hi" } }, { error: new BackendError("upstream", "boom") });
    const failed = await lines(await post(t, "/api/chat", chat()));
    assert.deepEqual(Object.keys(failed.at(-1) ?? {}), ["error"]);
  });

  test("think: reasoning as message.thinking, a level as the effort; false asks for the least effort and shows none", async () => {
    const t = createTestApp();
    const reasoned = [{ event: { type: "reasoning_part" } } as const, { event: { type: "reasoning", delta: "Pondering." } } as const, ...answer(["42"])];
    t.backend.script(...reasoned);
    const body = (await (await post(t, "/api/chat", chat({ think: "high", stream: false }))).json()) as { message: Json };
    assert.deepEqual(body.message, { role: "assistant", content: "42", thinking: "Pondering." });
    assert.deepEqual([t.backend.turns[0]?.reasoningEffort, t.backend.turns[0]?.reasoningSummary !== "none"], ["high", true]);

    t.backend.script(...reasoned);
    const off = (await (await post(t, "/api/chat", chat({ think: false, stream: false }))).json()) as { message: Json };
    assert.deepEqual(off.message, { role: "assistant", content: "42" });
    assert.deepEqual([t.backend.turns[1]?.reasoningEffort, t.backend.turns[1]?.reasoningSummary], ["low", "none"]);
  });

  test("tools: calls come back with arguments as objects; the tool messages continue the paused turn in order, with or without the calls' ids", async () => {
    const calls = [
      { callId: "call_a", name: "weather", arguments: '{"city":"Oslo"}' },
      { callId: "call_b", name: "time", arguments: "{}" },
    ];
    const backend = new FakeBackend().script({ pause: calls }).script(...answer(["Sunny at noon."])).script({ pause: calls }).script(...answer(["Still sunny."]));
    const t = createTestApp({ backend });
    const tools = [{ type: "function", function: { name: "weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }, { type: "function", function: { name: "time" } }];
    const results = [{ role: "tool", content: "12 C", tool_name: "weather" }, { role: "tool", content: "12:00" }];
    const expected = [
      { callId: "call_a", output: "12 C" },
      { callId: "call_b", output: "12:00" },
    ];
    const first = (await (await post(t, "/api/chat", chat({ tools, stream: false }))).json()) as { message: Json };
    assert.deepEqual(first.message.tool_calls, [{ id: "call_a", function: { name: "weather", arguments: { city: "Oslo" } } }, { id: "call_b", function: { name: "time", arguments: {} } }]);
    const second = (await (await post(t, "/api/chat", chat({ tools, messages: [...chat().messages, first.message, ...results], stream: false }))).json()) as { message: Json };
    assert.equal(second.message.content, "Sunny at noon.");
    assert.equal(t.backend.turns.length, 1, "no new turn: the paused one went on");
    assert.deepEqual(t.backend.paused[0]?.resumedWith, expected);

    // A client that keeps only Ollama's documented fields sends the calls back without their ids.
    const asked = [{ role: "user", content: "Again?" }];
    const third = (await (await post(t, "/api/chat", chat({ tools, messages: asked, stream: false }))).json()) as { message: { tool_calls: Json[] } };
    const bare = { role: "assistant", content: "", tool_calls: third.message.tool_calls.map((c) => ({ function: c.function })) };
    const fourth = (await (await post(t, "/api/chat", chat({ tools, messages: [...asked, bare, ...results], stream: false }))).json()) as { message: Json };
    assert.equal(fourth.message.content, "Still sunny.");
    assert.equal(t.backend.turns.length, 2);
    assert.deepEqual(t.backend.paused[1]?.resumedWith, expected);
  });

  test("images: base64 without a prefix becomes a data URL of the sniffed type; anything else is a 400 naming the image", async () => {
    const t = createTestApp();
    t.backend.models = [{ id: "gpt-5.5", displayName: "GPT-5.5", isDefault: true, reasoningEfforts: [], inputModalities: ["text", "image"] }];
    const res = await post(t, "/api/chat", chat({ stream: false, messages: [{ role: "user", content: "What is it?", images: [PNG, JPEG] }] }));
    assert.equal(res.status, 200);
    assert.deepEqual(t.backend.turns[0]?.inputImages, [`data:image/png;base64,${PNG}`, `data:image/jpeg;base64,${JPEG}`]);

    const bad = await post(t, "/api/chat", chat({ messages: [{ role: "user", content: "x" }, { role: "assistant", content: "y" }, { role: "user", content: "z", images: [PNG, "aGVsbG8gd29ybGQ="] }] }));
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /PNG, JPEG, GIF or WebP.*\(messages\[2\]\.images\[1\]\)/);
  });

  test("format: a schema is the turn's output schema, \"json\" an instruction", async () => {
    const t = createTestApp();
    const schema = { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false };
    await post(t, "/api/chat", chat({ format: schema, stream: false }));
    assert.deepEqual(t.backend.turns[0]?.outputSchema, schema);
    await post(t, "/api/chat", chat({ format: "json", stream: false }));
    assert.equal(t.backend.turns[1]?.outputSchema, undefined);
    assert.match(t.backend.turns[1]?.instructions ?? "", /one valid JSON object/);
    const bad = await post(t, "/api/chat", chat({ format: { type: "string" } }));
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /format/);
  });

  test("no messages is Ollama's load call: done at once with done_reason load, no turn", async () => {
    const t = createTestApp();
    const res = await post(t, "/api/chat", { model: "gpt-5.5", messages: [] });
    assert.deepEqual((await lines(res)).map((o) => [o.done, o.done_reason]), [[true, "load"]]);
    assert.equal(((await (await post(t, "/api/chat", { model: "gpt-5.5", keep_alive: 0, stream: false })).json()) as Json).done_reason, "unload");
    assert.equal(t.backend.turns.length, 0);
  });
});

describe("POST /api/generate", () => {
  test("prompt and system as the turn, the answer as response; options and keep_alive accepted", async () => {
    const t = createTestApp();
    t.backend.script(...answer(["Hi", " there"]));
    const res = await post(t, "/api/generate", { model: "gpt-5.5:latest", prompt: "Hello", system: "Be brief.", stream: false, options: { temperature: 0.1, num_predict: 5, stop: ["x"] }, keep_alive: "5m", context: [] });
    const body = (await res.json()) as Json;
    assert.deepEqual([body.model, body.response, body.done, body.done_reason], ["gpt-5.5:latest", "Hi there", true, "stop"]);
    assert.deepEqual([t.backend.turns[0]?.model, t.backend.turns[0]?.input, t.backend.turns[0]?.instructions], ["gpt-5.5", "Hello", "Be brief."]);
  });

  test("an empty prompt is the load call; a non-empty context or a suffix is a 400 naming it", async () => {
    const t = createTestApp();
    assert.equal(((await (await post(t, "/api/generate", { model: "gpt-5.5", stream: false })).json()) as Json).done_reason, "load");
    for (const [field, value] of [["context", [1, 2]], ["suffix", "end"]] as const) {
      const res = await post(t, "/api/generate", { model: "gpt-5.5", prompt: "x", [field]: value });
      assert.equal(res.status, 400);
      assert.match(((await res.json()) as { error: string }).error, new RegExp(field));
    }
    assert.equal(t.backend.turns.length, 0);
  });
});

describe("Ollama's model endpoints", () => {
  test("tags, show, ps and version from the catalog", async () => {
    const t = createTestApp();
    const tags = (await (await call(t, "GET", "/api/tags")).json()) as { models: Json[] };
    assert.deepEqual(tags.models.map((m) => m.name), ["codex-cli-default", "gpt-5.5", "gpt-5.5-mini"]);
    assert.deepEqual([tags.models[1]?.size, typeof tags.models[1]?.digest], [0, "string"]);

    const show = (await (await post(t, "/api/show", { model: "gpt-5.5" })).json()) as { capabilities: string[] };
    assert.deepEqual(show.capabilities, ["completion", "tools", "thinking"]);
    const missing = await post(t, "/api/show", { model: "nope" });
    assert.deepEqual([missing.status, await missing.json()], [404, { error: "model 'nope' not found" }]);

    const ps = (await (await call(t, "GET", "/api/ps")).json()) as { models: Json[] };
    assert.deepEqual(ps.models.map((m) => m.name), ["gpt-5.5"]);
    t.readiness.healthProblem = "Codex is restarting";
    assert.deepEqual(((await (await call(t, "GET", "/api/ps")).json()) as { models: Json[] }).models, []);

    assert.deepEqual(await (await call(t, "GET", "/api/version")).json(), { version: "0.12.0" });
  });

  test("errors in Ollama's shape: 401 without the key, 501 for what cannot exist here, 429 with Retry-After", async () => {
    const t = createTestApp();
    const anonymous = await call(t, "POST", "/api/chat", chat(), {});
    assert.equal(anonymous.status, 401);
    assert.ok(anonymous.headers.get("www-authenticate"));
    assert.match(((await anonymous.json()) as { error: string }).error, /bearer/i);
    for (const [method, path] of [["POST", "/api/pull"], ["POST", "/api/embed"], ["DELETE", "/api/delete"], ["POST", "/api/blobs/sha256:00"]] as const) {
      const res = await call(t, method, path, {});
      assert.equal(res.status, 501, path);
      assert.match(((await res.json()) as { error: string }).error, /not supported by this adapter/);
    }
    t.backend.script({ error: new BackendError("rate_limited", "usage limit reached, resets at 2030-01-01T00:00:00Z", 120) });
    const limited = await post(t, "/api/chat", chat({ stream: false }));
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get("retry-after"), "120");
    assert.deepEqual(Object.keys((await limited.json()) as Json), ["error"]);
    const bad = await post(t, "/api/chat", { model: "gpt-5.5", messages: [{ role: "robot", content: "x" }] });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { error: string }).error, /messages\[0\]\.role/);
  });

  test("the shared guarantees: input limits, a busy 429, a client that leaves interrupts the turn, /metrics labels by Ollama's route", async () => {
    const t = createTestApp({ env: { MAX_CONCURRENT_REQUESTS: "1", MAX_QUEUE_LENGTH: "0", MAX_MESSAGES: "2" } });
    const tooMany = await post(t, "/api/chat", chat({ messages: [{ role: "user", content: "a" }, { role: "assistant", content: "b" }, { role: "user", content: "c" }] }));
    assert.equal(tooMany.status, 400);
    assert.match(((await tooMany.json()) as { error: string }).error, /Too many messages/);

    t.backend.script({ event: { type: "text", delta: "Hi" } }, { hang: true });
    const client = new AbortController();
    const streaming = await t.app.request("/api/chat", { method: "POST", signal: client.signal, headers: { "content-type": "application/json", authorization: `Bearer ${TEST_KEY}` }, body: JSON.stringify(chat()) });
    assert.equal(streaming.status, 200);
    const busy = await post(t, "/api/generate", { model: "gpt-5.5", prompt: "x" });
    assert.equal(busy.status, 429);
    assert.ok(busy.headers.get("retry-after"));
    assert.deepEqual(Object.keys((await busy.json()) as Json), ["error"]);
    client.abort();
    await streaming.body?.cancel().catch(() => undefined);
    await t.backend.waitForTurns(1);
    for (let i = 0; i < 50 && !t.backend.turns[0]?.aborted; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(t.backend.turns[0]?.aborted, true, "the turn was interrupted");

    const metrics = await (await call(t, "GET", "/metrics")).text();
    assert.match(metrics, /codex_provider_requests_total\{route="\/api\/generate",status="429",code="wrapper_busy"\} 1/);
    assert.match(metrics, /codex_provider_requests_total\{route="\/api\/chat",status="400"/);
  });

  test("docs/api.md shows the Ollama compatibility table", () => {
    const doc = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
    assert.ok(doc.includes(compatibilityTable(OLLAMA_PARAMETERS)), "docs/api.md Ollama table is out of date");
  });
});
