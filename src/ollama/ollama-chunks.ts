import { parsedInput } from "../anthropic/message-events.ts";
import type { ChatEvent, TokenUsage } from "../backend/types.ts";
import type { Clock } from "../core/clock.ts";
import type { ApiError } from "../errors.ts";
import { JoinedText } from "../openai/chat-chunks.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { ollamaError, type OllamaErrorBody } from "./ollama-error.ts";

/** A call as Ollama writes it: the arguments as a JSON object; `id` is Codex's, for the client to send back (Ollama's results need none). */
export interface OllamaToolCall {
  id: string;
  function: { name: string; arguments: unknown };
}

/** What the last object of an answer adds: why it ended, durations in nanoseconds, token counts. */
export interface OllamaStats {
  done_reason: "stop" | "load";
  total_duration: number;
  load_duration: number;
  prompt_eval_count: number;
  prompt_eval_duration: number;
  eval_count: number;
  eval_duration: number;
}

interface Head {
  model: string;
  created_at: string;
  done: boolean;
}

export interface OllamaChatMessage {
  role: "assistant";
  content: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
}

export type OllamaChatChunk = Head & { message: OllamaChatMessage } & Partial<OllamaStats>;
export type OllamaGenerateChunk = Head & { response: string; thinking?: string } & Partial<OllamaStats>;
export type OllamaChunk = OllamaChatChunk | OllamaGenerateChunk;

/** One piece of the answer, before it takes `/api/chat`'s or `/api/generate`'s shape. */
interface Piece {
  content?: string;
  thinking?: string;
  tool_calls?: OllamaToolCall[];
}

export interface OllamaMeta {
  /** The name the client asked for, echoed back. */
  readonly model: string;
  readonly endpoint: "chat" | "generate";
  /** Whether the reasoning is shown as `thinking` (the request's `think`). */
  readonly thinking: boolean;
  readonly clock: Clock;
}

const NS_PER_MS = 1_000_000;

/**
 * Translates a turn's adapter events into Ollama's stream objects (one NDJSON line each): one per
 * text or thinking delta and one for the tool calls, then the `done` object with the durations
 * and the exact token counts Codex reported. Assistant messages (commentary, answer) are one
 * `content`, and summary parts one `thinking`, joined by MESSAGE_BREAK as in Chat Completions.
 * Prompt evaluation is timed to the first delta, evaluation from there to the end.
 */
export class OllamaChunks implements StreamTranslator<OllamaChunk, OllamaErrorBody> {
  readonly #meta: OllamaMeta;
  readonly #started: number;
  #firstDelta: number | undefined;
  #usage: TokenUsage | undefined;
  readonly #content = new JoinedText();
  readonly #thinking = new JoinedText();

  constructor(meta: OllamaMeta) {
    this.#meta = meta;
    this.#started = meta.clock.nowMs();
  }

  start(): OllamaChunk[] {
    return [];
  }

  event(e: ChatEvent): OllamaChunk[] {
    if (e.type === "message") this.#content.nextPart();
    if (e.type === "reasoning_part") this.#thinking.nextPart();
    if (e.type === "usage") this.#usage = e.usage;
    if (e.type === "text" && e.delta) return [this.#chunk({ content: this.#content.delta(e.delta) })];
    if (e.type === "reasoning" && e.delta && this.#meta.thinking) return [this.#chunk({ thinking: this.#thinking.delta(e.delta) })];
    if (e.type !== "tool_calls") return [];
    return [this.#chunk({ tool_calls: e.calls.map((c) => ({ id: c.callId, function: { name: c.name, arguments: parsedInput(c.arguments) } })) })];
  }

  end(): OllamaChunk[] {
    const now = this.#meta.clock.nowMs();
    const first = this.#firstDelta ?? now;
    const stats: OllamaStats = {
      done_reason: "stop",
      total_duration: (now - this.#started) * NS_PER_MS,
      load_duration: 0,
      prompt_eval_count: this.#usage?.inputTokens ?? 0,
      prompt_eval_duration: (first - this.#started) * NS_PER_MS,
      eval_count: this.#usage?.outputTokens ?? 0,
      eval_duration: (now - first) * NS_PER_MS,
    };
    return [{ ...ollamaChunk(this.#meta, now, {}, true), ...stats }];
  }

  error(e: ApiError): OllamaErrorBody {
    return ollamaError(e).body;
  }

  #chunk(piece: Piece): OllamaChunk {
    const now = this.#meta.clock.nowMs();
    this.#firstDelta ??= now;
    return ollamaChunk(this.#meta, now, piece, false);
  }
}

/** One object in the endpoint's shape: `/api/chat`'s `message`, or `/api/generate`'s `response` and `thinking`. */
export function ollamaChunk(meta: Pick<OllamaMeta, "model" | "endpoint">, atMs: number, piece: Piece, done: boolean): OllamaChunk {
  const head = { model: meta.model, created_at: new Date(atMs).toISOString() };
  const { content = "", thinking, tool_calls } = piece;
  if (meta.endpoint === "generate") return { ...head, response: content, ...(thinking !== undefined ? { thinking } : {}), done };
  return { ...head, message: { role: "assistant", content, ...(thinking !== undefined ? { thinking } : {}), ...(tool_calls ? { tool_calls } : {}) }, done };
}

/** Folds the objects into the one `stream: false` answers with: the texts and calls joined, the last object's fields. */
export function foldOllama(chunks: readonly OllamaChunk[]): OllamaChunk {
  const last = chunks.at(-1);
  if (!last) throw new Error("foldOllama: no chunks");
  const content = chunks.map((c) => ("message" in c ? c.message.content : c.response)).join("");
  const thinking = chunks.map((c) => ("message" in c ? c.message.thinking : c.thinking) ?? "").join("");
  const calls = chunks.flatMap((c) => ("message" in c ? (c.message.tool_calls ?? []) : []));
  if (!("message" in last)) return { ...last, response: content, ...(thinking ? { thinking } : {}) };
  return { ...last, message: { role: "assistant", content, ...(thinking ? { thinking } : {}), ...(calls.length ? { tool_calls: calls } : {}) } };
}
