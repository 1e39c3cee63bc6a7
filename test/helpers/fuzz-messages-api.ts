import fc from "fast-check";
import type { FuzzApi, FuzzLimits } from "./fuzz-bodies.ts";
import { atMessage, callId, isRecord, longText, ODD_PIECES, shortText, weirdValue, withField, withoutField, type Mutation } from "./fuzz-chat-api.ts";
import { appended, deepJson, deepSchema, fieldsOf, hugeText, tooDeep, type HostileEdit } from "./fuzz-hostile.ts";

/** The fields the Messages route acts on (or refuses); every other field is accepted and ignored. */
const ACTED_ON = [
  "model", "messages", "system", "max_tokens", "stream", "tools", "tool_choice", "thinking", "output_config",
  "stop_sequences", "temperature", "top_p", "top_k", "metadata", "mcp_servers",
];

/** Names as a client tool takes them (the tool_choice of a valid body names one of these). */
const TOOL_NAMES = ["lookup", "get_weather", "Read"] as const;

/** Numbers that survive JSON (NaN and the infinities become null, which a number field refuses). */
const finite = fc.double({ noNaN: true, noDefaultInfinity: true });

const textBlock = fc.record(
  { type: fc.constant("text"), text: shortText, cache_control: fc.constant({ type: "ephemeral" }), citations: fc.constant(null) },
  { requiredKeys: ["type", "text"] },
);
/** Thinking the client replays: dropped from the history. */
const thinkingBlock = fc.oneof(
  fc.record({ type: fc.constant("thinking"), thinking: shortText, signature: shortText }),
  fc.record({ type: fc.constant("redacted_thinking"), data: shortText }),
);
const toolUse = fc.record({
  type: fc.constant("tool_use"),
  id: callId,
  name: fc.oneof(fc.constantFrom(...TOOL_NAMES), shortText.filter((s) => s.length <= 128)),
  input: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
});
const toolResult = fc.record(
  {
    type: fc.constant("tool_result"),
    tool_use_id: callId,
    content: fc.oneof(shortText, fc.array(textBlock, { maxLength: 2 })),
    is_error: fc.boolean(),
    cache_control: fc.constant({ type: "ephemeral" }),
  },
  { requiredKeys: ["type", "tool_use_id"] },
);
/** A search the model service ran, as Claude Code replays it: dropped from the history. */
const searchBlocks = fc.constantFrom(
  { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: { query: "weather" } },
  { type: "web_search_tool_result", tool_use_id: "srvtoolu_1", content: [{ type: "web_search_result", url: "https://example.com/", title: "Example", encrypted_content: "", page_age: null }] },
);

/** Messages before the last: each one chat message at most (a tool result alone), so a valid body stays within the message limit. */
const earlierMessage = fc.oneof(
  fc.record({ role: fc.constant("user"), content: fc.oneof(shortText, fc.array(fc.oneof(textBlock, thinkingBlock), { maxLength: 3 }), toolResult.map((r) => [r])) }),
  fc.record({ role: fc.constant("assistant"), content: fc.oneof(shortText, fc.array(fc.oneof(textBlock, thinkingBlock, toolUse, searchBlocks), { maxLength: 3 })) }),
  fc.record({ role: fc.constant("system"), content: fc.oneof(shortText, fc.array(textBlock, { minLength: 1, maxLength: 2 })) }),
);

const customTool = fc.record(
  {
    type: fc.constant("custom"),
    name: fc.constantFrom(...TOOL_NAMES),
    description: shortText,
    input_schema: fc.constantFrom(
      { type: "object", properties: {} },
      { type: "object", properties: { q: { type: "string", description: "what to look up" } }, required: ["q"] },
    ),
    cache_control: fc.constant({ type: "ephemeral" }),
  },
  { requiredKeys: ["name", "input_schema"] },
);
/** Claude Code's WebSearch: the model service runs it. */
const webSearch = fc.record(
  {
    type: fc.constantFrom("web_search_20250305", "web_search_20260101"),
    name: fc.constant("web_search"),
    max_uses: fc.integer({ min: 1, max: 10 }),
    allowed_domains: fc.constantFrom(["example.com"], ["docs.example.org", "example.net"], null),
    blocked_domains: fc.constantFrom(["spam.example"], null),
    user_location: fc.constantFrom({ type: "approximate", city: "Paris", country: "FR", timezone: "Europe/Paris" }, null),
  },
  { requiredKeys: ["type", "name"] },
);

/** Tools with a tool_choice that fits them: naming a tool needs it among them, `any` needs a client tool. */
const toolsAndChoice = fc
  .tuple(fc.uniqueArray(customTool, { maxLength: 2, selector: (t) => t.name }), fc.option(webSearch, { nil: undefined }))
  .chain(([custom, search]) => {
    const tools = search ? [...custom, search] : custom;
    const names = custom.map((t) => t.name);
    const parallel = { disable_parallel_tool_use: fc.boolean() };
    const choices: fc.Arbitrary<unknown>[] = [fc.record({ type: fc.constantFrom("auto", "none"), ...parallel }, { requiredKeys: ["type"] })];
    if (names.length) {
      choices.push(fc.record({ type: fc.constant("any"), ...parallel }, { requiredKeys: ["type"] }));
      choices.push(fc.record({ type: fc.constant("tool"), name: fc.constantFrom(...names), ...parallel }, { requiredKeys: ["type", "name"] }));
    }
    return fc.record({ tools: fc.constant(tools), tool_choice: fc.oneof(...choices) }, { requiredKeys: ["tools"] });
  });

/** Fields clients send that the adapter ignores, plus unknown ones. */
const ignoredFields = fc.tuple(
  fc.record(
    {
      max_tokens: fc.integer({ min: 1, max: 64_000 }),
      stop_sequences: fc.array(shortText, { maxLength: 2 }),
      temperature: finite,
      top_p: finite,
      top_k: finite,
      metadata: fc.record({ user_id: fc.oneof(shortText, fc.constant(null)) }, { requiredKeys: [] }),
      service_tier: fc.constantFrom("auto", "standard_only"),
      context_management: fc.constant({ edits: [] }),
      mcp_servers: fc.constant([]),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !ACTED_ON.includes(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Bodies the route must answer: the last message is the user's (text, or a tool result); texts fit both limits. */
function validMessages(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>> {
  const long = longText(Math.floor(Math.min(limits.maxTotalTextChars / 2, limits.maxRequestBodyBytes / 16)));
  const lastContent = fc.oneof(
    shortText,
    long,
    fc.tuple(fc.array(thinkingBlock, { maxLength: 1 }), fc.array(textBlock, { minLength: 1, maxLength: 2 })).map(([thinking, texts]) => [...thinking, ...texts]),
    toolResult.map((r) => [r]),
    fc.tuple(toolResult, textBlock).map(([r, t]) => [r, t]),
  );
  // The system text and a last message of two parts take three of the limit.
  const messages = fc
    .tuple(fc.array(earlierMessage, { maxLength: Math.max(0, Math.min(3, limits.maxMessages - 3)) }), lastContent)
    .map(([earlier, content]) => [...earlier, { role: "user", content }]);
  const known = fc.record(
    {
      model: fc.oneof(fc.constantFrom("claude-sonnet-4-5", "claude-opus-4-1-20250805", "codex-cli-default", "gpt-5.5", "gpt-5.5-mini"), shortText.filter((s) => s.length > 0)),
      messages,
      system: fc.oneof(shortText, fc.array(textBlock, { maxLength: 2 })),
      stream: fc.boolean(),
      tooling: toolsAndChoice, // spread into the body: a tool_choice comes only with the tools it needs
      thinking: fc.oneof(
        fc.record({ type: fc.constant("enabled"), budget_tokens: fc.integer({ min: 0, max: 64_000 }) }),
        fc.constantFrom({ type: "disabled" }, { type: "adaptive" }, { type: "adaptive", display: "omitted" }, { type: "enabled", budget_tokens: 1024, display: "summarized" }),
      ),
      output_config: fc.record({ effort: fc.oneof(fc.constantFrom("low", "medium", "high", "max"), shortText) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["model", "messages"] },
  );
  return fc.tuple(known, ignoredFields).map(([{ tooling, ...k }, [ignored, unknown]]) => ({ ...k, ...tooling, ...ignored, ...unknown }));
}

const oddBlock = fc.oneof(
  fc.constantFrom(
    { type: "image", source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" } },
    { type: "image", source: { type: "base64", media_type: "image/png", data: "%%%" } },
    { type: "image", source: { type: "url", url: "https://example.com/cat.png" } },
    { type: "image", source: { type: "file", file_id: "file_1" } },
    { type: "image" },
    { type: "document", source: { type: "text", media_type: "text/plain", data: "doc" } },
    { type: "server_tool_use", id: "s", name: "web_search", input: {} },
    { type: "tool_use", id: "t", name: "lookup" },
    { type: "tool_result" },
    { type: "text" },
    { type: "text", text: 5 },
    { type: "thinking" },
    { type: "__proto__" },
    { type: "constructor" },
    {},
    null,
    "text",
  ),
  fc.record({ type: shortText, text: fc.oneof(shortText, weirdValue) }),
);

const messageMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom("role", "content"), weirdValue).map(([k, v]) => (m: unknown) => withField(m, k, v)),
  fc.constantFrom("wizard", "USER", "", "tool", "developer", "\uD800", "model", ...ODD_PIECES.slice(0, 4)).map((role) => (m: unknown) => withField(m, "role", role)),
  fc.array(oddBlock, { minLength: 1, maxLength: 3 }).map((blocks) => (m: unknown) => withField(m, "content", blocks)),
  fc.array(oddBlock, { minLength: 1, maxLength: 2 }).map((blocks) => (m: unknown) => withField(m, "content", [{ type: "tool_result", tool_use_id: "t", content: blocks }])),
  fc.constantFrom("role", "content").map((k) => (m: unknown) => withoutField(m, k)),
  weirdValue.map((v) => () => v),
);

function mutations(limits: FuzzLimits): fc.Arbitrary<Mutation> {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: "x" }));
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...ACTED_ON, "input", "__proto__", "constructor", "toString"), weirdValue)
      .map(([k, v]) => (b: unknown) => withField(b, k, v)),
    fc.constantFrom(...ACTED_ON).map((k) => (b: unknown) => withoutField(b, k)),
    fc.tuple(fc.nat(), messageMutation).map(([i, mutate]) => (b: unknown) => atMessage(b, i, mutate)),
    fc.constant((b: unknown) => withField(b, "messages", [])),
    fc.constant((b: unknown) => withField(b, "messages", [{ role: "assistant", content: "a prefill" }])),
    fc.integer({ min: 1, max: 3 }).map((extra) => (b: unknown) => withField(b, "messages", many(limits.maxMessages + extra))),
    fc.integer({ min: 1, max: 100 }).map((extra) => (b: unknown) => withField(b, "messages", [{ role: "user", content: "x".repeat(limits.maxTotalTextChars + extra) }])),
    fc.integer({ min: 1, max: 100 }).map((extra) => (b: unknown) => withField(b, "system", "y".repeat(limits.maxTotalTextChars + extra))),
    // Server tools the adapter cannot run, refused ones, and search tools with fields out of their shape.
    fc
      .constantFrom(
        [{ type: "bash_20250124", name: "bash" }],
        [{ type: "code_execution_20250522", name: "code_execution" }],
        [{ type: "text_editor_20250728", name: "str_replace_based_edit_tool" }],
        [{ type: "web_fetch_20250910", name: "web_fetch" }],
        [{ type: "computer_20250124", name: "computer", display_width_px: 1024, display_height_px: 768 }],
        [{ type: "web_search_20250305", name: "web_search", allowed_domains: "example.com" }],
        [{ type: "web_search_20250305", name: "web_search", allowed_domains: [5] }],
        [{ type: "web_search_20250305", name: "web_search", user_location: "Paris" }],
        [{ type: "web_search_20250305", name: "web_search", user_location: { city: 5 } }],
        [{ type: "web_search_20250305", name: "web_search", max_uses: "many" }],
        [{ type: "web_search_20250305", name: "other" }],
        [{ type: "web_search_20250305" }],
        [{ type: "custom", name: "lookup" }],
        [{ name: "lookup", input_schema: "{}" }],
        [{ name: "bad name!", input_schema: { type: "object" } }],
        [{ name: "lookup", input_schema: { type: "object" } }, { name: "lookup", input_schema: { type: "object" } }],
        [{ name: "lookup", input_schema: { type: "object", properties: { q: { type: "nope" } } } }],
      )
      .map((tools) => (b: unknown) => withField(b, "tools", tools)),
    fc
      .constantFrom({ type: "any" }, { type: "tool", name: "absent" }, { type: "tool" }, { type: "auto", disable_parallel_tool_use: "yes" }, { type: "required" }, "auto")
      .map((choice) => (b: unknown) => withField(b, "tool_choice", choice)),
    fc
      .constantFrom({ type: "enabled" }, { type: "enabled", budget_tokens: -1 }, { type: "enabled", budget_tokens: 1.5 }, { type: "on" }, "enabled", true)
      .map((thinking) => (b: unknown) => withField(b, "thinking", thinking)),
    fc.constantFrom([{ type: "url", url: "https://example.com/mcp", name: "m" }], "mcp").map((servers) => (b: unknown) => withField(b, "mcp_servers", servers)),
    fc.constantFrom(null, "true", 1).map((stream) => (b: unknown) => withField(b, "stream", stream)),
    weirdValue.map((v) => () => v), // the whole body
  );
}

/**
 * Messages made hostile: deep schemas, tool inputs, metadata, system, contents and thinking;
 * megabyte models, names, ids, types and metadata.
 */
function hostile(limits: FuzzLimits): fc.Arbitrary<HostileEdit> {
  const huge = hugeText(limits.maxRequestBodyBytes);
  const edit = (verdict: HostileEdit["verdict"], e: HostileEdit["edit"]): HostileEdit => ({ edit: e, verdict });
  const messagesOf = (b: unknown): unknown[] => {
    const list = fieldsOf(b).messages;
    return Array.isArray(list) ? (list as unknown[]) : [];
  };
  /** A tool call and its result replayed before the body's messages. */
  const replayed = (use: Record<string, unknown>, resultId: unknown) => (b: unknown) =>
    withField(b, "messages", [
      { role: "assistant", content: [{ type: "tool_use", id: "toolu_1", name: "lookup", input: {}, ...use }] },
      { role: "user", content: [{ type: "tool_result", tool_use_id: resultId, content: "ok" }] },
      ...messagesOf(b),
    ]);
  const lastContent = (content: unknown) => (b: unknown) => {
    const list = messagesOf(b);
    return withField(b, "messages", [...list.slice(0, -1), { role: "user", content }]);
  };
  return fc.oneof(
    // Past the depth limit a schema is refused; within it, it reaches Codex and is answered.
    // Weighted: the case one client used to restart Codex with (issue 18).
    {
      weight: 5,
      arbitrary: deepSchema.map(({ schema, levels }) => edit(tooDeep(levels) ? "refused" : "answered", (b) => appended(b, "tools", { name: "deep_schema", input_schema: schema }))),
    },
    deepJson.map((deep) => edit(tooDeep(deep.levels) ? "refused" : "either", replayed({ input: deep }, "toolu_1"))),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "metadata", { user_id: deep }))),
    deepJson.map((deep) => edit("either", (b) => withField(b, "metadata", { user_id: "u", x: deep }))),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "system", deep))),
    deepJson.map((deep) => edit("refused", lastContent(deep))),
    deepJson.map((deep) => edit("refused", lastContent([{ type: "tool_result", tool_use_id: "toolu_1", content: deep }]))),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "thinking", deep))),
    deepJson.map((deep) => edit("either", lastContent([{ type: "text", text: "hi", cache_control: deep }]))),
    huge.map((s) => edit("refused", (b) => withField(b, "model", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "metadata", { user_id: s }))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { name: s, input_schema: { type: "object" } }))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { type: s, name: "server" }))),
    huge.map((s) => edit("refused", replayed({ name: s }, "toolu_1"))),
    huge.map((s) => edit("refused", lastContent([{ type: s }]))),
    huge.map((s) => edit("refused", lastContent([{ type: "image", source: { type: s } }]))),
    huge.map((s) => edit("refused", (b) => withField(withField(b, "tools", [{ name: "f", input_schema: { type: "object" } }]), "tool_choice", { type: "tool", name: s }))),
    huge.map((s) => edit("either", (b) => appended(b, "tools", { name: "described", description: s, input_schema: { type: "object", properties: {} } }))),
    huge.map((s) => edit("either", replayed({ id: s }, s))),
    huge.map((s) => edit("either", (b) => withField(b, "system", s))),
    huge.map((s) => edit("either", lastContent(s))),
    huge.map((s) => edit("either", (b) => withField(b, "output_config", { effort: s }))),
    huge.map((s) => edit("either", (b) => withField(b, "tools", [{ type: "web_search_20250305", name: "web_search", allowed_domains: [s] }]))),
    huge.map((s) => edit("either", (b) => withField(b, s, 1))),
  );
}

/** What a 200 to a Messages body names: its model (lone surrogates as U+FFFD, as the route reads it). */
function success(value: unknown) {
  const body = isRecord(value) ? value : {};
  return { kind: "messages" as const, stream: body.stream === true, model: typeof body.model === "string" ? body.model.replace(/\p{Cs}/gu, "\uFFFD") : "" };
}

export const messagesApi: FuzzApi = { valid: validMessages, mutations, hostile, success };

/** count_tokens reads the same bodies and answers an estimate. */
export const countTokensApi: FuzzApi = { valid: validMessages, mutations, hostile, success: () => ({ kind: "count_tokens" }) };

