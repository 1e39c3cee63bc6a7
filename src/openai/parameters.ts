import { InvalidRequestError } from "../errors.ts";

export type Support = "honoured" | "best-effort" | "ignored" | "rejected";

/** One row of the compatibility table: the README shows these rows and the code enforces the rejected ones. */
export interface ParameterRule {
  readonly param: string;
  readonly support: Support;
  readonly note: string;
  /** For rejected rows: the field to check and when its value is refused. */
  readonly refuse?: { readonly field: string; readonly when: (value: unknown) => boolean };
}

const present = (v: unknown) => v !== undefined && v !== null;
const IGNORED_SAMPLING = "accepted, no effect: Codex does not expose it";

export const CHAT_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "`codex-cli-default` or a Codex model id" },
  { param: "messages", support: "honoured", note: "roles system, developer, user, assistant (with `tool_calls`), tool, function" },
  { param: "messages[].content `image_url` (data: URL)", support: "honoured", note: "png, jpeg, gif, webp; user messages; models whose catalog lists image input" },
  { param: "messages[].content `image_url` (http/https URL)", support: "rejected", note: "400 `unsupported_image_url`: send images inline" },
  { param: "messages[].content `input_audio`, `file`", support: "rejected", note: "400 `unsupported_content`" },
  { param: "stream", support: "honoured", note: "" },
  { param: "stream_options.include_usage", support: "honoured", note: "" },
  { param: "tools", support: "honoured", note: "`function` tools become Codex dynamic tools; other types: 400" },
  { param: "tool_choice", support: "best-effort", note: "`none`, `auto` honoured; `required` and a named function are asked for in an instruction (a named function is the only one offered)" },
  { param: "parallel_tool_calls", support: "ignored", note: "accepted; Codex always allows several calls in one step" },
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
];

export const RESPONSES_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "as for chat completions" },
  { param: "input", support: "honoured", note: "a string, or message, `function_call` and `function_call_output` items; `input_image` with a data: URL" },
  { param: "instructions", support: "honoured", note: "developer instructions for this response" },
  { param: "stream", support: "honoured", note: "the Responses event sequence" },
  { param: "previous_response_id", support: "honoured", note: "within the in-memory window (`RESPONSES_STORE_MAX`, `RESPONSES_STORE_TTL_SECONDS`)" },
  { param: "tools", support: "honoured", note: "`function` tools; other types: 400" },
  { param: "tool_choice", support: "best-effort", note: "as for chat completions" },
  { param: "parallel_tool_calls", support: "ignored", note: "accepted" },
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
];

/** Refuses a body that uses a parameter the table marks as rejected. */
export function rejectUnsupported(body: Record<string, unknown>, rules: readonly ParameterRule[]): void {
  for (const rule of rules) {
    if (rule.refuse && rule.refuse.when(body[rule.refuse.field])) {
      throw new InvalidRequestError(`Unsupported parameter ${rule.param}: ${rule.note}.`, { param: rule.refuse.field });
    }
  }
}

/** The table as README markdown (a test keeps the README's copy identical). */
export function compatibilityTable(rules: readonly ParameterRule[]): string {
  const rows = rules.map((r) => `| ${r.param} | ${r.support} | ${r.note} |`);
  return ["| Parameter | Support | Notes |", "|---|---|---|", ...rows].join("\n");
}
