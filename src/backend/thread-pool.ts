/**
 * Keeps a few ephemeral threads started ahead of requests, taking `thread/start` off the
 * critical path. Every thread is started with the same parameters; per-request model,
 * effort and instructions go in with the turn. `T` carries the thread with the connection
 * it lives on, so a thread is never used on another child's connection.
 */
export class ThreadPool<T> {
  readonly #size: number;
  readonly #isReady: () => boolean;
  readonly #startThread: () => Promise<T>;
  #spare: Promise<T>[] = [];

  constructor(options: { size: number; isReady: () => boolean; startThread: () => Promise<T> }) {
    this.#size = options.size;
    this.#isReady = options.isReady;
    this.#startThread = options.startThread;
  }

  /** A started thread: a spare one if it started fine, otherwise a fresh one. */
  async take(): Promise<T> {
    const spare = this.#spare.shift();
    this.fill();
    if (spare) {
      try {
        return await spare;
      } catch {
        // the spare failed (e.g. its child died); start one now instead
      }
    }
    return this.#startThread();
  }

  fill(): void {
    while (this.#isReady() && this.#spare.length < this.#size) {
      const started = this.#startThread();
      started.catch(() => undefined); // a failed spare is replaced in take()
      this.#spare.push(started);
    }
  }

  /** Forgets spares that belonged to a child that went away. */
  clear(): void {
    this.#spare = [];
  }
}
