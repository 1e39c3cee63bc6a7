import { withoutCallId, type MatchOptions } from "./conversation-match.ts";
import { assistantText, type TranscriptKeys } from "./transcript-keys.ts";
import { MESSAGE_BREAK, type ChatEvent, type HistoryItem, type ToolResult } from "./types.ts";

/**
 * Extends a request's transcript key with the turn's answer as the client receives it, so the
 * client's next request, which repeats that answer, finds the thread: per segment the text
 * (its messages as one, joined by MESSAGE_BREAK), then the tool calls, then the results the client sent for them.
 * Reasoning is left out: clients do not send it back. Text is hashed as it streams, never kept.
 * At a pause its key is the paused turn's: the continuation request's history up to the calls.
 */
export class TurnTranscript {
  readonly #keys: TranscriptKeys;
  readonly #byPosition: boolean;
  #key: string;
  #text = assistantText();
  /** A new assistant message began after text of this one: the break goes in before its text. */
  #breakPending = false;

  constructor(keys: TranscriptKeys, requestKey: string, options: MatchOptions = {}) {
    this.#keys = keys;
    this.#byPosition = options.byPosition === true;
    this.#key = requestKey;
  }

  /** The key of everything the thread has seen so far (complete once the turn is done). */
  get key(): string {
    return this.#key;
  }

  seen(event: ChatEvent): void {
    if (event.type === "message") {
      this.#breakPending = !this.#text.empty;
    } else if (event.type === "text") {
      if (!event.delta) return;
      if (this.#breakPending) this.#text.hash.update(MESSAGE_BREAK);
      this.#breakPending = false;
      this.#text.empty = false;
      this.#text.hash.update(event.delta);
    } else if (event.type === "tool_calls") {
      this.#endMessage();
      for (const c of event.calls) this.#next({ type: "tool_call", callId: c.callId, name: c.name, arguments: c.arguments });
    } else if (event.type === "done") {
      this.#endMessage();
    }
  }

  /** The client's results for the calls the turn paused on, in the order its request lists them. */
  resumed(results: readonly ToolResult[]): void {
    for (const r of results) this.#next({ type: "tool_result", callId: r.callId, output: r.output });
  }

  #next(item: HistoryItem): void {
    this.#key = this.#keys.next(this.#key, this.#byPosition ? withoutCallId(item) : item);
  }

  /** An empty answer is no message: the client's copy of it is dropped from its history too. */
  #endMessage(): void {
    if (!this.#text.empty) this.#key = this.#keys.nextDigest(this.#key, this.#text.hash.digest("hex"));
    this.#text = assistantText();
    this.#breakPending = false;
  }
}
