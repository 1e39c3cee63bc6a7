/**
 * Keeps a few ephemeral threads started ahead of requests, taking `thread/start` off the
 * critical path. Every thread is started with the same parameters; per-request model,
 * effort and instructions go in with the turn.
 */
export class ThreadPool {
  readonly #size: number;
  readonly #isReady: () => boolean;
  readonly #startThread: () => Promise<string>;
  #spare: Promise<string>[] = [];

  constructor(options: { size: number; isReady: () => boolean; startThread: () => Promise<string> }) {
    this.#size = options.size;
    this.#isReady = options.isReady;
    this.#startThread = options.startThread;
  }

  /** A started thread: a spare one if it started fine, otherwise a fresh one. */
  async take(): Promise<string> {
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
