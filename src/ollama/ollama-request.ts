import { z } from "zod";
import { boundedJson, boundedTools, callId, cleanText, clientSchema, functionReference, MAX_MODEL_ID_CHARS, toolName } from "../openai/chat-request.ts";
import { SCHEMA_LIMITS, withinJsonLimits } from "../turn/json-schema-check.ts";

/**
 * Ollama's request bodies (`/api/chat`, `/api/generate`, `/api/show`), as Ollama documents them.
 * Unknown fields pass; the fields the adapter acts on are checked.
 */
const model = z.string().min(1, "model is required").max(MAX_MODEL_ID_CHARS).pipe(cleanText);

/** Base64 images without a `data:` prefix (Ollama's form); the type is sniffed from the bytes later. */
const images = z.array(z.string()).nullish();

/** `"json"` or a JSON schema. */
const format = z.union([z.literal("json"), z.literal(""), z.record(z.string(), z.unknown()).superRefine(withinJsonLimits(SCHEMA_LIMITS))]).nullish();

/** `true`/`false`, or a level (Ollama's GPT-OSS levels). */
const think = z.union([z.boolean(), z.enum(["low", "medium", "high"])]).nullish();

/** Ollama's runtime options (`num_predict`, `temperature`, `stop`, ...): accepted, none has an effect (docs/api.md). */
const options = z.record(z.string(), z.unknown()).nullish();

/** A call the model made, replayed: Ollama's arguments are a JSON object, not a string; the `id` the adapter answered with may come back. */
const toolCall = z
  .object({ id: callId.optional(), function: z.object({ name: functionReference.pipe(cleanText), arguments: boundedJson.optional() }).loose() })
  .loose();

const message = z
  .object({
    role: z.enum(["system", "user", "assistant", "tool"]),
    content: cleanText.nullish(),
    images,
    tool_calls: z.array(toolCall).nullish(),
    /** A tool result's function name (Ollama has no call ids). */
    tool_name: z.string().max(128).pipe(cleanText).nullish(),
    /** The model's earlier thinking: dropped from the history. */
    thinking: z.string().nullish(),
  })
  .loose();
export type OllamaMessage = z.infer<typeof message>;

const tool = z
  .object({
    type: z.literal("function"),
    function: z.object({ name: toolName, description: z.string().nullish(), parameters: clientSchema.nullish() }).loose(),
  })
  .loose();

const common = {
  model,
  stream: z.boolean().nullish(),
  format,
  think,
  options,
  keep_alive: z.union([z.string(), z.number()]).nullish(),
};

export const ollamaChatSchema = z
  .object({ ...common, messages: z.array(message).nullish(), tools: z.array(tool).superRefine(boundedTools).nullish() })
  .loose();
export type OllamaChatRequest = z.infer<typeof ollamaChatSchema>;

export const ollamaGenerateSchema = z
  .object({
    ...common,
    prompt: cleanText.nullish(),
    system: cleanText.nullish(),
    images,
    suffix: z.string().nullish(),
    /** The token context of an earlier answer: only an empty one can be honoured. */
    context: z.array(z.number()).nullish(),
  })
  .loose();
export type OllamaGenerateRequest = z.infer<typeof ollamaGenerateSchema>;

/** `/api/show`: `model`, or the older `name`. */
export const ollamaShowSchema = z
  .object({ model: z.string().max(MAX_MODEL_ID_CHARS).optional(), name: z.string().max(MAX_MODEL_ID_CHARS).optional() })
  .loose()
  .refine((b) => Boolean(b.model ?? b.name), { message: "model is required", path: ["model"] });
