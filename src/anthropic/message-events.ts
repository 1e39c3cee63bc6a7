import { MESSAGE_BREAK, type ChatEvent, type TokenUsage } from "../backend/types.ts";
import type { ApiError } from "../errors.ts";
import type { StreamTranslator } from "../stream-translator.ts";
import { anthropicError, type AnthropicErrorBody } from "./anthropic-error.ts";
import { emptyMessage, toAnthropicUsage, type AnthropicUsage, type ContentOut, type MessageObject, type StopReason } from "./message-object.ts";

type BlockDelta = { type: "text_delta"; text: string } | { type: "thinking_delta"; thinking: string } | { type: "input_json_delta"; partial_json: string };

/** The Messages stream events, as `event:` name and `data:` body (the body's `type` is the name). */
export type MessagesEvent =
  | { type: "message_start"; message: MessageObject }
  | { type: "content_block_start"; index: number; content_block: ContentOut }
  | { type: "content_block_delta"; index: number; delta: BlockDelta }
  | { type: "content_block_stop"; index: number }
  | { type: "message_delta"; delta: { stop_reason: StopReason; stop_sequence: null }; usage: AnthropicUsage }
  | { type: "message_stop" };

export interface MessageMeta {
  readonly id: string;
  /** The id the client asked for, echoed back. */
  readonly model: string;
  /** Whether reasoning is shown as `thinking` blocks (the client asked for thinking and did not omit it). */
  readonly thinking: boolean;
  /** The adapter's request id, which Anthropic's error bodies carry. */
  readonly requestId: string;
}

/**
 * Translates a turn's adapter events into the Messages event sequence: `message_start`, one
 * text block per assistant message, one thinking block per run of reasoning (its summary parts
 * joined by MESSAGE_BREAK) and one block per tool call, then `message_delta` (stop reason,
 * usage) and `message_stop`. Pure apart from its own position in the sequence.
 */
export class MessageEvents implements StreamTranslator<MessagesEvent, AnthropicErrorBody> {
  readonly #meta: MessageMeta;
  #index = -1;
  /** The open block; a block opens at its first non-empty delta, so an open block has text. */
  #open: "text" | "thinking" | undefined;
  /** A summary part began after thinking text: its first delta starts with MESSAGE_BREAK. */
  #thinkingBreakPending = false;
  #usage: TokenUsage | undefined;
  #calledTools = false;

  constructor(meta: MessageMeta) {
    this.#meta = meta;
  }

  start(): MessagesEvent[] {
    return [{ type: "message_start", message: emptyMessage(this.#meta.id, this.#meta.model) }];
  }

  event(e: ChatEvent): MessagesEvent[] {
    if (e.type === "message") return this.#open === "text" ? this.#close() : [];
    if (e.type === "reasoning_part") this.#thinkingBreakPending = this.#open === "thinking";
    // An empty delta opens no block: clients echo blocks back, and an empty text block is refused.
    if (e.type === "text") return e.delta ? this.#delta("text", { type: "text_delta", text: e.delta }) : [];
    if (e.type === "reasoning") return this.#meta.thinking ? this.#thinking(e.delta) : [];
    if (e.type === "usage") this.#usage = e.usage;
    if (e.type !== "tool_calls") return [];
    this.#calledTools = true;
    return [
      ...this.#close(),
      ...e.calls.flatMap((call): MessagesEvent[] => {
        const index = ++this.#index;
        return [
          { type: "content_block_start", index, content_block: { type: "tool_use", id: call.callId, name: call.name, input: {} } },
          { type: "content_block_delta", index, delta: { type: "input_json_delta", partial_json: call.arguments } },
          { type: "content_block_stop", index },
        ];
      }),
    ];
  }

  end(): MessagesEvent[] {
    return [
      ...this.#close(),
      { type: "message_delta", delta: { stop_reason: this.#calledTools ? "tool_use" : "end_turn", stop_sequence: null }, usage: toAnthropicUsage(this.#usage) },
      { type: "message_stop" },
    ];
  }

  error(e: ApiError): AnthropicErrorBody {
    return anthropicError(e, this.#meta.requestId).body;
  }

  #thinking(delta: string): MessagesEvent[] {
    if (!delta) return [];
    const thinking = this.#thinkingBreakPending ? MESSAGE_BREAK + delta : delta;
    this.#thinkingBreakPending = false;
    return this.#delta("thinking", { type: "thinking_delta", thinking });
  }

  #delta(kind: "text" | "thinking", delta: BlockDelta): MessagesEvent[] {
    const events: MessagesEvent[] = [];
    if (this.#open !== kind) {
      events.push(...this.#close());
      this.#open = kind;
      const block: ContentOut = kind === "text" ? { type: "text", text: "" } : { type: "thinking", thinking: "", signature: "" };
      events.push({ type: "content_block_start", index: ++this.#index, content_block: block });
    }
    events.push({ type: "content_block_delta", index: this.#index, delta });
    return events;
  }

  #close(): MessagesEvent[] {
    if (!this.#open) return [];
    this.#open = undefined;
    this.#thinkingBreakPending = false;
    return [{ type: "content_block_stop", index: this.#index }];
  }
}

/** Folds the event sequence into the message it describes: the non-streaming answer, built from the same translator. */
export function foldMessage(events: readonly MessagesEvent[]): MessageObject {
  let message: MessageObject | undefined;
  const json = new Map<number, string>();
  for (const e of events) {
    if (e.type === "message_start") message = { ...e.message, content: [] };
    if (!message) continue;
    if (e.type === "content_block_start") message.content[e.index] = { ...e.content_block };
    else if (e.type === "content_block_delta") {
      const block = message.content[e.index];
      if (block?.type === "text" && e.delta.type === "text_delta") block.text += e.delta.text;
      else if (block?.type === "thinking" && e.delta.type === "thinking_delta") block.thinking += e.delta.thinking;
      else if (e.delta.type === "input_json_delta") json.set(e.index, (json.get(e.index) ?? "") + e.delta.partial_json);
    } else if (e.type === "content_block_stop") {
      const block = message.content[e.index];
      if (block?.type === "tool_use") block.input = parsedInput(json.get(e.index) ?? "");
    } else if (e.type === "message_delta") {
      message.stop_reason = e.delta.stop_reason;
      message.usage = e.usage;
    }
  }
  if (!message) throw new Error("foldMessage: no message_start");
  return message;
}

/** The model's arguments as an object; text that is not a JSON object is kept under `input` rather than lost. */
function parsedInput(text: string): unknown {
  try {
    const value: unknown = JSON.parse(text || "{}");
    return typeof value === "object" && value !== null && !Array.isArray(value) ? value : { input: value };
  } catch {
    return { input: text };
  }
}
