import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { foldMessage, MessageEvents, type MessagesEvent } from "../../src/anthropic/message-events.ts";
import type { ChatEvent, Citation, ToolCall } from "../../src/backend/types.ts";
import { ChatChunks, type ChatChunk } from "../../src/openai/chat-chunks.ts";
import { foldCompletion } from "../../src/openai/chat-completion.ts";
import { foldResponse, ResponseEvents, type ResponsesEvent } from "../../src/openai/response-events.ts";
import { translateAll } from "../../src/stream-translator.ts";
import { USAGE, createTestApp, type TurnStep } from "../helpers/fake-backend.ts";
import { parseSse } from "../helpers/sse.ts";

const CALL: ToolCall = { callId: "call_1", name: "get_weather", arguments: '{"city":"Paris"}' };
const PARIS = { url: "https://weather.example/paris", title: "Paris weather" };
const ROME = { url: "https://weather.example/rome", title: "Rome weather" };
const commentary: ChatEvent = { type: "message", phase: "commentary" };
const finalAnswer: ChatEvent = { type: "message", phase: "final_answer" };
const part: ChatEvent = { type: "reasoning_part" };
const text = (delta: string): ChatEvent => ({ type: "text", delta });
const reasoning = (delta: string): ChatEvent => ({ type: "reasoning", delta });
const cites = (...citations: Citation[]): ChatEvent => ({ type: "citations", citations });
const search = (id: string, query: string): ChatEvent[] => [
  { type: "web_search", id, query, status: "searching" },
  { type: "web_search", id, query, status: "completed" },
];
const usage: ChatEvent = { type: "usage", usage: USAGE };
const done: ChatEvent = { type: "done" };

/** Answers with web searches as the backend reports them; citations' offsets are into their own message's text. */
const CASES: Record<string, readonly ChatEvent[]> = {
  "one search, then a cited answer": [
    part,
    reasoning("Looking it up."),
    ...search("ws_1", "paris weather"),
    finalAnswer,
    text("Paris is sunny"),
    text(" today."),
    cites({ ...PARIS, start: 0, end: 14 }),
    usage,
    done,
  ],
  // The same page cited twice is one search result.
  "two searches, then one answer citing both": [
    ...search("ws_1", "paris weather"),
    ...search("ws_2", "rome weather"),
    finalAnswer,
    text("Sunny in Paris, rain in Rome."),
    cites({ ...PARIS, start: 0, end: 14 }, { ...ROME, start: 16, end: 28 }, { ...PARIS, start: 0, end: 29 }),
    usage,
    done,
  ],
  "a search, then an answer without citations": [...search("ws_1", "paris weather"), part, reasoning("Nothing useful."), finalAnswer, text("I found nothing."), usage, done],
  "commentary before a search, the answer after it": [
    commentary,
    text("Let me look that up."),
    ...search("ws_1", "paris weather"),
    finalAnswer,
    text("It is sunny."),
    cites({ ...PARIS, start: 6, end: 11 }),
    usage,
    done,
  ],
  "a search, then tool calls": [...search("ws_1", "paris weather"), usage, { type: "tool_calls", calls: [CALL] }],
};

const chatCall = { id: "call_1", type: "function", function: { name: "get_weather", arguments: CALL.arguments } };
const annotation = (source: { url: string; title: string }, start: number, end: number) => ({
  type: "url_citation",
  url_citation: { start_index: start, end_index: end, title: source.title, url: source.url },
});

describe("web search: chat completions (searches not shown, citations as annotations of the whole content)", () => {
  const expected: Record<string, { deltas: object[]; finish: string; message: object }> = {
    "one search, then a cited answer": {
      deltas: [{ reasoning_content: "Looking it up." }, { content: "Paris is sunny" }, { content: " today." }, { annotations: [annotation(PARIS, 0, 14)] }],
      finish: "stop",
      message: { role: "assistant", content: "Paris is sunny today.", refusal: null, annotations: [annotation(PARIS, 0, 14)], reasoning_content: "Looking it up." },
    },
    "two searches, then one answer citing both": {
      deltas: [{ content: "Sunny in Paris, rain in Rome." }, { annotations: [annotation(PARIS, 0, 14), annotation(ROME, 16, 28), annotation(PARIS, 0, 29)] }],
      finish: "stop",
      message: {
        role: "assistant",
        content: "Sunny in Paris, rain in Rome.",
        refusal: null,
        annotations: [annotation(PARIS, 0, 14), annotation(ROME, 16, 28), annotation(PARIS, 0, 29)],
      },
    },
    "a search, then an answer without citations": {
      deltas: [{ reasoning_content: "Nothing useful." }, { content: "I found nothing." }],
      finish: "stop",
      message: { role: "assistant", content: "I found nothing.", refusal: null, reasoning_content: "Nothing useful." },
    },
    // The answer begins after the commentary and the blank line: offset 22.
    "commentary before a search, the answer after it": {
      deltas: [{ content: "Let me look that up." }, { content: "\n\nIt is sunny." }, { annotations: [annotation(PARIS, 28, 33)] }],
      finish: "stop",
      message: { role: "assistant", content: "Let me look that up.\n\nIt is sunny.", refusal: null, annotations: [annotation(PARIS, 28, 33)] },
    },
    "a search, then tool calls": {
      deltas: [{ tool_calls: [{ index: 0, ...chatCall }] }],
      finish: "tool_calls",
      message: { role: "assistant", content: null, refusal: null, tool_calls: [chatCall] },
    },
  };
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const chunks = await translateAll(events, new ChatChunks({ id: "chatcmpl-1", created: 1, model: "m" }, { includeUsage: false }));
      assert.deepEqual(chunks.slice(1, -1).map((c) => c.choices[0]?.delta), expected[name]?.deltas);
      assert.equal(chunks.at(-1)?.choices[0]?.finish_reason, expected[name]?.finish);
      const message = foldCompletion(chunks).choices[0]?.message;
      assert.deepEqual(message, expected[name]?.message);
      for (const a of (message as { annotations?: ReturnType<typeof annotation>[] }).annotations ?? []) {
        assert.ok(a.url_citation.end_index <= (message?.content ?? "").length, "inside the content");
      }
    });
  }
});

/** The Responses events as words: type, output index, then what the event carries. */
function responsesWords(frames: readonly ResponsesEvent[]): string[] {
  return frames.flatMap((f) => {
    if (!("output_index" in f)) return [];
    const name = f.type.replace("response.", "");
    const at = "summary_index" in f ? `${f.output_index}/${f.summary_index}` : `${f.output_index}`;
    if ("item" in f) {
      const item = f.item;
      if (item.type === "web_search_call") return [`${name}:${at}:web_search_call:${item.id}:${item.status}:${item.action.query}`];
      return [`${name}:${at}:${item.type}`];
    }
    if ("annotation" in f) return [`${name}:${at}:${f.annotation_index}:${f.annotation.url}:${f.annotation.start_index}-${f.annotation.end_index}`];
    if (f.type === "response.content_part.done") return [`${name}:${at}:${f.part.annotations.length} annotations`];
    if ("delta" in f) return [`${name}:${at}:${f.delta}`];
    if ("text" in f) return [`${name}:${at}:${f.text}`];
    return [`${name}:${at}`];
  });
}

const withoutItemIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/\b(msg|rs)_[0-9a-f]{32}\b/g, "$1_*")) as unknown;

describe("web search: Responses (a web_search_call item per search, citations as the message's annotations)", () => {
  const searchWords = (i: number, id: string, query: string) => [
    `output_item.added:${i}:web_search_call:${id}:in_progress:${query}`,
    `web_search_call.in_progress:${i}`,
    `web_search_call.searching:${i}`,
    `web_search_call.completed:${i}`,
    `output_item.done:${i}:web_search_call:${id}:completed:${query}`,
  ];
  const messageWords = (i: number, deltas: string[], annotations: string[]) => [
    `output_item.added:${i}:message`,
    `content_part.added:${i}`,
    ...deltas.map((d) => `output_text.delta:${i}:${d}`),
    ...annotations.map((a, n) => `output_text.annotation.added:${i}:${n}:${a}`),
    `output_text.done:${i}:${deltas.join("")}`,
    `content_part.done:${i}:${annotations.length} annotations`,
    `output_item.done:${i}:message`,
  ];
  const reasoningWords = (i: number, summary: string) => [
    `output_item.added:${i}:reasoning`,
    `reasoning_summary_part.added:${i}/0`,
    `reasoning_summary_text.delta:${i}/0:${summary}`,
    `reasoning_summary_text.done:${i}/0:${summary}`,
    `reasoning_summary_part.done:${i}/0`,
    `output_item.done:${i}:reasoning`,
  ];
  const searchItem = (id: string, query: string) => ({ id, type: "web_search_call", status: "completed", action: { type: "search", query } });
  const cited = (source: { url: string; title: string }, start: number, end: number) => ({ type: "url_citation", start_index: start, end_index: end, url: source.url, title: source.title });
  const message = (phase: string | undefined, itemText: string, annotations: object[] = []) => ({
    id: "msg_*",
    type: "message",
    status: "completed",
    role: "assistant",
    ...(phase ? { phase } : {}),
    content: [{ type: "output_text", text: itemText, annotations, logprobs: [] }],
  });
  const reasoningItem = (summary: string) => ({ id: "rs_*", type: "reasoning", summary: [{ type: "summary_text", text: summary }] });
  const expected: Record<string, { words: string[]; output: object[]; outputText: string }> = {
    "one search, then a cited answer": {
      words: [
        ...reasoningWords(0, "Looking it up."),
        ...searchWords(1, "ws_1", "paris weather"),
        ...messageWords(2, ["Paris is sunny", " today."], [`${PARIS.url}:0-14`]),
      ],
      output: [reasoningItem("Looking it up."), searchItem("ws_1", "paris weather"), message("final_answer", "Paris is sunny today.", [cited(PARIS, 0, 14)])],
      outputText: "Paris is sunny today.",
    },
    "two searches, then one answer citing both": {
      words: [
        ...searchWords(0, "ws_1", "paris weather"),
        ...searchWords(1, "ws_2", "rome weather"),
        ...messageWords(2, ["Sunny in Paris, rain in Rome."], [`${PARIS.url}:0-14`, `${ROME.url}:16-28`, `${PARIS.url}:0-29`]),
      ],
      output: [
        searchItem("ws_1", "paris weather"),
        searchItem("ws_2", "rome weather"),
        message("final_answer", "Sunny in Paris, rain in Rome.", [cited(PARIS, 0, 14), cited(ROME, 16, 28), cited(PARIS, 0, 29)]),
      ],
      outputText: "Sunny in Paris, rain in Rome.",
    },
    "a search, then an answer without citations": {
      words: [...searchWords(0, "ws_1", "paris weather"), ...reasoningWords(1, "Nothing useful."), ...messageWords(2, ["I found nothing."], [])],
      output: [searchItem("ws_1", "paris weather"), reasoningItem("Nothing useful."), message("final_answer", "I found nothing.")],
      outputText: "I found nothing.",
    },
    // Offsets stay within the answer's own item.
    "commentary before a search, the answer after it": {
      words: [...messageWords(0, ["Let me look that up."], []), ...searchWords(1, "ws_1", "paris weather"), ...messageWords(2, ["It is sunny."], [`${PARIS.url}:6-11`])],
      output: [message("commentary", "Let me look that up."), searchItem("ws_1", "paris weather"), message("final_answer", "It is sunny.", [cited(PARIS, 6, 11)])],
      outputText: "Let me look that up.\n\nIt is sunny.",
    },
    "a search, then tool calls": {
      words: [
        ...searchWords(0, "ws_1", "paris weather"),
        "output_item.added:1:function_call",
        `function_call_arguments.delta:1:${CALL.arguments}`,
        "function_call_arguments.done:1",
        "output_item.done:1:function_call",
      ],
      output: [searchItem("ws_1", "paris weather"), { id: "fc_call_1", type: "function_call", status: "completed", call_id: "call_1", name: "get_weather", arguments: CALL.arguments }],
      outputText: "",
    },
  };
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const frames = await translateAll(events, new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} }));
      assert.deepEqual(responsesWords(frames), expected[name]?.words);
      const response = foldResponse(frames);
      assert.deepEqual(withoutItemIds(response.output), expected[name]?.output);
      assert.equal(response.output_text, expected[name]?.outputText);
      assert.deepEqual(frames.flatMap((f) => (f.type === "response.output_item.done" ? [f.item] : [])), response.output);
      assert.deepEqual(frames.map((f) => f.sequence_number), frames.map((_, i) => i));
      for (const f of frames) if ("item_id" in f) assert.equal(f.item_id, response.output[f.output_index]?.id, f.type);
      // The finished text part carries the same annotations as the item.
      for (const f of frames) {
        if (f.type !== "response.content_part.done") continue;
        const item = response.output[f.output_index];
        assert.deepEqual(f.part.annotations, item?.type === "message" ? item.content[0]?.annotations : undefined);
      }
    });
  }

  test("a search id without Codex's ws_ prefix gets it; citations with no open message are dropped", async () => {
    const frames = await translateAll([...search("abc", "q"), cites({ ...PARIS, start: 0, end: 1 }), text("Hi."), done], new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} }));
    const response = foldResponse(frames);
    assert.deepEqual(withoutItemIds(response.output), [searchItem("ws_abc", "q"), message(undefined, "Hi.")]);
    assert.ok(!frames.some((f) => f.type === "response.output_text.annotation.added"));
  });

  test("a query known only at the search's end is the finished item's", async () => {
    const events: ChatEvent[] = [{ type: "web_search", id: "ws_1", query: "", status: "searching" }, { type: "web_search", id: "ws_1", query: "paris weather", status: "completed" }, done];
    const frames = await translateAll(events, new ResponseEvents({ id: "resp_1", createdAt: 1, model: "m", echo: {} }));
    assert.deepEqual(responsesWords(frames), [...searchWords(0, "ws_1", "paris weather").map((w, i) => (i === 0 ? w.replace(/:paris weather$/, ":") : w))]);
  });
});

/** The Messages content block events as words; a citation shows its url and cited text. */
function messagesWords(events: readonly MessagesEvent[]): string[] {
  return events.flatMap((e) => {
    if (e.type === "content_block_start") {
      const block = e.content_block;
      if (block.type === "server_tool_use") return [`start:${e.index}:server_tool_use:${block.id}`];
      if (block.type === "web_search_tool_result") return [`start:${e.index}:web_search_tool_result:${block.tool_use_id}:${block.content.map((r) => r.url).join(",")}`];
      return [`start:${e.index}:${block.type}`];
    }
    if (e.type === "content_block_delta") {
      const d = e.delta;
      if (d.type === "citations_delta") return [`delta:${e.index}:cite:${d.citation.url}:${d.citation.cited_text}`];
      return [`delta:${e.index}:${d.type === "text_delta" ? d.text : d.type === "thinking_delta" ? d.thinking : d.partial_json}`];
    }
    if (e.type === "content_block_stop") return [`stop:${e.index}`];
    return [];
  });
}

describe("web search: Messages (server_tool_use and web_search_tool_result blocks, citations on the text blocks)", () => {
  const useWords = (i: number, id: string, query: string) => [`start:${i}:server_tool_use:${id}`, `delta:${i}:${JSON.stringify({ query })}`, `stop:${i}`];
  const resultWords = (i: number, id: string, urls: string[]) => [`start:${i}:web_search_tool_result:${id}:${urls.join(",")}`, `stop:${i}`];
  const use = (id: string, query: string) => ({ type: "server_tool_use", id, name: "web_search", input: { query } });
  const page = (source: { url: string; title: string }) => ({ type: "web_search_result", url: source.url, title: source.title, encrypted_content: "", page_age: null });
  const result = (id: string, pages: object[]) => ({ type: "web_search_tool_result", tool_use_id: id, content: pages });
  const location = (source: { url: string; title: string }, citedText: string) => ({
    type: "web_search_result_location",
    cited_text: citedText,
    url: source.url,
    title: source.title,
    encrypted_index: "",
  });
  const expected: Record<string, { words: string[]; content: object[]; searches: number; stop: string }> = {
    "one search, then a cited answer": {
      words: [
        "start:0:thinking",
        "delta:0:Looking it up.",
        "stop:0",
        ...useWords(1, "srvtoolu_ws_1", "paris weather"),
        ...resultWords(2, "srvtoolu_ws_1", [PARIS.url]),
        "start:3:text",
        "delta:3:Paris is sunny",
        "delta:3: today.",
        `delta:3:cite:${PARIS.url}:Paris is sunny`,
        "stop:3",
      ],
      content: [
        { type: "thinking", thinking: "Looking it up.", signature: "" },
        use("srvtoolu_ws_1", "paris weather"),
        result("srvtoolu_ws_1", [page(PARIS)]),
        { type: "text", text: "Paris is sunny today.", citations: [location(PARIS, "Paris is sunny")] },
      ],
      searches: 1,
      stop: "end_turn",
    },
    // Each search's result lists the pages the answer cites (each once).
    "two searches, then one answer citing both": {
      words: [
        ...useWords(0, "srvtoolu_ws_1", "paris weather"),
        ...resultWords(1, "srvtoolu_ws_1", [PARIS.url, ROME.url]),
        ...useWords(2, "srvtoolu_ws_2", "rome weather"),
        ...resultWords(3, "srvtoolu_ws_2", [PARIS.url, ROME.url]),
        "start:4:text",
        "delta:4:Sunny in Paris, rain in Rome.",
        `delta:4:cite:${PARIS.url}:Sunny in Paris`,
        `delta:4:cite:${ROME.url}:rain in Rome`,
        `delta:4:cite:${PARIS.url}:Sunny in Paris, rain in Rome.`,
        "stop:4",
      ],
      content: [
        use("srvtoolu_ws_1", "paris weather"),
        result("srvtoolu_ws_1", [page(PARIS), page(ROME)]),
        use("srvtoolu_ws_2", "rome weather"),
        result("srvtoolu_ws_2", [page(PARIS), page(ROME)]),
        {
          type: "text",
          text: "Sunny in Paris, rain in Rome.",
          citations: [location(PARIS, "Sunny in Paris"), location(ROME, "rain in Rome"), location(PARIS, "Sunny in Paris, rain in Rome.")],
        },
      ],
      searches: 2,
      stop: "end_turn",
    },
    "a search, then an answer without citations": {
      words: [
        ...useWords(0, "srvtoolu_ws_1", "paris weather"),
        ...resultWords(1, "srvtoolu_ws_1", []),
        "start:2:thinking",
        "delta:2:Nothing useful.",
        "stop:2",
        "start:3:text",
        "delta:3:I found nothing.",
        "stop:3",
      ],
      content: [
        use("srvtoolu_ws_1", "paris weather"),
        result("srvtoolu_ws_1", []),
        { type: "thinking", thinking: "Nothing useful.", signature: "" },
        { type: "text", text: "I found nothing." },
      ],
      searches: 1,
      stop: "end_turn",
    },
    "commentary before a search, the answer after it": {
      words: [
        "start:0:text",
        "delta:0:Let me look that up.",
        "stop:0",
        ...useWords(1, "srvtoolu_ws_1", "paris weather"),
        ...resultWords(2, "srvtoolu_ws_1", [PARIS.url]),
        "start:3:text",
        "delta:3:It is sunny.",
        `delta:3:cite:${PARIS.url}:sunny`,
        "stop:3",
      ],
      content: [
        { type: "text", text: "Let me look that up." },
        use("srvtoolu_ws_1", "paris weather"),
        result("srvtoolu_ws_1", [page(PARIS)]),
        { type: "text", text: "It is sunny.", citations: [location(PARIS, "sunny")] },
      ],
      searches: 1,
      stop: "end_turn",
    },
    "a search, then tool calls": {
      words: [...useWords(0, "srvtoolu_ws_1", "paris weather"), ...resultWords(1, "srvtoolu_ws_1", []), "start:2:tool_use", `delta:2:${CALL.arguments}`, "stop:2"],
      content: [use("srvtoolu_ws_1", "paris weather"), result("srvtoolu_ws_1", []), { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } }],
      searches: 1,
      stop: "tool_use",
    },
  };
  const usageWith = (searches: number) => ({
    input_tokens: 8,
    output_tokens: 7,
    cache_read_input_tokens: 3,
    cache_creation_input_tokens: 0,
    server_tool_use: { web_search_requests: searches },
  });
  for (const [name, events] of Object.entries(CASES)) {
    test(name, async () => {
      const frames = await translateAll(events, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" }));
      assert.deepEqual(messagesWords(frames), expected[name]?.words);
      const message = foldMessage(frames);
      assert.deepEqual(message.content, expected[name]?.content);
      assert.equal(message.stop_reason, expected[name]?.stop);
      assert.deepEqual(message.usage, usageWith(expected[name]?.searches ?? 0));
      const delta = frames.find((f) => f.type === "message_delta");
      assert.deepEqual(delta?.type === "message_delta" ? delta.usage : undefined, message.usage);
      // message_start's usage is still the empty one.
      assert.deepEqual(frames[0]?.type === "message_start" ? frames[0].message.usage : undefined, { input_tokens: 0, output_tokens: 0, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
    });
  }

  test("the answer is held back from a search's end until the cited message's citations, not longer", () => {
    const t = new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" });
    const [searching, completed] = search("ws_1", "paris weather");
    assert.equal(t.event(searching as ChatEvent).length, 3, "the server_tool_use block at once");
    for (const e of [completed, finalAnswer, text("It is "), text("sunny.")] as ChatEvent[]) assert.deepEqual(t.event(e), [], e.type);
    const released = t.event(cites({ ...PARIS, start: 6, end: 11 }));
    assert.deepEqual(messagesWords(released), [`start:1:web_search_tool_result:srvtoolu_ws_1:${PARIS.url}`, "stop:1", "start:2:text", "delta:2:It is ", "delta:2:sunny.", `delta:2:cite:${PARIS.url}:sunny`]);
    assert.deepEqual(messagesWords(t.event(text(" Dry."))), ["delta:2: Dry."], "streamed again once released");
  });

  test("a search whose query comes only with its end: its server_tool_use block waits for it", async () => {
    const events: ChatEvent[] = [{ type: "web_search", id: "ws_1", query: "", status: "searching" }, { type: "web_search", id: "ws_1", query: "paris weather", status: "completed" }, text("Hi."), done];
    const frames = await translateAll(events, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: true, requestId: "req_1" }));
    assert.deepEqual(messagesWords(frames), [...useWords(0, "srvtoolu_ws_1", "paris weather"), ...resultWords(1, "srvtoolu_ws_1", []), "start:2:text", "delta:2:Hi.", "stop:2"]);
  });

  test("a message after uncited text releases the held answer; without thinking, reasoning stays hidden", async () => {
    const events: ChatEvent[] = [...search("ws_1", "q"), reasoning("hmm"), finalAnswer, text("First."), finalAnswer, text("Second."), done];
    const frames = await translateAll(events, new MessageEvents({ id: "msg_1", model: "claude-x", thinking: false, requestId: "req_1" }));
    assert.deepEqual(messagesWords(frames), [...useWords(0, "srvtoolu_ws_1", "q"), ...resultWords(1, "srvtoolu_ws_1", []), "start:2:text", "delta:2:First.", "stop:2", "start:3:text", "delta:3:Second.", "stop:3"]);
  });
});

/** The same events as a fake backend's script (a tool_calls event is the turn pausing on them). */
const script = (events: readonly ChatEvent[]): TurnStep[] => events.map((event) => (event.type === "tool_calls" ? { pause: event.calls } : { event }));
const withoutIds = (value: unknown) => JSON.parse(JSON.stringify(value).replace(/chatcmpl-[0-9a-f-]{36}|(resp|msg|rs)_[0-9a-f]{32}/g, "<id>")) as unknown;

const APIS: readonly { readonly name: string; readonly path: string; readonly body: object; readonly fold: (data: string[]) => unknown }[] = [
  {
    name: "chat completions",
    path: "/v1/chat/completions",
    body: { messages: [{ role: "user", content: "Weather?" }], stream_options: { include_usage: true } },
    fold: (data) => foldCompletion(data.filter((d) => d !== "[DONE]").map((d) => JSON.parse(d) as ChatChunk)),
  },
  { name: "Responses", path: "/v1/responses", body: { input: "Weather?" }, fold: (data) => foldResponse(data.map((d) => JSON.parse(d) as ResponsesEvent)) },
  {
    name: "Messages",
    path: "/v1/messages",
    body: { model: "claude-x", max_tokens: 100, messages: [{ role: "user", content: "Weather?" }], thinking: { type: "enabled", budget_tokens: 1024 } },
    fold: (data) => foldMessage(data.map((d) => JSON.parse(d) as MessagesEvent)),
  },
];

describe("web search on the wire: the folded stream equals the non-streaming answer", () => {
  for (const api of APIS) {
    test(api.name, async () => {
      for (const [name, events] of Object.entries(CASES)) {
        const t = createTestApp();
        t.backend.script(...script(events)).script(...script(events));
        const post = (stream: boolean) => t.request(api.path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ ...api.body, stream }) });
        const whole = await post(false);
        assert.equal(whole.status, 200, name);
        const streamed = await post(true);
        assert.equal(streamed.status, 200, name);
        assert.deepEqual(withoutIds(api.fold(parseSse(await streamed.text()).data)), withoutIds(await whole.json()), `${api.name}: ${name}`);
      }
    });
  }
});
