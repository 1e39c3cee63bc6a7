import assert from "node:assert/strict";
import { systemClock } from "../../src/core/clock.ts";
import { test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { answer, createTestApp, TEST_KEY, type TestApp } from "../helpers/fake-backend.ts";

interface AnthropicErrorJson {
  type: string;
  error: { type: string; message: string };
}

const body = (extra: Record<string, unknown> = {}) => ({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Hello" }], ...extra });

async function post(t: TestApp, payload: unknown, init: { path?: string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return t.app.request(init.path ?? "/v1/messages?beta=true", {
    method: "POST",
    ...(init.signal ? { signal: init.signal } : {}),
    headers: { "content-type": "application/json", "x-api-key": TEST_KEY, "anthropic-version": "2023-06-01", ...init.headers },
    body: JSON.stringify(payload),
  });
}

/** The `event:` names of an SSE body, in order, and each event's parsed data. */
function events(text: string): { name: string; data: Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((f) => f.startsWith("event: "))
    .map((f) => {
      const [head = "", data = ""] = f.split("\n");
      return { name: head.slice(7), data: JSON.parse(data.slice(6)) as Record<string, unknown> };
    });
}

test("POST /v1/messages?beta=true answers a message, echoing the claude id while Codex's default model answers", async () => {
  const t = createTestApp();
  t.backend.script(...answer(["Hi", " there"]));
  const res = await post(t, body({ output_config: { effort: "high" }, thinking: { type: "adaptive", display: "omitted" }, context_management: { edits: [] } }));
  assert.equal(res.status, 200);
  const msg = (await res.json()) as Record<string, unknown>;
  assert.match(String(msg.id), /^msg_[0-9a-f]{32}$/);
  assert.deepEqual({ ...msg, id: "" }, {
    id: "",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [{ type: "text", text: "Hi there" }],
    stop_reason: "end_turn",
    stop_sequence: null,
    usage: { input_tokens: 8, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 },
  });
  assert.equal(t.backend.turns[0]?.model, undefined); // Codex's default
  assert.equal(t.backend.turns[0]?.reasoningEffort, "high");
});

test("streaming: the Messages event sequence, then an error event when the turn fails after the first byte", async () => {
  const t = createTestApp();
  t.backend.script(...answer(["Hel", "lo"]));
  const res = await post(t, body({ stream: true }));
  assert.equal(res.headers.get("content-type"), "text/event-stream; charset=utf-8");
  const seq = events(await res.text());
  assert.deepEqual(seq.map((e) => e.name), ["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"]);
  assert.deepEqual(seq[5]?.data, { type: "message_delta", delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { input_tokens: 8, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 } });

  t.backend.script({ event: { type: "text", delta: "partial" } }, { error: new BackendError("upstream", "the service failed") });
  const failed = events(await (await post(t, body({ stream: true }))).text());
  const last = failed.at(-1);
  assert.equal(last?.name, "error");
  assert.equal((last?.data.error as { type: string }).type, "api_error");
});

test("a failure before the first byte is a plain HTTP error: Codex restarting is 529 overloaded_error with Retry-After", async () => {
  const t = createTestApp();
  t.backend.script({ error: new BackendError("crashed", "Codex stopped while answering") });
  const res = await post(t, body({ stream: true }));
  assert.equal(res.status, 529);
  assert.equal(res.headers.get("retry-after"), "1");
  assert.equal(res.headers.get("content-type"), "application/json");
  const err = (await res.json()) as AnthropicErrorJson & { request_id: string };
  assert.deepEqual([err.type, err.error.type], ["error", "overloaded_error"]);
  assert.equal(err.request_id, res.headers.get("x-request-id"));
});

test("a silent turn gets ping events as its keep-alive", async (ctx) => {
  // Fake time: the 2.6 s of silence pass in steps of the keep-alive check's 250 ms, not on the wall clock.
  ctx.mock.timers.enable({ apis: ["setTimeout", "setInterval", "Date"] });
  const t = createTestApp({ env: { SSE_KEEPALIVE_SECONDS: "1" }, clock: systemClock }); // systemClock reads the mocked Date
  t.backend.script({ event: { type: "text", delta: "late" }, delayMs: 2600 }, { event: { type: "done" } });
  const reading = post(t, body({ stream: true })).then((res) => res.text());
  await t.backend.waitForTurns(1);
  for (let ms = 0; ms < 3000; ms += 250) {
    await new Promise((r) => setImmediate(r));
    ctx.mock.timers.tick(250);
  }
  const text = await reading;
  assert.ok(events(text).some((e) => e.name === "ping" && e.data.type === "ping"), text);
  assert.doesNotMatch(text, /^: keep-alive/m);
});

test("a tool round trip continues the paused turn when the tool_result arrives", async () => {
  const t = createTestApp();
  const tools = [{ name: "get_weather", description: "Weather of a city", input_schema: { type: "object", properties: { city: { type: "string" } } } }];
  t.backend.script({ event: { type: "text", delta: "Checking." } }, { pause: [{ callId: "call_7", name: "get_weather", arguments: '{"city":"Paris"}' }] });
  const first = (await (await post(t, body({ tools, messages: [{ role: "user", content: "Weather in Paris?" }] }))).json()) as { content: unknown[]; stop_reason: string };
  assert.equal(first.stop_reason, "tool_use");
  assert.deepEqual(first.content[1], { type: "tool_use", id: "call_7", name: "get_weather", input: { city: "Paris" } });

  t.backend.script(...answer(["Sunny."]));
  const second = await post(t, body({
    tools,
    messages: [
      { role: "user", content: "Weather in Paris?" },
      { role: "assistant", content: first.content },
      { role: "user", content: [{ type: "tool_result", tool_use_id: "call_7", content: "18 C, sunny" }] },
    ],
  }));
  const done = (await second.json()) as { content: { text: string }[] };
  assert.equal(done.content[0]?.text, "Sunny.");
  assert.equal(t.backend.turns.length, 1, "the waiting turn was continued, not rebuilt");
  assert.deepEqual(t.backend.paused[0]?.resumedWith, [{ callId: "call_7", output: "18 C, sunny" }]);
});

test("the same key as a bearer token or x-api-key; refusals in Anthropic's error shape, also without /v1", async () => {
  const t = createTestApp();
  const bearer = await post(t, body(), { path: "/messages", headers: { "x-api-key": "", authorization: `Bearer ${TEST_KEY}` } });
  assert.equal(bearer.status, 200);
  const cases: [Record<string, string>, unknown, number, string][] = [
    [{ "x-api-key": "" }, body(), 401, "authentication_error"],
    [{ "x-api-key": "wrong-key" }, body(), 401, "authentication_error"],
    [{}, { messages: [] }, 400, "invalid_request_error"],
    [{}, body({ tools: [{ type: "code_execution_20250825", name: "code_execution" }] }), 400, "invalid_request_error"],
  ];
  for (const [headers, payload, status, type] of cases) {
    const res = await post(t, payload, { headers });
    const err = (await res.json()) as AnthropicErrorJson;
    assert.equal(res.status, status, JSON.stringify(payload));
    assert.deepEqual([err.type, err.error.type], ["error", type]);
  }
  const doubled = await post(t, body(), { path: "/v1//messages/", headers: { "x-api-key": "" } });
  assert.equal(((await doubled.json()) as AnthropicErrorJson).error.type, "authentication_error", "a base URL ending in / still gets Anthropic's shape");
  const unknown = await t.app.request("/v1/messages/batches", { method: "POST", headers: { "x-api-key": TEST_KEY } });
  assert.equal(unknown.status, 404);
  assert.equal(((await unknown.json()) as AnthropicErrorJson).error.type, "not_found_error");
});

test("busy and too-long conversations: 429 with retry-after, and 'prompt is too long' when Codex reports the context window", async () => {
  const t = createTestApp({ env: { MAX_CONCURRENT_REQUESTS: "1", MAX_QUEUE_LENGTH: "0" } });
  t.backend.script({ hang: true });
  const client = new AbortController();
  const hanging = post(t, body(), { signal: client.signal }).catch(() => undefined);
  await t.backend.waitForTurns(1);
  const busy = await post(t, body());
  assert.equal(busy.status, 429);
  assert.ok(busy.headers.get("retry-after"));
  assert.equal(((await busy.json()) as AnthropicErrorJson).error.type, "rate_limit_error");
  client.abort();
  await hanging;
  assert.equal(t.backend.turns[0]?.aborted, true);

  const u = createTestApp();
  u.backend.script({ error: new BackendError("context_too_long", "input exceeds the context window") });
  const res = await post(u, body());
  assert.equal(res.status, 400);
  const err = (await res.json()) as AnthropicErrorJson;
  assert.equal(err.error.type, "invalid_request_error");
  assert.match(err.error.message, /^prompt is too long: /);
});

test("MODEL_ALIASES maps ids and prefixes to catalog models and efforts; an explicit effort wins", async () => {
  const t = createTestApp({ env: { MODEL_ALIASES: "claude-haiku*=gpt-5.5-mini:low, claude-opus-4-1=gpt-5.5" } });
  await post(t, body({ model: "claude-haiku-4-5-20251001" }));
  await post(t, body({ model: "claude-opus-4-1", output_config: { effort: "medium" } }));
  await post(t, body({ model: "claude-haiku-4-5", thinking: { type: "disabled" } }));
  assert.deepEqual(t.backend.turns.map((turn) => [turn.model, turn.reasoningEffort]), [["gpt-5.5-mini", "low"], ["gpt-5.5", "medium"], ["gpt-5.5-mini", "minimal"]]);
});

test("POST /v1/messages/count_tokens estimates the input without running a turn", async () => {
  const t = createTestApp();
  const res = await post(t, body({ system: "Be brief.", messages: [{ role: "user", content: "hello world" }] }), { path: "/v1/messages/count_tokens?beta=true" });
  assert.equal(res.status, 200);
  const { input_tokens } = (await res.json()) as { input_tokens: number };
  assert.ok(input_tokens >= 6 && input_tokens < 20, String(input_tokens));
  assert.equal(t.backend.turns.length, 0);
  await post(t, body());
  const metrics = await (await t.request("/metrics")).text();
  assert.match(metrics, /route="\/v1\/messages",status="200"/);
  assert.match(metrics, /route="\/v1\/messages\/count_tokens",status="200"/);
  assert.ok(t.logs.some((l) => l.includes('"path":"/v1/messages"')));
  assert.ok(!t.logs.some((l) => l.includes("hello world") || l.includes(TEST_KEY)), "no prompt or key in the log");
});
