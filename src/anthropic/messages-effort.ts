import type { MessagesRequest } from "./messages-request.ts";

/** Anthropic's top effort has no Codex name of its own; Codex's highest is `xhigh`. */
const EFFORTS: Record<string, string> = { low: "low", medium: "medium", high: "high", max: "xhigh", xhigh: "xhigh" };

/** Thinking budgets up to each bound ask for that effort; larger ones for `xhigh`. */
const BUDGETS: readonly [number, string][] = [
  [4096, "low"],
  [16_384, "medium"],
  [32_768, "high"],
];

/**
 * The reasoning effort a Messages request asks for, or undefined for the model's default:
 * `output_config.effort` first, then `thinking` (a budget's size, `disabled` as the least).
 * The catalog then keeps only an effort the model lists.
 */
export function messagesEffort(body: MessagesRequest): string | undefined {
  const effort = body.output_config?.effort;
  if (effort) return EFFORTS[effort] ?? effort;
  const thinking = body.thinking;
  if (thinking?.type === "disabled") return "none";
  if (thinking?.type !== "enabled" || !("budget_tokens" in thinking)) return undefined;
  return BUDGETS.find(([max]) => thinking.budget_tokens <= max)?.[1] ?? "xhigh";
}

/** Reasoning is streamed as thinking blocks only when the client turned thinking on and did not ask to omit it. */
export function showsThinking(body: MessagesRequest): boolean {
  const thinking = body.thinking as (MessagesRequest["thinking"] & { display?: unknown }) | undefined;
  return (thinking?.type === "enabled" || thinking?.type === "adaptive") && thinking.display !== "omitted";
}
