import { randomUUID } from "node:crypto";
import type { ChatEvent, TokenUsage, ToolCall } from "../backend/types.ts";
import type { ChatMessage } from "./chat-request.ts";
import { toolCallBody } from "./chat-chunks.ts";

export interface ResponseMeta {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
  /** Echoed request settings (instructions, tools, tool_choice, previous_response_id, ...). */
  readonly echo: Readonly<Record<string, unknown>>;
}

/** What one turn produced, in the order a Responses answer lists it. */
export interface ResponseOutput {
  text: string;
  calls: readonly ToolCall[];
  usage: TokenUsage | undefined;
}

export const messageItemId = () => `msg_${randomUUID().replaceAll("-", "")}`;
export const functionCallItemId = (callId: string) => `fc_${callId}`;

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

export function messageItem(id: string, text: string, status: "in_progress" | "completed") {
  return {
    id,
    type: "message",
    status,
    role: "assistant",
    content: status === "completed" ? [{ type: "output_text", text, annotations: [], logprobs: [] }] : [],
  };
}

export function functionCallItem(call: ToolCall, status: "in_progress" | "completed") {
  return {
    id: functionCallItemId(call.callId),
    type: "function_call",
    status,
    call_id: call.callId,
    name: call.name,
    arguments: status === "completed" ? call.arguments : "",
  };
}

/** The `response` object; `output` null means still in progress. */
export function responseObject(meta: ResponseMeta, output: (ResponseOutput & { messageId: string }) | undefined) {
  const items = output
    ? [...(output.text ? [messageItem(output.messageId, output.text, "completed")] : []), ...output.calls.map((c) => functionCallItem(c, "completed"))]
    : [];
  return {
    id: meta.id,
    object: "response",
    created_at: meta.createdAt,
    status: output ? "completed" : "in_progress",
    model: meta.model,
    output: items,
    output_text: output?.text ?? "",
    error: null,
    incomplete_details: null,
    usage: output ? responseUsage(output.usage) : null,
    ...meta.echo,
  };
}

/** Drains a turn's events into its output (non-streaming answers). */
export async function collectOutput(events: AsyncIterable<ChatEvent>): Promise<ResponseOutput> {
  const out: ResponseOutput = { text: "", calls: [], usage: undefined };
  for await (const event of events) {
    if (event.type === "text") out.text += event.delta;
    else if (event.type === "usage") out.usage = event.usage;
    else if (event.type === "tool_calls") out.calls = event.calls;
  }
  return out;
}

/** The assistant's part of the conversation, as kept for `previous_response_id`. */
export function outputMessage(output: ResponseOutput): ChatMessage {
  return {
    role: "assistant",
    content: output.text || null,
    ...(output.calls.length ? { tool_calls: output.calls.map(toolCallBody) } : {}),
  };
}
