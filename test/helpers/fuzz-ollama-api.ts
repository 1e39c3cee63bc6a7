import fc from "fast-check";
import type { FuzzApi, FuzzLimits } from "./fuzz-bodies.ts";
import { isRecord, longText, ODD_PIECES, shortText, weirdValue, withField, withoutField, type Mutation } from "./fuzz-chat-api.ts";
import { appended, atLast, deepJson, deepSchema, hugeText, tooDeep, type HostileEdit } from "./fuzz-hostile.ts";

/** The fields Ollama's routes act on (or refuse); every other field is accepted and ignored. */
const ACTED_ON = ["model", "messages", "prompt", "system", "images", "tools", "format", "think", "stream", "options", "keep_alive", "context", "suffix"];

/** A 1x1 PNG, base64 without a prefix (Ollama's form); the fuzzed models do not read images, so it is never in a valid body. */
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const model = fc.oneof(fc.constantFrom("codex-cli-default", "gpt-5.5", "gpt-5.5:latest", "gpt-5.5-mini", "claude-sonnet-4-5"), shortText.filter((s) => s.length > 0));
const schema = fc.constantFrom(
  { type: "object", properties: { answer: { type: "string" } }, required: ["answer"], additionalProperties: false },
  { type: "object", properties: {} },
);
const tool = fc.record(
  {
    type: fc.constant("function"),
    function: fc.record(
      { name: fc.constantFrom("lookup", "get_weather"), description: shortText, parameters: schema },
      { requiredKeys: ["name"] },
    ),
  },
);
const toolCall = fc.record({ function: fc.record({ name: fc.constantFrom("lookup", "get_weather"), arguments: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }) }) });

/** Messages before the last: a call and its results count as one each, so a valid body stays within the message limit. */
const earlierMessage = fc.oneof(
  fc.record({ role: fc.constantFrom("system", "user", "assistant"), content: shortText }),
  fc.record({ role: fc.constant("assistant"), content: shortText, thinking: shortText }),
  fc.record({ role: fc.constant("assistant"), content: fc.constant(""), tool_calls: fc.array(toolCall, { minLength: 1, maxLength: 2 }) }),
  fc.record({ role: fc.constant("tool"), content: shortText, tool_name: fc.constantFrom("lookup", "get_weather") }, { requiredKeys: ["role", "content"] }),
);

/** Fields every Ollama body may carry that change nothing, plus unknown ones. */
const ignoredFields = fc.tuple(
  fc.record(
    {
      options: fc.record({ temperature: fc.double({ noNaN: true, noDefaultInfinity: true }), num_predict: fc.integer(), num_ctx: fc.nat(), stop: fc.array(shortText, { maxLength: 2 }), seed: fc.integer() }, { requiredKeys: [] }),
      keep_alive: fc.oneof(fc.constantFrom("5m", "-1", "1h"), fc.integer({ min: -1, max: 3600 })),
      logprobs: fc.boolean(),
      raw: fc.boolean(),
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 12 }).filter((k) => !ACTED_ON.includes(k)), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

const common = {
  model,
  stream: fc.boolean(),
  format: fc.oneof(fc.constant("json"), schema),
  think: fc.constantFrom(true, false, "low", "medium", "high"),
};

/** `/api/chat` bodies: the conversation ends with the user (or is empty: Ollama's load call). */
function validChat(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>> {
  const last = fc.record({ role: fc.constant("user"), content: fc.oneof(shortText, longText(Math.floor(limits.maxTotalTextChars / 2))) });
  const messages = fc.oneof(
    { weight: 9, arbitrary: fc.tuple(fc.array(earlierMessage, { maxLength: Math.min(3, limits.maxMessages - 1) }), last).map(([earlier, l]) => [...earlier, l]) },
    { weight: 1, arbitrary: fc.constant([]) },
  );
  const known = fc.record({ ...common, messages, tools: fc.uniqueArray(tool, { maxLength: 2, selector: (t) => t.function.name }) }, { requiredKeys: ["model"] });
  return fc.tuple(known, ignoredFields).map(([k, [ignored, unknown]]) => ({ ...k, ...ignored, ...unknown }));
}

/** `/api/generate` bodies: a prompt (none: the load call) and a system text. */
function validGenerate(limits: FuzzLimits): fc.Arbitrary<Record<string, unknown>> {
  const known = fc.record(
    { ...common, prompt: fc.oneof(shortText, longText(Math.floor(limits.maxTotalTextChars / 2))), system: shortText, context: fc.constant([]), suffix: fc.constant("") },
    { requiredKeys: ["model"] },
  );
  return fc.tuple(known, ignoredFields).map(([k, [ignored, unknown]]) => ({ ...k, ...ignored, ...unknown }));
}

const oddImage = fc.constantFrom(PNG, "AAAA", "%%%", "", `data:image/png;base64,${PNG}`, "data:text/plain;base64,aGk=", "https://example.com/cat.png", 5, null);

function mutations(limits: FuzzLimits): fc.Arbitrary<Mutation> {
  const many = (n: number) => Array.from({ length: n }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: "x" }));
  const message: fc.Arbitrary<Mutation> = fc.oneof(
    fc.tuple(fc.constantFrom("role", "content", "images", "tool_calls", "tool_name"), weirdValue).map(([k, v]) => (m: unknown) => withField(m, k, v)),
    fc.constantFrom("robot", "USER", "", "developer", "function", ...ODD_PIECES.slice(0, 4)).map((role) => (m: unknown) => withField(m, "role", role)),
    fc.array(oddImage, { minLength: 1, maxLength: 2 }).map((images) => (m: unknown) => withField(m, "images", images)),
    fc.constantFrom([{}], [{ function: {} }], [{ function: { name: "lookup", arguments: "{}" } }], [{ function: { name: 5 } }]).map((calls) => (m: unknown) => withField(m, "tool_calls", calls)),
  );
  return fc.oneof(
    fc.tuple(fc.constantFrom(...ACTED_ON, "__proto__", "constructor"), weirdValue).map(([k, v]) => (b: unknown) => withField(b, k, v)),
    fc.constantFrom(...ACTED_ON).map((k) => (b: unknown) => withoutField(b, k)),
    message.map((mutate) => (b: unknown) => atLast(b, "messages", mutate)),
    fc.array(oddImage, { minLength: 1, maxLength: 2 }).map((images) => (b: unknown) => withField(b, "images", images)),
    fc.constantFrom({ type: "string" }, { type: "object", properties: { a: { type: "nope" } } }, "yaml", "", []).map((f) => (b: unknown) => withField(b, "format", f)),
    fc.constantFrom("max", "xhigh", "none", 1, "true").map((t) => (b: unknown) => withField(b, "think", t)),
    fc.constantFrom([1, 2, 3], ["a"]).map((c) => (b: unknown) => withField(b, "context", c)),
    fc.constantFrom("tail", 5).map((s) => (b: unknown) => withField(b, "suffix", s)),
    fc.constantFrom([{ type: "function", function: { name: "bad name!" } }], [{ type: "retrieval" }], [{ type: "function", function: { name: "f", parameters: "{}" } }]).map((t) => (b: unknown) => withField(b, "tools", t)),
    fc.integer({ min: 1, max: 3 }).map((extra) => (b: unknown) => withField(b, "messages", many(limits.maxMessages + extra))),
    fc.integer({ min: 1, max: 100 }).map((extra) => (b: unknown) => withField(b, "prompt", "x".repeat(limits.maxTotalTextChars + extra))),
    fc.constantFrom(null, "true", 1).map((stream) => (b: unknown) => withField(b, "stream", stream)),
    weirdValue.map((v) => () => v), // the whole body
  );
}

const edit = (verdict: HostileEdit["verdict"], e: HostileEdit["edit"]): HostileEdit => ({ edit: e, verdict });

/** Edits both endpoints read alike: deep formats and options; megabyte models and unknown fields. */
function hostileEither(limits: FuzzLimits): fc.Arbitrary<HostileEdit>[] {
  const huge = hugeText(limits.maxRequestBodyBytes);
  return [
    deepSchema.map(({ schema: s, levels }) => edit(tooDeep(levels) ? "refused" : "either", (b) => withField(b, "format", s))),
    deepJson.map((deep) => edit("either", (b) => withField(b, "options", { x: deep }))),
    huge.map((s) => edit("refused", (b) => withField(b, "model", s))),
    huge.map((s) => edit("either", (b) => withField(b, "keep_alive", s))),
    huge.map((s) => edit("either", (b) => withField(b, s, 1))),
  ];
}

/** `/api/chat` made hostile: deep schemas, call arguments and contents; megabyte names, texts and images. */
function hostileChat(limits: FuzzLimits): fc.Arbitrary<HostileEdit> {
  const huge = hugeText(limits.maxRequestBodyBytes);
  /** A call and its result replayed before the conversation. */
  const replayed = (call: Record<string, unknown>) => (b: unknown) => {
    const messages = isRecord(b) && Array.isArray(b.messages) ? (b.messages as unknown[]) : [];
    return withField(b, "messages", [{ role: "assistant", content: "", tool_calls: [{ function: { name: "lookup", arguments: {}, ...call } }] }, { role: "tool", content: "ok" }, ...messages]);
  };
  const lastMessage = (mutate: Mutation) => (b: unknown) => atLast(b, "messages", mutate);
  return fc.oneof(
    { weight: 5, arbitrary: deepSchema.map(({ schema: s, levels }) => edit(tooDeep(levels) ? "refused" : "either", (b) => appended(b, "tools", { type: "function", function: { name: "deep_schema", parameters: s } }))) },
    deepJson.map((deep) => edit(tooDeep(deep.levels) ? "refused" : "either", replayed({ arguments: { a: deep } }))),
    deepJson.map((deep) => edit("refused", replayed({ name: deep }))),
    huge.map((s) => edit("refused", (b) => appended(b, "tools", { type: "function", function: { name: s } }))),
    huge.map((s) => edit("refused", replayed({ name: s }))),
    huge.map((s) => edit("either", lastMessage((m) => withField(m, "images", [s])))),
    huge.map((s) => edit("either", lastMessage((m) => withField(m, "content", s)))),
    ...hostileEither(limits),
  );
}

/** `/api/generate` made hostile: deep prompts and images; megabyte texts and images. */
function hostileGenerate(limits: FuzzLimits): fc.Arbitrary<HostileEdit> {
  const huge = hugeText(limits.maxRequestBodyBytes);
  return fc.oneof(
    deepJson.map((deep) => edit("refused", (b) => withField(b, "prompt", deep))),
    deepJson.map((deep) => edit("refused", (b) => withField(b, "images", [deep]))),
    huge.map((s) => edit("either", (b) => withField(b, "images", [s]))),
    huge.map((s) => edit("either", (b) => withField(b, "system", s))),
    huge.map((s) => edit("either", (b) => withField(b, "prompt", s))),
    ...hostileEither(limits),
  );
}

/** What a 200 to an Ollama body names: its model (lone surrogates as U+FFFD, as the route reads it). */
const success = (endpoint: "ollama_chat" | "ollama_generate") => (value: unknown) => {
  const body = isRecord(value) ? value : {};
  return { kind: endpoint, stream: body.stream !== false, model: typeof body.model === "string" ? body.model.replace(/\p{Cs}/gu, "\uFFFD") : "" };
};

export const ollamaChatApi: FuzzApi = { valid: validChat, mutations, hostile: hostileChat, success: success("ollama_chat") };
export const ollamaGenerateApi: FuzzApi = { valid: validGenerate, mutations, hostile: hostileGenerate, success: success("ollama_generate") };
