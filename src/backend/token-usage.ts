import type { TokenUsage } from "./types.ts";

/** The sum of two usages; either may be missing. */
export function addUsage(a: TokenUsage | undefined, b: TokenUsage | undefined): TokenUsage | undefined {
  if (!a || !b) return a ?? b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    reasoningOutputTokens: a.reasoningOutputTokens + b.reasoningOutputTokens,
    totalTokens: a.totalTokens + b.totalTokens,
  };
}

/** A turn's own usage: Codex reports a thread's running total, so on a continued thread it is the difference. */
export function subtractUsage(total: TokenUsage, before: TokenUsage | undefined): TokenUsage {
  if (!before) return total;
  return {
    inputTokens: total.inputTokens - before.inputTokens,
    cachedInputTokens: total.cachedInputTokens - before.cachedInputTokens,
    outputTokens: total.outputTokens - before.outputTokens,
    reasoningOutputTokens: total.reasoningOutputTokens - before.reasoningOutputTokens,
    totalTokens: total.totalTokens - before.totalTokens,
  };
}
