import type { ParameterRule } from "../openai/parameters.ts";

const nonEmpty = (v: unknown) => (Array.isArray(v) || typeof v === "string") && v.length > 0;

/** What `/api/chat` and `/api/generate` do with each field: docs/api.md shows these rows and the routes enforce the rejected ones. */
export const OLLAMA_PARAMETERS: readonly ParameterRule[] = [
  { param: "model", support: "honoured", note: "a name from `/api/tags` (`codex-cli-default` or a catalog id; a `:latest` tag is dropped), resolved as for chat completions; the answer echoes the name sent" },
  { param: "messages (`/api/chat`)", support: "honoured", note: "roles system, user, assistant (with `tool_calls`, arguments as objects), tool (`content`, optional `tool_name`); assistant `thinking` is dropped from the history; none: the load call (`done_reason` `load`)" },
  { param: "prompt, system (`/api/generate`)", support: "honoured", note: "the user message and developer instructions; no `prompt` and no `images`: the load call (`done_reason` `load`)" },
  { param: "images", support: "honoured", note: "base64 PNG, JPEG, GIF or WebP (the type is read from the bytes; anything else: 400 `unsupported_image_url`); user messages; models whose catalog lists image input" },
  { param: "tools (`/api/chat`)", support: "honoured", note: "`function` tools become Codex dynamic tools; a round trip (the calls, then one `tool` message per call, in order) continues the paused turn; calls sent back with the `id` they came with keep the conversation on its warm thread" },
  { param: "format", support: "honoured", note: "a JSON schema: the turn's output schema (strict; invalid: 400 `invalid_json_schema`); `\"json\"`: best-effort, an instruction to answer with one JSON object" },
  { param: "think", support: "best-effort", note: "`true`: the reasoning summary as `thinking`; `\"low\"`, `\"medium\"`, `\"high\"`: also that effort; `false`: the least effort the model offers, no `thinking`; absent: the model's default effort, no `thinking`" },
  { param: "stream", support: "honoured", note: "default `true`: `application/x-ndjson`, one object per line; `false`: one object" },
  { param: "keep_alive", support: "ignored", note: "the catalog's models are always ready at the model service; `0` with nothing to answer says `done_reason` `unload`" },
  { param: "options (`num_predict`, `num_ctx`, `temperature`, `top_p`, `top_k`, `seed`, `stop`, `repeat_penalty`, ...)", support: "ignored", note: "accepted, no effect: Codex does not expose them; answers are not cut (`done_reason` is never `length`)" },
  { param: "raw, template, logprobs, top_logprobs", support: "ignored", note: "Codex applies its own template; no log probabilities are returned" },
  { param: "context (`/api/generate`)", support: "rejected", note: "a non-empty context: 400, send the conversation to `/api/chat` instead", refuse: { field: "context", when: nonEmpty } },
  { param: "suffix (`/api/generate`)", support: "rejected", note: "a non-empty suffix: 400, fill-in-the-middle is not supported", refuse: { field: "suffix", when: nonEmpty } },
];
