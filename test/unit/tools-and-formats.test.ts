import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import type { PausedTurn } from "../../src/backend/types.ts";
import { CHAT_PARAMETERS, MESSAGES_PARAMETERS, RESPONSES_PARAMETERS, compatibilityTable } from "../../src/openai/parameters.ts";
import { ResponseStore } from "../../src/openai/response-store.ts";
import { TestClock } from "../helpers/test-clock.ts";
import { WaitingTurns } from "../../src/turn/waiting-turns.ts";
import { FakeBackend, USAGE, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";

interface ErrorJson {
  error: { message: string; param: string | null; code: string | null };
}

const weather = { type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const call = { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };

function fakePaused(alive = true): PausedTurn & { released: number } {
  return {
    callIds: ["c"],
    alive,
    released: 0,
    resume: () => (async function* () {})(),
    release() {
      this.released += 1;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("function calling through the chat route", () => {
  test("a pause becomes message.tool_calls with finish_reason tool_calls; the continuation resumes the same turn", async () => {
    const backend = new FakeBackend().script({ event: { type: "usage", usage: USAGE } }, { pause: [call] }).script(...answer(["Sunny."]));
    const t = createTestApp({ backend });
    const messages = [{ role: "user", content: "Weather?" }];
    const first = (await (await t.chat(chatBody({ messages, tools: [weather] }))).json()) as {
      choices: { message: { content: string | null; tool_calls: unknown }; finish_reason: string }[];
    };
    assert.equal(first.choices[0]?.finish_reason, "tool_calls");
    assert.equal(first.choices[0]?.message.content, null);
    assert.deepEqual(first.choices[0]?.message.tool_calls, [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
    assert.deepEqual(t.backend.turns[0]?.tools, [{ name: "get_weather", description: "", parameters: weather.function.parameters }]);
    assert.equal(t.limiter.stats().active, 0, "a waiting turn holds no slot");

    const next = [...messages, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] }, { role: "tool", tool_call_id: "call_1", content: "22 C" }];
    const second = (await (await t.chat(chatBody({ messages: next, tools: [weather] }))).json()) as { choices: { message: { content: string } }[] };
    assert.equal(second.choices[0]?.message.content, "Sunny.");
    assert.equal(t.backend.turns.length, 1, "no new turn was started");
    assert.deepEqual(t.backend.paused[0]?.resumedWith, [{ callId: "call_1", output: "22 C" }]);
  });

  test("a continuation whose earlier conversation differs starts a new turn instead", async () => {
    const backend = new FakeBackend().script({ pause: [call] });
    const t = createTestApp({ backend });
    await t.chat(chatBody({ messages: [{ role: "user", content: "Weather?" }], tools: [weather] }));
    const next = [{ role: "user", content: "Something else?" }, { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } }] }, { role: "tool", tool_call_id: "call_1", content: "x" }];
    await t.chat(chatBody({ messages: next, tools: [weather] }));
    assert.equal(t.backend.turns.length, 2);
    assert.equal(t.backend.paused[0]?.resumedWith, undefined);
  });

  test("streamed: tool-call deltas with index, then one finish_reason tool_calls chunk and [DONE]", async () => {
    const backend = new FakeBackend().script({ pause: [call, { ...call, callId: "call_2" }] });
    const t = createTestApp({ backend });
    const text = await (await t.chat(chatBody({ tools: [weather], stream: true }))).text();
    const chunks = text.split("\n\n").filter((f) => f.startsWith("data: {")).map((f) => JSON.parse(f.slice(6)) as { choices: { delta: { tool_calls?: { index: number; id: string }[] }; finish_reason: string | null }[] });
    const calls = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    assert.deepEqual(calls.map((c) => [c.index, c.id]), [[0, "call_1"], [1, "call_2"]]);
    assert.deepEqual(chunks.map((c) => c.choices[0]?.finish_reason).filter(Boolean), ["tool_calls"]);
    assert.ok(text.endsWith("data: [DONE]\n\n"));
  });

  test("tool_choice: none offers nothing; a named function is the only one offered, with an instruction; unknown name is 400", async () => {
    const t = createTestApp();
    const time = { type: "function", function: { name: "get_time" } };
    await t.chat(chatBody({ tools: [weather, time], tool_choice: "none" }));
    assert.deepEqual(t.backend.turns[0]?.tools, []);
    await t.chat(chatBody({ tools: [weather, time], tool_choice: { type: "function", function: { name: "get_time" } } }));
    assert.deepEqual(t.backend.turns[1]?.tools.map((x) => x.name), ["get_time"]);
    assert.match(t.backend.turns[1]?.instructions ?? "", /get_time/);
    await t.chat(chatBody({ tools: [weather], tool_choice: "required" }));
    assert.match(t.backend.turns[2]?.instructions ?? "", /must call/);
    const bad = await t.chat(chatBody({ tools: [weather], tool_choice: { type: "function", function: { name: "nope" } } }));
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as ErrorJson).error.param, "tool_choice");
  });

  test("parallel calls turned off (parallel_tool_calls, or disable_parallel_tool_use) are asked for in an instruction, on every API", async () => {
    const t = createTestApp();
    const post = (path: string, body: object) => t.request(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    await t.chat(chatBody({ tools: [weather] }));
    await t.chat(chatBody({ tools: [weather], parallel_tool_calls: false }));
    await t.chat(chatBody({ parallel_tool_calls: false }));
    await post("/v1/responses", { input: "Weather?", tools: [{ type: "function", name: "get_weather" }], parallel_tool_calls: false });
    const tool = { name: "get_weather", input_schema: { type: "object" } };
    await post("/v1/messages", { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: "Weather?" }], tools: [tool], tool_choice: { type: "auto", disable_parallel_tool_use: true } });
    const asked = t.backend.turns.map((turn) => /one function at a time/.test(turn.instructions ?? ""));
    assert.deepEqual(asked, [false, true, false, true, true], "only when calls are off and functions are offered");
  });

  test("non-function tools, duplicate names and broken parameter schemas are 400", async () => {
    const t = createTestApp();
    for (const tools of [[{ type: "web_search" }], [weather, weather], [{ type: "function", function: { name: "x", parameters: { type: "object", properties: { a: { type: 3 } } } } }]]) {
      const res = await t.chat(chatBody({ tools }));
      assert.equal(res.status, 400, JSON.stringify(tools));
    }
    assert.equal(t.backend.turns.length, 0);
  });

  // Found by the real-binary fuzz: a malformed function tool passed as an unknown tool kind,
  // and Codex refused its name at thread/start (502).
  test("a malformed function tool or content part is a 400 naming the bad field, on both routes", async () => {
    const t = createTestApp();
    const json = { "content-type": "application/json" };
    const cases: [string, unknown, string][] = [
      ["/v1/chat/completions", chatBody({ tools: [{ type: "function", function: { name: "bad name!" } }] }), "tools[0].function.name"],
      ["/v1/chat/completions", chatBody({ tools: [{ type: "function" }] }), "tools[0].function"],
      ["/v1/chat/completions", { messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] }, "messages[0].content[0].text"],
      ["/v1/responses", { input: "hi", tools: [{ type: "function", name: "bad name!" }] }, "tools[0].name"],
      ["/v1/responses", { input: [{ role: "user", content: [{ type: "input_text" }] }] }, "input[0].content[0].text"],
    ];
    for (const [path, body, param] of cases) {
      const res = await t.request(path, { method: "POST", headers: json, body: JSON.stringify(body) });
      const err = (await res.json()) as ErrorJson;
      assert.equal(res.status, 400, JSON.stringify(body));
      assert.equal(err.error.param, param, err.error.message);
      assert.ok(err.error.message.startsWith(`Invalid request: ${param}: `), err.error.message);
    }
    assert.equal(t.backend.turns.length, 0);
  });

  test("the exec backend refuses tools, schemas and images with a clear 400", async () => {
    const backend = new FakeBackend();
    backend.features = { tools: false, outputSchema: false, images: false, webSearch: false };
    const t = createTestApp({ backend });
    const res = await t.chat(chatBody({ tools: [weather] }));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as ErrorJson).error.code, "unsupported_by_backend");
  });
});

describe("structured output and images", () => {
  test("json_schema becomes the output schema; json_object an instruction; a bad schema a 400 invalid_json_schema", async () => {
    const t = createTestApp();
    const schema = { type: "object", properties: { a: { type: "string" } }, required: ["a"], additionalProperties: false };
    await t.chat(chatBody({ response_format: { type: "json_schema", json_schema: { name: "s", schema } } }));
    assert.deepEqual(t.backend.turns[0]?.outputSchema, schema);
    await t.chat(chatBody({ response_format: { type: "json_object" } }));
    assert.equal(t.backend.turns[1]?.outputSchema, undefined);
    assert.match(t.backend.turns[1]?.instructions ?? "", /JSON object/);
    for (const bad of [{ type: "array", items: {} }, { type: "object", required: "a" }, "not a schema"]) {
      const res = await t.chat(chatBody({ response_format: { type: "json_schema", json_schema: { name: "s", schema: bad } } }));
      assert.equal(res.status, 400);
      assert.equal(((await res.json()) as ErrorJson).error.code, "invalid_json_schema");
    }
  });

  test("images: data URLs pass for models listing image input; remote URLs, other types, text-only models and oversize are 400", async () => {
    const backend = new FakeBackend();
    backend.models = [{ id: "vision", displayName: "V", isDefault: true, reasoningEfforts: [], inputModalities: ["text", "image"] }, { id: "text-only", displayName: "T", isDefault: false, reasoningEfforts: [], inputModalities: ["text"] }];
    const t = createTestApp({ backend, env: { MAX_IMAGE_BYTES: "1024" } });
    const png = "data:image/png;base64,iVBORw0KGgo=";
    const image = (url: string) => [{ role: "user", content: [{ type: "text", text: "see" }, { type: "image_url", image_url: { url } }] }];
    assert.equal((await t.chat({ model: "vision", messages: image(png) })).status, 200);
    assert.deepEqual(t.backend.turns[0]?.inputImages, [png]);
    const codes = [];
    for (const [model, url] of [["vision", "https://example.com/a.png"], ["vision", "data:image/bmp;base64,AAAA"], ["text-only", png], ["vision", `data:image/png;base64,${"A".repeat(2000)}`]] as const) {
      const res = await t.chat({ model, messages: image(url) });
      codes.push(((await res.json()) as ErrorJson).error.code);
    }
    assert.deepEqual(codes, ["unsupported_image_url", "unsupported_image_url", "images_not_supported_by_model", "image_too_large"]);
  });
});

describe("waiting turns", () => {
  test("a waiting turn is released on expiry", async () => {
    const waiting = new WaitingTurns({ max: 4, ttlMs: 30 });
    const turn = fakePaused();
    waiting.add("k", turn);
    await sleep(80);
    assert.equal(turn.released, 1);
    assert.equal(waiting.take("k"), undefined);
  });

  test("bounded: the oldest is released to make room; max 0 keeps none; dead turns are not handed out", () => {
    const waiting = new WaitingTurns({ max: 2, ttlMs: 60_000 });
    const [a, b, c] = [fakePaused(), fakePaused(), fakePaused()];
    waiting.add("a", a);
    waiting.add("b", b);
    waiting.add("c", c);
    assert.equal(a.released, 1);
    assert.equal(waiting.size, 2);
    assert.equal(waiting.take("b"), b);
    const dead = fakePaused(false);
    waiting.add("d", dead);
    assert.equal(waiting.take("d"), undefined);
    assert.equal(dead.released, 1);
    waiting.clear();
    assert.equal(c.released, 1);
    const none = new WaitingTurns({ max: 0, ttlMs: 60_000 });
    const e = fakePaused();
    none.add("e", e);
    assert.equal(e.released, 1);
  });

  test("the previous_response_id store forgets the oldest and expired entries", () => {
    const clock = new TestClock(0);
    const store = new ResponseStore({ max: 2, ttlMs: 100, clock });
    store.put("a", []);
    store.put("b", []);
    store.put("c", []);
    assert.equal(store.get("a"), undefined);
    assert.deepEqual(store.get("b"), []);
    clock.advance(200);
    assert.equal(store.get("c"), undefined);
  });
});

describe("compatibility table", () => {
  test("docs/api.md shows exactly the tables the code enforces", () => {
    const readme = readFileSync(new URL("../../docs/api.md", import.meta.url), "utf8");
    assert.ok(readme.includes(compatibilityTable(CHAT_PARAMETERS)), "docs/api.md chat completions table is out of date");
    assert.ok(readme.includes(compatibilityTable(RESPONSES_PARAMETERS)), "docs/api.md responses table is out of date");
    assert.ok(readme.includes(compatibilityTable(MESSAGES_PARAMETERS)), "docs/api.md messages table is out of date");
  });

  test("every rejected row is enforced", async () => {
    const t = createTestApp();
    for (const [field, value] of [["n", 2], ["audio", { voice: "alloy" }], ["modalities", ["text", "audio"]]] as const) {
      const res = await t.chat(chatBody({ [field]: value }));
      assert.equal(res.status, 400, field);
      assert.equal(((await res.json()) as ErrorJson).error.param, field);
    }
    assert.equal(CHAT_PARAMETERS.filter((r) => r.support === "rejected" && r.refuse).length, 3);
    for (const [field, value] of [["background", true], ["conversation", "conv_1"]] as const) {
      const res = await t.request("/v1/responses", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ input: "hi", [field]: value }) });
      assert.equal(res.status, 400, field);
      assert.equal(((await res.json()) as ErrorJson).error.param, field);
    }
    const res = await t.request("/v1/messages", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "claude-x", messages: [{ role: "user", content: "hi" }], mcp_servers: [{ type: "url", url: "https://x", name: "x" }] }) });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /mcp_servers/);
  });
});
