import { InvalidRequestError } from "../errors.ts";
import type { ChatMessage, ChatRequest, ResponseFormat, ToolChoice } from "./chat-request.ts";
import type { InputItem, MessageItem, ResponsesRequest, WebSearchTool } from "./responses-request.ts";
import { RESPONSES_WEB_SEARCH, type WebSearchOptions } from "./web-search.ts";

export interface ResponsesAsChat {
  /** The request in chat completions' terms, so both endpoints share one translation to Codex. */
  readonly chat: ChatRequest;
  /** The conversation without this request's instructions: what a later `previous_response_id` continues. */
  readonly conversation: readonly ChatMessage[];
}

/** Translates a Responses request, after the conversation of its `previous_response_id`, into a chat request. */
export function responsesToChat(body: ResponsesRequest, previous: readonly ChatMessage[]): ResponsesAsChat {
  const items: readonly InputItem[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : body.input;
  const conversation = [...previous];
  items.forEach((item, i) => appendItem(conversation, item, `input[${i}]`));
  const instructions: ChatMessage[] = body.instructions ? [{ role: "developer", content: body.instructions }] : [];
  const format = body.text?.format;
  const search = (body.tools ?? []).find((t): t is WebSearchTool => RESPONSES_WEB_SEARCH.test(t.type));
  const chat: ChatRequest = {
    ...(body.model !== undefined ? { model: body.model } : {}),
    messages: [...instructions, ...conversation],
    stream: body.stream ?? null,
    reasoning_effort: body.reasoning?.effort ?? null,
    tools: (body.tools ?? []).filter((t) => t !== search).map((t) => {
      if (t.type !== "function" || !("name" in t)) return t;
      return { type: "function" as const, function: { name: t.name as string, description: t.description ?? null, parameters: t.parameters ?? null } };
    }),
    tool_choice: toolChoice(body.tool_choice),
    parallel_tool_calls: body.parallel_tool_calls ?? null,
    ...(search ? { web_search_options: searchOptions(search) } : {}),
    response_format: responseFormat(format),
  };
  return { chat, conversation };
}

function appendItem(conversation: ChatMessage[], item: InputItem, param: string): void {
  if (item.type === "reasoning" || item.type === "item_reference" || item.type === "web_search_call") return;
  if (item.type === "function_call") {
    const call = { id: item.call_id, type: "function", function: { name: item.name, arguments: item.arguments } };
    const last = conversation.at(-1);
    // Calls of one step travel together, as one assistant message.
    if (last?.role === "assistant") conversation[conversation.length - 1] = { ...last, tool_calls: [...(last.tool_calls ?? []), call] };
    else conversation.push({ role: "assistant", content: null, tool_calls: [call] });
    return;
  }
  if (item.type === "function_call_output") {
    const output = typeof item.output === "string" ? item.output : item.output.flatMap((p) => ("text" in p && typeof p.text === "string" ? [p.text] : [])).join("\n");
    conversation.push({ role: "tool", tool_call_id: item.call_id, content: output });
    return;
  }
  const message = item as MessageItem; // the one item kind left
  if (typeof message.content === "string") {
    conversation.push({ role: message.role, content: message.content });
    return;
  }
  const parts = message.content.map((p, j) => {
    if ("text" in p && typeof p.text === "string") return { type: "text" as const, text: p.text };
    if (p.type === "input_image" && "image_url" in p && typeof p.image_url === "string") return { type: "image_url" as const, image_url: { url: p.image_url } };
    throw new InvalidRequestError(`Content part type '${p.type}' is not supported; send input_text and input_image (data: URL) parts.`, {
      param: `${param}.content[${j}]`,
      code: "unsupported_content",
    });
  });
  conversation.push({ role: message.role, content: parts });
}

/** The Responses search tool as chat's `web_search_options` (the location moves under `approximate`). */
function searchOptions({ search_context_size, user_location, filters }: WebSearchTool): WebSearchOptions {
  return { search_context_size, filters, ...(user_location ? { user_location: { type: "approximate", approximate: user_location } } : {}) };
}

function toolChoice(choice: ResponsesRequest["tool_choice"]): ToolChoice | null {
  if (!choice || typeof choice === "string") return choice ?? null;
  return { type: "function", function: { name: choice.name } };
}

function responseFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): ResponseFormat | null {
  if (!format) return null;
  if (format.type === "json_schema" && "schema" in format) {
    return { type: "json_schema", json_schema: { name: format.name, schema: format.schema, strict: format.strict ?? null } };
  }
  return { type: format.type === "json_object" ? "json_object" : "text" };
}

/**
 * Runs a step of the shared chat translation, renaming the chat parameters its errors name to
 * the Responses fields the client sent. Messages map to `input` as a whole: their indexes also
 * count instructions and earlier responses, so they would point at the wrong item.
 */
export function inResponsesTerms<T>(step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (!(error instanceof InvalidRequestError) || !error.param) throw error;
    const param = error.param.replace(/^messages(\[\d+\])?(\.content(\[\d+\])?)?/, "input").replace(/^response_format\.json_schema/, "text.format");
    const message = error.message.replaceAll("response_format", "text.format");
    throw new InvalidRequestError(message, { param, ...(error.code ? { code: error.code } : {}) });
  }
}
