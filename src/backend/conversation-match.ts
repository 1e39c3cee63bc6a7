import type { ThreadSettings, TranscriptKeys } from "./transcript-keys.ts";
import type { ChatTurnRequest, HistoryItem } from "./types.ts";

/** A point in the request's conversation where a warm thread may have stopped. */
export interface MatchCandidate {
  /** The key of the conversation up to this point. */
  readonly key: string;
  /** What comes after it in the request's history: new user messages only (the thread has not seen them). */
  readonly newItems: readonly HistoryItem[];
}

export interface ConversationKeys {
  /** Where a warm thread may be continued, the fewest new messages first. */
  readonly candidates: readonly MatchCandidate[];
  /** The key of the whole request (history and the new input); the turn's answer extends it. */
  readonly transcript: string;
  /** The request continues a conversation (it carries an earlier answer); the first turn of one has nothing to match. */
  readonly continues: boolean;
}

export function threadSettings(request: ChatTurnRequest): ThreadSettings {
  return { model: request.model, instructions: request.instructions, tools: request.tools, outputSchema: request.outputSchema, webSearch: request.webSearch };
}

/**
 * The keys under which a warm thread would continue this request: every prefix of its history
 * after which only user messages follow. A thread holds the conversation through its last
 * answer; anything else in the remainder (an assistant message, a tool call or result the
 * thread did not produce) means the histories differ, so there is no candidate there.
 */
export function conversationKeys(keys: TranscriptKeys, request: ChatTurnRequest): ConversationKeys {
  const { history } = request;
  const prefix: string[] = [keys.seed(threadSettings(request))];
  for (const item of history) prefix.push(keys.next(prefix.at(-1) ?? "", item));
  let firstNew = history.length;
  while (firstNew > 0 && history[firstNew - 1]?.type === "user") firstNew -= 1;
  const candidates: MatchCandidate[] = [];
  for (let at = history.length; at >= firstNew && at > 0; at -= 1) {
    candidates.push({ key: prefix[at] ?? "", newItems: history.slice(at) });
  }
  const all = prefix.at(-1) ?? "";
  const transcript = request.input || request.inputImages.length ? keys.next(all, { type: "user", text: request.input, images: request.inputImages }) : all;
  return { candidates, transcript, continues: history.some((h) => h.type !== "user") };
}
