import type { ChatEvent, TokenUsage, ToolCall } from "../backend/types.ts";
import { toolCallBody, type CompletionMeta } from "./chat-chunks.ts";
import { toOpenAIUsage } from "./usage.ts";

/** Drains a turn's events into one non-streaming `chat.completion`. */
export async function collectCompletion(events: AsyncIterable<ChatEvent>, meta: CompletionMeta) {
  let content = "";
  let reasoning = "";
  let usage: TokenUsage | undefined;
  let calls: readonly ToolCall[] = [];
  for await (const event of events) {
    if (event.type === "tool_calls") calls = event.calls;
    else if (event.type === "text") content += event.delta;
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
        message: {
          role: "assistant",
          // With tool calls and no text, content is null as OpenAI sends it.
          content: calls.length && !content ? null : content,
          refusal: null,
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(calls.length ? { tool_calls: calls.map(toolCallBody) } : {}),
        },
        logprobs: null,
        finish_reason: calls.length ? "tool_calls" : "stop",
      },
    ],
    usage: toOpenAIUsage(usage),
  };
}
