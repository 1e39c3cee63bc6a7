import { countTokens as countWhole } from "gpt-tokenizer";
import { messageText, type TurnRequest } from "../turn/turn-request.ts";

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
 * An estimate of the input tokens of a request (translated to a turn request), with the o200k_base
 * encoding of the GPT-5 family: every text, tool call and tool definition counted exactly, plus
 * fixed costs for message framing and images. Codex's own instructions are not included.
 */
export function estimateInputTokens(request: TurnRequest): number {
  let total = 0;
  for (const m of request.messages) {
    total += PER_MESSAGE + countTokens(messageText(m));
    for (const call of m.toolCalls ?? []) total += countTokens(`${call.name}(${call.arguments})`);
    total += PER_IMAGE * m.content.filter((p) => p.type === "image").length;
  }
  // Each tool costed as a Chat function definition, wrapper and all.
  for (const { name, description, parameters } of request.functions) {
    total += countTokens(JSON.stringify({ type: "function", function: { name, description: description ?? null, parameters } }));
  }
  return total;
}
