import { MISS_REASONS, type MissReason, type TokenUsage, type WarmThreadStats } from "./types.ts";

/** Why a warm thread was let go without being continued. */
type Forgotten = Extract<MissReason, "moved_on" | "turn_failed" | "evicted_idle" | "evicted_full" | "restarted" | "login_changed">;

/** An idle thread kept for its conversation's next turn. */
export interface Warm<T> {
  readonly thread: T;
  /** The thread's token total so far (Codex reports running totals per thread). */
  readonly usedTokens: TokenUsage | undefined;
}

export type Taken<T> = { readonly hit: Warm<T> & { readonly key: string } } | { readonly miss: MissReason };

interface Entry<T> extends Warm<T> {
  readonly timer: NodeJS.Timeout;
}

/**
 * The warm threads, by the key of the conversation each has seen: the one owner of that state.
 * A thread is taken exclusively (out of the table while its turn runs) and put back under its
 * new key when the turn completes. Bounded in number (the least recently used goes) and in idle
 * time; a thread let go is handed to `letGo` (unsubscribed, so Codex unloads it). Keys of threads
 * let go are remembered, bounded, only to name the reason of a later miss.
 */
export class WarmThreads<T> {
  readonly #max: number;
  readonly #idleMs: number;
  readonly #letGo: (thread: T) => void;
  readonly #entries = new Map<string, Entry<T>>();
  /** Keys whose thread runs a turn right now. */
  readonly #inUse = new Set<string>();
  readonly #forgotten = new Map<string, Forgotten>();
  #hits = 0;
  readonly #misses = Object.fromEntries(MISS_REASONS.map((r) => [r, 0])) as Record<MissReason, number>;

  constructor(options: { max: number; idleMs: number; letGo: (thread: T) => void }) {
    this.#max = options.idleMs > 0 ? options.max : 0;
    this.#idleMs = options.idleMs;
    this.#letGo = options.letGo;
  }

  get enabled(): boolean {
    return this.#max > 0;
  }

  /** Takes the thread of the first key that has one; the caller must `put` or `drop` it afterwards. */
  take(keys: readonly string[]): Taken<T> {
    for (const key of keys) {
      const entry = this.#entries.get(key);
      if (!entry) continue;
      this.#entries.delete(key);
      clearTimeout(entry.timer);
      this.#inUse.add(key);
      this.#hits += 1;
      return { hit: { key, thread: entry.thread, usedTokens: entry.usedTokens } };
    }
    const miss = this.#missReason(keys);
    this.#misses[miss] += 1;
    return { miss };
  }

  /** A turn completed on `thread`: it is kept under the key of what it has seen now. */
  put(key: string, warm: Warm<T>, takenKey?: string): void {
    if (takenKey !== undefined) this.#release(takenKey, "moved_on");
    const previous = this.#entries.get(key);
    if (previous) this.#evict(key, previous, "evicted_full"); // two identical conversations: the newer thread stays
    while (this.#entries.size >= this.#max) {
      const [oldest, entry] = this.#entries.entries().next().value ?? [];
      if (oldest === undefined || !entry) break;
      this.#evict(oldest, entry, "evicted_full");
    }
    const timer = setTimeout(() => {
      const entry = this.#entries.get(key);
      if (entry?.thread === warm.thread) this.#evict(key, entry, "evicted_idle");
    }, this.#idleMs);
    timer.unref();
    this.#forgotten.delete(key);
    this.#entries.set(key, { ...warm, timer });
  }

  /** A taken thread's turn did not complete: the caller lets the thread go; its key is free again. */
  drop(takenKey: string): void {
    this.#release(takenKey, "turn_failed");
  }

  /** Forgets every warm thread: the child is gone (nothing to unsubscribe), or the login changed (unsubscribed). */
  forgetAll(reason: "restarted" | "login_changed"): void {
    for (const [key, entry] of this.#entries) {
      clearTimeout(entry.timer);
      this.#entries.delete(key);
      this.#remember(key, reason);
      if (reason === "login_changed") this.#letGo(entry.thread);
    }
  }

  stats(): WarmThreadStats {
    return { warm: this.#entries.size, max: this.#max, idleSeconds: this.#idleMs / 1000, hits: this.#hits, misses: { ...this.#misses } };
  }

  #missReason(keys: readonly string[]): MissReason {
    if (keys.some((k) => this.#inUse.has(k))) return "busy";
    for (const key of keys) {
      const reason = this.#forgotten.get(key);
      if (reason) return reason;
    }
    return "no_match";
  }

  #release(key: string, reason: Forgotten): void {
    this.#inUse.delete(key);
    this.#remember(key, reason);
  }

  #evict(key: string, entry: Entry<T>, reason: Forgotten): void {
    clearTimeout(entry.timer);
    this.#entries.delete(key);
    this.#remember(key, reason);
    this.#letGo(entry.thread);
  }

  /** Only the key (a keyed hash) is kept, and only so many: enough to explain recent misses. */
  #remember(key: string, reason: Forgotten): void {
    this.#forgotten.delete(key);
    this.#forgotten.set(key, reason);
    const bound = Math.max(64, 4 * this.#max);
    for (const oldest of this.#forgotten.keys()) {
      if (this.#forgotten.size <= bound) break;
      this.#forgotten.delete(oldest);
    }
  }
}
