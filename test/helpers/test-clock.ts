import type { Clock } from "../../src/core/clock.ts";

/** A clock that moves only when a test says so: TTLs and minute buckets without real waits. */
export class TestClock implements Clock {
  #ms: number;

  constructor(startMs = 1_750_000_000_000) {
    this.#ms = startMs;
  }

  nowMs(): number {
    return this.#ms;
  }

  nowSeconds(): number {
    return Math.floor(this.#ms / 1000);
  }

  advance(ms: number): void {
    this.#ms += ms;
  }
}
