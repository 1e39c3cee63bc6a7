import fc from "fast-check";
import type { FuzzApi, FuzzLimits } from "./fuzz-bodies.ts";
import { callId, isRecord, longText, ODD_PIECES, openAiMetadata, shortText, weirdValue, withField, withoutField, type Mutation } from "./fuzz-chat-api.ts";
import { appended, atLast, deepJson, deepSchema, hugeText, tooDeep, type HostileEdit } from "./fuzz-hostile.ts";

/** The fields the Responses route acts on (or refuses); every other field is accepted and ignored. */
const ACTED_ON = [
  "model", "input", "instructions", "stream", "previous_response_id", "tools", "tool_choice",
  "parallel_tool_calls", "text", "reasoning", "background", "conversation",
];

const textPart = fc.record({ type: fc.constantFrom("input_text", "output_text", "text"), text: shortText });
const messageContent = fc.oneof(shortText, fc.array(textPart, { maxLength: 3 }));

const message = fc.record(
  { type: fc.constant("message"), role: fc.constantFrom("user", "assistant", "system", "developer"), content: messageContent },
  { requiredKeys: ["role", "content"] },
);
const functionCall = fc.record({ type: fc.constant("function_call"), call_id: callId, name: shortText, arguments: shortText });
const functionCallOutput = fc.record({
  type: fc.constant("function_call_output"),
  call_id: callId,
  output: fc.oneof(shortText, fc.array(textPart, { maxLength: 2 })),
});
/** Items the adapter skips. */
const skipped = fc.oneof(
  fc.record({ type: fc.constant("reasoning"), id: shortText, summary: fc.constant([]) }),
  fc.record({ type: fc.constant("item_reference"), id: shortText }),
);
const earlierItem = fc.oneof(message, functionCall, functionCallOutput, skipped);

/** Fields clients send that the adapter ignores, plus unknown ones. */
const ignoredFields = fc.tuple(
  fc.record(
    {
      temperature: fc.double(),
      top_p: fc.double(),
      max_output_tokens: fc.integer(),
      truncation: fc.constantFrom("auto", "disabled"),
      include: fc.array(shortText, { maxLength: 2 }),
      metadata: openAiMetadata,
      user: shortText,
      store: fc.boolean(),
      background: fc.constantFrom(false, null),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !ACTED_ON.includes(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Bodies the route must answer: `input` a text or items ending with the user's (or a tool's) turn; texts fit both limits. */
function validResponses(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>> {
  const long = longText(Math.floor(Math.min(limits.maxTotalTextChars / 2, limits.maxRequestBodyBytes / 16)));
  const last = fc.oneof(
    fc.record({ role: fc.constant("user"), content: fc.oneof(messageContent, long) }),
    fc.record({ type: fc.constant("message"), role: fc.constant("user"), content: messageContent }),
    functionCallOutput,
  );
  // The instructions take one message of the limit.
  const items = fc
    .tuple(fc.array(earlierItem, { maxLength: Math.max(0, Math.min(4, limits.maxMessages - 2)) }), last)
    .map(([earlier, final]) => [...earlier, final]);
  const known = fc.record(
    {
      model: fc.oneof(fc.constantFrom("codex-cli-default", "gpt-5.5", "gpt-5.5-mini", ""), shortText),
      input: fc.oneof(shortText, long, items),
      instructions: fc.oneof(shortText, fc.constant(null)),
      stream: fc.constantFrom(true, false, null),
      previous_response_id: fc.constantFrom(null, ""),
      tools: fc.constantFrom(null, [], [{ type: "function", name: "lookup", description: "Looks up.", parameters: { type: "object", properties: {} } }]),
      tool_choice: fc.constantFrom("auto", "none", null),
      parallel_tool_calls: fc.constantFrom(true, false, null),
      text: fc.constantFrom(null, {}, { format: { type: "text" } }, { format: { type: "json_object" } }),
      reasoning: fc.oneof(fc.constant(null), fc.record({ effort: fc.oneof(fc.constantFrom("minimal", "low", "medium", "high", null), shortText) }, { requiredKeys: [] })),
    },
    { requiredKeys: ["input"] },
  );
  return fc.tuple(known, ignoredFields).map(([k, [ignored, unknown]]) => ({ ...k, ...ignored, ...unknown }));
}

const oddPart = fc.oneof(
  fc.constantFrom(
    { type: "input_image", image_url: "https://example.com/cat.png" },
    { type: "input_image", image_url: "data:image/png;base64,AAAA" },
    { type: "input_image", file_id: "file_1" },
    { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
    { type: "input_file", file_id: "f" },
    { type: "input_text" },
    { type: "input_text", text: 5 },
    { type: "__proto__" },
    { type: "constructor" },
    {},
    null,
    "input_text",
  ),
  fc.record({ type: shortText, text: fc.oneof(shortText, weirdValue) }),
);

const itemMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc
    .tuple(fc.constantFrom("type", "role", "content", "call_id", "name", "arguments", "output"), weirdValue)
    .map(([k, v]) => (item: unknown) => withField(item, k, v)),
  fc.constantFrom("wizard", "USER", "", "tool", "\uD800", "model", ...ODD_PIECES.slice(0, 4)).map((role) => (item: unknown) => withField(item, "role", role)),
  fc.constantFrom("message", "function_call", "function_call_output", "reasoning", "item_reference", "web_search_call", "", "MESSAGE").map((type) => (item: unknown) => withField(item, "type", type)),
  fc.array(oddPart, { minLength: 1, maxLength: 3 }).map((parts) => (item: unknown) => withField(item, "content", parts)),
  fc.constantFrom("type", "role", "content", "call_id", "output").map((k) => (item: unknown) => withoutField(item, k)),
  weirdValue.map((v) => () => v),
);

function mutations(limits: FuzzLimits): fc.Arbitrary<Mutation> {
  const many = (n: number) => Array.from({ length: n }, () => ({ role: "user", content: "x" }));
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...ACTED_ON, "temperature", "metadata", "messages", "__proto__", "constructor", "toString"), weirdValue)
      .map(([k, v]) => (b: unknown) => withField(b, k, v)),
    fc.constantFrom(...ACTED_ON).map((k) => (b: unknown) => withoutField(b, k)),
    fc.tuple(fc.nat(), itemMutation).map(([i, mutate]) => (b: unknown) => atItem(b, i, mutate)),
    // An id the route never issued: a clean 400, never a 404 or 5xx.
    fc.oneof(fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: 1, maxLength: 32 }).map((h) => `resp_${h}`), shortText).map((id) => (b: unknown) => withField(b, "previous_response_id", id)),
    fc.constantFrom(["background", true], ["conversation", "conv_1"], ["conversation", { id: "conv_1" }], ["input", []], ["input", null]).map(([k, v]) => (b: unknown) => withField(b, k, v)),
    fc
      .constantFrom(
        [{ type: "web_search" }],
        [{ type: "function" }],
        [{ type: "function", name: "" }],
        [{ type: "function", name: "bad name!" }],
        [{ type: "function", name: "f", parameters: "{}" }],
        [{ type: "function", function: { name: "chat_style" } }],
        // Search tools with fields out of their shape.
        [{ type: "web_search", filters: { allowed_domains: "example.com" } }],
        [{ type: "web_search_preview", user_location: { type: "approximate", city: 5 } }],
        [{ type: "web_search", search_context_size: "huge" }],
      )
      .map((tools) => (b: unknown) => withField(b, "tools", tools)),
    fc
      .constantFrom({ format: { type: "json_schema", name: "x", schema: { type: "object" } } }, { format: { type: "xml" } }, { format: "text" })
      .map((text) => (b: unknown) => withField(b, "text", text)),
    fc.integer({ min: 1, max: 3 }).map((extra) => (b: unknown) => withField(b, "input", many(limits.maxMessages + extra))),
    fc.integer({ min: 1, max: 100 }).map((extra) => (b: unknown) => withField(b, "input", "x".repeat(limits.maxTotalTextChars + extra))),
    fc
      .integer({ min: 1, max: 100 })
      .map((extra) => (b: unknown) => withField(b, "instructions", "y".repeat(limits.maxTotalTextChars + extra))),
    weirdValue.map((v) => () => v), // the whole body
  );
}

/**
 * Responses made hostile: deep schemas, metadata, items and echoed fields (`tools`, `text`
 * come back in the answer); megabyte models, response ids, names, ids and metadata.
 */
function hostile(limits: FuzzLimits): fc.Arbitrary<HostileEdit> {
  const huge = hugeText(limits.maxRequestBodyBytes);
  const edit = (verdict: HostileEdit["verdict"], e: HostileEdit["edit"]): HostileEdit => ({ edit: e, verdict });
  /** The input as items (a text input becomes one user message), with `item` added first. */
  const withFirstItem = (item: unknown) => (b: unknown) => {
    const input = isRecord(b) ? b.input : undefined;
    return withField(b, "input", [item, ...(Array.isArray(input) ? (input as unknown[]) : [{ role: "user", content: input }])]);
  };
  const asItems = (b: unknown) => withFirstItem({ role: "user", content: "first" })(b);
  /** The last item replaced by a user message with this content. */
  const lastContent = (content: unknown) => (b: unknown) => atLast(asItems(b), "input", () => ({ role: "user", content }));
  return fc.oneof(
    // Weighted: the case one client used to restart Codex with (issue 18).
    {
      weight: 5,
      arbitrary: deepSchema.map(({ schema, levels }) =>
        edit(tooDeep(levels) ? "refused" : "answered", (b) => appended(b, "tools", { type: "function", name: "deep_schema", parameters: schema })),
      ),
    },
    deepSchema.map(({ schema, levels }) =>
      edit(tooDeep(levels) ? "refused" : "either", (b) => withField(b, "text", { format: { type: "json_schema", name: "deep", schema } })),
    ),
    // Echoed in the answer: an unknown field deep inside is refused past the limit (a few levels of holder above it).
    deepJson.map((deep) => edit(deep.levels >= 110 ? "refused" : "either", (b) => appended(b, "tools", { type: "function", name: "deep_field", x: deep }))),
    deepJson.map((deep) => edit(deep.levels >= 110 ? "refused" : "either", (b) => withField(b, "text", { format: { type: "text" }, x: deep }))),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "metadata", { k: deep }))),
    deepJson.map((deep) => edit("refused", lastContent(deep))),
    deepJson.map((deep) => edit("refused", withFirstItem({ type: "function_call", call_id: "c1", name: "f", arguments: deep }))),
    deepJson.map((deep) => edit("either", (b) => atLast(asItems(b), "input", (item) => withField(item, "x", deep)))),
    deepJson.map((deep) => edit("either", (b) => withField(b, "reasoning", { effort: "low", x: deep }))),
    huge.map((s) => edit("refused", (b) => withField(b, "model", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "previous_response_id", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "user", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "metadata", { k: s }))),
    huge.map((s) => edit("refused", (b) => withField(b, "metadata", Object.fromEntries([[s, "v"]])))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { type: "function", name: s }))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { type: s }))),
    huge.map((s) => edit("refused", withFirstItem({ type: "function_call", call_id: "c1", name: s, arguments: "{}" }))),
    huge.map((s) => edit("refused", lastContent([{ type: s }]))),
    huge.map((s) => edit("refused", (b) => withField(withField(b, "tools", [{ type: "function", name: "f" }]), "tool_choice", { type: "function", name: s }))),
    huge.map((s) => edit("either", (b) => appended(b, "tools", { type: "function", name: "described", description: s, parameters: { type: "object", properties: {} } }))),
    huge.map((s) => edit("either", withFirstItem({ type: "function_call_output", call_id: s, output: "ok" }))),
    huge.map((s) => edit("either", (b) => withField(b, "instructions", s))),
    huge.map((s) => edit("either", (b) => withField(b, "input", s))),
    huge.map((s) => edit("either", (b) => withField(b, "reasoning", { effort: s }))),
    huge.map((s) => edit("either", (b) => withField(b, s, 1))),
  );
}

export const responsesApi: FuzzApi = {
  valid: validResponses,
  mutations,
  hostile,
  success(value) {
    const body = isRecord(value) ? value : {};
    return { kind: "responses", stream: body.stream === true, model: typeof body.model === "string" ? body.model : "codex-cli-default" };
  },
};

/** Mutates one item of an `input` array; a text `input` becomes one user message first. */
function atItem(body: unknown, index: number, mutate: Mutation): unknown {
  if (!isRecord(body)) return body;
  const items: unknown[] = Array.isArray(body.input) ? (body.input as unknown[]).slice() : [{ role: "user", content: body.input }];
  if (items.length === 0) return body;
  const i = index % items.length;
  items[i] = mutate(items[i]);
  return withField(body, "input", items);
}
