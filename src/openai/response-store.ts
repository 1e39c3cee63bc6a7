import type { ChatMessage } from "./chat-request.ts";

interface Stored {
  readonly messages: readonly ChatMessage[];
  readonly expiresAt: number;
}

/**
 * The conversations behind earlier /v1/responses answers, for `previous_response_id`: in
 * memory only, at most `max` (the oldest goes first), each for `ttlMs`.
 */
export class ResponseStore {
  readonly #max: number;
  readonly #ttlMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Stored>();

  constructor(options: { max: number; ttlMs: number; now?: () => number }) {
    this.#max = options.max;
    this.#ttlMs = options.ttlMs;
    this.#now = options.now ?? Date.now;
  }

  /** The conversation up to and including response `id`'s output, unless unknown or expired. */
  get(id: string): readonly ChatMessage[] | undefined {
    const entry = this.#entries.get(id);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.#now()) {
      this.#entries.delete(id);
      return undefined;
    }
    return entry.messages;
  }

  put(id: string, messages: readonly ChatMessage[]): void {
    if (this.#max === 0) return;
    const now = this.#now();
    for (const [key, entry] of this.#entries) if (entry.expiresAt <= now) this.#entries.delete(key);
    while (this.#entries.size >= this.#max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
    this.#entries.set(id, { messages, expiresAt: now + this.#ttlMs });
  }
}
