import { countTokens } from "gpt-tokenizer";
import { textOf } from "../openai/tool-continuation.ts";
import type { ChatRequest } from "../openai/chat-request.ts";

/** What each message adds around its text (role and separators), as OpenAI's chat format costs it. */
const PER_MESSAGE = 4;
/** An image's cost depends on its size, which the estimate does not decode: a 1024x1024 picture's. */
const PER_IMAGE = 765;

/**
 * An estimate of the input tokens of a request (translated to chat terms), with the o200k_base
 * encoding of the GPT-5 family: every text, tool call and tool definition counted exactly, plus
 * fixed costs for message framing and images. Codex's own instructions are not included.
 */
export function estimateInputTokens(chat: ChatRequest): number {
  let total = 0;
  for (const m of chat.messages) {
    total += PER_MESSAGE + countTokens(textOf(m));
    for (const call of m.tool_calls ?? []) total += countTokens(`${call.function.name}(${call.function.arguments ?? ""})`);
    if (Array.isArray(m.content)) total += PER_IMAGE * m.content.filter((p) => p.type === "image_url").length;
  }
  for (const tool of chat.tools ?? []) total += countTokens(JSON.stringify(tool));
  return total;
}
