import type { ChatEvent, TokenUsage } from "../backend/types.ts";
import type { CompletionMeta } from "./chat-chunks.ts";
import { toOpenAIUsage } from "./usage.ts";

/** Drains a turn's events into one non-streaming `chat.completion`. */
export async function collectCompletion(events: AsyncIterable<ChatEvent>, meta: CompletionMeta) {
  let content = "";
  let reasoning = "";
  let usage: TokenUsage | undefined;
  for await (const event of events) {
    if (event.type === "text") content += event.delta;
    else if (event.type === "reasoning") reasoning += event.delta;
    else if (event.type === "usage") usage = event.usage;
  }
  return {
    id: meta.id,
    object: "chat.completion",
    created: meta.created,
    model: meta.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content, refusal: null, ...(reasoning ? { reasoning_content: reasoning } : {}) },
        logprobs: null,
        finish_reason: "stop",
      },
    ],
    usage: toOpenAIUsage(usage),
  };
}
