import { InvalidRequestError } from "../errors.ts";

export type Support = "honoured" | "best-effort" | "ignored" | "rejected";

/** One row of the compatibility table: docs/api.md shows these rows and the code enforces the rejected ones. */
export interface ParameterRule {
  readonly param: string;
  readonly support: Support;
  readonly note: string;
  /** For rejected rows: the field to check and when its value is refused. */
  readonly refuse?: { readonly field: string; readonly when: (value: unknown) => boolean };
}

const present = (v: unknown) => v !== undefined && v !== null;
const IGNORED_SAMPLING = "accepted, no effect: Codex does not expose it";

/** Client-named conversations are no way around the exact match (a different history must never see a thread's hidden state). */
const CONTINUITY_NOTE = "conversations continue on their Codex thread by exact match of the history only (see Conversation continuity)";

export const CHAT_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "`codex-cli-default` or a Codex model id, optionally `-<effort>` (e.g. `gpt-5.5-high`)" },
  { param: "messages", support: "honoured", note: "roles system, developer, user, assistant (with `tool_calls`), tool, function" },
  { param: "messages[].content `image_url` (data: URL)", support: "honoured", note: "png, jpeg, gif, webp; user messages; models whose catalog lists image input" },
  { param: "messages[].content `image_url` (http/https URL)", support: "rejected", note: "400 `unsupported_image_url`: send images inline" },
  { param: "messages[].content `input_audio`, `file`", support: "rejected", note: "400 `unsupported_content`" },
  { param: "stream", support: "honoured", note: "" },
  { param: "stream_options.include_usage", support: "honoured", note: "" },
  { param: "tools", support: "honoured", note: "`function` tools become Codex dynamic tools; other types: 400" },
  { param: "web_search_options", support: "honoured", note: "the model service's web search (`WEB_SEARCH`, default live; `off`: 400 `web_search_unavailable`); `search_context_size` and `user_location` passed on; citations as `annotations`" },
  { param: "tool_choice", support: "best-effort", note: "`none`, `auto` honoured; `required` and a named function are asked for in an instruction (a named function is the only one offered)" },
  { param: "parallel_tool_calls", support: "best-effort", note: "the model may call several functions at once (the catalog allows it); `false` is asked for in an instruction" },
  { param: "response_format `json_schema`", support: "honoured", note: "the turn's output schema (strict); invalid schemas: 400 `invalid_json_schema`" },
  { param: "response_format `json_object`", support: "best-effort", note: "an instruction to answer with one JSON object" },
  { param: "reasoning_effort", support: "best-effort", note: "mapped to an effort the model lists, else dropped" },
  {
    param: "n",
    support: "rejected",
    note: "values other than 1: 400",
    refuse: { field: "n", when: (v) => present(v) && v !== 1 },
  },
  { param: "audio", support: "rejected", note: "400: text output only", refuse: { field: "audio", when: present } },
  {
    param: "modalities with `audio`",
    support: "rejected",
    note: "400: text output only",
    refuse: { field: "modalities", when: (v) => Array.isArray(v) && v.includes("audio") },
  },
  { param: "max_tokens, max_completion_tokens", support: "ignored", note: "answers are not cut; `finish_reason` is never `length`" },
  { param: "temperature, top_p, seed, stop, presence_penalty, frequency_penalty, logit_bias", support: "ignored", note: IGNORED_SAMPLING },
  { param: "logprobs, top_logprobs", support: "ignored", note: "`logprobs` is always null" },
  { param: "user, metadata, store, service_tier, prediction", support: "ignored", note: "" },
  { param: "prompt_cache_key, safety_identifier", support: "ignored", note: CONTINUITY_NOTE },
];

export const RESPONSES_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "as for chat completions" },
  { param: "input", support: "honoured", note: "a string, or message, `function_call` and `function_call_output` items; `input_image` with a data: URL" },
  { param: "instructions", support: "honoured", note: "developer instructions for this response" },
  { param: "stream", support: "honoured", note: "the Responses event sequence" },
  { param: "previous_response_id", support: "honoured", note: "within the in-memory window (`RESPONSES_STORE_MAX`, `RESPONSES_STORE_TTL_SECONDS`)" },
  { param: "tools", support: "honoured", note: "`function` tools; `web_search` (and `web_search_preview`): the model service's web search (`WEB_SEARCH`; `filters.allowed_domains`, `search_context_size`, `user_location` passed on), `web_search_call` items and cited `output_text`; other types: 400" },
  { param: "tool_choice", support: "best-effort", note: "as for chat completions" },
  { param: "parallel_tool_calls", support: "best-effort", note: "as for chat completions" },
  { param: "text.format `json_schema`", support: "honoured", note: "the turn's output schema" },
  { param: "text.format `json_object`", support: "best-effort", note: "an instruction" },
  { param: "reasoning.effort", support: "best-effort", note: "as `reasoning_effort`" },
  {
    param: "background",
    support: "rejected",
    note: "`true`: 400",
    refuse: { field: "background", when: (v) => v === true },
  },
  {
    param: "conversation",
    support: "rejected",
    note: "400: use `previous_response_id`",
    refuse: { field: "conversation", when: present },
  },
  { param: "store", support: "ignored", note: "every response is kept in the in-memory window" },
  { param: "max_output_tokens, temperature, top_p, truncation, include, metadata, user", support: "ignored", note: "" },
  { param: "prompt_cache_key, safety_identifier", support: "ignored", note: CONTINUITY_NOTE },
];

export const MESSAGES_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "`claude-*` ids answer with `codex-cli-default` unless `MODEL_ALIASES` maps them; other ids as for chat completions; the answer echoes the id sent" },
  { param: "messages", support: "honoured", note: "roles user, assistant and system (joined into the instructions); content as a string or blocks" },
  { param: "messages[].content `text`", support: "honoured", note: "`cache_control` and `citations` accepted, no effect" },
  { param: "messages[].content `image` (base64 source)", support: "honoured", note: "png, jpeg, gif, webp; models whose catalog lists image input" },
  { param: "messages[].content `image` (url or file source)", support: "rejected", note: "400 `unsupported_image_url`: send images as base64" },
  { param: "messages[].content `tool_use`, `tool_result`", support: "honoured", note: "replayed as function calls and outputs; a turn waiting for the results is continued; `is_error` prefixes the output with `Error:`" },
  { param: "messages[].content `thinking`, `redacted_thinking`, `server_tool_use`, `web_search_tool_result`", support: "ignored", note: "dropped from the history (the text an answer wrote stays)" },
  { param: "messages[].content `document` and other blocks", support: "rejected", note: "400 `unsupported_content`" },
  { param: "system", support: "honoured", note: "a string or text blocks: developer instructions" },
  { param: "stream", support: "honoured", note: "the Messages event sequence; `ping` events as the keep-alive" },
  { param: "tools (custom, with or without `type`)", support: "honoured", note: "`input_schema` tools become Codex dynamic tools" },
  { param: "tools `web_search_20250305` (server tool)", support: "best-effort", note: "the model service's web search (`WEB_SEARCH`): `server_tool_use`, `web_search_tool_result` (the cited sources) and cited text; `allowed_domains` and `user_location` passed on, `blocked_domains` and `max_uses` accepted without effect" },
  { param: "tools (other server tools: `bash`, `code_execution`, ...)", support: "rejected", note: "400 `unsupported_tool` naming them: the adapter cannot run them" },
  { param: "tool_choice", support: "best-effort", note: "`auto`, `none` honoured; `any` and `tool` are asked for in an instruction (`tool` offers only that tool); `disable_parallel_tool_use` as `parallel_tool_calls: false`" },
  { param: "thinking", support: "best-effort", note: "`enabled`: `budget_tokens` up to 4096 low, 16384 medium, 32768 high, more xhigh; `disabled`: the least effort; `adaptive`: the model's default; reasoning shown as `thinking` blocks unless `display` is `omitted`" },
  { param: "output_config.effort", support: "best-effort", note: "`low`, `medium`, `high`, `max` (as `xhigh`); wins over `thinking`; mapped as `reasoning_effort`" },
  {
    param: "mcp_servers",
    support: "rejected",
    note: "400: the adapter cannot reach MCP servers; run them in the client",
    refuse: { field: "mcp_servers", when: (v) => Array.isArray(v) && v.length > 0 },
  },
  { param: "max_tokens", support: "ignored", note: "answers are not cut; `stop_reason` is never `max_tokens`" },
  { param: "stop_sequences, temperature, top_p, top_k", support: "ignored", note: IGNORED_SAMPLING },
  { param: "metadata, cache_control, context_management, service_tier, container", support: "ignored", note: "" },
];

/** Refuses a body that uses a parameter the table marks as rejected. */
export function rejectUnsupported(body: Record<string, unknown>, rules: readonly ParameterRule[]): void {
  for (const rule of rules) {
    if (rule.refuse && rule.refuse.when(body[rule.refuse.field])) {
      throw new InvalidRequestError(`Unsupported parameter ${rule.param}: ${rule.note}.`, { param: rule.refuse.field });
    }
  }
}

/** The table as markdown (a test keeps the copy in docs/api.md identical). */
export function compatibilityTable(rules: readonly ParameterRule[]): string {
  const rows = rules.map((r) => `| ${r.param} | ${r.support} | ${r.note} |`);
  return ["| Parameter | Support | Notes |", "|---|---|---|", ...rows].join("\n");
}
