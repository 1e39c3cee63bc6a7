import { setMaxListeners } from "node:events";

/**
 * The service's shutdown as the app sees it: first new requests are refused (`draining`),
 * then, when the grace runs out, every turn still running is aborted (`interrupted`).
 */
export class Shutdown {
  #draining = false;
  readonly #interrupt = new AbortController();

  constructor() {
    // Every running request listens (one listener each, removed when it ends): no leak past 10.
    setMaxListeners(0, this.#interrupt.signal);
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Fires, with the reason to report, when running turns must stop. */
  get interrupted(): AbortSignal {
    return this.#interrupt.signal;
  }

  drain(): void {
    this.#draining = true;
  }

  interrupt(reason: Error): void {
    this.#draining = true;
    this.#interrupt.abort(reason);
  }
}
