import type { ThreadSettings, TranscriptKeys } from "./transcript-keys.ts";
import type { ChatTurnRequest, HistoryItem, ToolResult } from "./types.ts";

/** A point in the request's conversation where a warm thread may have stopped. */
export interface MatchCandidate {
  /** The key of the conversation up to this point. */
  readonly key: string;
  /** What comes after it in the request's history: new user messages only (the thread has not seen them). */
  readonly newItems: readonly HistoryItem[];
}

/** The request answers every call of a turn that paused on them, and says nothing else. */
export interface PausedMatch {
  /** The key of the conversation through those calls: the paused turn's key (see TurnTranscript). */
  readonly key: string;
  /** The results, in the order the request lists them, call ids as sent. */
  readonly results: readonly ToolResult[];
}

export interface ConversationKeys {
  /** Where a warm thread may be continued, the fewest new messages first. */
  readonly candidates: readonly MatchCandidate[];
  /** The key of the whole request (history and the new input); the turn's answer extends it. */
  readonly transcript: string;
  /** The request continues a conversation (it carries an earlier answer); the first turn of one has nothing to match. */
  readonly continues: boolean;
  /** Where a paused turn would be continued, if the request is that turn's tool results. */
  readonly paused: PausedMatch | undefined;
}

export interface MatchOptions {
  /**
   * Tool results that answer calls by position, not id (Ollama's): call ids are left out of
   * every key, so ids the client numbered itself still match the ids the model gave.
   */
  readonly byPosition?: boolean;
}

export function threadSettings(request: ChatTurnRequest): ThreadSettings {
  return { model: request.model, instructions: request.instructions, tools: request.tools, outputSchema: request.outputSchema, webSearch: request.webSearch };
}

/**
 * The one decision of whether a request continues a conversation, as keys: every prefix of its
 * history after which only user messages follow (a warm thread that stopped there continues
 * with them), and, when the request is the tool results of the calls just before them, the key
 * of the turn paused on those calls. A thread holds the conversation through its last answer;
 * anything else in the remainder (an assistant message, a tool call or result the thread did
 * not produce) means the histories differ, so there is no candidate there.
 */
export function conversationKeys(keys: TranscriptKeys, request: ChatTurnRequest, options: MatchOptions = {}): ConversationKeys {
  const { history } = request;
  const hashed = options.byPosition ? history.map(withoutCallId) : history;
  const prefix: string[] = [keys.seed(threadSettings(request))];
  for (const item of hashed) prefix.push(keys.next(prefix.at(-1) ?? "", item));
  let firstNew = history.length;
  while (firstNew > 0 && history[firstNew - 1]?.type === "user") firstNew -= 1;
  const candidates: MatchCandidate[] = [];
  for (let at = history.length; at >= firstNew && at > 0; at -= 1) {
    candidates.push({ key: prefix[at] ?? "", newItems: history.slice(at) });
  }
  const all = prefix.at(-1) ?? "";
  const newInput = request.input !== "" || request.inputImages.length > 0;
  const transcript = newInput ? keys.next(all, { type: "user", text: request.input, images: request.inputImages }) : all;
  const paused = newInput ? undefined : pausedMatch(history, prefix);
  return { candidates, transcript, continues: history.some((h) => h.type !== "user"), paused };
}

/** The history ends in tool calls then one result for each of them (any order), and nothing after. */
function pausedMatch(history: readonly HistoryItem[], prefix: readonly string[]): PausedMatch | undefined {
  let firstResult = history.length;
  while (firstResult > 0 && history[firstResult - 1]?.type === "tool_result") firstResult -= 1;
  let firstCall = firstResult;
  while (firstCall > 0 && history[firstCall - 1]?.type === "tool_call") firstCall -= 1;
  const callIds = history.slice(firstCall, firstResult).map((c) => (c.type === "tool_call" ? c.callId : ""));
  const results = history.slice(firstResult).flatMap((r) => (r.type === "tool_result" ? [{ callId: r.callId, output: r.output }] : []));
  const answered = new Set(results.map((r) => r.callId));
  if (!callIds.length || results.length !== callIds.length || answered.size !== callIds.length || callIds.some((id) => !answered.has(id))) return undefined;
  return { key: prefix[firstResult] ?? "", results };
}

/** An item as a by-position key sees it (see MatchOptions.byPosition). */
export function withoutCallId<I extends HistoryItem>(item: I): I {
  return item.type === "tool_call" || item.type === "tool_result" ? { ...item, callId: "" } : item;
}
