import { z } from "zod";
import { MAX_JSON_DEPTH, MAX_TOOLS_CHARS, SCHEMA_LIMITS, withinJsonLimits } from "../turn/json-schema-check.ts";
import { webSearchOptions } from "./web-search.ts";

/**
 * Text that reaches Codex. Lone UTF-16 surrogates (e.g. an emoji cut in half by a client's
 * `slice`) become U+FFFD, as any UTF-8 encoder would make them. Codex cannot parse a JSON-RPC
 * message that escapes one and never answers it, so the request would fail only after the RPC timeout.
 */
export const cleanText = z.string().transform((s) => s.replace(/\p{Cs}/gu, "\uFFFD"));
const text = cleanText;

/** Model ids are short; a huge one fails upstream (431, headers too large) only after Codex's retries, as a slow 502. */
export const MAX_MODEL_ID_CHARS = 256;
/** Names that refer to a function (`tool_choice`, calls in the history); Codex refuses a dynamic tool name over 128. */
export const MAX_NAME_CHARS = 128;
/** The `type` of a part, item, block or tool. */
export const MAX_KIND_CHARS = 64;
/** `user` (accepted and ignored). */
export const MAX_USER_CHARS = 256;
/** OpenAI's rules for `metadata` (accepted and ignored): so many pairs, keys and string values this long. */
export const METADATA_LIMITS = { pairs: 16, keyChars: 64, valueChars: 512 } as const;

/** A name that refers to a function: bounded, not checked further (the function's own definition is). */
export const functionReference = z.string().max(MAX_NAME_CHARS);

/** Longest id of a tool call the client sends back (OpenAI's and Anthropic's are about 30 characters). */
export const MAX_CALL_ID_CHARS = 256;
/**
 * A tool call's id, as Codex will hold it: a lone surrogate becomes U+FFFD there too, so a
 * replayed call is still recognised as the client's, never taken for a new call of the model's.
 */
export const callId = z.string().max(MAX_CALL_ID_CHARS).pipe(cleanText);

/** A JSON Schema from the client: any object, bounded in depth and size (deeper ones make Codex leave the call unanswered). */
export const clientSchema = z.record(z.string(), z.unknown()).superRefine(withinJsonLimits(SCHEMA_LIMITS));
/** Any JSON value the adapter reads or serialises (a tool call's input): bounded in depth. */
export const boundedJson = z.unknown().superRefine(withinJsonLimits({ maxDepth: MAX_JSON_DEPTH }));
/**
 * A field holding a schema a few levels down (`tools`, Responses' `text`), or echoed in an answer
 * (Responses' `tool_choice`): bounded in depth as a whole, with room for a schema at MAX_JSON_DEPTH.
 */
export const MAX_HOLDER_DEPTH = MAX_JSON_DEPTH + 3;
export const boundedHolder = withinJsonLimits({ maxDepth: MAX_HOLDER_DEPTH });
/** A request's tool definitions together: bounded in size and depth. */
export const boundedTools = withinJsonLimits({ maxChars: MAX_TOOLS_CHARS, maxDepth: MAX_HOLDER_DEPTH });

/** OpenAI's `user`: ignored, and a string in it at most MAX_USER_CHARS long (any other type passes, as before). */
export const userField = z
  .unknown()
  .refine((v) => typeof v !== "string" || v.length <= MAX_USER_CHARS, `must be at most ${MAX_USER_CHARS} characters`)
  .optional();

/** OpenAI's `metadata`: ignored, and held to OpenAI's own rules (no key is quoted back: it is the client's). */
export const openAiMetadata = z
  .record(z.string(), z.unknown())
  .superRefine((metadata, ctx) => {
    const { pairs, keyChars, valueChars } = METADATA_LIMITS;
    const entries = Object.entries(metadata);
    const problem =
      entries.length > pairs
        ? `must have at most ${pairs} keys`
        : entries.some(([k]) => k.length > keyChars)
          ? `keys must be at most ${keyChars} characters`
          : entries.some(([, v]) => typeof v !== "string" || v.length > valueChars)
            ? `values must be strings of at most ${valueChars} characters`
            : undefined;
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  })
  .nullable()
  .optional();

/**
 * An item of a kind the adapter does not act on (it is refused or skipped later, by name).
 * The known kinds are excluded, so a malformed known item fails its own schema instead of
 * passing as "other" (a function tool with a bad name would otherwise reach Codex, which refuses it).
 */
export function otherKind(...known: (string | RegExp)[]) {
  const isKnown = (t: string) => known.some((k) => (typeof k === "string" ? k === t : k.test(t)));
  // abort: the union then reports the known kind's own failure, not this one.
  return z
    .object({ type: z.string().max(MAX_KIND_CHARS).refine((t) => !isKnown(t), { message: "is a known kind with missing or wrong fields", abort: true }) })
    .loose();
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
  .object({ id: callId.optional(), function: z.object({ name: functionReference.pipe(text), arguments: text.optional() }).loose() })
  .loose();

const message = z
  .object({
    role: z.enum(["system", "developer", "user", "assistant", "tool", "function"]),
    content: z.union([text, z.array(contentPart), z.null()]).optional(),
    name: z.string().optional(),
    tool_calls: z.array(toolCall).nullable().optional(),
    tool_call_id: callId.optional(),
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
        parameters: clientSchema.nullable().optional(),
        strict: z.boolean().nullable().optional(),
      })
      .loose(),
  })
  .loose();

const toolChoiceSchema = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), function: z.object({ name: functionReference }).loose() }).loose(),
]);

const responseFormatSchema = z.union([
  z.object({ type: z.literal("text") }).loose(),
  z.object({ type: z.literal("json_object") }).loose(),
  z
    .object({
      type: z.literal("json_schema"),
      json_schema: z
        .object({ name: z.string().optional(), schema: z.unknown().superRefine(withinJsonLimits(SCHEMA_LIMITS)).optional(), strict: z.boolean().nullable().optional() })
        .loose(),
    })
    .loose(),
]);

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
    tools: z.array(z.union([functionTool, otherKind("function")])).superRefine(boundedTools).nullable().optional(),
    tool_choice: toolChoiceSchema.nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    response_format: responseFormatSchema.nullable().optional(),
    /** Its presence asks for web search (run at the model service). */
    web_search_options: webSearchOptions.nullable().optional(),
    user: userField,
    metadata: openAiMetadata,
  })
  .loose();
export type ChatRequest = z.infer<typeof chatRequestSchema>;
