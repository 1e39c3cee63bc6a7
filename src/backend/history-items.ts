import type { ChatTurnRequest, HistoryItem } from "./types.ts";

/** Codex refuses a `turn/start` input longer than this ("Input exceeds the maximum length of 1048576 characters"). */
const MAX_TURN_INPUT_CHARS = 1_048_576;

/**
 * What a turn sends: the items injected first and the `turn/start` input. A new message too
 * long for `turn/start` is injected with the history instead and the turn starts from it, as
 * after tool results, so the model's context window stays the only limit.
 */
export function turnItems(request: Pick<ChatTurnRequest, "instructions" | "history" | "input" | "inputImages">): { items: object[]; input: object[] } {
  if (request.input.length <= MAX_TURN_INPUT_CHARS) {
    return { items: historyItems(request.instructions, request.history), input: turnInput(request.input, request.inputImages) };
  }
  const last: HistoryItem = { type: "user", text: request.input, images: request.inputImages };
  return { items: historyItems(request.instructions, [...request.history, last]), input: [] };
}

/**
 * Earlier conversation as Responses API items for `thread/inject_items`: the model sees real
 * developer/user/assistant turns, function calls and their outputs, never a transcript pasted into a prompt.
 */
export function historyItems(instructions: string | undefined, history: readonly HistoryItem[]): object[] {
  const items: object[] = [];
  if (instructions) items.push({ type: "message", role: "developer", content: [{ type: "input_text", text: instructions }] });
  for (const h of history) items.push(historyItem(h));
  return items;
}

function historyItem(h: HistoryItem): object {
  switch (h.type) {
    case "user": {
      const images = h.images.map((url) => ({ type: "input_image", image_url: url }));
      return { type: "message", role: "user", content: [...(h.text ? [{ type: "input_text", text: h.text }] : []), ...images] };
    }
    case "assistant":
      return { type: "message", role: "assistant", content: [{ type: "output_text", text: h.text }] };
    case "tool_call":
      return { type: "function_call", call_id: h.callId, name: h.name, arguments: h.arguments };
    case "tool_result":
      return { type: "function_call_output", call_id: h.callId, output: h.output };
  }
}

/** The `input` of `turn/start`: the new user message, or nothing when the history ends in tool results. */
export function turnInput(text: string, images: readonly string[]): object[] {
  return [...(text ? [{ type: "text", text, text_elements: [] }] : []), ...images.map((url) => ({ type: "image", url }))];
}
