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

export type Success = ChatSuccess | ResponsesSuccess;

/** The answers a fuzz case may get, decided from its bytes alone (see fuzz-bodies.ts). */
export type Expectation =
  | { readonly kind: "too-large" }
  | { readonly kind: "invalid-json" }
  /** A body built to be valid: only a success will do. */
  | { readonly kind: "success"; readonly success: Success }
  /** JSON of any shape: a success, or a 400 refusing the shape (never invalid_json, 413 or 5xx). */
  | { readonly kind: "success-or-400"; readonly success: Success };

/** The codes of a 400 for a body that is JSON within the size limit (README, Errors). */
const CHAT_REFUSALS = [null, "too_many_messages", "text_too_long", "unsupported_content", "unsupported_image_url", "images_not_supported_by_model"];
const SHAPE_REFUSALS: Readonly<Record<Success["kind"], readonly (string | null)[]>> = {
  chat: CHAT_REFUSALS,
  /** Responses bodies also name earlier responses (README, Responses API). */
  responses: [...CHAT_REFUSALS, "previous_response_not_found"],
};

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

/**
 * The one oracle of the fuzz tests: fails unless `res` is an acceptable answer for a body of
 * this kind. Content-Type of the request is not part of it: JSON is read whatever the header
 * says (curl's `-d` sends form encoding).
 */
export async function judgeAnswer(res: Response, expect: Expectation): Promise<void> {
  const text = await res.text();
  const seen = `got ${res.status}: ${text.slice(0, 300)}`;
  switch (expect.kind) {
    case "too-large":
      assertError(res, text, 413, seen, ["request_too_large"]);
      return;
    case "invalid-json":
      assertError(res, text, 400, seen, ["invalid_json"]);
      return;
    case "success":
      assert.equal(res.status, 200, seen);
      assertSuccess(res, text, expect.success);
      return;
    case "success-or-400":
      if (res.status === 200) assertSuccess(res, text, expect.success);
      else assertError(res, text, 400, seen, SHAPE_REFUSALS[expect.success.kind]);
  }
}

function assertError(res: Response, text: string, status: number, seen: string, codes: readonly (string | null)[]): void {
  assert.equal(res.status, status, seen);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
  const body = conform(errorBody, parseJson(text, seen), seen);
  assert.equal(body.error.type, "invalid_request_error", seen);
  assert.ok(codes.includes(body.error.code), `code ${String(body.error.code)} is not one of ${codes.map(String).join(", ")}; ${seen}`);
}

function assertSuccess(res: Response, text: string, want: Success): void {
  if (want.kind === "responses") {
    assertResponsesSuccess(res, text, want);
    return;
  }
  const seen = `got 200: ${text.slice(0, 300)}`;
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
