/** Wall-clock time, injected from the composition seam so that tests move it by hand (test/helpers/test-clock.ts). */
export interface Clock {
  /** Epoch milliseconds. */
  nowMs(): number;
  /** Whole epoch seconds (OpenAI's `created`). */
  nowSeconds(): number;
}

/** The real clock: startService passes it down; nothing else in the adapter needs to read Date.now. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};
