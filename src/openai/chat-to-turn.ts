import { RequestProblem } from "../turn/request-problem.ts";
import type { ClientFunction, OutputFormat, ParamPath, ToolChoice, TurnMessage, TurnPart, TurnRequest } from "../turn/turn-request.ts";
import type { ChatMessage, ChatRequest } from "./chat-request.ts";
import { webSearchRequest } from "./web-search.ts";

const UNSUPPORTED_PARTS: Record<string, string> = {
  input_audio: "Audio input is not supported; send text only.",
  file: "File input is not supported; send the file's text as message content.",
};

/** A Chat Completions request as the turn every API asks for; each message, part and tool keeps its own path. */
export function chatToTurn(body: ChatRequest): TurnRequest {
  return {
    model: body.model,
    effort: body.reasoning_effort ?? undefined,
    stream: body.stream === true,
    messages: body.messages.map((m, i) => turnMessage(m, i)),
    messagesAt: ["messages"],
    functions: (body.tools ?? []).map((t, i) => clientFunction(t, i)),
    toolChoice: toolChoice(body.tool_choice),
    parallelToolCalls: body.parallel_tool_calls !== false,
    outputFormat: outputFormat(body.response_format),
    webSearch: body.web_search_options ? webSearchRequest(body.web_search_options) : undefined,
  };
}

/** Refuses a tool that is no function (Chat's and Responses' wording alike). */
export function onlyFunctions(type: string, index: number): RequestProblem {
  return new RequestProblem(`Tool type '${type}' is not supported; only function tools are.`, ["tools", index]);
}

function clientFunction(tool: NonNullable<ChatRequest["tools"]>[number], i: number): ClientFunction {
  if (tool.type !== "function" || !("function" in tool)) throw onlyFunctions(tool.type, i);
  const { name, description, parameters } = tool.function as { name: string; description?: string | null; parameters?: Record<string, unknown> | null };
  return { name, description, parameters, at: ["tools", i] };
}

function turnMessage(m: ChatMessage, i: number): TurnMessage {
  const at = ["messages", i];
  const content = typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : (m.content ?? []).map((p) => turnPart(p, at));
  const calls = (m.tool_calls ?? []).map((c) => ({ id: c.id, name: c.function.name, arguments: c.function.arguments ?? "" }));
  const common = { content, at, ...(calls.length ? { toolCalls: calls } : {}) };
  // Chat's legacy `function` messages answer no call by id: they stay a labelled result in the user's words.
  if (m.role === "function") return { role: "tool", ...common, ...named(m.tool_call_id ?? m.name) };
  if (m.role === "tool") return { role: "tool", ...common, ...(m.tool_call_id !== undefined ? { callId: m.tool_call_id } : {}), ...named(m.name) };
  return { role: m.role, ...common };
}

/** What names a tool result that answers no call by id. */
const named = (name: string | undefined) => (name !== undefined ? { name } : {});

function turnPart(part: NonNullable<Exclude<ChatMessage["content"], string>>[number], at: ParamPath): TurnPart {
  if (part.type === "text" && "text" in part && typeof part.text === "string") return { type: "text", text: part.text };
  if (part.type === "image_url" && "image_url" in part) {
    const ref = part.image_url as string | { url: string };
    return { type: "image", url: typeof ref === "string" ? ref : ref.url };
  }
  const known = Object.hasOwn(UNSUPPORTED_PARTS, part.type) ? UNSUPPORTED_PARTS[part.type] : undefined;
  throw new RequestProblem(known ?? `Content part type '${part.type}' is not supported; send text and image_url parts only.`, [...at, "content"], "unsupported_content");
}

function toolChoice(choice: ChatRequest["tool_choice"]): TurnRequest["toolChoice"] {
  if (!choice) return undefined;
  const mode: ToolChoice = typeof choice === "string" ? { mode: choice } : { mode: "function", name: choice.function.name };
  return { ...mode, at: ["tool_choice"] };
}

function outputFormat(format: ChatRequest["response_format"]): OutputFormat | undefined {
  const at = ["response_format"];
  if (!format) return undefined;
  if (format.type !== "json_schema" || !("json_schema" in format)) return { type: format.type === "json_object" ? "json_object" : "text", at };
  const { name, schema, strict } = format.json_schema;
  return { type: "json_schema", name, schema, strict, at, schemaAt: [...at, "json_schema", "schema"] };
}
