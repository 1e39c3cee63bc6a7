import { MESSAGE_BREAK } from "../backend/types.ts";
import { clip, quote, QUOTE_CHARS } from "../core/clip.ts";
import { InvalidRequestError } from "../errors.ts";
import type { ChatMessage, ChatRequest, ToolChoice } from "../openai/chat-request.ts";
import { MESSAGES_WEB_SEARCH, type WebSearchOptions } from "../openai/web-search.ts";
import type {
  AnthropicMessage,
  AnthropicTool,
  AnthropicToolChoice,
  AnthropicWebSearchTool,
  ContentBlock,
  ImageBlock,
  MessagesRequest,
  TextBlock,
  ToolResultBlock,
  ToolUseBlock,
} from "./messages-request.ts";

type Part = { type: "text"; text: string } | { type: "image_url"; image_url: { url: string } };
type ToolCall = NonNullable<ChatMessage["tool_calls"]>[number];

/**
 * Translates a Messages request into a chat request, so the three APIs share one translation
 * to Codex (limits, tools, continuation of paused turns). `tool_result` blocks become `tool`
 * messages and `tool_use` blocks assistant tool calls; thinking in the history is dropped.
 */
export function messagesToChat(body: MessagesRequest): ChatRequest {
  const search = (body.tools ?? []).find((t): t is AnthropicWebSearchTool => t.type !== undefined && MESSAGES_WEB_SEARCH.test(t.type));
  const tools = customTools((body.tools ?? []).filter((t) => t !== search));
  const system = systemText(body.system);
  const messages: ChatMessage[] = system ? [{ role: "system", content: system }] : [];
  body.messages.forEach((m, i) => messages.push(...chatMessages(m, `messages[${i}]`)));
  return {
    model: body.model,
    messages,
    stream: body.stream ?? null,
    tools: tools.map((t) => ({ type: "function" as const, function: { name: t.name, description: t.description ?? null, parameters: t.input_schema } })),
    tool_choice: toolChoice(body.tool_choice),
    ...(body.tool_choice?.disable_parallel_tool_use ? { parallel_tool_calls: false } : {}),
    ...(search ? { web_search_options: searchOptions(search) } : {}),
  };
}

/** Anthropic's search tool as chat's `web_search_options`. */
function searchOptions({ allowed_domains, user_location }: AnthropicWebSearchTool): WebSearchOptions {
  return { filters: { allowed_domains }, ...(user_location ? { user_location: { type: "approximate", approximate: user_location } } : {}) };
}

function systemText(system: MessagesRequest["system"]): string {
  if (system === undefined) return "";
  return typeof system === "string" ? system : system.map((b) => b.text).join("\n");
}

/** Refuses server tools other than web search (code execution, bash, ...): the adapter cannot run them and Codex's own are turned off. */
function customTools(tools: readonly AnthropicTool[]) {
  const server = tools.filter((t) => t.type !== undefined && t.type !== "custom");
  if (server.length) {
    // A few named, the rest counted: a request may carry thousands.
    const named = server.slice(0, 3).map((t) => `${clip(t.name ?? "?", QUOTE_CHARS)} (${t.type ?? ""})`);
    const names = [...named, ...(server.length > named.length ? [`and ${server.length - named.length} more`] : [])].join(", ");
    throw new InvalidRequestError(`Server tools are not supported (the adapter cannot run them): ${names}. Send custom tools with an input_schema only.`, {
      param: "tools",
      code: "unsupported_tool",
    });
  }
  return tools as readonly Extract<AnthropicTool, { input_schema: unknown }>[];
}

function toolChoice(choice: AnthropicToolChoice | undefined): ToolChoice | null {
  if (!choice) return null;
  if (choice.type === "tool" && "name" in choice) return { type: "function", function: { name: choice.name } };
  return choice.type === "any" ? "required" : choice.type === "none" ? "none" : "auto";
}

/** One Messages message as chat messages: a user message's tool results come out as `tool` messages around its other parts. */
function chatMessages(m: AnthropicMessage, param: string): ChatMessage[] {
  if (typeof m.content === "string") return [{ role: m.role, content: m.content }];
  if (m.role === "assistant") return [assistantMessage(m.content, param)];
  const out: ChatMessage[] = [];
  let parts: Part[] = [];
  const flush = () => {
    if (parts.length) out.push({ role: m.role, content: parts });
    parts = [];
  };
  m.content.forEach((block, j) => {
    const at = `${param}.content[${j}]`;
    if (block.type === "tool_result") {
      flush();
      const result = toolResult(block as ToolResultBlock, at);
      out.push({ role: "tool", tool_call_id: result.id, content: result.text });
      parts.push(...result.images); // images a tool returned reach the model as the user's
    } else if (block.type === "thinking" || block.type === "redacted_thinking") {
      return;
    } else {
      parts.push(userPart(block, at));
    }
  });
  flush();
  return out;
}

/** An answer's blocks that are no conversation to replay: the model's thinking, and a search the service ran (its text stays). */
const DROPPED_FROM_HISTORY = new Set(["thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result"]);

function assistantMessage(blocks: readonly ContentBlock[], param: string): ChatMessage {
  const texts: string[] = [];
  const calls: ToolCall[] = [];
  blocks.forEach((block, j) => {
    // The schema parses a known `type` only with its own block's schema, so the casts hold.
    if (block.type === "text") texts.push((block as TextBlock).text);
    else if (block.type === "tool_use") {
      const use = block as ToolUseBlock;
      calls.push({ id: use.id, type: "function", function: { name: use.name, arguments: JSON.stringify(use.input ?? {}) } });
    } else if (!DROPPED_FROM_HISTORY.has(block.type)) {
      throw unsupported(block.type, `${param}.content[${j}]`, "assistant messages carry text, tool_use, thinking and web search blocks");
    }
  });
  // Each text block is one of the answer's messages: joined as the conversation key joins them (empty ones add nothing).
  return { role: "assistant", content: texts.filter(Boolean).join(MESSAGE_BREAK), ...(calls.length ? { tool_calls: calls } : {}) };
}

function userPart(block: ContentBlock, param: string): Part {
  if (block.type === "text") return { type: "text", text: (block as TextBlock).text };
  if (block.type === "image") return { type: "image_url", image_url: { url: imageUrl((block as ImageBlock).source, param) } };
  throw unsupported(block.type, param, "send text, image (base64) and tool_result blocks");
}

function imageUrl(source: ImageBlock["source"], param: string): string {
  if (source.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    return `data:${source.media_type};base64,${source.data}`;
  }
  throw new InvalidRequestError(`Image source type ${quote(source.type)} is not supported: send the image inline, as source {type: "base64", media_type, data}.`, {
    param: `${param}.source`,
    code: "unsupported_image_url",
  });
}

function toolResult(block: ToolResultBlock, param: string): { id: string; text: string; images: Part[] } {
  const blocks = typeof block.content === "string" ? [{ type: "text" as const, text: block.content }] : (block.content ?? []);
  const texts: string[] = [];
  const images: Part[] = [];
  blocks.forEach((b, k) => {
    const part = userPart(b, `${param}.content[${k}]`);
    if (part.type === "text") texts.push(part.text);
    else images.push(part);
  });
  const text = texts.join("\n");
  return { id: block.tool_use_id, text: block.is_error ? `Error: ${text}` : text, images };
}

function unsupported(type: string, param: string, hint: string): InvalidRequestError {
  return new InvalidRequestError(`Content block type ${quote(type)} is not supported here; ${hint}.`, { param, code: "unsupported_content" });
}

/**
 * Runs a step of the shared chat translation, renaming the chat parameters its errors name to
 * the Messages fields. Message indexes shift (system text, split tool results), so a message
 * error names `messages` as a whole.
 */
export function inMessagesTerms<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof InvalidRequestError) || !error.param?.startsWith("messages[")) throw error;
    throw new InvalidRequestError(error.message, { param: "messages", ...(error.code ? { code: error.code } : {}) });
  }
}
