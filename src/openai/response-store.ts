import type { Clock } from "../core/clock.ts";
import type { TurnMessage } from "../turn/turn-request.ts";

/** The longest `previous_response_id` accepted (the adapter's own ids are 37 characters). */
export const MAX_RESPONSE_ID_CHARS = 256;

interface Stored {
  readonly messages: readonly TurnMessage[];
  readonly expiresAt: number;
}

/**
 * The conversations behind earlier /v1/responses answers, for `previous_response_id`: in
 * memory only, at most `max` (the oldest goes first), each for `ttlMs`.
 */
export class ResponseStore {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  readonly #entries = new Map<string, Stored>();

  constructor(options: { max: number; ttlMs: number; clock: Clock }) {
    this.#max = options.max;
    this.#ttlMs = options.ttlMs;
    this.#clock = options.clock;
  }

  /** The conversation up to and including response `id`'s output, unless unknown or expired. */
  get(id: string): readonly TurnMessage[] | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#clock.nowMs()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.messages;
  }

  put(id: string, messages: readonly TurnMessage[]): void {
    if (this.#max === 0) return;
    const now = this.#clock.nowMs();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(id, { messages, expiresAt: now + this.#ttlMs });
  }
}
