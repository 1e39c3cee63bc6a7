import type { ChatChunk, FinishReason, ToolCallBody, UrlCitationAnnotation } from "./chat-chunks.ts";
import { toOpenAIUsage } from "./usage.ts";

/** Folds the chunk sequence into the `chat.completion` it describes: the non-streaming answer. */
export function foldCompletion(chunks: readonly ChatChunk[]) {
  const first = chunks[0];
  if (!first) throw new Error("foldCompletion: no chunks");
  let content = "";
  let reasoning = "";
  let finishReason: FinishReason = "stop";
  let usage = toOpenAIUsage(undefined);
  const calls: ToolCallBody[] = [];
  const annotations: UrlCitationAnnotation[] = [];
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const { delta, finish_reason } of chunk.choices) {
      content += delta.content ?? "";
      reasoning += delta.reasoning_content ?? "";
      annotations.push(...(delta.annotations ?? []));
      if (finish_reason) finishReason = finish_reason;
      // Each tool call comes whole in one chunk (see ChatChunks).
      for (const call of delta.tool_calls ?? []) calls.push({ id: call.id, type: call.type, function: call.function });
    }
  }
  return {
    id: first.id,
    object: "chat.completion",
    created: first.created,
    model: first.model,
    system_fingerprint: null,
    choices: [
      {
        index: 0,
        message: {
          role: "assistant",
          // With tool calls and no text, content is null as OpenAI sends it.
          content: calls.length && !content ? null : content,
          refusal: null,
          ...(annotations.length ? { annotations } : {}),
          ...(reasoning ? { reasoning_content: reasoning } : {}),
          ...(calls.length ? { tool_calls: calls } : {}),
        },
        logprobs: null,
        finish_reason: finishReason,
      },
    ],
    usage,
  };
}
