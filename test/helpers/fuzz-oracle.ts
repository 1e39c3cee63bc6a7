import assert from "node:assert/strict";
import { z } from "zod";
import { parseSse } from "./sse.ts";

/** What a successful chat answer to one body must look like. */
export interface ChatSuccess {
  readonly kind: "chat";
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** The model the answer names: the request's, or the alias when it sent none. */
  readonly model: string;
}

/** What a successful /v1/responses answer to one body must look like. */
export interface ResponsesSuccess {
  readonly kind: "responses";
  readonly stream: boolean;
  /** The model the response names: the request's, or the alias when it sent none. */
  readonly model: string;
}

/** What a successful /v1/messages answer to one body must look like. */
export interface MessagesSuccess {
  readonly kind: "messages";
  readonly stream: boolean;
  /** The model the message names: the request's. */
  readonly model: string;
}

/** /v1/messages/count_tokens: an estimate and nothing else. */
export interface CountTokensSuccess {
  readonly kind: "count_tokens";
}

/** What a successful /api/chat or /api/generate answer to one body must look like. */
export interface OllamaSuccess {
  readonly kind: "ollama_chat" | "ollama_generate";
  readonly stream: boolean;
  /** The model the answer names: the request's. */
  readonly model: string;
}

export type Success = ChatSuccess | ResponsesSuccess | MessagesSuccess | CountTokensSuccess | OllamaSuccess;
export type ApiKind = Success["kind"];

/** The answers a fuzz case may get, decided from its bytes and how it was built (see fuzz-bodies.ts). */
export type Expectation =
  | { readonly kind: "too-large"; readonly api: ApiKind }
  | { readonly kind: "invalid-json"; readonly api: ApiKind }
  /** A body built to be valid: only a success will do. */
  | { readonly kind: "success"; readonly success: Success }
  /** JSON of any shape: a success, or a 400 refusing the shape (never invalid_json, 413 or 5xx). */
  | { readonly kind: "success-or-400"; readonly success: Success }
  /** A body the adapter must refuse (too deep, a string over its cap): a 400 refusing the shape. */
  | { readonly kind: "refused"; readonly success: Success };

/** The codes of a 400 for a body that is JSON within the size limit (README, Errors). */
const CHAT_REFUSALS = [
  null,
  "too_many_messages",
  "text_too_long",
  "unsupported_content",
  "unsupported_image_url",
  "images_not_supported_by_model",
  "image_too_large",
  "invalid_json_schema",
  /** Codex would have to compact it: a megabyte call id reaches the model as text (it counts toward no text limit). */
  "context_length_exceeded",
];
const SHAPE_REFUSALS: Readonly<Record<"chat" | "responses", readonly (string | null)[]>> = {
  chat: CHAT_REFUSALS,
  /** Responses bodies also name earlier responses (README, Responses API). */
  responses: [...CHAT_REFUSALS, "previous_response_not_found"],
};

/** An error quotes at most a short prefix of what the client sent (issue 18): the whole answer stays this short. */
const MAX_ERROR_BYTES = 1024;

/** Exactly OpenAI's error shape: no field more, none less. */
const errorBody = z.strictObject({
  error: z.strictObject({ message: z.string().min(1), type: z.string().min(1), param: z.string().nullable(), code: z.string().nullable() }),
});

const usage = z.object({ prompt_tokens: z.int().min(0), completion_tokens: z.int().min(0), total_tokens: z.int().min(0) }).loose();

const completion = z
  .object({
    id: z.string().startsWith("chatcmpl-"),
    object: z.literal("chat.completion"),
    created: z.int(),
    model: z.string(),
    choices: z.tuple([
      z.object({
        index: z.literal(0),
        message: z.object({ role: z.literal("assistant"), content: z.string() }).loose(),
        finish_reason: z.literal("stop"),
      }).loose(),
    ]),
    usage,
  })
  .loose();

const chunk = z
  .object({
    id: z.string().startsWith("chatcmpl-"),
    object: z.literal("chat.completion.chunk"),
    created: z.int(),
    model: z.string(),
    choices: z
      .array(
        z.object({
          index: z.literal(0),
          delta: z.strictObject({ role: z.literal("assistant").optional(), content: z.string().optional(), reasoning_content: z.string().optional() }),
          finish_reason: z.enum(["stop", "length"]).nullable(),
        }).loose(),
      )
      .max(1),
    usage: usage.optional(),
  })
  .loose();

/** Anthropic's error shape (src/anthropic/anthropic-error.ts): no field more, none less. */
const anthropicErrorBody = z.strictObject({
  type: z.literal("error"),
  error: z.strictObject({ type: z.string().min(1), message: z.string().min(1) }),
  request_id: z.string().startsWith("req_"),
});

/** How the adapter says it could not read the body as JSON (src/http/read-json.ts); Anthropic's shape has no code to say it. */
const UNREADABLE = /^Request body is (not valid JSON|empty)/;

const isAnthropic = (api: ApiKind) => api === "messages" || api === "count_tokens";
const isOllama = (api: ApiKind): api is OllamaSuccess["kind"] => api === "ollama_chat" || api === "ollama_generate";
const isOllamaSuccess = (want: Success): want is OllamaSuccess => isOllama(want.kind);

/**
 * The one oracle of the fuzz tests: fails unless `res` is an acceptable answer for a body of
 * this kind, in the API's own shape. Content-Type of the request is not part of it: JSON is read
 * whatever the header says (curl's `-d` sends form encoding).
 */
export async function judgeAnswer(res: Response, expect: Expectation): Promise<void> {
  const text = await res.text();
  const seen = `got ${res.status}: ${text.slice(0, 300)}`;
  switch (expect.kind) {
    case "too-large":
      assertError(res, text, expect.api, "too-large", seen);
      return;
    case "invalid-json":
      assertError(res, text, expect.api, "invalid-json", seen);
      return;
    case "success":
      assert.equal(res.status, 200, seen);
      assertSuccess(res, text, expect.success);
      return;
    case "refused":
      assertError(res, text, expect.success.kind, "shape", seen);
      return;
    case "success-or-400":
      if (res.status === 200) assertSuccess(res, text, expect.success);
      else assertError(res, text, expect.success.kind, "shape", seen);
  }
}

/** A 413, a 400 for unreadable JSON, or a 400 refusing the shape, in the API's error shape and short. */
function assertError(res: Response, text: string, api: ApiKind, why: "too-large" | "invalid-json" | "shape", seen: string): void {
  assert.equal(res.status, why === "too-large" ? 413 : 400, seen);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
  assert.ok(Buffer.byteLength(text) <= MAX_ERROR_BYTES, `a ${Buffer.byteLength(text)}-byte error; ${seen}`);
  if (isOllama(api)) {
    // Ollama's shape has no type or code: the status and the message say it all.
    const { error } = conform(z.strictObject({ error: z.string().min(1) }), parseJson(text, seen), seen);
    if (why === "invalid-json") assert.match(error, UNREADABLE, seen);
    if (why === "shape") assert.doesNotMatch(error, UNREADABLE, `JSON the reference reads was refused as unreadable; ${seen}`);
    return;
  }
  if (isAnthropic(api)) {
    const { error } = conform(anthropicErrorBody, parseJson(text, seen), seen);
    assert.equal(error.type, why === "too-large" ? "request_too_large" : "invalid_request_error", seen);
    if (why === "invalid-json") assert.match(error.message, UNREADABLE, seen);
    if (why === "shape") assert.doesNotMatch(error.message, UNREADABLE, `JSON the reference reads was refused as unreadable; ${seen}`);
    return;
  }
  const { error } = conform(errorBody, parseJson(text, seen), seen);
  assert.equal(error.type, "invalid_request_error", seen);
  const codes = why === "too-large" ? ["request_too_large"] : why === "invalid-json" ? ["invalid_json"] : SHAPE_REFUSALS[api];
  assert.ok(codes.includes(error.code), `code ${String(error.code)} is not one of ${codes.map(String).join(", ")}; ${seen}`);
}

function assertSuccess(res: Response, text: string, want: Success): void {
  if (want.kind === "responses") {
    assertResponsesSuccess(res, text, want);
    return;
  }
  if (want.kind === "messages") {
    assertMessagesSuccess(res, text, want);
    return;
  }
  if (isOllamaSuccess(want)) {
    assertOllamaSuccess(res, text, want);
    return;
  }
  const seen = `got 200: ${text.slice(0, 300)}`;
  if (want.kind === "count_tokens") {
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
    conform(z.strictObject({ input_tokens: z.int().min(0) }), parseJson(text, seen), seen);
    return;
  }
  if (!want.stream) {
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
    assert.equal(conform(completion, parseJson(text, seen), seen).model, want.model, seen);
    return;
  }
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/, seen);
  const data = parseSse(text).data;
  assert.equal(data.at(-1), "[DONE]", `stream must end with [DONE]; ${seen}`);
  const chunks = data.slice(0, -1).map((d) => conform(chunk, parseJson(d, seen), seen));
  assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant", `the first chunk names the role; ${seen}`);
  const finishes = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.deepEqual(finishes.map((c) => c.choices[0]?.finish_reason), ["stop"], seen);
  const usageChunks = chunks.filter((c) => c.usage);
  assert.equal(usageChunks.length, want.includeUsage ? 1 : 0, `usage chunk iff include_usage; ${seen}`);
  if (want.includeUsage) assert.equal(chunks.at(-1), usageChunks[0], `usage comes last; ${seen}`);
  assert.ok(chunks.every((c) => c.id === chunks[0]?.id && c.model === want.model), `one id, the request's model; ${seen}`);
}

const outputText = z.strictObject({ type: z.literal("output_text"), text: z.string(), annotations: z.array(z.unknown()), logprobs: z.array(z.unknown()) });

const responseUsage = z
  .object({ input_tokens: z.int().min(0), output_tokens: z.int().min(0), total_tokens: z.int().min(0) })
  .loose();

const responseBase = {
  id: z.string().startsWith("resp_"),
  object: z.literal("response"),
  created_at: z.int(),
  model: z.string(),
  error: z.null(),
};

/** A finished response: completed, with its text as one output_text message (the fuzz bodies never get tool calls). */
const completedResponse = z
  .object({
    ...responseBase,
    status: z.literal("completed"),
    output: z.tuple([
      z.object({
        id: z.string().startsWith("msg_"),
        type: z.literal("message"),
        status: z.literal("completed"),
        role: z.literal("assistant"),
        content: z.tuple([outputText]),
      }).loose(),
    ]),
    output_text: z.string(),
    usage: responseUsage,
  })
  .loose();

const startedResponse = z.object({ ...responseBase, status: z.literal("in_progress"), output: z.tuple([]), usage: z.null() }).loose();

const responseEvent = z.object({ type: z.string(), sequence_number: z.int().min(0) }).loose();

/** Models are compared with lone surrogates as U+FFFD: they may or may not survive the round trip. */
const wellFormed = (s: string) => s.replace(/\p{Cs}/gu, "\uFFFD");

function assertCompletedResponse(value: unknown, want: ResponsesSuccess, seen: string): void {
  const response = conform(completedResponse, value, seen);
  assert.equal(wellFormed(response.model), wellFormed(want.model), seen);
  assert.equal(response.output[0].content[0].text, response.output_text, `output_text is the message's text; ${seen}`);
}

function assertResponsesSuccess(res: Response, text: string, want: ResponsesSuccess): void {
  const seen = `got 200: ${text.slice(0, 300)}`;
  if (!want.stream) {
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
    assertCompletedResponse(parseJson(text, seen), want, seen);
    return;
  }
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/, seen);
  const events = sseEvents(text).map(({ event, data }) => {
    const body = conform(responseEvent, parseJson(data, seen), seen);
    assert.equal(body.type, event, `the event name is the data's type; ${seen}`);
    return body;
  });
  const types = events.map((e) => e.type);
  assert.deepEqual(types.slice(0, 2), ["response.created", "response.in_progress"], seen);
  assert.equal(types.at(-1), "response.completed", `stream must end with response.completed; ${seen}`);
  assert.equal(types.filter((t) => t === "response.completed" || t === "error").length, 1, `one ending, no error; ${seen}`);
  assert.deepEqual(events.map((e) => e.sequence_number), events.map((_, i) => i), `sequence numbers count up from 0; ${seen}`);
  const created = conform(startedResponse, events[0]?.response, seen);
  const completed = events.at(-1)?.response;
  assertCompletedResponse(completed, want, seen);
  assert.equal((completed as { id: string }).id, created.id, `one response id; ${seen}`);
  const deltas = events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta);
  assert.equal(deltas.join(""), (completed as { output_text: string }).output_text, `the deltas add up to the text; ${seen}`);
}

const messageUsage = z
  .object({ input_tokens: z.int().min(0), output_tokens: z.int().min(0), cache_read_input_tokens: z.int().min(0), cache_creation_input_tokens: z.int().min(0) })
  .loose();

const messageBase = {
  id: z.string().startsWith("msg_"),
  type: z.literal("message"),
  role: z.literal("assistant"),
  model: z.string(),
  stop_sequence: z.null(),
  usage: messageUsage,
};

/** The blocks a fuzz body's answer may hold: text, and thinking when it asked for it (the fuzz bodies never get tool calls or searches). */
const messageBlock = z.union([
  z.strictObject({ type: z.literal("text"), text: z.string() }),
  z.strictObject({ type: z.literal("thinking"), thinking: z.string(), signature: z.string() }),
]);

const finishedMessage = z.strictObject({ ...messageBase, content: z.array(messageBlock), stop_reason: z.literal("end_turn") });
const startedMessage = z.strictObject({ ...messageBase, content: z.tuple([]), stop_reason: z.null() });

const messageEvent = z.discriminatedUnion("type", [
  z.strictObject({ type: z.literal("message_start"), message: startedMessage }),
  z.strictObject({ type: z.literal("content_block_start"), index: z.int().min(0), content_block: messageBlock }),
  z.strictObject({
    type: z.literal("content_block_delta"),
    index: z.int().min(0),
    delta: z.union([z.strictObject({ type: z.literal("text_delta"), text: z.string() }), z.strictObject({ type: z.literal("thinking_delta"), thinking: z.string() })]),
  }),
  z.strictObject({ type: z.literal("content_block_stop"), index: z.int().min(0) }),
  z.strictObject({ type: z.literal("message_delta"), delta: z.strictObject({ stop_reason: z.literal("end_turn"), stop_sequence: z.null() }), usage: messageUsage }),
  z.strictObject({ type: z.literal("message_stop") }),
  z.strictObject({ type: z.literal("ping") }),
]);

function assertFinishedMessage(value: unknown, want: MessagesSuccess, seen: string): void {
  const message = conform(finishedMessage, value, seen);
  assert.equal(wellFormed(message.model), wellFormed(want.model), seen);
  assert.ok(message.content.some((b) => b.type === "text"), `the answer has a text block; ${seen}`);
}

/** Messages: one message, or its event sequence (start, blocks opened and closed in turn, delta, stop) folding to one. */
function assertMessagesSuccess(res: Response, text: string, want: MessagesSuccess): void {
  const seen = `got 200: ${text.slice(0, 300)}`;
  if (!want.stream) {
    assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
    assertFinishedMessage(parseJson(text, seen), want, seen);
    return;
  }
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/, seen);
  const events = sseEvents(text)
    .map(({ event, data }) => {
      const body = conform(messageEvent, parseJson(data, seen), seen);
      assert.equal(body.type, event, `the event name is the data's type; ${seen}`);
      return body;
    })
    .filter((e) => e.type !== "ping");
  const [start, ...rest] = events;
  assert.equal(start?.type, "message_start", seen);
  assert.deepEqual(rest.slice(-2).map((e) => e.type), ["message_delta", "message_stop"], `the stream ends with message_delta, message_stop; ${seen}`);
  // The blocks between: each opened at the next index, its deltas of its own kind, closed before the next opens.
  const blocks: z.infer<typeof messageBlock>[] = [];
  let open: z.infer<typeof messageBlock> | undefined;
  for (const e of rest.slice(0, -2)) {
    if (e.type === "content_block_start") {
      assert.ok(!open && e.index === blocks.length, `block ${e.index} opened in turn; ${seen}`);
      open = { ...e.content_block };
      blocks.push(open);
    } else if (e.type === "content_block_delta") {
      assert.ok(open && e.index === blocks.length - 1, `a delta of the open block; ${seen}`);
      if (open.type === "text" && e.delta.type === "text_delta") open.text += e.delta.text;
      else if (open.type === "thinking" && e.delta.type === "thinking_delta") open.thinking += e.delta.thinking;
      else assert.fail(`a ${e.delta.type} in a ${open.type} block; ${seen}`);
    } else if (e.type === "content_block_stop") {
      assert.ok(open && e.index === blocks.length - 1, `the open block closed; ${seen}`);
      open = undefined;
    } else {
      assert.fail(`${e.type} among the blocks; ${seen}`);
    }
  }
  assert.equal(open, undefined, `every block closed; ${seen}`);
  if (start?.type !== "message_start") return;
  assertFinishedMessage({ ...start.message, content: blocks, stop_reason: "end_turn" }, want, seen);
}

const ollamaStats = {
  done_reason: z.enum(["stop", "load", "unload"]),
  total_duration: z.int().min(0),
  load_duration: z.int().min(0),
  prompt_eval_count: z.int().min(0),
  prompt_eval_duration: z.int().min(0),
  eval_count: z.int().min(0),
  eval_duration: z.int().min(0),
};
const ollamaHead = { model: z.string(), created_at: z.iso.datetime() };
/** One object of an answer (the fuzz bodies never get tool calls); `done` ones carry the stats (a load call's only its reason). */
const ollamaObject = z.union([
  z.strictObject({ ...ollamaHead, message: z.strictObject({ role: z.literal("assistant"), content: z.string(), thinking: z.string().optional() }), done: z.boolean(), ...partial(ollamaStats) }),
  z.strictObject({ ...ollamaHead, response: z.string(), thinking: z.string().optional(), done: z.boolean(), ...partial(ollamaStats) }),
]);

function partial<T extends Record<string, z.ZodType>>(shape: T): { [K in keyof T]: z.ZodOptional<T[K]> } {
  return Object.fromEntries(Object.entries(shape).map(([k, v]) => [k, v.optional()])) as { [K in keyof T]: z.ZodOptional<T[K]> };
}

/** Ollama: one object, or NDJSON lines, each of the endpoint's shape and the request's model, only the last `done` with its reason. */
function assertOllamaSuccess(res: Response, text: string, want: OllamaSuccess): void {
  const seen = `got 200: ${text.slice(0, 300)}`;
  assert.match(res.headers.get("content-type") ?? "", want.stream ? /^application\/x-ndjson/ : /^application\/json/, seen);
  const objects = (want.stream ? text.split("\n").filter((l) => l !== "") : [text]).map((l) => conform(ollamaObject, parseJson(l, seen), seen));
  assert.ok(objects.length > 0, seen);
  assert.ok(objects.every((o) => ("message" in o) === (want.kind === "ollama_chat")), `the endpoint's shape; ${seen}`);
  assert.ok(objects.every((o) => wellFormed(o.model) === wellFormed(want.model)), `the request's model; ${seen}`);
  assert.deepEqual(objects.map((o) => o.done), objects.map((_, i) => i === objects.length - 1), `only the last is done; ${seen}`);
  assert.ok(objects.at(-1)?.done_reason, `the last names why it ended; ${seen}`);
}

/** The text an answer streamed: its content deltas, in order. */
function streamedText(kind: "chat" | "responses" | "messages" | OllamaSuccess["kind"], text: string): string {
  if (isOllama(kind)) {
    return text
      .split("\n")
      .filter((l) => l !== "")
      .map((l) => JSON.parse(l) as { message?: { content: string }; response?: string })
      .map((o) => o.message?.content ?? o.response ?? "")
      .join("");
  }
  if (kind === "chat") {
    return parseSse(text)
      .data.filter((d) => d !== "[DONE]")
      .map((d) => (JSON.parse(d) as { choices: { delta: { content?: string } }[] }).choices[0]?.delta.content ?? "")
      .join("");
  }
  const events = sseEvents(text).map(({ data }) => JSON.parse(data) as { type: string; delta?: unknown });
  if (kind === "responses") return events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta as string).join("");
  return events
    .filter((e) => e.type === "content_block_delta")
    .map((e) => e.delta as { type: string; text?: string })
    .filter((d) => d.type === "text_delta")
    .map((d) => d.text)
    .join("");
}

/**
 * The innocent stream sent alongside the fuzzed bodies: a complete, well-formed stream in its
 * API's shape (every frame, the end frame, no error), with exactly the text it was sent, and
 * no sign that Codex restarted under it.
 */
export async function judgeInnocent(res: Response, want: ChatSuccess | ResponsesSuccess | MessagesSuccess | OllamaSuccess, expected: string): Promise<void> {
  const text = await res.text();
  const seen = `innocent ${want.kind} stream: got ${res.status}: ${text.slice(0, 300)} … ${text.slice(-300)}`;
  assert.equal(res.status, 200, seen);
  assert.ok(want.stream, "an innocent stream streams");
  assert.doesNotMatch(text, /codex_restarting/, seen); // an error frame fails the shape checks below
  assertSuccess(res, text, want);
  assert.equal(streamedText(want.kind, text), expected, `every delta arrived, in order; ${seen}`);
}

/** Each SSE event's name and data (comments and keep-alives skipped); every event must have both. */
function sseEvents(text: string): { event: string; data: string }[] {
  const out: { event: string; data: string }[] = [];
  for (const block of text.replace(/\r\n?/g, "\n").split("\n\n")) {
    const lines = block.split("\n").filter((l) => l !== "" && !l.startsWith(":"));
    if (lines.length === 0) continue;
    const field = (name: string) => lines.filter((l) => l.startsWith(`${name}:`)).map((l) => l.slice(name.length + 1).replace(/^ /, ""));
    const [event] = field("event");
    const data = field("data");
    assert.ok(event !== undefined && data.length > 0, `an SSE event without a name or data: ${JSON.stringify(block.slice(0, 200))}`);
    out.push({ event, data: data.join("\n") });
  }
  return out;
}

function parseJson(text: string, seen: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    assert.fail(`not JSON; ${seen}`);
  }
}

function conform<T>(schema: z.ZodType<T>, value: unknown, seen: string): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) assert.fail(`${z.prettifyError(parsed.error)}\n${seen}`);
  return parsed.data;
}
