import type { TokenUsage, ToolCall } from "../backend/types.ts";
import { toOpenAIUsage } from "./usage.ts";

export interface CompletionMeta {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

type Delta = { role?: "assistant"; content?: string; reasoning_content?: string; tool_calls?: object[] };

/** Builds `chat.completion.chunk` objects; every chunk carries id, object, created and model. */
export class ChunkBuilder {
  constructor(readonly meta: CompletionMeta) {}

  #chunk(choices: object[], extra: object = {}) {
    const { id, created, model } = this.meta;
    return { id, object: "chat.completion.chunk", created, model, system_fingerprint: null, choices, ...extra };
  }

  #delta(delta: Delta, finishReason: string | null = null) {
    return this.#chunk([{ index: 0, delta, logprobs: null, finish_reason: finishReason }]);
  }

  /** The first chunk: the `openai` SDK's stream helper needs the role before any content. */
  role() {
    return this.#delta({ role: "assistant", content: "" });
  }

  content(text: string) {
    return this.#delta({ content: text });
  }

  reasoning(text: string) {
    return this.#delta({ reasoning_content: text });
  }

  /** One whole call per chunk: Codex reports a call once its arguments are complete. */
  toolCall(index: number, call: ToolCall) {
    return this.#delta({ tool_calls: [{ index, ...toolCallBody(call) }] });
  }

  finish(reason: "stop" | "length" | "tool_calls") {
    return this.#delta({}, reason);
  }

  /** Sent only with `stream_options.include_usage`: empty choices and the exact usage. */
  usage(usage: TokenUsage | undefined) {
    return this.#chunk([], { usage: toOpenAIUsage(usage) });
  }
}

/** A tool call in chat completions' shape. */
export function toolCallBody(call: ToolCall) {
  return { id: call.callId, type: "function" as const, function: { name: call.name, arguments: call.arguments } };
}
