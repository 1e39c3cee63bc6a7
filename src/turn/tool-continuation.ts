import { createHash } from "node:crypto";
import type { ToolResult } from "../backend/types.ts";
import { messageText, type TurnMessage } from "./turn-request.ts";

/** What, besides the messages, a paused turn was started with; a continuation must match it. */
export interface TurnSettings {
  readonly model: string | undefined;
  readonly tools: unknown;
  readonly toolChoice: unknown;
  readonly outputFormat: unknown;
}

export interface Continuation {
  /** Key of the paused turn this request would continue. */
  readonly key: string;
  readonly results: readonly ToolResult[];
}

/**
 * The key a paused turn is kept under: the conversation that led to it, the settings it ran
 * with and the calls it waits on. The next request carries the same conversation, then the
 * assistant's tool calls and their results.
 */
export function waitingKey(messages: readonly TurnMessage[], settings: TurnSettings, callIds: readonly string[]): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ settings, messages: messages.map(normalized) }));
  return `${hash.digest("hex")}|${[...callIds].sort().join(",")}`;
}

/**
 * When the request ends with results for every tool call of the assistant message before
 * them, the key of the turn that may still wait for them, and the results. `byPosition`: the
 * key leaves the call ids out (see TurnRequest.resultsByPosition), as the pause's key must.
 */
export function findContinuation(messages: readonly TurnMessage[], settings: TurnSettings, byPosition = false): Continuation | undefined {
  let start = messages.length;
  while (start > 0 && messages[start - 1]?.role === "tool") start -= 1;
  const assistant = messages[start - 1];
  if (start === messages.length || assistant?.role !== "assistant" || !assistant.toolCalls?.length) return undefined;
  const callIds = assistant.toolCalls.map((c) => c.id);
  const results = messages.slice(start).map((m) => ({ callId: m.callId ?? "", output: messageText(m) }));
  const answered = new Set(results.map((r) => r.callId));
  if (callIds.some((id) => id === undefined || !answered.has(id)) || answered.size !== callIds.length) return undefined;
  return { key: waitingKey(messages.slice(0, start - 1), settings, byPosition ? [] : (callIds as string[])), results };
}

/** The parts of a message that reach the model, in one shape whatever form the client used. */
function normalized(m: TurnMessage): unknown {
  return {
    role: m.role,
    text: messageText(m),
    images: m.content.flatMap((p) => (p.type === "image" ? [p.url] : [])),
    calls: (m.toolCalls ?? []).map((c) => [c.id, c.name, c.arguments]),
    callId: m.callId ?? null,
  };
}
