import type { TokenUsage } from "../backend/types.ts";

export interface AnthropicUsage {
  input_tokens: number;
  output_tokens: number;
  cache_read_input_tokens: number;
  cache_creation_input_tokens: number;
  /** Only when the answer ran web searches. */
  server_tool_use?: { web_search_requests: number };
}

/** A part of a text block that cites a web page (`cited_text` is that part). */
export interface WebSearchCitation {
  type: "web_search_result_location";
  cited_text: string;
  url: string;
  title: string;
  encrypted_index: string;
}

/** A page a web search found; the adapter knows only the pages the answer cites, and none of their content. */
export interface WebSearchResult {
  type: "web_search_result";
  url: string;
  title: string;
  encrypted_content: string;
  page_age: null;
}

export type ContentOut =
  /** `citations` only when the text cites web pages. */
  | { type: "text"; text: string; citations?: WebSearchCitation[] }
  | { type: "thinking"; thinking: string; signature: string }
  | { type: "tool_use"; id: string; name: string; input: unknown }
  /** A web search the model ran at the model service; `input` is `{ query }`. */
  | { type: "server_tool_use"; id: string; name: "web_search"; input: unknown }
  | { type: "web_search_tool_result"; tool_use_id: string; content: WebSearchResult[] };

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

/**
 * Codex's counts in Anthropic's terms: `input_tokens` excludes the cached part, reported as cache
 * reads; `webSearches` (when any) as `server_tool_use.web_search_requests`.
 */
export function toAnthropicUsage(usage: TokenUsage | undefined, webSearches = 0): AnthropicUsage {
  const u = usage ?? { inputTokens: 0, cachedInputTokens: 0, outputTokens: 0 };
  return {
    input_tokens: Math.max(0, u.inputTokens - u.cachedInputTokens),
    output_tokens: u.outputTokens,
    cache_read_input_tokens: u.cachedInputTokens,
    cache_creation_input_tokens: 0,
    ...(webSearches ? { server_tool_use: { web_search_requests: webSearches } } : {}),
  };
}

/** The message as `message_start` announces it: no content, no stop reason, usage still zero. */
export function emptyMessage(id: string, model: string): MessageObject {
  return { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: toAnthropicUsage(undefined) };
}
