import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { foldMessage, MessageEvents, type MessagesEvent } from "../../src/anthropic/message-events.ts";
import type { ChatEvent, ToolCall } from "../../src/backend/types.ts";
import { ChatChunks, type ChatChunk } from "../../src/openai/chat-chunks.ts";
import { foldCompletion } from "../../src/openai/chat-completion.ts";
import { foldResponse, ResponseEvents, type ResponsesEvent } from "../../src/openai/response-events.ts";
import { translateAll } from "../../src/stream-translator.ts";
import { USAGE, createTestApp, type TurnStep } from "../helpers/fake-backend.ts";
import { parseSse } from "../helpers/sse.ts";

const CALLS: ToolCall[] = [
  { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' },
  { callId: "call_2", name: "get_time", arguments: "{}" },
];

/** One turn's adapter events per case: text, reasoning, tool calls (with and without text), usage and none. */
const CASES: readonly { readonly name: string; readonly events: readonly ChatEvent[] }[] = [
  { name: "text", events: [{ type: "text", delta: "Hel" }, { type: "text", delta: "lo" }, { type: "usage", usage: USAGE }, { type: "done" }] },
  { name: "reasoning, then text", events: [{ type: "reasoning", delta: "Think" }, { type: "reasoning", delta: "ing" }, { type: "text", delta: "Hi" }, { type: "usage", usage: USAGE }, { type: "done" }] },
  { name: "text, then tool calls", events: [{ type: "text", delta: "Checking." }, { type: "usage", usage: USAGE }, { type: "tool_calls", calls: CALLS }] },
  { name: "tool calls only", events: [{ type: "usage", usage: USAGE }, { type: "tool_calls", calls: CALLS }] },
  { name: "no usage reported", events: [{ type: "text", delta: "Hi" }, { type: "done" }] },
];

/** The same events as a fake backend's script (a tool_calls event is the turn pausing on them). */
const script = (events: readonly ChatEvent[]): TurnStep[] => events.map((event) => (event.type === "tool_calls" ? { pause: event.calls } : { event }));

/** Ids are fresh per request and per item; everything else must match. */
const withoutIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/chatcmpl-[0-9a-f-]{36}|(resp|msg|rs)_[0-9a-f]{32}/g, "<id>")) as unknown;

const ZERO_OPENAI_USAGE = { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0, prompt_tokens_details: { cached_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 0 } };
const OPENAI_USAGE = { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18, prompt_tokens_details: { cached_tokens: 3 }, completion_tokens_details: { reasoning_tokens: 2 } };

describe("each translator's fold is the non-streaming answer", () => {
  test("chat completions: content, reasoning_content, tool calls, finish_reason and usage", async () => {
    const chatCalls = CALLS.map((c) => ({ id: c.callId, type: "function", function: { name: c.name, arguments: c.arguments } }));
    const expected: Record<string, object> = {
      text: { message: { role: "assistant", content: "Hello", refusal: null }, finish_reason: "stop", usage: OPENAI_USAGE },
      "reasoning, then text": { message: { role: "assistant", content: "Hi", refusal: null, reasoning_content: "Thinking" }, finish_reason: "stop", usage: OPENAI_USAGE },
      "text, then tool calls": { message: { role: "assistant", content: "Checking.", refusal: null, tool_calls: chatCalls }, finish_reason: "tool_calls", usage: OPENAI_USAGE },
      "tool calls only": { message: { role: "assistant", content: null, refusal: null, tool_calls: chatCalls }, finish_reason: "tool_calls", usage: OPENAI_USAGE },
      "no usage reported": { message: { role: "assistant", content: "Hi", refusal: null }, finish_reason: "stop", usage: ZERO_OPENAI_USAGE },
    };
    for (const { name, events } of CASES) {
      const meta = { id: "chatcmpl-1", created: 1, model: "m" };
      const completion = foldCompletion(await translateAll(events, new ChatChunks(meta, { includeUsage: true })));
      const choice = completion.choices[0];
      assert.deepEqual({ message: choice?.message, finish_reason: choice?.finish_reason, usage: completion.usage }, expected[name], name);
      assert.deepEqual([completion.id, completion.object, completion.created, completion.model], ["chatcmpl-1", "chat.completion", 1, "m"], name);
    }
  });

  test("Responses: output items (reasoning, a message only when there was text), output_text and usage", async () => {
    const usage = { input_tokens: 11, input_tokens_details: { cached_tokens: 3 }, output_tokens: 7, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 18 };
    const message = (text: string) => ({ id: "<id>", type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", text, annotations: [], logprobs: [] }] });
    const calls = CALLS.map((c) => ({ id: `fc_${c.callId}`, type: "function_call", status: "completed", call_id: c.callId, name: c.name, arguments: c.arguments }));
    const zero = { input_tokens: 0, input_tokens_details: { cached_tokens: 0 }, output_tokens: 0, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 0 };
    const expected: Record<string, object> = {
      text: { output: [message("Hello")], output_text: "Hello", usage },
      "reasoning, then text": { output: [{ id: "<id>", type: "reasoning", summary: [{ type: "summary_text", text: "Thinking" }] }, message("Hi")], output_text: "Hi", usage },
      "text, then tool calls": { output: [message("Checking."), ...calls], output_text: "Checking.", usage },
      "tool calls only": { output: calls, output_text: "", usage },
      "no usage reported": { output: [message("Hi")], output_text: "Hi", usage: zero },
    };
    for (const { name, events } of CASES) {
      const frames = await translateAll(events, new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} }));
      const response = foldResponse(frames);
      assert.deepEqual(withoutIds({ output: response.output, output_text: response.output_text, usage: response.usage }), expected[name], name);
      assert.equal(response.status, "completed", name);
      // What a client assembling the stream sees agrees with the answer: the text deltas and the finished items.
      assert.equal(deltasOf(frames), response.output_text, name);
      assert.deepEqual(frames.flatMap((f) => (f.type === "response.output_item.done" ? [f.item] : [])), response.output, name);
      assert.deepEqual(frames.map((f) => f.sequence_number), frames.map((_, i) => i), name);
    }
  });

  test("Messages: content blocks (thinking when shown), stop reason and usage", async () => {
    const usage = { input_tokens: 8, output_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0 };
    const toolUses = [
      { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
      { type: "tool_use", id: "call_2", name: "get_time", input: {} },
    ];
    const zero = { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 };
    const expected: Record<string, object> = {
      text: { content: [{ type: "text", text: "Hello" }], stop_reason: "end_turn", usage },
      "reasoning, then text": { content: [{ type: "thinking", thinking: "Thinking", signature: "" }, { type: "text", text: "Hi" }], stop_reason: "end_turn", usage },
      "text, then tool calls": { content: [{ type: "text", text: "Checking." }, ...toolUses], stop_reason: "tool_use", usage },
      "tool calls only": { content: toolUses, stop_reason: "tool_use", usage },
      "no usage reported": { content: [{ type: "text", text: "Hi" }], stop_reason: "end_turn", usage: zero },
    };
    for (const { name, events } of CASES) {
      const message = foldMessage(await translateAll(events, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" })));
      assert.deepEqual({ content: message.content, stop_reason: message.stop_reason, usage: message.usage }, expected[name], name);
    }
  });
});

/** The three APIs over the app: the request body and how a streamed answer's frames fold. */
const APIS: readonly { readonly name: string; readonly path: string; readonly body: object; readonly fold: (data: string[]) => unknown }[] = [
  {
    name: "chat completions",
    path: "/v1/chat/completions",
    body: { messages: [{ role: "user", content: "Hi" }], stream_options: { include_usage: true } },
    fold: (data) => foldCompletion(data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as ChatChunk)),
  },
  { name: "Responses", path: "/v1/responses", body: { input: "Hi" }, fold: (data) => foldResponse(data.map((d) => JSON.parse(d) as ResponsesEvent)) },
  {
    name: "Messages",
    path: "/v1/messages",
    body: { model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "Hi" }], thinking: { type: "enabled", budget_tokens: 1024 } },
    fold: (data) => foldMessage(data.map((d) => JSON.parse(d) as MessagesEvent)),
  },
];

describe("on the wire, the folded stream equals the non-streaming answer", () => {
  for (const api of APIS) {
    test(api.name, async () => {
      for (const { name, events } of CASES) {
        const t = createTestApp();
        t.backend.script(...script(events)).script(...script(events));
        const post = (stream: boolean) =>
          t.request(api.path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...api.body, stream }) });
        const whole = await post(false);
        assert.equal(whole.status, 200, name);
        const streamed = await post(true);
        assert.equal(streamed.status, 200, name);
        assert.deepEqual(withoutIds(api.fold(parseSse(await streamed.text()).data)), withoutIds(await whole.json()), `${api.name}: ${name}`);
      }
    });
  }
});

function deltasOf(frames: readonly ResponsesEvent[]): string {
  return frames.map((f) => (f.type === "response.output_text.delta" ? f.delta : "")).join("");
}
