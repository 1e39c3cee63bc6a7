import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { conversationKeys, type MatchOptions } from "../../src/backend/conversation-match.ts";
import { TranscriptKeys } from "../../src/backend/transcript-keys.ts";
import { TurnTranscript } from "../../src/backend/turn-transcript.ts";
import type { ChatEvent, ChatTurnRequest, ToolCall } from "../../src/backend/types.ts";
import { chatRequestSchema } from "../../src/openai/chat-request.ts";
import { chatToTurn } from "../../src/openai/chat-to-turn.ts";
import { ollamaChatSchema } from "../../src/ollama/ollama-request.ts";
import { ollamaChatToTurn } from "../../src/ollama/ollama-to-turn.ts";
import { prepareTurn } from "../../src/turn/prepare-turn.ts";
import type { TurnRequest } from "../../src/turn/turn-request.ts";

const LIMITS = { maxMessages: 100, maxTotalTextChars: 100_000, maxImageBytes: 1_000_000 };
const FEATURES = { tools: true, outputSchema: true, images: true, webSearch: true };
const TOOLS = [{ type: "function", function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } }];
const CALLS: ToolCall[] = [
  { callId: "call_a", name: "get_weather", arguments: '{"city":"Paris"}' },
  { callId: "call_b", name: "get_weather", arguments: '{"city":"Oslo"}' },
];

/** The backend's turn for a request after an API's request translation. */
function turnRequest(request: TurnRequest): ChatTurnRequest {
  const prepared = prepareTurn(request, LIMITS, FEATURES);
  const { instructions, history, input, inputImages, tools, outputSchema, webSearch } = prepared;
  const signal = new AbortController().signal;
  return { model: "gpt-5.5", instructions, history, input, inputImages, tools, outputSchema, onPause: () => undefined, reasoningEffort: undefined, reasoningSummary: "auto", webSearch, signal };
}

/** The key a turn started by `first` is kept under once it streamed some text, then paused on `calls`. */
function pausedKey(keys: TranscriptKeys, first: ChatTurnRequest, options: MatchOptions = {}): string {
  const transcript = new TurnTranscript(keys, conversationKeys(keys, first, options).transcript, options);
  const events: ChatEvent[] = [{ type: "message", phase: "commentary" }, { type: "text", delta: "Looking " }, { type: "text", delta: "it up." }, { type: "tool_calls", calls: CALLS }];
  for (const e of events) transcript.seen(e);
  return transcript.key;
}

const chat = (messages: object[]) => turnRequest(chatToTurn(chatRequestSchema.parse({ model: "m", tools: TOOLS, messages })));
const ask = { role: "user", content: "Weather in Paris and Oslo?" };
/** The assistant message as a Chat Completions client sends it back, arguments as given. */
const called = (args: readonly string[]) => ({
  role: "assistant",
  content: "Looking it up.",
  tool_calls: CALLS.map((c, k) => ({ id: c.callId, type: "function", function: { name: c.name, arguments: args[k] } })),
});
const results = [
  { role: "tool", tool_call_id: "call_b", content: "rain" },
  { role: "tool", tool_call_id: "call_a", content: "sun" },
];

describe("the one decider: a request that continues a paused turn", () => {
  test("results for every call continue it, arguments re-serialised by the client included", () => {
    const keys = new TranscriptKeys();
    const key = pausedKey(keys, chat([ask]));
    const reserialised = chat([ask, called(['{ "city": "Paris" }', '{\n  "city": "Oslo"\n}']), ...results]);
    const match = conversationKeys(keys, reserialised).paused;
    assert.equal(match?.key, key);
    assert.deepEqual(match.results, [
      { callId: "call_b", output: "rain" },
      { callId: "call_a", output: "sun" },
    ]);
  });

  test("a changed earlier message, other arguments, a missing result or a new question do not", () => {
    const keys = new TranscriptKeys();
    const key = pausedKey(keys, chat([ask]));
    const args = CALLS.map((c) => c.arguments);
    const others = [
      chat([{ role: "user", content: "Weather in Rome and Oslo?" }, called(args), ...results]),
      chat([ask, called(['{"city":"Rome"}', args[1] ?? ""]), ...results]),
      chat([ask, { ...called(args), content: "Let me see." }, ...results]),
      chat([ask, called(args), results[0] ?? {}]),
    ];
    for (const other of others) assert.notEqual(conversationKeys(keys, other).paused?.key ?? "none", key);
    assert.equal(conversationKeys(keys, chat([ask, called(args), ...results, { role: "user", content: "And Rome?" }])).paused, undefined);
  });

  test("Ollama's results by position continue it whatever ids the client numbered the calls with", () => {
    const keys = new TranscriptKeys();
    const ollama = (messages: object[]) => ollamaChatToTurn(ollamaChatSchema.parse({ model: "m", tools: TOOLS, messages }));
    const byPosition = { byPosition: true };
    const key = pausedKey(keys, turnRequest(ollama([ask])), byPosition);
    const assistant = { role: "assistant", content: "Looking it up.", tool_calls: CALLS.map((c) => ({ function: { name: c.name, arguments: JSON.parse(c.arguments) as object } })) };
    const next = turnRequest(ollama([ask, assistant, { role: "tool", content: "sun" }, { role: "tool", content: "rain" }]));
    const match = conversationKeys(keys, next, byPosition).paused;
    assert.equal(match?.key, key);
    assert.deepEqual(match.results.map((r) => r.output), ["sun", "rain"]);
    assert.notEqual(conversationKeys(keys, next).paused?.key, key, "by id, the numbered calls are other calls");
  });
});
