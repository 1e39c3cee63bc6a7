import { randomUUID } from "node:crypto";
import { MESSAGE_BREAK, type Citation, type MessagePhase, type TokenUsage, type ToolCall } from "../backend/types.ts";
import { textMessage, type TurnMessage } from "../turn/turn-request.ts";

export interface ResponseMeta {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
  /** Echoed request settings (instructions, tools, tool_choice, previous_response_id, ...). */
  readonly echo: Readonly<Record<string, unknown>>;
}

/** What one turn produced. */
export interface ResponseOutput {
  /** The finished items, in the order the answer lists them. */
  readonly items: readonly OutputItem[];
  readonly usage: TokenUsage | undefined;
}

type ItemStatus = "in_progress" | "completed";

export interface MessageItem {
  id: string;
  type: "message";
  status: ItemStatus;
  role: "assistant";
  /** Which message of the answer this is, when the model says. */
  phase?: "commentary" | "final_answer";
  content: { type: "output_text"; text: string; annotations: UrlCitation[]; logprobs: [] }[];
}

/** A source the message cites; the offsets are into the message's own text. */
export type UrlCitation = { type: "url_citation"; start_index: number; end_index: number; url: string; title: string };

export type SummaryText = { type: "summary_text"; text: string };

export interface ReasoningItem {
  id: string;
  type: "reasoning";
  summary: SummaryText[];
}

export interface FunctionCallItem {
  id: string;
  type: "function_call";
  status: ItemStatus;
  call_id: string;
  name: string;
  arguments: string;
}

/** A web search the model ran at the model service. */
export interface WebSearchCallItem {
  id: string;
  type: "web_search_call";
  status: ItemStatus;
  action: { type: "search"; query: string };
}

export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | WebSearchCallItem;

export type ResponseUsage = ReturnType<typeof responseUsage>;

export type ResponseObject = {
  id: string;
  object: "response";
  created_at: number;
  status: ItemStatus;
  model: string;
  output: OutputItem[];
  output_text: string;
  error: null;
  incomplete_details: null;
  usage: ResponseUsage | null;
} & Readonly<Record<string, unknown>>;

export const messageItemId = () => `msg_${randomUUID().replaceAll("-", "")}`;
export const reasoningItemId = () => `rs_${randomUUID().replaceAll("-", "")}`;
export const functionCallItemId = (callId: string) => `fc_${callId}`;
/** Codex's id of a search (`ws_…` already), or a fresh one when Codex gave none. */
export const webSearchItemId = (id: string) => (id.startsWith("ws_") ? id : `ws_${id || randomUUID().replaceAll("-", "")}`);

/** The Responses API `usage` object. */
export function responseUsage(u: TokenUsage | undefined) {
  const t = u ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0, reasoningOutputTokens: 0, totalTokens: 0 };
  return {
    input_tokens: t.inputTokens,
    input_tokens_details: { cached_tokens: t.cachedInputTokens },
    output_tokens: t.outputTokens,
    output_tokens_details: { reasoning_tokens: t.reasoningOutputTokens },
    total_tokens: t.totalTokens || t.inputTokens + t.outputTokens,
  };
}

export function messageItem(id: string, phase: MessagePhase, text: string, status: ItemStatus, annotations: readonly UrlCitation[] = []): MessageItem {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    ...(phase ? { phase } : {}),
    content: status === "completed" ? [{ type: "output_text", text, annotations: [...annotations], logprobs: [] }] : [],
  };
}

export function urlCitation(c: Citation): UrlCitation {
  return { type: "url_citation", start_index: c.start, end_index: c.end, url: c.url, title: c.title };
}

export function webSearchCallItem(id: string, query: string, status: ItemStatus): WebSearchCallItem {
  return { id, type: "web_search_call", status, action: { type: "search", query } };
}

export function functionCallItem(call: ToolCall, status: ItemStatus): FunctionCallItem {
  return {
    id: functionCallItemId(call.callId),
    type: "function_call",
    status,
    call_id: call.callId,
    name: call.name,
    arguments: status === "completed" ? call.arguments : "",
  };
}

/** The `response` object; `output` undefined means still in progress. */
export function responseObject(meta: ResponseMeta, output: ResponseOutput | undefined): ResponseObject {
  const items = output ? [...output.items] : [];
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: output ? "completed" : "in_progress",
    model: meta.model,
    output: items,
    output_text: outputText(items),
    error: null,
    incomplete_details: null,
    usage: output ? responseUsage(output.usage) : null,
    ...meta.echo,
  };
}

/** The messages' texts as one, as the conversation key and a replayed history join them. */
function outputText(items: readonly OutputItem[]): string {
  const texts = items.flatMap((item) => (item.type === "message" ? [item.content.map((c) => c.text).join("")] : []));
  return texts.filter(Boolean).join(MESSAGE_BREAK);
}

/** The assistant's part of a finished response, as kept for `previous_response_id`. */
export function outputMessage(response: ResponseObject): TurnMessage {
  const calls = response.output.filter((item): item is FunctionCallItem => item.type === "function_call");
  return {
    ...textMessage("assistant", response.output_text),
    ...(calls.length ? { toolCalls: calls.map((c) => ({ id: c.call_id, name: c.name, arguments: c.arguments })) } : {}),
  };
}
