import type { Clock } from "./clock.ts";

/** One value read at most once per `ttlMs`; concurrent callers share the read in flight. A failed read is not kept. */
export class CachedRead<T> {
  readonly #read: () => Promise<T>;
  readonly #ttlMs: number;
  readonly #clock: Clock;
  #cached: { at: number; value: T } | undefined;
  #loading: Promise<T> | undefined;

  constructor(read: () => Promise<T>, ttlMs: number, clock: Clock) {
    this.#read = read;
    this.#ttlMs = ttlMs;
    this.#clock = clock;
  }

  get(): Promise<T> {
    const now = this.#clock.nowMs();
    if (this.#cached && now - this.#cached.at < this.#ttlMs) return Promise.resolve(this.#cached.value);
    this.#loading ??= this.#read()
      .then((value) => {
        this.#cached = { at: now, value };
        return value;
      })
      .finally(() => (this.#loading = undefined));
    return this.#loading;
  }

  /** The next get() reads afresh. */
  forget(): void {
    this.#cached = undefined;
  }
}
