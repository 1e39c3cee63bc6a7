import type { HistoryMessage } from "./types.ts";

/**
 * Earlier conversation as Responses API items for `thread/inject_items`: the model sees real
 * developer/user/assistant turns, never a transcript pasted into a prompt.
 */
export function historyItems(instructions: string | undefined, history: readonly HistoryMessage[]): object[] {
  const items: object[] = [];
  if (instructions) items.push({ type: "message", role: "developer", content: [{ type: "input_text", text: instructions }] });
  for (const m of history) {
    const part = m.role === "user" ? { type: "input_text", text: m.text } : { type: "output_text", text: m.text };
    items.push({ type: "message", role: m.role, content: [part] });
  }
  return items;
}
