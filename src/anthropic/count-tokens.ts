import { countTokens as countWhole } from "gpt-tokenizer";
import { textOf } from "../openai/tool-continuation.ts";
import type { ChatRequest } from "../openai/chat-request.ts";

/** What each message adds around its text (role and separators), as OpenAI's chat format costs it. */
const PER_MESSAGE = 4;
/** An image's cost depends on its size, which the estimate does not decode: a 1024x1024 picture's. */
const PER_IMAGE = 765;

/**
 * BPE's cost grows with the square of a run without a break (200 KB of one letter took 23 s,
 * blocking every request): text is counted in slices, each slice boundary adding at most a token.
 */
const SLICE_CHARS = 2000;

function countTokens(text: string): number {
  let total = 0;
  for (let at = 0; at < text.length; at += SLICE_CHARS) total += countWhole(text.slice(at, at + SLICE_CHARS));
  return total;
}

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
