import fc from "fast-check";
import type { FuzzApi, FuzzLimits } from "./fuzz-bodies.ts";
import { appended, atLast, deepJson, deepSchema, fieldsOf, hugeText, tooDeep, type HostileEdit } from "./fuzz-hostile.ts";

/** The fields the adapter acts on; every other field is accepted and ignored. */
const ACTED_ON = ["model", "messages", "stream", "stream_options", "n", "reasoning_effort"];

/** Pieces that trip naive text handling: at most 11 UTF-16 units each. */
export const ODD_PIECES = [
  "\uD800", "\uDBFF", "\uDC00", "\uDFFF", // lone surrogates
  "\u202E", "\u200F", "\u2067", "\u0645\u0631\u062D\u0628\u0627", // RTL override, mark, isolate; Arabic
  "\u{1F600}", "\u{1F469}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}", "\u{1F3F3}\uFE0F\u200D\u{1F308}", "e\u0301", "\u{1D54F}",
  "\u0000", "\u0007", "\u001B[31m", "\uFEFF", "\u2028", "\uFFFF", "\uFFFD",
  '"', "\\", "\n\r\t", "</script>", "{{x}}", "%s%n", " ",
];

/** Short text of every kind, at most ~130 UTF-16 units. */
export const shortText = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: "grapheme", maxLength: 12 }),
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.array(fc.constantFrom(...ODD_PIECES), { maxLength: 8 }).map((pieces) => pieces.join("")),
);

/** Ids of replayed tool calls: lone surrogates included (Codex and the adapter both read them as U+FFFD). */
export const callId = shortText;

/** Up to `maxUnits` UTF-16 units: one piece repeated, cut anywhere (even inside a surrogate pair). */
export function longText(maxUnits: number): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom("x", "lorem ipsum ", ...ODD_PIECES), fc.integer({ min: 0, max: maxUnits }))
    .map(([piece, units]) => piece.repeat(Math.ceil(units / piece.length)).slice(0, units));
}

const textPart = fc.record(
  { type: fc.constant("text"), text: shortText, cache_control: fc.constant({ type: "ephemeral" }) },
  { requiredKeys: ["type", "text"] },
);
const textContent = fc.oneof(shortText, fc.array(textPart, { maxLength: 3 }));
const toolCall = fc.record({ id: shortText, type: fc.constant("function"), function: fc.record({ name: shortText, arguments: shortText }) });

const earlierMessage = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "developer", "user", "assistant"), content: textContent }),
  fc.record({ role: fc.constant("user"), name: shortText, content: textContent }),
  fc.record({ role: fc.constant("assistant"), content: fc.constant(null), tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 2 }) }),
  fc.record({ role: fc.constantFrom("tool", "function"), tool_call_id: shortText, content: textContent }),
);
const trailingInstructions = fc.record({ role: fc.constantFrom("system", "developer"), content: textContent });

/** Metadata within OpenAI's rules (keys of at most 64 characters). */
export const openAiMetadata = fc.dictionary(
  shortText.filter((k) => k.length <= 64),
  shortText,
  { maxKeys: 3 },
);

/** Fields clients send that the adapter ignores, plus unknown ones. */
const ignoredFields = fc.tuple(
  fc.record(
    {
      temperature: fc.double(),
      max_tokens: fc.integer(),
      user: shortText,
      stop: fc.array(shortText, { maxLength: 2 }),
      metadata: openAiMetadata,
      tools: fc.constant([{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: {} } } }]),
      tool_choice: fc.constantFrom("auto", "none"),
      response_format: fc.constant({ type: "json_object" }),
      logprobs: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !ACTED_ON.includes(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

/** Bodies the adapter must answer: the last message is the user's (or a tool's); texts fit both limits. */
function validChat(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>> {
  // Short texts add up to ~5,000 units; one long text takes at most half of each limit (6 bytes a unit when escaped).
  const long = longText(Math.floor(Math.min(limits.maxTotalTextChars / 2, limits.maxRequestBodyBytes / 16)));
  const last = fc.record(
    { role: fc.constantFrom("user", "tool", "function"), content: fc.oneof(textContent, long, fc.constant(null)) },
    { requiredKeys: ["role"] },
  );
  const messages = fc
    .tuple(fc.array(earlierMessage, { maxLength: Math.max(0, Math.min(4, limits.maxMessages - 2)) }), last, fc.option(trailingInstructions, { nil: undefined }))
    .map(([earlier, final, trailing]) => (trailing ? [...earlier, final, trailing] : [...earlier, final]));
  const known = fc.record(
    {
      model: fc.oneof(fc.constantFrom("codex-cli-default", "gpt-5.5", "gpt-5.5-mini", ""), shortText),
      messages,
      stream: fc.constantFrom(true, false, null),
      stream_options: fc.oneof(fc.constant(null), fc.record({ include_usage: fc.constantFrom(true, false, null) }, { requiredKeys: [] })),
      n: fc.constantFrom(1, null),
      reasoning_effort: fc.oneof(fc.constantFrom("none", "minimal", "low", "medium", "high", "xhigh", null), shortText),
    },
    { requiredKeys: ["messages"] },
  );
  return fc.tuple(known, ignoredFields).map(([k, [ignored, unknown]]) => ({ ...k, ...ignored, ...unknown }));
}

export type Mutation = (value: unknown) => unknown;

export const weirdValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  shortText,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 1e308, "", [], {}, "true", "1"),
  fc.tuple(fc.integer({ min: 1, max: 200 }), fc.boolean()).map(([depth, arrays]) => nest(depth, arrays)),
  deepJson,
);

const unsupportedPart = fc.oneof(
  fc.constantFrom(
    { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
    { type: "input_audio", input_audio: { data: "AAAA", format: "wav" } },
    { type: "file", file: { file_id: "f" } },
    { type: "text" },
    { type: "text", text: 5 },
    { type: "__proto__" },
    { type: "constructor" },
    {},
    null,
    "text",
  ),
  fc.record({ type: shortText }),
);

const messageMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.tuple(fc.constantFrom("role", "content", "name", "tool_calls", "tool_call_id"), weirdValue).map(([k, v]) => (m: unknown) => withField(m, k, v)),
  fc.constantFrom("wizard", "USER", "", " user", "user\u0000", "\uD800", "model").map((role) => (m: unknown) => withField(m, "role", role)),
  fc.array(unsupportedPart, { minLength: 1, maxLength: 3 }).map((parts) => (m: unknown) => withField(m, "content", parts)),
  fc
    .constantFrom([{}], [{ function: null }], [{ function: { name: 5 } }], [{ function: { arguments: "{}" } }], "call")
    .map((calls) => (m: unknown) => withField(withField(m, "role", "assistant"), "tool_calls", calls)),
  fc.constantFrom("role", "content").map((k) => (m: unknown) => withoutField(m, k)),
  weirdValue.map((v) => () => v),
);

function mutations(limits: FuzzLimits): fc.Arbitrary<Mutation> {
  const many = (n: number) => Array.from({ length: n }, () => ({ role: "user", content: "x" }));
  return fc.oneof(
    fc
      .tuple(fc.constantFrom(...ACTED_ON, "temperature", "tools", "__proto__", "constructor", "toString"), weirdValue)
      .map(([k, v]) => (b: unknown) => withField(b, k, v)),
    fc.constantFrom(...ACTED_ON).map((k) => (b: unknown) => withoutField(b, k)),
    fc.tuple(fc.nat(), messageMutation).map(([i, mutate]) => (b: unknown) => atMessage(b, i, mutate)),
    fc.constantFrom(0, 2, -1, 1.5, 1e308, "1").map((n) => (b: unknown) => withField(b, "n", n)),
    fc.constant((b: unknown) => withField(b, "messages", [])),
    fc.integer({ min: 1, max: 3 }).map((extra) => (b: unknown) => withField(b, "messages", many(limits.maxMessages + extra))),
    fc
      .integer({ min: 1, max: 100 })
      .map((extra) => (b: unknown) => withField(b, "messages", [{ role: "user", content: "x".repeat(limits.maxTotalTextChars + extra) }])),
    weirdValue.map((v) => () => v), // the whole body
  );
}

/** Chat made hostile: deep schemas, metadata, contents and calls; megabyte models, names, ids and metadata. */
function hostile(limits: FuzzLimits): fc.Arbitrary<HostileEdit> {
  const huge = hugeText(limits.maxRequestBodyBytes);
  const edit = (verdict: HostileEdit["verdict"], e: HostileEdit["edit"]): HostileEdit => ({ edit: e, verdict });
  const replayed = (id: unknown, args: unknown) => (b: unknown) =>
    withField(b, "messages", [
      { role: "assistant", content: null, tool_calls: [{ id, type: "function", function: { name: "f", arguments: args } }] },
      { role: "tool", tool_call_id: id, content: "ok" },
      ...(Array.isArray(fieldsOf(b).messages) ? (fieldsOf(b).messages as unknown[]) : []),
    ]);
  return fc.oneof(
    // Past the depth limit a schema is refused; within it, it reaches Codex and is answered.
    // Weighted: the case one client used to restart Codex with (issue 18).
    {
      weight: 5,
      arbitrary: deepSchema.map(({ schema, levels }) =>
        edit(tooDeep(levels) ? "refused" : "answered", (b) => appended(b, "tools", { type: "function", function: { name: "deep_schema", parameters: schema } })),
      ),
    },
    deepSchema.map(({ schema, levels }) =>
      edit(tooDeep(levels) ? "refused" : "either", (b) => withField(b, "response_format", { type: "json_schema", json_schema: { name: "deep", schema } })),
    ),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "metadata", { k: deep }))),
    deepJson.map((deep) => edit("refused", (b) => atLast(b, "messages", (m) => withField(m, "content", deep)))),
    deepJson.map((deep) => edit("refused", replayed("c1", deep))),
    deepJson.map((deep) => edit("either", (b) => atLast(b, "messages", (m) => withField(m, "x", deep)))),
    deepJson.map((deep) => edit("either", (b) => withField(b, "user", deep))),
    huge.map((s) => edit("refused", (b) => withField(b, "model", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "user", s))),
    huge.map((s) => edit("refused", (b) => withField(b, "metadata", { k: s }))),
    huge.map((s) => edit("refused", (b) => withField(b, "metadata", Object.fromEntries([[s, "v"]])))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { type: "function", function: { name: s } }))),
    huge.map((s) => edit("refused", (b) => atLast(b, "messages", (m) => withField(m, "content", [{ type: s }])))),
    huge.map((s) => edit("refused", (b) => withField(withField(b, "tools", [{ type: "function", function: { name: "f" } }]), "tool_choice", { type: "function", function: { name: s } }))),
    huge.map((s) => edit("either", (b) => appended(b, "tools", { type: "function", function: { name: "described", description: s, parameters: { type: "object", properties: {} } } }))),
    huge.map((s) => edit("either", replayed(s, "{}"))),
    huge.map((s) => edit("either", (b) => atLast(b, "messages", (m) => withField(m, "content", s)))),
    huge.map((s) => edit("either", (b) => withField(b, "reasoning_effort", s))),
    huge.map((s) => edit("either", (b) => withField(b, s, 1))),
  );
}

export const chatApi: FuzzApi = {
  valid: validChat,
  mutations,
  hostile,
  success(value) {
    const body = isRecord(value) ? value : {};
    const options = isRecord(body.stream_options) ? body.stream_options : {};
    return {
      stream: body.stream === true,
      includeUsage: options.include_usage === true,
      // Lone surrogates reach Codex, and come back, as U+FFFD.
      kind: "chat",
      model: typeof body.model === "string" ? body.model.replace(/\p{Cs}/gu, "\uFFFD") : "codex-cli-default",
    };
  },
};

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A copy with the field set as an own property (so "__proto__" is a field, not a prototype); non-objects pass unchanged. */
export function withField(target: unknown, key: string, value: unknown): unknown {
  if (!isRecord(target)) return target;
  return Object.defineProperty({ ...target }, key, { value, enumerable: true, writable: true, configurable: true });
}

export function withoutField(target: unknown, key: string): unknown {
  if (!isRecord(target)) return target;
  const copy = { ...target };
  delete copy[key];
  return copy;
}

/** The body with its `index`-th message (modulo their number) mutated. */
export function atMessage(body: unknown, index: number, mutate: Mutation): unknown {
  if (!isRecord(body) || !Array.isArray(body.messages) || body.messages.length === 0) return body;
  const messages = (body.messages as unknown[]).slice();
  const i = index % messages.length;
  messages[i] = mutate(messages[i]);
  return withField(body, "messages", messages);
}

function nest(depth: number, arrays: boolean): unknown {
  let value: unknown = 0;
  for (let i = 0; i < depth; i++) value = arrays ? [value] : { a: value };
  return value;
}
