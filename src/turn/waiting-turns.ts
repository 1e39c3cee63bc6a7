import { TranscriptKeys } from "../backend/transcript-keys.ts";
import type { PausedTurn } from "../backend/types.ts";

interface Entry {
  readonly turn: PausedTurn;
  readonly timer: NodeJS.Timeout;
}

/**
 * Turns paused on client tool calls, kept so the client's next request can continue them.
 * Bounded in number (the oldest is released to make room) and in time (released on expiry).
 * A waiting turn holds no concurrency slot: a client that never comes back would hold it
 * until expiry; the continuation request takes a slot like any other.
 */
export class WaitingTurns {
  /** What paused turns are kept under and found by: the conversation's transcript key (conversation-match.ts). */
  readonly keys = new TranscriptKeys();
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, Entry>();

  constructor(options: { max: number; ttlMs: number }) {
    this.#max = options.max;
    this.#ttlMs = options.ttlMs;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Keeps a paused turn under `key`; with no room (or max 0) the oldest is released first. */
  add(key: string, turn: PausedTurn): void {
    this.#release(key);
    if (this.#max === 0) {
      turn.release();
      return;
    }
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#release(oldest);
    }
    const timer = setTimeout(() => this.#release(key), this.#ttlMs);
    timer.unref();
    this.#entries.set(key, { turn, timer });
  }

  /** Removes and returns the turn under `key` if it can still be resumed. */
  take(key: string): PausedTurn | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    clearTimeout(entry.timer);
    if (entry.turn.alive) return entry.turn;
    entry.turn.release();
    return undefined;
  }

  /** Releases every waiting turn (shutdown). */
  clear(): void {
    for (const key of [...this.#entries.keys()]) this.#release(key);
  }

  #release(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    clearTimeout(entry.timer);
    entry.turn.release();
  }
}
