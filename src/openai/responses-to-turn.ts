import { RequestProblem } from "../turn/request-problem.ts";
import { textMessage, type ClientFunction, type OutputFormat, type TurnMessage, type TurnPart, type TurnRequest } from "../turn/turn-request.ts";
import { onlyFunctions } from "./chat-to-turn.ts";
import type { InputItem, MessageItem, ResponsesRequest, WebSearchTool } from "./responses-request.ts";
import { RESPONSES_WEB_SEARCH, webSearchRequest } from "./web-search.ts";

export interface ResponsesTurn {
  readonly request: TurnRequest;
  /** The conversation without this request's instructions: what a later `previous_response_id` continues. */
  readonly conversation: readonly TurnMessage[];
}

/**
 * Translates a Responses request, after the conversation of its `previous_response_id`, into a
 * turn request. Problems the shared preparation finds in the conversation name `input` as a
 * whole: the conversation also holds instructions and earlier responses, so its messages are
 * not the client's items one to one.
 */
export function responsesToTurn(body: ResponsesRequest, previous: readonly TurnMessage[]): ResponsesTurn {
  const items: readonly InputItem[] = typeof body.input === "string" ? [{ role: "user", content: body.input }] : body.input;
  const conversation = [...previous];
  items.forEach((item, i) => appendItem(conversation, item, i));
  const instructions = body.instructions ? [textMessage("developer", body.instructions)] : [];
  const search = (body.tools ?? []).find((t): t is WebSearchTool => RESPONSES_WEB_SEARCH.test(t.type));
  const request: TurnRequest = {
    model: body.model,
    effort: body.reasoning?.effort ?? undefined,
    stream: body.stream === true,
    messages: [...instructions, ...conversation],
    messagesAt: ["input"],
    functions: (body.tools ?? []).flatMap((t, i) => (t === search ? [] : [clientFunction(t, i)])),
    toolChoice: toolChoice(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls !== false,
    outputFormat: outputFormat(body.text?.format),
    webSearch: search ? webSearchRequest(searchOptions(search)) : undefined,
  };
  return { request, conversation };
}

function clientFunction(tool: NonNullable<ResponsesRequest["tools"]>[number], i: number): ClientFunction {
  if (tool.type !== "function" || !("name" in tool)) throw onlyFunctions(tool.type, i);
  const { name, description, parameters } = tool as { name: string; description?: string | null; parameters?: Record<string, unknown> | null };
  return { name, description, parameters, at: ["tools", i] };
}

function appendItem(conversation: TurnMessage[], item: InputItem, i: number): void {
  if (item.type === "reasoning" || item.type === "item_reference" || item.type === "web_search_call") return;
  if (item.type === "function_call") {
    const call = { id: item.call_id, name: item.name, arguments: item.arguments };
    const last = conversation.at(-1);
    // Calls of one step travel together, as one assistant message.
    if (last?.role === "assistant") conversation[conversation.length - 1] = { ...last, toolCalls: [...(last.toolCalls ?? []), call] };
    else conversation.push({ role: "assistant", content: [], toolCalls: [call] });
    return;
  }
  if (item.type === "function_call_output") {
    const output = typeof item.output === "string" ? item.output : item.output.flatMap((p) => ("text" in p && typeof p.text === "string" ? [p.text] : [])).join("\n");
    conversation.push({ ...textMessage("tool", output), callId: item.call_id });
    return;
  }
  const message = item as MessageItem; // the one item kind left
  if (typeof message.content === "string") {
    conversation.push(textMessage(message.role, message.content));
    return;
  }
  const parts = message.content.map((p, j): TurnPart => {
    if ("text" in p && typeof p.text === "string") return { type: "text", text: p.text };
    if (p.type === "input_image" && "image_url" in p && typeof p.image_url === "string") return { type: "image", url: p.image_url };
    throw new RequestProblem(`Content part type '${p.type}' is not supported; send input_text and input_image (data: URL) parts.`, ["input", i, "content", j], "unsupported_content");
  });
  conversation.push({ role: message.role, content: parts });
}

/** The Responses search tool's options (the location moves under `approximate`, as in Chat's `web_search_options`). */
function searchOptions({ search_context_size, user_location, filters }: WebSearchTool) {
  return { search_context_size, filters, ...(user_location ? { user_location: { type: "approximate" as const, approximate: user_location } } : {}) };
}

function toolChoice(choice: ResponsesRequest["tool_choice"]): TurnRequest["toolChoice"] {
  if (!choice) return undefined;
  const at = ["tool_choice"];
  return typeof choice === "string" ? { mode: choice, at } : { mode: "function", name: choice.name, at };
}

function outputFormat(format: NonNullable<ResponsesRequest["text"]>["format"]): OutputFormat | undefined {
  const at = ["text", "format"];
  if (!format) return undefined;
  if (format.type === "json_schema" && "schema" in format) {
    return { type: "json_schema", name: format.name, schema: format.schema, strict: format.strict, at, schemaAt: [...at, "schema"] };
  }
  return { type: format.type === "json_object" ? "json_object" : "text", at };
}
