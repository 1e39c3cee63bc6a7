import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chatBody, createTestApp } from "../helpers/fake-backend.ts";

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

const user = (content: unknown) => ({ role: "user", content });

describe("accept and ignore", () => {
  const ignored: Record<string, unknown> = {
    max_tokens: 10,
    max_completion_tokens: 10,
    temperature: 0.2,
    top_p: 0.9,
    seed: 42,
    stop: ["\n\n"],
    user: "someone",
    metadata: { a: "b" },
    store: false,
    stream_options: { include_usage: true },
    parallel_tool_calls: false,
    repetition_penalty: 1.1,
    presence_penalty: 0,
    frequency_penalty: 0,
    logit_bias: {},
    response_format: { type: "json_object" },
    tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }],
    tool_choice: "auto",
    logprobs: false,
    top_logprobs: null,
  };
  for (const [field, value] of Object.entries(ignored)) {
    test(`${field} -> 200`, async () => {
      const t = createTestApp();
      const res = await t.chat(chatBody({ [field]: value }));
      assert.equal(res.status, 200, await res.clone().text());
      assert.equal(t.backend.turns.length, 1);
    });
  }

  for (const effort of ["none", "minimal", "low", "medium", "high", "xhigh", null]) {
    test(`reasoning_effort ${JSON.stringify(effort)} -> 200`, async () => {
      const t = createTestApp();
      const res = await t.chat(chatBody({ reasoning_effort: effort }));
      assert.equal(res.status, 200);
    });
  }

  test("all of them at once, with null stream and n=1 -> 200", async () => {
    const t = createTestApp();
    const res = await t.chat(chatBody({ ...ignored, stream: null, n: 1, reasoning_effort: "none" }));
    assert.equal(res.status, 200);
  });
});

describe("reasoning effort mapping", () => {
  const cases: [string | undefined, string, string | undefined][] = [
    [undefined, "high", "high"],
    [undefined, "none", "low"], // least the default model offers
    [undefined, "extreme", undefined], // unknown effort is dropped, not refused
    ["gpt-5.5-mini", "minimal", "minimal"],
    ["gpt-5.5-mini", "high", undefined],
    ["no-such-model", "high", undefined],
  ];
  for (const [model, requested, expected] of cases) {
    test(`model ${model ?? "(default)"} + ${requested} -> ${String(expected)}`, async () => {
      const t = createTestApp();
      const res = await t.chat(chatBody({ ...(model ? { model } : {}), reasoning_effort: requested }));
      assert.equal(res.status, 200);
      assert.equal(t.backend.turns[0]?.reasoningEffort, expected);
    });
  }

  test("the alias is judged against the model Codex is configured with, not the catalog default", async () => {
    const t = createTestApp();
    t.backend.configured = "gpt-5.5-mini";
    await t.chat(chatBody({ model: "codex-cli-default", reasoning_effort: "high" }));
    await t.chat(chatBody({ model: "codex-cli-default", reasoning_effort: "minimal" }));
    assert.deepEqual(t.backend.turns.map((turn) => turn.reasoningEffort), [undefined, "minimal"]);
  });

  test("no reasoning_effort leaves Codex's default", async () => {
    const t = createTestApp();
    await t.chat(chatBody());
    assert.equal(t.backend.turns[0]?.reasoningEffort, undefined);
  });
});

describe("refused requests", () => {
  async function refused(body: unknown, env: Record<string, string> = {}): Promise<ErrorJson> {
    const t = createTestApp({ env });
    const res = await t.chat(body);
    assert.equal(res.status, 400);
    assert.equal(t.backend.turns.length, 0, "the backend must not be called");
    const json = (await res.json()) as ErrorJson;
    assert.equal(json.error.type, "invalid_request_error");
    return json;
  }

  test("n=2 -> 400 param n", async () => {
    const json = await refused(chatBody({ n: 2 }));
    assert.equal(json.error.param, "n");
  });

  const parts: [string, object, RegExp][] = [
    ["input_audio", { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } }, /audio/i],
    ["file", { type: "file", file: { file_id: "f1" } }, /file/i],
    ["unknown", { type: "hologram" }, /hologram/],
  ];
  for (const [name, part, why] of parts) {
    test(`${name} content part -> 400 with a clear message`, async () => {
      const json = await refused({ messages: [user([{ type: "text", text: "look" }, part])] });
      assert.match(json.error.message, why);
      assert.match(json.error.message, /not supported/);
      assert.equal(json.error.param, "messages[0].content");
      assert.equal(json.error.code, "unsupported_content");
    });
  }

  test("too many messages -> 400 too_many_messages", async () => {
    const messages = [user("a"), { role: "assistant", content: "b" }, user("c")];
    const json = await refused({ messages }, { MAX_MESSAGES: "2" });
    assert.equal(json.error.code, "too_many_messages");
    assert.equal(json.error.param, "messages");
    assert.match(json.error.message, /2/);
  });

  test("exactly MAX_MESSAGES messages is fine", async () => {
    const t = createTestApp({ env: { MAX_MESSAGES: "3" } });
    const res = await t.chat({ messages: [user("a"), { role: "assistant", content: "b" }, user("c")] });
    assert.equal(res.status, 200);
  });

  test("too much text in all -> 400 text_too_long", async () => {
    const json = await refused({ messages: [{ role: "system", content: "s".repeat(6) }, user("u".repeat(6))] }, { MAX_TOTAL_TEXT_CHARS: "10" });
    assert.equal(json.error.code, "text_too_long");
    assert.match(json.error.message, /10/);
  });

  test("replayed tool-call arguments count against MAX_TOTAL_TEXT_CHARS", async () => {
    const call = { id: "c1", type: "function", function: { name: "lookup", arguments: JSON.stringify({ q: "x".repeat(50) }) } };
    const json = await refused(
      { messages: [user("a"), { role: "assistant", content: null, tool_calls: [call] }, { role: "tool", tool_call_id: "c1", content: "ok" }] },
      { MAX_TOTAL_TEXT_CHARS: "40" },
    );
    assert.equal(json.error.code, "text_too_long");
  });

  for (const type of ["constructor", "__proto__", "toString"]) {
    test(`a content part of type ${type} gets the plain "not supported" message`, async () => {
      const json = await refused({ messages: [{ role: "user", content: [{ type }] }] });
      assert.equal(json.error.message, `Content part type '${type}' is not supported; send text and image_url parts only.`);
    });
  }

  test("last message from the assistant -> 400 param messages", async () => {
    const json = await refused({ messages: [user("hi"), { role: "assistant", content: "hello" }] });
    assert.equal(json.error.param, "messages");
  });

  test("a system message after the assistant's does not make the conversation end with the user", async () => {
    await refused({ messages: [user("hi"), { role: "assistant", content: "hello" }, { role: "system", content: "be brief" }] });
  });

  test("only system messages -> 400", async () => {
    await refused({ messages: [{ role: "system", content: "be brief" }] });
  });

  test("empty messages -> 400", async () => {
    const json = await refused({ messages: [] });
    assert.equal(json.error.param, "messages");
  });

  test("an unknown role -> 400 naming the field", async () => {
    const json = await refused({ messages: [{ role: "wizard", content: "x" }] });
    assert.equal(json.error.param, "messages[0].role");
  });

  test("stream must be a boolean", async () => {
    const json = await refused(chatBody({ stream: "yes" }));
    assert.equal(json.error.param, "stream");
  });
});

describe("messages to a Codex turn", () => {
  test("system and developer become joined instructions; history in order; last user message is the input", async () => {
    const t = createTestApp();
    const res = await t.chat({
      model: "codex-cli-default",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: "first question" },
        { role: "developer", content: [{ type: "text", text: "Answer in French." }] },
        { role: "assistant", content: "first answer" },
        { role: "user", content: [{ type: "text", text: "second" }, { type: "text", text: "question" }] },
      ],
    });
    assert.equal(res.status, 200);
    const turn = t.backend.turns[0];
    assert.ok(turn);
    assert.equal(turn.instructions, "You are terse.\n\nAnswer in French.");
    assert.deepEqual(turn.history, [
      { type: "user", text: "first question", images: [] },
      { type: "assistant", text: "first answer" },
    ]);
    assert.equal(turn.input, "second\nquestion");
    assert.equal(turn.model, undefined, "the alias means Codex's default");
  });

  test("a message's name is accepted; a trailing system message still counts as instructions", async () => {
    const t = createTestApp();
    const res = await t.chat({ messages: [{ role: "user", name: "ann", content: "q" }, { role: "system", content: "late rule" }] });
    assert.equal(res.status, 200);
    assert.equal(t.backend.turns[0]?.input, "q");
    assert.equal(t.backend.turns[0]?.instructions, "late rule");
  });

  test("no system message -> no instructions; a single message has no history", async () => {
    const t = createTestApp();
    await t.chat({ messages: [user("just this")] });
    const turn = t.backend.turns[0];
    assert.equal(turn?.instructions, undefined);
    assert.deepEqual(turn?.history, []);
    assert.equal(turn?.input, "just this");
  });

  test("tool calls and tool results are replayed as items; a tool result can end the conversation", async () => {
    const t = createTestApp();
    const res = await t.chat({
      messages: [
        user("weather?"),
        { role: "assistant", content: null, tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: '{"city":"Oslo"}' } }] },
        { role: "tool", tool_call_id: "call_1", content: "rainy" },
      ],
    });
    assert.equal(res.status, 200);
    const turn = t.backend.turns[0];
    assert.deepEqual(turn?.history, [
      { type: "user", text: "weather?", images: [] },
      { type: "tool_call", callId: "call_1", name: "weather", arguments: '{"city":"Oslo"}' },
      { type: "tool_result", callId: "call_1", output: "rainy" },
    ]);
    assert.equal(turn?.input, "", "the turn starts from the tool result");
  });

  test("a tool call without a result stays text; a tool message without a matching call is a user turn", async () => {
    const t = createTestApp();
    const res = await t.chat({
      messages: [
        user("weather?"),
        { role: "assistant", content: "Let me check.", tool_calls: [{ id: "call_1", type: "function", function: { name: "weather", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "call_9", content: "stray" },
      ],
    });
    assert.equal(res.status, 200);
    assert.deepEqual(t.backend.turns[0]?.history, [
      { type: "user", text: "weather?", images: [] },
      { type: "assistant", text: "Let me check.\nCalled tool weather({})" },
    ]);
    assert.equal(t.backend.turns[0]?.input, "Tool result (call_9):\nstray");
  });

  test("a named model passes through and is echoed back; the alias uses CODEX_UPSTREAM_MODEL", async () => {
    const t = createTestApp({ env: { CODEX_UPSTREAM_MODEL: "gpt-5.5" } });
    const a = (await (await t.chat(chatBody({ model: "gpt-5.5-mini" }))).json()) as { model: string };
    const b = (await (await t.chat(chatBody({ model: "codex-cli-default" }))).json()) as { model: string };
    const c = (await (await t.chat({ messages: [user("no model")] })).json()) as { model: string };
    assert.deepEqual(
      t.backend.turns.map((x) => x.model),
      ["gpt-5.5-mini", "gpt-5.5", "gpt-5.5"],
    );
    assert.equal(a.model, "gpt-5.5-mini");
    assert.equal(b.model, "codex-cli-default");
    assert.equal(c.model, "codex-cli-default");
  });

  test("a missing Codex login -> 503 codex_login_required with Retry-After, backend not called", async () => {
    const t = createTestApp();
    t.readiness.requestBlocker = { code: "codex_login_required", message: "Codex is not signed in" };
    const res = await t.chat(chatBody());
    assert.equal(res.status, 503);
    assert.equal(res.headers.get("retry-after"), "30");
    const json = (await res.json()) as ErrorJson;
    assert.equal(json.error.code, "codex_login_required");
    assert.equal(t.backend.turns.length, 0);
  });

  test("a Codex binary of the wrong version -> 503 codex_version_mismatch, backend not called", async () => {
    const t = createTestApp();
    t.readiness.requestBlocker = { code: "codex_version_mismatch", message: "the Codex CLI is version 0.1.0 but this adapter pins 0.169.0" };
    const res = await t.chat(chatBody({ stream: true }));
    assert.equal(res.status, 503);
    assert.ok(res.headers.get("retry-after"));
    const json = (await res.json()) as ErrorJson;
    assert.equal(json.error.code, "codex_version_mismatch");
    assert.equal(json.error.type, "service_unavailable");
    assert.equal(t.backend.turns.length, 0);
  });
});

describe("odd input found by the fuzz tests", () => {
  test("lone surrogates reach Codex as U+FFFD (Codex drops a message that escapes one); pairs are kept", async () => {
    const t = createTestApp();
    const res = await t.chat({
      model: "m\uD800",
      messages: [
        { role: "system", content: "s\uDFFF" },
        { role: "user", content: [{ type: "text", text: "a\uD800b \u{1F600}" }] },
        { role: "assistant", content: null, tool_calls: [{ id: "c1", type: "function", function: { name: "f\uDC00", arguments: "\uD83D" } }] },
        { role: "tool", tool_call_id: "c1\uDBFF", content: "x\uD800" },
      ],
    });
    assert.equal(res.status, 200);
    const turn = t.backend.turns[0];
    assert.equal(turn?.model, "m\uFFFD");
    assert.equal(turn?.instructions, "s\uFFFD");
    assert.deepEqual(turn?.history, [
      { type: "user", text: "a\uFFFDb \u{1F600}", images: [] },
      { type: "assistant", text: "Called tool f\uFFFD(\uFFFD)" },
    ]);
    assert.equal(turn?.input, "Tool result (c1\uFFFD):\nx\uFFFD");
    assert.equal(((await res.json()) as { model: string }).model, "m\uFFFD");
  });

  test("a model id over 256 characters -> 400 param model, Codex not asked", async () => {
    const t = createTestApp();
    assert.equal((await t.chat(chatBody({ model: "m".repeat(256) }))).status, 200);
    const res = await t.chat(chatBody({ model: "m".repeat(257) }));
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as ErrorJson).error.param, "model");
    assert.equal(t.backend.turns.length, 1);
  });

  test("413 closes the connection, declared or streamed: the unread rest of the body would spoil the next request on it", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "1024" } });
    const big = new TextEncoder().encode(JSON.stringify(chatBody({ pad: "x".repeat(2000) })));
    const streamed = new ReadableStream({ start: (c) => (c.enqueue(big), c.close()) });
    for (const init of [
      { headers: { "content-length": String(big.length) }, body: big },
      { body: streamed, duplex: "half" as const },
    ]) {
      const res = await t.request("/v1/chat/completions", { method: "POST", ...init });
      assert.equal(res.status, 413);
      assert.equal(res.headers.get("connection"), "close");
      assert.equal(((await res.json()) as ErrorJson).error.code, "request_too_large");
    }
  });
});
