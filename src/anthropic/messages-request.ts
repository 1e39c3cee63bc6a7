import { z } from "zod";
import {
  boundedJson,
  boundedTools,
  callId,
  cleanText,
  clientSchema,
  functionReference,
  MAX_KIND_CHARS,
  MAX_MODEL_ID_CHARS,
  MAX_USER_CHARS,
  otherKind,
  toolName,
} from "../openai/chat-request.ts";
import { approximateLocation, MESSAGES_WEB_SEARCH } from "../openai/web-search.ts";

/**
 * The Anthropic Messages body (`POST /v1/messages`). Unknown fields pass (`cache_control`,
 * `context_management`, `anthropic-beta` features); the fields the adapter acts on are checked.
 */
const textBlock = z.object({ type: z.literal("text"), text: cleanText }).loose();

const imageBlock = z
  .object({
    type: z.literal("image"),
    source: z.union([
      z.object({ type: z.literal("base64"), media_type: z.string(), data: z.string() }).loose(),
      z.object({ type: z.string().max(MAX_KIND_CHARS) }).loose(),
    ]),
  })
  .loose();

const toolUseBlock = z
  .object({ type: z.literal("tool_use"), id: callId, name: functionReference.pipe(cleanText), input: boundedJson.optional() })
  .loose();

const toolResultBlock = z
  .object({
    type: z.literal("tool_result"),
    tool_use_id: callId,
    content: z.union([cleanText, z.array(z.union([textBlock, imageBlock, otherKind("text", "image")]))]).optional(),
    is_error: z.boolean().optional(),
  })
  .loose();

const contentBlock = z.union([textBlock, imageBlock, toolUseBlock, toolResultBlock, otherKind("text", "image", "tool_use", "tool_result")]);
export type ContentBlock = z.infer<typeof contentBlock>;
export type TextBlock = z.infer<typeof textBlock>;
export type ImageBlock = z.infer<typeof imageBlock>;
export type ToolUseBlock = z.infer<typeof toolUseBlock>;
export type ToolResultBlock = z.infer<typeof toolResultBlock>;

const message = z
  .object({
    // Claude Code also puts `system` messages inside `messages`.
    role: z.enum(["user", "assistant", "system"]),
    content: z.union([cleanText, z.array(contentBlock)]),
  })
  .loose();
export type AnthropicMessage = z.infer<typeof message>;

/** A client tool: `type` absent or `custom`. Any other `type` is a server tool (web search, bash, ...). */
const customTool = z
  .object({
    type: z.literal("custom").optional(),
    // As the model service behind Codex accepts function names: a longer one is a clear 400 here.
    name: toolName,
    description: z.string().optional(),
    input_schema: clientSchema,
  })
  .loose();
/** The web search server tool (Claude Code's WebSearch sends it): run by the model service behind Codex. */
const webSearchTool = z
  .object({
    type: z.string().regex(MESSAGES_WEB_SEARCH),
    name: z.literal("web_search"),
    allowed_domains: z.array(z.string().min(1).max(253)).max(100).nullish(),
    // Accepted and not honoured: the model service's search takes no blocklist or use limit.
    blocked_domains: z.array(z.string()).nullish(),
    max_uses: z.number().int().positive().nullish(),
    user_location: approximateLocation.extend({ type: z.literal("approximate").nullish() }).nullish(),
  })
  .loose();
export type AnthropicWebSearchTool = z.infer<typeof webSearchTool>;
/** Any other server tool (refused by name later); a search tool with fields out of shape fails its own schema instead. */
const serverTool = otherKind("custom", MESSAGES_WEB_SEARCH).extend({ name: functionReference.optional() });
export type AnthropicTool = z.infer<typeof customTool> | AnthropicWebSearchTool | z.infer<typeof serverTool>;

const disableParallel = { disable_parallel_tool_use: z.boolean().optional() };
const toolChoice = z.union([
  z.object({ type: z.enum(["auto", "any", "none"]), ...disableParallel }).loose(),
  z.object({ type: z.literal("tool"), name: functionReference, ...disableParallel }).loose(),
]);
export type AnthropicToolChoice = z.infer<typeof toolChoice>;

const thinking = z.union([
  z.object({ type: z.literal("enabled"), budget_tokens: z.number().int().nonnegative() }).loose(),
  z.object({ type: z.enum(["disabled", "adaptive"]) }).loose(),
]);
export type Thinking = z.infer<typeof thinking>;

export const messagesRequestSchema = z
  .object({
    model: z.string().min(1).max(MAX_MODEL_ID_CHARS).pipe(cleanText),
    messages: z.array(message).min(1, "messages must contain at least one message"),
    system: z.union([cleanText, z.array(textBlock)]).optional(),
    max_tokens: z.number().int().positive().optional(),
    stream: z.boolean().optional(),
    tools: z.array(z.union([customTool, webSearchTool, serverTool])).superRefine(boundedTools).optional(),
    tool_choice: toolChoice.optional(),
    thinking: thinking.optional(),
    output_config: z.object({ effort: z.string().optional() }).loose().optional(),
    stop_sequences: z.array(z.string()).optional(),
    temperature: z.number().optional(),
    top_p: z.number().optional(),
    top_k: z.number().optional(),
    // Anthropic's own limit on user_id.
    metadata: z.object({ user_id: z.string().max(MAX_USER_CHARS).nullable().optional() }).loose().optional(),
  })
  .loose();
export type MessagesRequest = z.infer<typeof messagesRequestSchema>;

/** `POST /v1/messages/count_tokens`: the same fields, nothing generated. */
export const countTokensRequestSchema = messagesRequestSchema;
