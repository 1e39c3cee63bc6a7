import { MESSAGE_BREAK } from "../backend/types.ts";
import { clip, quote, QUOTE_CHARS } from "../core/clip.ts";
import { MESSAGES_WEB_SEARCH, webSearchRequest } from "../openai/web-search.ts";
import { RequestProblem } from "../turn/request-problem.ts";
import { textMessage, type ClientFunction, type ParamPath, type TurnMessage, type TurnPart, type TurnRequest, type TurnToolCall } from "../turn/turn-request.ts";
import { messagesEffort } from "./messages-effort.ts";
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

/**
 * Translates a Messages request into a turn request. `tool_result` blocks become tool messages
 * and `tool_use` blocks assistant tool calls; thinking in the history is dropped. Problems the
 * shared preparation finds in the conversation name `messages` as a whole: the system text and
 * split tool results shift the indexes.
 */
export function messagesToTurn(body: MessagesRequest): TurnRequest {
  const tools = body.tools ?? [];
  const search = tools.find((t): t is AnthropicWebSearchTool => t.type !== undefined && MESSAGES_WEB_SEARCH.test(t.type));
  refuseServerTools(tools.filter((t) => t !== search));
  const system = systemText(body.system);
  const messages: TurnMessage[] = system ? [textMessage("system", system)] : [];
  body.messages.forEach((m, i) => messages.push(...turnMessages(m, ["messages", i])));
  return {
    model: body.model,
    effort: messagesEffort(body),
    stream: body.stream === true,
    messages,
    messagesAt: ["messages"],
    functions: tools.flatMap((t, i) => (t === search ? [] : [clientFunction(t, i)])),
    toolChoice: toolChoice(body.tool_choice),
    parallelToolCalls: body.tool_choice?.disable_parallel_tool_use !== true,
    outputFormat: undefined,
    webSearch: search ? webSearchRequest(searchOptions(search)) : undefined,
  };
}

/** Anthropic's search tool's options, in the shape of Chat's `web_search_options`. */
function searchOptions({ allowed_domains, user_location }: AnthropicWebSearchTool) {
  return { filters: { allowed_domains }, ...(user_location ? { user_location: { type: "approximate" as const, approximate: user_location } } : {}) };
}

function systemText(system: MessagesRequest["system"]): string {
  if (system === undefined) return "";
  return typeof system === "string" ? system : system.map((b) => b.text).join("\n");
}

/** Refuses server tools other than web search (code execution, bash, ...): the adapter cannot run them and Codex's own are turned off. */
function refuseServerTools(tools: readonly AnthropicTool[]): void {
  const server = tools.filter((t) => t.type !== undefined && t.type !== "custom");
  if (server.length) {
    // A few named, the rest counted: a request may carry thousands.
    const named = server.slice(0, 3).map((t) => `${clip(t.name ?? "?", QUOTE_CHARS)} (${t.type ?? ""})`);
    const names = [...named, ...(server.length > named.length ? [`and ${server.length - named.length} more`] : [])].join(", ");
    throw new RequestProblem(`Server tools are not supported (the adapter cannot run them): ${names}. Send custom tools with an input_schema only.`, ["tools"], "unsupported_tool");
  }
}

/** A custom tool (server tools are refused before). */
function clientFunction(tool: AnthropicTool, i: number): ClientFunction {
  const { name, description, input_schema } = tool as Extract<AnthropicTool, { input_schema: unknown }>;
  return { name, description, parameters: input_schema, at: ["tools", i] };
}

function toolChoice(choice: AnthropicToolChoice | undefined): TurnRequest["toolChoice"] {
  if (!choice) return undefined;
  const at = ["tool_choice"];
  if (choice.type === "tool" && "name" in choice) return { mode: "function", name: choice.name, at };
  return { mode: choice.type === "any" ? "required" : choice.type === "none" ? "none" : "auto", at };
}

/** One Messages message as turn messages: a user message's tool results come out as tool messages around its other parts. */
function turnMessages(m: AnthropicMessage, at: ParamPath): TurnMessage[] {
  if (typeof m.content === "string") return [textMessage(m.role, m.content)];
  if (m.role === "assistant") return [assistantMessage(m.content, at)];
  const out: TurnMessage[] = [];
  let parts: TurnPart[] = [];
  const flush = () => {
    if (parts.length) out.push({ role: m.role, content: parts });
    parts = [];
  };
  m.content.forEach((block, j) => {
    const blockAt = [...at, "content", j];
    if (block.type === "tool_result") {
      flush();
      const result = toolResult(block as ToolResultBlock, blockAt);
      out.push({ ...textMessage("tool", result.text), callId: result.id });
      parts.push(...result.images); // images a tool returned reach the model as the user's
    } else if (block.type === "thinking" || block.type === "redacted_thinking") {
      return;
    } else {
      parts.push(userPart(block, blockAt));
    }
  });
  flush();
  return out;
}

/** An answer's blocks that are no conversation to replay: the model's thinking, and a search the service ran (its text stays). */
const DROPPED_FROM_HISTORY = new Set(["thinking", "redacted_thinking", "server_tool_use", "web_search_tool_result"]);

function assistantMessage(blocks: readonly ContentBlock[], at: ParamPath): TurnMessage {
  const texts: string[] = [];
  const calls: TurnToolCall[] = [];
  blocks.forEach((block, j) => {
    // The schema parses a known `type` only with its own block's schema, so the casts hold.
    if (block.type === "text") texts.push((block as TextBlock).text);
    else if (block.type === "tool_use") {
      const use = block as ToolUseBlock;
      calls.push({ id: use.id, name: use.name, arguments: JSON.stringify(use.input ?? {}) });
    } else if (!DROPPED_FROM_HISTORY.has(block.type)) {
      throw unsupported(block.type, [...at, "content", j], "assistant messages carry text, tool_use, thinking and web search blocks");
    }
  });
  // Each text block is one of the answer's messages: joined as the conversation key joins them (empty ones add nothing).
  return { ...textMessage("assistant", texts.filter(Boolean).join(MESSAGE_BREAK)), ...(calls.length ? { toolCalls: calls } : {}) };
}

function userPart(block: ContentBlock, at: ParamPath): TurnPart {
  if (block.type === "text") return { type: "text", text: (block as TextBlock).text };
  if (block.type === "image") return { type: "image", url: imageUrl((block as ImageBlock).source, at) };
  throw unsupported(block.type, at, "send text, image (base64) and tool_result blocks");
}

function imageUrl(source: ImageBlock["source"], at: ParamPath): string {
  if (source.type === "base64" && typeof source.media_type === "string" && typeof source.data === "string") {
    return `data:${source.media_type};base64,${source.data}`;
  }
  throw new RequestProblem(`Image source type ${quote(source.type)} is not supported: send the image inline, as source {type: "base64", media_type, data}.`, [...at, "source"], "unsupported_image_url");
}

function toolResult(block: ToolResultBlock, at: ParamPath): { id: string; text: string; images: TurnPart[] } {
  const blocks = typeof block.content === "string" ? [{ type: "text" as const, text: block.content }] : (block.content ?? []);
  const texts: string[] = [];
  const images: TurnPart[] = [];
  blocks.forEach((b, k) => {
    const part = userPart(b, [...at, "content", k]);
    if (part.type === "text") texts.push(part.text);
    else images.push(part);
  });
  const text = texts.join("\n");
  return { id: block.tool_use_id, text: block.is_error ? `Error: ${text}` : text, images };
}

function unsupported(type: string, at: ParamPath, hint: string): RequestProblem {
  return new RequestProblem(`Content block type ${quote(type)} is not supported here; ${hint}.`, at, "unsupported_content");
}
