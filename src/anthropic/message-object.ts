import type { TokenUsage } from "../backend/types.ts";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
}

export type ContentOut =
  | { type: "text"; text: string }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: unknown };

export type StopReason = "end_turn" | "tool_use";

export interface MessageObject {
  id: string;
  type: "message";
  role: "assistant";
  model: string;
  content: ContentOut[];
  stop_reason: StopReason | null;
  stop_sequence: null;
  usage: AnthropicUsage;
}

/** Codex's counts in Anthropic's terms: `input_tokens` excludes the cached part, reported as cache reads. */
export function toAnthropicUsage(usage: TokenUsage | undefined): AnthropicUsage {
  const u = usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: 0,
  };
}

/** The message as `message_start` announces it: no content, no stop reason, usage still zero. */
export function emptyMessage(id: string, model: string): MessageObject {
  return { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: toAnthropicUsage(undefined) };
}
