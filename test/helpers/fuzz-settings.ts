/**
 * How the fuzz tests explore. `npm test` uses a fixed seed so that a run on a clean clone is
 * reproducible and only a change in the code can make it fail; `npm run fuzz` explores new
 * seeds with more runs. A failure prints its seed: `FUZZ_SEED=<seed> npm run fuzz` replays it.
 */
export interface FuzzSettings {
  readonly seed: number;
  /** Multiplies each test's number of runs. */
  readonly scale: number;
}

const FIXED_SEED = 20_261_124;

export function fuzzSettings(env: NodeJS.ProcessEnv = process.env): FuzzSettings {
  const seed = env.FUZZ_SEED === "random" ? Math.floor(Math.random() * 2 ** 31) : env.FUZZ_SEED ? Number(env.FUZZ_SEED) : FIXED_SEED;
  const scale = env.FUZZ_SCALE ? Number(env.FUZZ_SCALE) : 1;
  if (!Number.isInteger(seed) || !(scale > 0)) throw new Error("FUZZ_SEED must be an integer or 'random'; FUZZ_SCALE a positive number");
  return { seed, scale };
}
