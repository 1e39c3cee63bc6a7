import assert from "node:assert/strict";
import { z } from "zod";
import { parseSse } from "./sse.ts";

/** What a successful chat answer to one body must look like. */
export interface ChatSuccess {
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** The model the answer names: the request's, or the alias when it sent none. */
  readonly model: string;
}

/** The answers a fuzz case may get, decided from its bytes alone (see fuzz-bodies.ts). */
export type Expectation =
  | { readonly kind: "too-large" }
  | { readonly kind: "invalid-json" }
  /** A body built to be valid: only a success will do. */
  | { readonly kind: "success"; readonly success: ChatSuccess }
  /** JSON of any shape: a success, or a 400 refusing the shape (never invalid_json, 413 or 5xx). */
  | { readonly kind: "success-or-400"; readonly success: ChatSuccess };

/** The codes of a 400 for a body that is JSON within the size limit (README, Errors). */
const SHAPE_REFUSALS: readonly (string | null)[] = [null, "too_many_messages", "text_too_long", "unsupported_content"];

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
      else assertError(res, text, 400, seen, SHAPE_REFUSALS);
  }
}

function assertError(res: Response, text: string, status: number, seen: string, codes: readonly (string | null)[]): void {
  assert.equal(res.status, status, seen);
  assert.match(res.headers.get("content-type") ?? "", /^application\/json/, seen);
  const body = conform(errorBody, parseJson(text, seen), seen);
  assert.equal(body.error.type, "invalid_request_error", seen);
  assert.ok(codes.includes(body.error.code), `code ${String(body.error.code)} is not one of ${codes.map(String).join(", ")}; ${seen}`);
}

function assertSuccess(res: Response, text: string, want: ChatSuccess): void {
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
