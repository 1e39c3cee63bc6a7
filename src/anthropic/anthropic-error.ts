import type { ApiError } from "../errors.ts";

/** Anthropic's error body: `{type:"error", error:{type, message}}`. */
export interface AnthropicErrorBody {
  type: "error";
  error: { type: string; message: string };
  request_id: string;
}

/** Anthropic's own error types by status (what its SDKs and Claude Code branch on). */
const TYPES: Record<number, string> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  500: "api_error",
  502: "api_error",
  503: "api_error",
  504: "timeout_error",
  529: "overloaded_error",
};

/** Codex is busy coming back (restart, start-up, shutdown): Anthropic's "overloaded", which its clients retry with back-off. */
const OVERLOADED = new Set(["codex_restarting", "codex_unavailable", "shutting_down"]);

/** Claude Code compacts the conversation when a 400's message starts with these words, as Anthropic's does. */
const TOO_LONG = new Set(["context_length_exceeded", "text_too_long"]);

/** The Anthropic rendering of an adapter error: status and body; headers (Retry-After) stay the handler's. */
export function anthropicError(error: ApiError, requestId: string): { status: number; body: AnthropicErrorBody } {
  const status = error.code !== null && OVERLOADED.has(error.code) ? 529 : error.status;
  const message = error.code !== null && TOO_LONG.has(error.code) ? `prompt is too long: ${error.message}` : error.message;
  return { status, body: { type: "error", error: { type: TYPES[status] ?? "api_error", message }, request_id: requestId } };
}
