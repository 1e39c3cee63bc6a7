import { z } from "zod";
import { webSearchOptions } from "./web-search.ts";

/**
 * Text that reaches Codex. Lone UTF-16 surrogates (e.g. an emoji cut in half by a client's
 * `slice`) become U+FFFD, as any UTF-8 encoder would make them. Codex cannot parse a JSON-RPC
 * message that escapes one and never answers it; the child is then recycled, failing every turn in flight.
 */
export const cleanText = z.string().transform((s) => s.replace(/\p{Cs}/gu, "\uFFFD"));
const text = cleanText;

/** Model ids are short; a huge one fails upstream (431, headers too large) only after Codex's retries, as a slow 502. */
export const MAX_MODEL_ID_CHARS = 256;

/**
 * An item of a kind the adapter does not act on (it is refused or skipped later, by name).
 * The known kinds are excluded, so a malformed known item fails its own schema instead of
 * passing as "other" (a function tool with a bad name would otherwise reach Codex, which refuses it).
 */
export function otherKind(...known: string[]) {
  // abort: the union then reports the known kind's own failure, not this one.
  return z.object({ type: z.string().refine((t) => !known.includes(t), { message: "is a known kind with missing or wrong fields", abort: true }) }).loose();
}

const textPart = z.object({ type: z.literal("text"), text });
const imagePart = z
  .object({
    type: z.literal("image_url"),
    image_url: z.union([z.string(), z.object({ url: z.string(), detail: z.string().optional() }).loose()]),
  })
  .loose();
const contentPart = z.union([textPart, imagePart, otherKind("text", "image_url")]);

const toolCall = z
  .object({ id: z.string().optional(), function: z.object({ name: text, arguments: text.optional() }).loose() })
  .loose();

const message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([text, z.array(contentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
    tool_call_id: text.optional(),
  })
  .loose();
export type ChatMessage = z.infer<typeof message>;

/** Function names as OpenAI accepts them. */
export const toolName = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 letters, digits, '_' or '-'");

const functionTool = z
  .object({
    type: z.literal("function"),
    function: z
      .object({
        name: toolName,
        description: z.string().nullable().optional(),
        parameters: z.record(z.string(), z.unknown()).nullable().optional(),
        strict: z.boolean().nullable().optional(),
      })
      .loose(),
  })
  .loose();

export const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: z.string() }).loose() }).loose(),
]);
export type ToolChoice = z.infer<typeof toolChoiceSchema>;

export const responseFormatSchema = z.union([
  z.object({ type: z.literal("text") }).loose(),
  z.object({ type: z.literal("json_object") }).loose(),
  z
    .object({
      type: z.literal("json_schema"),
      json_schema: z
        .object({ name: z.string().optional(), schema: z.unknown().optional(), strict: z.boolean().nullable().optional() })
        .loose(),
    })
    .loose(),
]);
export type ResponseFormat = z.infer<typeof responseFormatSchema>;

/**
 * The chat completions body. Unknown fields pass (clients send many we cannot map, and a
 * needless 400 makes some clients change later requests); fields we act on are checked.
 */
export const chatRequestSchema = z
  .object({
    model: z.string().max(MAX_MODEL_ID_CHARS).pipe(text).optional(),
    messages: z.array(message).min(1, "messages must contain at least one message"),
    stream: z.boolean().nullable().optional(),
    stream_options: z.object({ include_usage: z.boolean().nullable().optional() }).loose().nullable().optional(),
    n: z.number().nullable().optional(),
    reasoning_effort: z.string().nullable().optional(),
    tools: z.array(z.union([functionTool, otherKind("function")])).nullable().optional(),
    tool_choice: toolChoiceSchema.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    response_format: responseFormatSchema.nullable().optional(),
    /** Its presence asks for web search (run at the model service). */
    web_search_options: webSearchOptions.nullable().optional(),
  })
  .loose();
export type ChatRequest = z.infer<typeof chatRequestSchema>;
