import { z } from "zod";
import { boundedHolder, boundedTools, callId, clientSchema, functionReference, MAX_MODEL_ID_CHARS, openAiMetadata, otherKind, toolName, userField } from "./chat-request.ts";
import { SCHEMA_LIMITS, withinJsonLimits } from "../turn/json-schema-check.ts";
import { MAX_RESPONSE_ID_CHARS } from "./response-store.ts";
import { approximateLocation, RESPONSES_WEB_SEARCH, webSearchOptions } from "./web-search.ts";

/** The /v1/responses body; as for chat, unknown fields pass and the fields acted on are checked. */
const textPart = z.object({ type: z.enum(["input_text", "output_text", "text"]), text: z.string() }).loose();
const imagePart = z.object({ type: z.literal("input_image"), image_url: z.string().optional(), file_id: z.string().optional() }).loose();

const messageItem = z
  .object({
    type: z.literal("message").optional(),
    role: z.enum(["user", "assistant", "system", "developer"]),
    content: z.union([z.string(), z.array(z.union([textPart, imagePart, otherKind("input_text", "output_text", "text", "input_image")]))]),
  })
  .loose();
const functionCallItem = z
  .object({ type: z.literal("function_call"), call_id: callId, name: functionReference, arguments: z.string() })
  .loose();
const functionCallOutputItem = z
  .object({
    type: z.literal("function_call_output"),
    call_id: callId,
    output: z.union([z.string(), z.array(z.union([textPart, otherKind("input_text", "output_text", "text")]))]),
  })
  .loose();
/** Reasoning, item references and searches the service ran carry nothing the adapter can replay; they are skipped. */
const skippedItem = z.object({ type: z.enum(["reasoning", "item_reference", "web_search_call"]) }).loose();

export const inputItem = z.union([messageItem, functionCallItem, functionCallOutputItem, skippedItem]);
export type InputItem = z.infer<typeof inputItem>;
export type MessageItem = z.infer<typeof messageItem>;

const functionTool = z
  .object({
    type: z.literal("function"),
    name: toolName,
    description: z.string().nullable().optional(),
    parameters: clientSchema.nullable().optional(),
    strict: z.boolean().nullable().optional(),
  })
  .loose();

/** The Responses search tool: mapped to chat's `web_search_options` (its fields are the same shape but flatter). */
const webSearchTool = z
  .object({
    type: z.string().regex(RESPONSES_WEB_SEARCH),
    search_context_size: webSearchOptions.shape.search_context_size,
    user_location: approximateLocation.extend({ type: z.literal("approximate").nullish() }).nullish(),
    filters: webSearchOptions.shape.filters,
  })
  .loose();
export type WebSearchTool = z.infer<typeof webSearchTool>;

const toolChoice = z.union([
  z.enum(["none", "auto", "required"]),
  z.object({ type: z.literal("function"), name: functionReference }).loose(),
]);

const textFormat = z.union([
  z.object({ type: z.enum(["text", "json_object"]) }).loose(),
  z
    .object({
      type: z.literal("json_schema"),
      name: z.string().optional(),
      schema: z.unknown().superRefine(withinJsonLimits(SCHEMA_LIMITS)).optional(),
      strict: z.boolean().nullable().optional(),
    })
    .loose(),
]);

export const responsesRequestSchema = z
  .object({
    model: z.string().max(MAX_MODEL_ID_CHARS).optional(),
    input: z.union([z.string(), z.array(inputItem).min(1, "input must contain at least one item")]),
    instructions: z.string().nullable().optional(),
    stream: z.boolean().nullable().optional(),
    previous_response_id: z.string().max(MAX_RESPONSE_ID_CHARS).nullable().optional(),
    tools: z.array(z.union([functionTool, webSearchTool, otherKind("function", RESPONSES_WEB_SEARCH)])).superRefine(boundedTools).nullable().optional(),
    // Echoed in the answer, unknown fields and all.
    tool_choice: toolChoice.superRefine(boundedHolder).nullable().optional(),
    parallel_tool_calls: z.boolean().nullable().optional(),
    text: z.object({ format: textFormat.optional() }).loose().superRefine(boundedHolder).nullable().optional(),
    reasoning: z
      .object({ effort: z.string().nullable().optional(), summary: z.enum(["auto", "concise", "detailed", "none"]).nullable().optional() })
      .loose()
      .nullable()
      .optional(),
    user: userField,
    metadata: openAiMetadata,
  })
  .loose();
export type ResponsesRequest = z.infer<typeof responsesRequestSchema>;
