import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { foldMessage, MessageEvents, type MessagesEvent } from "../../src/anthropic/message-events.ts";
import { messagesRequestSchema } from "../../src/anthropic/messages-request.ts";
import { messagesToTurn } from "../../src/anthropic/messages-to-turn.ts";
import { conversationKeys } from "../../src/backend/conversation-match.ts";
import { TranscriptKeys } from "../../src/backend/transcript-keys.ts";
import { TurnTranscript } from "../../src/backend/turn-transcript.ts";
import type { ChatEvent, ChatTurnRequest, HistoryItem, ToolCall } from "../../src/backend/types.ts";
import { ChatChunks } from "../../src/openai/chat-chunks.ts";
import { foldCompletion } from "../../src/openai/chat-completion.ts";
import { chatRequestSchema } from "../../src/openai/chat-request.ts";
import { chatToTurn } from "../../src/openai/chat-to-turn.ts";
import { foldResponse, ResponseEvents, type ResponsesEvent } from "../../src/openai/response-events.ts";
import { outputMessage } from "../../src/openai/response-object.ts";
import { responsesRequestSchema } from "../../src/openai/responses-request.ts";
import { responsesToTurn } from "../../src/openai/responses-to-turn.ts";
import { translateAll } from "../../src/stream-translator.ts";
import { prepareTurn } from "../../src/turn/prepare-turn.ts";
import { turnInput } from "../../src/turn/turn-input.ts";
import type { TurnRequest } from "../../src/turn/turn-request.ts";
import { USAGE } from "../helpers/fake-backend.ts";

const CALL: ToolCall = { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
const commentary: ChatEvent = { type: "message", phase: "commentary" };
const finalAnswer: ChatEvent = { type: "message", phase: "final_answer" };
const part: ChatEvent = { type: "reasoning_part" };
const text = (delta: string): ChatEvent => ({ type: "text", delta });
const reasoning = (delta: string): ChatEvent => ({ type: "reasoning", delta });
const done: ChatEvent = { type: "done" };

/** Answers with commentary, phases, summary parts and empty messages, as Codex's models now stream them. */
const CASES: Record<string, readonly ChatEvent[]> = {
  "commentary, then tool calls": [commentary, text("I'll check "), text("the weather."), { type: "tool_calls", calls: [CALL] }],
  "commentary, then the final answer": [commentary, text("Checking."), finalAnswer, text("Sunny"), text(" today."), done],
  // Parts may begin before any text and twice in a row.
  "reasoning in two summary parts, then text": [part, reasoning("Plan"), reasoning(" A."), part, part, reasoning("Plan B."), text("Hi."), done],
  "messages without text": [commentary, finalAnswer, text("Hi."), finalAnswer, done],
};

const chatCall = { id: "call_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } };

describe("commentary, answer and reasoning summaries: chat completions", () => {
  const expected: Record<string, { deltas: object[]; finish: string; message: object }> = {
    "commentary, then tool calls": {
      deltas: [{ content: "I'll check " }, { content: "the weather." }, { tool_calls: [{ index: 0, ...chatCall }] }],
      finish: "tool_calls",
      message: { role: "assistant", content: "I'll check the weather.", refusal: null, tool_calls: [chatCall] },
    },
    "commentary, then the final answer": {
      deltas: [{ content: "Checking." }, { content: "\n\nSunny" }, { content: " today." }],
      finish: "stop",
      message: { role: "assistant", content: "Checking.\n\nSunny today.", refusal: null },
    },
    "reasoning in two summary parts, then text": {
      deltas: [{ reasoning_content: "Plan" }, { reasoning_content: " A." }, { reasoning_content: "\n\nPlan B." }, { content: "Hi." }],
      finish: "stop",
      message: { role: "assistant", content: "Hi.", refusal: null, reasoning_content: "Plan A.\n\nPlan B." },
    },
    "messages without text": { deltas: [{ content: "Hi." }], finish: "stop", message: { role: "assistant", content: "Hi.", refusal: null } },
  };
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const chunks = await translateAll(events, new ChatChunks({ id: "chatcmpl-1", created: 1, model: "m" }, { includeUsage: false }));
      // Between the role chunk and the finish chunk: what the client appends.
      assert.deepEqual(chunks.slice(1, -1).map((c) => c.choices[0]?.delta), expected[name]?.deltas);
      assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, expected[name]?.finish);
      assert.deepEqual(foldCompletion(chunks).choices[0]?.message, expected[name]?.message);
    });
  }
});

/** The Responses events as words: type, output index (and summary index), then what the event carries. */
function responsesWords(frames: readonly ResponsesEvent[]): string[] {
  return frames.flatMap((f) => {
    if (!("output_index" in f)) return [];
    const name = f.type.replace("response.", "");
    const at = "summary_index" in f ? `${f.output_index}/${f.summary_index}` : `${f.output_index}`;
    if ("item" in f) return [`${name}:${at}:${f.item.type}${f.item.type === "message" && f.item.phase ? `:${f.item.phase}` : ""}`];
    if ("delta" in f) return [`${name}:${at}:${f.delta}`];
    if ("text" in f) return [`${name}:${at}:${f.text}`];
    if (f.type === "response.reasoning_summary_part.done") return [`${name}:${at}:${f.part.text}`];
    return [`${name}:${at}`];
  });
}

/** Item ids are fresh per item: shown by their kind. */
const itemIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\b(msg|rs)_[0-9a-f]{32}\b/g, "$1_*")) as unknown;

const outputMessageItem = (phase: string | undefined, itemText: string) => ({
  id: "msg_*",
  type: "message",
  status: "completed",
  role: "assistant",
  ...(phase ? { phase } : {}),
  content: [{ type: "output_text", text: itemText, annotations: [], logprobs: [] }],
});

describe("commentary, answer and reasoning summaries: Responses", () => {
  const messageWords = (i: number, phase: string, deltas: string[]) => [
    `output_item.added:${i}:message${phase}`,
    `content_part.added:${i}`,
    ...deltas.map((d) => `output_text.delta:${i}:${d}`),
    `output_text.done:${i}:${deltas.join("")}`,
    `content_part.done:${i}`,
    `output_item.done:${i}:message${phase}`,
  ];
  const expected: Record<string, { words: string[]; output: object[]; outputText: string }> = {
    "commentary, then tool calls": {
      words: [
        ...messageWords(0, ":commentary", ["I'll check ", "the weather."]),
        "output_item.added:1:function_call",
        `function_call_arguments.delta:1:${CALL.arguments}`,
        "function_call_arguments.done:1",
        "output_item.done:1:function_call",
      ],
      output: [
        outputMessageItem("commentary", "I'll check the weather."),
        { id: "fc_call_1", type: "function_call", status: "completed", call_id: "call_1", name: "get_weather", arguments: CALL.arguments },
      ],
      outputText: "I'll check the weather.",
    },
    "commentary, then the final answer": {
      words: [...messageWords(0, ":commentary", ["Checking."]), ...messageWords(1, ":final_answer", ["Sunny", " today."])],
      output: [outputMessageItem("commentary", "Checking."), outputMessageItem("final_answer", "Sunny today.")],
      outputText: "Checking.\n\nSunny today.",
    },
    "reasoning in two summary parts, then text": {
      words: [
        "output_item.added:0:reasoning",
        "reasoning_summary_part.added:0/0",
        "reasoning_summary_text.delta:0/0:Plan",
        "reasoning_summary_text.delta:0/0: A.",
        "reasoning_summary_text.done:0/0:Plan A.",
        "reasoning_summary_part.done:0/0:Plan A.",
        "reasoning_summary_part.added:0/1",
        "reasoning_summary_text.delta:0/1:Plan B.",
        "reasoning_summary_text.done:0/1:Plan B.",
        "reasoning_summary_part.done:0/1:Plan B.",
        "output_item.done:0:reasoning",
        ...messageWords(1, "", ["Hi."]),
      ],
      output: [
        { id: "rs_*", type: "reasoning", summary: [{ type: "summary_text", text: "Plan A." }, { type: "summary_text", text: "Plan B." }] },
        outputMessageItem(undefined, "Hi."),
      ],
      outputText: "Hi.",
    },
    "messages without text": { words: messageWords(0, ":final_answer", ["Hi."]), output: [outputMessageItem("final_answer", "Hi.")], outputText: "Hi." },
  };
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const frames = await translateAll(events, new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} }));
      assert.deepEqual(responsesWords(frames), expected[name]?.words);
      const response = foldResponse(frames);
      assert.deepEqual(itemIds(response.output), expected[name]?.output);
      assert.equal(response.output_text, expected[name]?.outputText);
      // What a streaming client assembles agrees with the answer, and each item's events name its own id.
      assert.deepEqual(frames.flatMap((f) => (f.type === "response.output_item.done" ? [f.item] : [])), response.output);
      assert.deepEqual(frames.map((f) => f.sequence_number), frames.map((_, i) => i));
      for (const f of frames) if ("item_id" in f) assert.equal(f.item_id, response.output[f.output_index]?.id, f.type);
      assert.equal(new Set(response.output.map((item) => item.id)).size, response.output.length, "one id per item");
    });
  }
});

/** The Messages content block events as words, like the translator test's. */
function messagesWords(events: readonly MessagesEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === "content_block_start") return [`start:${e.index}:${e.content_block.type}`];
    if (e.type === "content_block_delta") return [`delta:${e.index}:${Object.values(e.delta)[1] as string}`];
    if (e.type === "content_block_stop") return [`stop:${e.index}`];
    return [];
  });
}

describe("commentary, answer and reasoning summaries: Messages (thinking enabled)", () => {
  const toolUse = { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } };
  const expected: Record<string, { words: string[]; content: object[] }> = {
    "commentary, then tool calls": {
      words: ["start:0:text", "delta:0:I'll check ", "delta:0:the weather.", "stop:0", "start:1:tool_use", `delta:1:${CALL.arguments}`, "stop:1"],
      content: [{ type: "text", text: "I'll check the weather." }, toolUse],
    },
    "commentary, then the final answer": {
      words: ["start:0:text", "delta:0:Checking.", "stop:0", "start:1:text", "delta:1:Sunny", "delta:1: today.", "stop:1"],
      content: [{ type: "text", text: "Checking." }, { type: "text", text: "Sunny today." }],
    },
    "reasoning in two summary parts, then text": {
      words: ["start:0:thinking", "delta:0:Plan", "delta:0: A.", "delta:0:\n\nPlan B.", "stop:0", "start:1:text", "delta:1:Hi.", "stop:1"],
      content: [{ type: "thinking", thinking: "Plan A.\n\nPlan B.", signature: "" }, { type: "text", text: "Hi." }],
    },
    "messages without text": { words: ["start:0:text", "delta:0:Hi.", "stop:0"], content: [{ type: "text", text: "Hi." }] },
  };
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const frames = await translateAll(events, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" }));
      assert.deepEqual(messagesWords(frames), expected[name]?.words);
      assert.deepEqual(foldMessage(frames).content, expected[name]?.content);
    });
  }
});

/** An answer in which every boundary matters: reasoning, an empty message, commentary, more reasoning, the answer. */
const ANSWER: readonly ChatEvent[] = [
  part,
  reasoning("Plan."),
  finalAnswer,
  commentary,
  text("Checking "),
  text("now."),
  part,
  reasoning("Found it."),
  finalAnswer,
  text("It is "),
  text("sunny."),
  { type: "usage", usage: USAGE },
  done,
];

const LIMITS = { maxMessages: 100, maxTotalTextChars: 100_000, maxImageBytes: 1_000_000 };
const FEATURES = { tools: true, outputSchema: true, images: true, webSearch: true };

/** The backend's turn for a request after an API's request translation. */
function turnRequest(request: TurnRequest): ChatTurnRequest {
  const prepared = prepareTurn(request, LIMITS, FEATURES);
  const { instructions, history, input, inputImages, tools, outputSchema, webSearch } = prepared;
  const signal = new AbortController().signal;
  return { model: "gpt-5.5", instructions, history, input, inputImages, tools, outputSchema, onPause: () => undefined, reasoningEffort: undefined, reasoningSummary: "auto", webSearch, signal };
}

/** The key the thread is left under once it gave ANSWER to `first`. */
function answeredKey(keys: TranscriptKeys, first: ChatTurnRequest): string {
  const transcript = new TurnTranscript(keys, conversationKeys(keys, first).transcript);
  for (const e of ANSWER) transcript.seen(e);
  return transcript.key;
}

/** Whether a follow-up request would continue the thread right after its answer. */
const continuesAt = (keys: TranscriptKeys, next: ChatTurnRequest) => conversationKeys(keys, next).candidates[0]?.key;

describe("an answer echoed back as the client sends it continues the thread that gave it", () => {
  test("chat completions: one assistant message with the joined content", async () => {
    const keys = new TranscriptKeys();
    const ask = { role: "user", content: "Weather?" };
    const key = answeredKey(keys, turnRequest(chatToTurn(chatRequestSchema.parse({ messages: [ask] }))));
    const completion = foldCompletion(await translateAll(ANSWER, new ChatChunks({ id: "chatcmpl-1", created: 1, model: "m" }, { includeUsage: true })));
    const next = chatRequestSchema.parse({ messages: [ask, completion.choices[0]?.message, { role: "user", content: "Tomorrow?" }] });
    assert.equal(continuesAt(keys, turnRequest(chatToTurn(next))), key);
  });

  test("Messages: the assistant message with its two text blocks (and thinking)", async () => {
    const keys = new TranscriptKeys();
    const body = (messages: object[]) => messagesToTurn(messagesRequestSchema.parse({ model: "claude-x", max_tokens: 100, messages }));
    const ask = { role: "user", content: "Weather?" };
    const key = answeredKey(keys, turnRequest(body([ask])));
    const message = foldMessage(await translateAll(ANSWER, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" })));
    assert.deepEqual(message.content.map((b) => b.type), ["thinking", "text", "thinking", "text"]);
    const next = body([ask, { role: "assistant", content: message.content }, { role: "user", content: "Tomorrow?" }]);
    assert.equal(continuesAt(keys, turnRequest(next)), key);
  });

  test("Responses: the two message items (and reasoning items) as input, or previous_response_id", async () => {
    const keys = new TranscriptKeys();
    const ask = { role: "user", content: "Weather?" };
    const first = responsesToTurn(responsesRequestSchema.parse({ input: [ask] }), []);
    const key = answeredKey(keys, turnRequest(first.request));
    const response = foldResponse(await translateAll(ANSWER, new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} })));
    assert.deepEqual(response.output.map((item) => item.type), ["reasoning", "message", "reasoning", "message"]);
    const echoed = responsesToTurn(responsesRequestSchema.parse({ input: [ask, ...response.output, { role: "user", content: "Tomorrow?" }] }), []);
    assert.equal(continuesAt(keys, turnRequest(echoed.request)), key);
    const stored = [...first.conversation, outputMessage(response)];
    const continued = responsesToTurn(responsesRequestSchema.parse({ input: "Tomorrow?", previous_response_id: "resp_1" }), stored);
    assert.equal(continuesAt(keys, turnRequest(continued.request)), key);
  });
});

describe("a replayed history: an answer's messages are one assistant text", () => {
  const user = (t: string): HistoryItem => ({ type: "user", text: t, images: [] });
  const cases: { name: string; messages: object[]; history: HistoryItem[] }[] = [
    {
      name: "consecutive assistant messages are joined by a blank line",
      messages: [{ role: "user", content: "Q" }, { role: "assistant", content: "Checking." }, { role: "assistant", content: [{ type: "text", text: "Sunny." }] }],
      history: [user("Q"), { type: "assistant", text: "Checking.\n\nSunny." }],
    },
    {
      name: "a tool call between them keeps them apart",
      messages: [
        { role: "user", content: "Q" },
        { role: "assistant", content: "Checking.", tool_calls: [{ id: "c1", function: { name: "f", arguments: "{}" } }] },
        { role: "tool", tool_call_id: "c1", content: "22 C" },
        { role: "assistant", content: "Sunny." },
      ],
      history: [user("Q"), { type: "assistant", text: "Checking." }, { type: "tool_call", callId: "c1", name: "f", arguments: "{}" }, { type: "tool_result", callId: "c1", output: "22 C" }, { type: "assistant", text: "Sunny." }],
    },
  ];
  for (const { name, messages, history } of cases) {
    test(name, () => {
      const turn = turnInput(chatToTurn(chatRequestSchema.parse({ messages: [...messages, { role: "user", content: "Next" }] })), LIMITS);
      assert.deepEqual(turn.history, history);
    });
  }

  test("Messages: an assistant message's text blocks are its messages; a user message's blocks keep their join", () => {
    const request = messagesToTurn(
      messagesRequestSchema.parse({
        model: "claude-x",
        messages: [
          { role: "user", content: [{ type: "text", text: "A" }, { type: "text", text: "B" }] },
          { role: "assistant", content: [{ type: "text", text: "Checking." }, { type: "text", text: "" }, { type: "text", text: "Sunny." }] },
          { role: "user", content: "Next" },
        ],
      }),
    );
    const turn = turnInput(request, LIMITS);
    assert.deepEqual(turn.history, [user("A\nB"), { type: "assistant", text: "Checking.\n\nSunny." }]);
  });
});
