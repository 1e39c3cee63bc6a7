/** Wall-clock time, injected from the composition seam so that tests move it by hand (test/helpers/test-clock.ts). */
export interface Clock {
  /** Epoch milliseconds. */
  nowMs(): number;
  /** Whole epoch seconds (OpenAI's `created`). */
  nowSeconds(): number;
}

/** The only reader of Date.now outside log lines. */
export const systemClock: Clock = {
  nowMs: () => Date.now(),
  nowSeconds: () => Math.floor(Date.now() / 1000),
};
