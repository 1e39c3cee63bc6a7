import assert from "node:assert/strict";
import { test } from "node:test";
import { anthropicError } from "../../src/anthropic/anthropic-error.ts";
import { estimateInputTokens } from "../../src/anthropic/count-tokens.ts";
import { foldMessage, MessageEvents, type MessagesEvent } from "../../src/anthropic/message-events.ts";
import { messagesEffort } from "../../src/anthropic/messages-effort.ts";
import { messagesRequestSchema } from "../../src/anthropic/messages-request.ts";
import { messagesToTurn } from "../../src/anthropic/messages-to-turn.ts";
import type { ChatEvent } from "../../src/backend/types.ts";
import { BusyError, ContextLengthError, InvalidRequestError, TimeoutError, UnavailableError } from "../../src/errors.ts";
import { USAGE } from "../helpers/fake-backend.ts";

const meta = { id: "msg_1", model: "claude-sonnet-4-5", thinking: true, requestId: "req_1" };

/** The translator's output for a list of adapter events, as `type[:index][:delta]` words. */
function translate(events: readonly ChatEvent[], thinking = true): { words: string[]; all: MessagesEvent[] } {
  const t = new MessageEvents({ ...meta, thinking });
  const all = [...t.start(), ...events.flatMap((e) => t.event(e)), ...t.end()];
  const words = all.map((e) => {
    if (e.type === "content_block_start") return `start:${e.index}:${e.content_block.type}`;
    if (e.type === "content_block_delta") return `delta:${e.index}:${Object.values(e.delta)[1] as string}`;
    if (e.type === "content_block_stop") return `stop:${e.index}`;
    if (e.type === "message_delta") return `message_delta:${e.delta.stop_reason}`;
    return e.type;
  });
  return { words, all };
}

test("the translator turns adapter events into the Messages event sequence", () => {
  const call = { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
  const cases: [string, ChatEvent[], boolean, string[]][] = [
    ["text only", [{ type: "text", delta: "Hel" }, { type: "text", delta: "lo" }, { type: "done" }], true,
      ["message_start", "start:0:text", "delta:0:Hel", "delta:0:lo", "stop:0", "message_delta:end_turn", "message_stop"]],
    ["no events at all", [], true, ["message_start", "message_delta:end_turn", "message_stop"]],
    ["thinking, then text", [{ type: "reasoning", delta: "hmm" }, { type: "text", delta: "Hi" }], true,
      ["message_start", "start:0:thinking", "delta:0:hmm", "stop:0", "start:1:text", "delta:1:Hi", "stop:1", "message_delta:end_turn", "message_stop"]],
    ["thinking hidden", [{ type: "reasoning", delta: "hmm" }, { type: "text", delta: "Hi" }], false,
      ["message_start", "start:0:text", "delta:0:Hi", "stop:0", "message_delta:end_turn", "message_stop"]],
    ["text, then two tool calls", [{ type: "text", delta: "Let me look." }, { type: "tool_calls", calls: [call, { ...call, callId: "call_2" }] }], true,
      ["message_start", "start:0:text", "delta:0:Let me look.", "stop:0",
        "start:1:tool_use", 'delta:1:{"city":"Paris"}', "stop:1", "start:2:tool_use", 'delta:2:{"city":"Paris"}', "stop:2", "message_delta:tool_use", "message_stop"]],
  ];
  for (const [name, events, thinking, expected] of cases) assert.deepEqual(translate(events, thinking).words, expected, name);
});

test("the non-streaming message is the fold of the same events: content, input objects, stop reason and usage", () => {
  const { all } = translate([
    { type: "text", delta: "Checking" },
    { type: "usage", usage: USAGE },
    { type: "tool_calls", calls: [{ callId: "call_9", name: "lookup", arguments: '{"q":"x"}' }, { callId: "call_10", name: "bad", arguments: "not json" }] },
  ]);
  assert.deepEqual(foldMessage(all), {
    id: "msg_1",
    type: "message",
    role: "assistant",
    model: "claude-sonnet-4-5",
    content: [
      { type: "text", text: "Checking" },
      { type: "tool_use", id: "call_9", name: "lookup", input: { q: "x" } },
      { type: "tool_use", id: "call_10", name: "bad", input: { input: "not json" } },
    ],
    stop_reason: "tool_use",
    stop_sequence: null,
    // 11 input tokens of which 3 cached: Anthropic counts the cached ones apart.
    usage: { input_tokens: 8, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 },
  });
});

const parse = (body: object) => messagesRequestSchema.parse({ model: "claude-x", max_tokens: 100, ...body });

test("a Messages conversation becomes the turn request the shared preparation runs", () => {
  const request = messagesToTurn(
    parse({
      system: [{ type: "text", text: "Be brief." }, { type: "text", text: "Be kind.", cache_control: { type: "ephemeral" } }],
      messages: [
        { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } }] },
        { role: "assistant", content: [{ type: "thinking", thinking: "t", signature: "s" }, { type: "text", text: "Looking." }, { type: "tool_use", id: "toolu_1", name: "w", input: { c: 1 } }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: "toolu_1", content: [{ type: "text", text: "sunny" }], is_error: true }, { type: "text", text: "and?" }] },
        { role: "system", content: "Late system note." },
      ],
      tools: [{ name: "w", description: "weather", input_schema: { type: "object" } }],
      tool_choice: { type: "any" },
    }),
  );
  const text = (t: string) => [{ type: "text", text: t }];
  assert.deepEqual(request.messages, [
    { role: "system", content: text("Be brief.\nBe kind.") },
    { role: "user", content: [{ type: "text", text: "Weather?" }, { type: "image", url: "data:image/png;base64,iVBORw0KGgo=" }] },
    { role: "assistant", content: text("Looking."), toolCalls: [{ id: "toolu_1", name: "w", arguments: '{"c":1}' }] },
    { role: "tool", content: text("Error: sunny"), callId: "toolu_1" },
    { role: "user", content: text("and?") },
    { role: "system", content: text("Late system note.") },
  ]);
  assert.deepEqual(request.functions, [{ name: "w", description: "weather", parameters: { type: "object" }, at: ["tools", 0] }]);
  assert.deepEqual(request.toolChoice, { mode: "required", at: ["tool_choice"] });
});

test("what the adapter cannot do is refused with a message naming it", () => {
  const cases: [object, RegExp, string][] = [
    [{ messages: [{ role: "user", content: "hi" }], tools: [{ type: "web_search_20250305", name: "web_search" }, { type: "bash_20250124", name: "bash" }] }, /Server tools are not supported[^]*: bash \(bash_20250124\)\. /, "tools"],
    [{ messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://x/y.png" } }] }] }, /base64/, "messages[0].content[0].source"],
    [{ messages: [{ role: "user", content: [{ type: "document", source: {} }] }] }, /'document'/, "messages[0].content[0]"],
  ];
  for (const [body, message, param] of cases) {
    assert.throws(() => messagesToTurn(parse(body)), (e: unknown) => e instanceof InvalidRequestError && message.test(e.message) && e.param === param);
  }
});

test("output_config.effort wins over thinking; thinking budgets pick an effort", () => {
  const cases: [object, string | undefined][] = [
    [{}, undefined],
    [{ thinking: { type: "adaptive" } }, undefined],
    [{ thinking: { type: "disabled" } }, "none"],
    [{ thinking: { type: "enabled", budget_tokens: 2000 } }, "low"],
    [{ thinking: { type: "enabled", budget_tokens: 10_000 } }, "medium"],
    [{ thinking: { type: "enabled", budget_tokens: 32_000 } }, "high"],
    [{ thinking: { type: "enabled", budget_tokens: 64_000 } }, "xhigh"],
    [{ thinking: { type: "enabled", budget_tokens: 64_000 }, output_config: { effort: "low" } }, "low"],
    [{ output_config: { effort: "max" } }, "xhigh"],
  ];
  for (const [extra, effort] of cases) assert.equal(messagesEffort(parse({ messages: [{ role: "user", content: "hi" }], ...extra })), effort, JSON.stringify(extra));
});

test("errors render in Anthropic's shape: its types, 529 while Codex comes back, 'prompt is too long' for Claude Code's compaction", () => {
  const cases: [Parameters<typeof anthropicError>[0], number, string, RegExp][] = [
    [new InvalidRequestError("bad"), 400, "invalid_request_error", /^bad$/],
    [new ContextLengthError("too long for the window"), 400, "invalid_request_error", /^prompt is too long: too long/],
    [new BusyError("busy, rate limit"), 429, "rate_limit_error", /rate limit/],
    [new UnavailableError("restarting", { code: "codex_restarting" }), 529, "overloaded_error", /restarting/],
    [new UnavailableError("sign in", { code: "codex_login_required" }), 503, "api_error", /sign in/],
    [new TimeoutError("slow"), 504, "timeout_error", /slow/],
  ];
  for (const [error, status, type, message] of cases) {
    const out = anthropicError(error, "req_1");
    assert.equal(out.status, status);
    assert.equal(out.body.type, "error");
    assert.equal(out.body.error.type, type);
    assert.match(out.body.error.message, message);
  }
});

test("count_tokens: exact o200k counts of the text, plus framing", () => {
  const one = estimateInputTokens(messagesToTurn(parse({ messages: [{ role: "user", content: "hello world" }] })));
  assert.equal(one, 2 + 4); // "hello world" is 2 o200k tokens
  const longer = estimateInputTokens(messagesToTurn(parse({ system: "You are terse.", messages: [{ role: "user", content: "hello world" }] })));
  assert.ok(longer > one);
});
