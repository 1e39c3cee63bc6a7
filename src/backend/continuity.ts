import { conversationKeys } from "./conversation-match.ts";
import { TranscriptKeys } from "./transcript-keys.ts";
import { TurnTranscript } from "./turn-transcript.ts";
import type { ChatEvent, ChatTurnRequest, MissReason, TokenUsage, ToolResult, WarmThreadStats } from "./types.ts";
import { WarmThreads } from "./warm-threads.ts";

/** What becomes of a thread when its turn ends: kept warm for the conversation's next turn, or let go. */
export interface ThreadKeeper<T> {
  /** The thread's token total before this turn, or undefined for a new thread. */
  readonly usedTokens: TokenUsage | undefined;
  /** Every event the turn's consumer receives, in order. */
  seen(event: ChatEvent): void;
  /** The client's results of the calls the turn paused on. */
  resumed(results: readonly ToolResult[]): void;
  /** The turn completed normally; true when the keeper took the thread (kept warm or let go by it). */
  completed(thread: T, usedTokens: TokenUsage | undefined): boolean;
  /** The turn ended any other way; the caller lets the thread go. */
  abandoned(): void;
}

/** Where a request's turn runs: a warm thread with only the new messages, or a fresh thread with everything. */
export interface ThreadPlan<T> {
  readonly warm: T | undefined;
  readonly request: ChatTurnRequest;
  readonly keeper: ThreadKeeper<T>;
  /** How the request was matched (logged at debug level; the stats count the same). */
  readonly outcome: "hit" | "new" | "off" | MissReason;
}

/**
 * Conversation continuity: a request whose history is exactly what a warm thread has seen,
 * followed by new user messages, runs as the next turn of that thread, so Codex sends the
 * upstream the same `prompt_cache_key` (its thread id) and the cached prefix is reused. The
 * thread's hidden state (reasoning of earlier turns) is only ever continued this way.
 */
export class Continuity<T> {
  readonly #keys = new TranscriptKeys();
  readonly #warm: WarmThreads<T>;

  constructor(options: { maxWarmThreads: number; idleMs: number; letGo: (thread: T) => void }) {
    this.#warm = new WarmThreads({ max: options.maxWarmThreads, idleMs: options.idleMs, letGo: options.letGo });
  }

  plan(request: ChatTurnRequest): ThreadPlan<T> {
    if (!this.#warm.enabled) return { warm: undefined, request, keeper: LET_GO, outcome: "off" };
    const keys = conversationKeys(this.#keys, request);
    const taken = keys.continues ? this.#warm.take(keys.candidates.map((c) => c.key)) : undefined;
    const hit = taken && "hit" in taken ? taken.hit : undefined;
    const transcript = new TurnTranscript(this.#keys, keys.transcript);
    const warm = this.#warm;
    const keeper: ThreadKeeper<T> = {
      usedTokens: hit?.usedTokens,
      seen: (event) => transcript.seen(event),
      resumed: (results) => transcript.resumed(results),
      completed(thread, usedTokens) {
        warm.put(transcript.key, { thread, usedTokens }, hit?.key);
        return true;
      },
      abandoned() {
        if (hit) warm.drop(hit.key);
      },
    };
    if (!hit) return { warm: undefined, request, keeper, outcome: taken && "miss" in taken ? taken.miss : "new" };
    // The thread holds the instructions and everything before the new messages already.
    const newItems = keys.candidates.find((c) => c.key === hit.key)?.newItems ?? [];
    return { warm: hit.thread, request: { ...request, instructions: undefined, history: newItems }, keeper, outcome: "hit" };
  }

  /** The child went away, and every thread with it. */
  childExited(): void {
    this.#warm.forgetAll("restarted");
  }

  /** Another login may not continue what the previous one started. */
  loginChanged(): void {
    this.#warm.forgetAll("login_changed");
  }

  stats(): WarmThreadStats {
    return this.#warm.stats();
  }
}

/** Continuity off: every thread is let go after its turn, as before. */
const LET_GO: ThreadKeeper<never> = {
  usedTokens: undefined,
  seen: () => undefined,
  resumed: () => undefined,
  completed: () => false,
  abandoned: () => undefined,
};
