/** The nearest-rank percentile (`p` in 0..1) of `values`; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}

export const median = (values: readonly number[]): number | undefined => percentile(values, 0.5);

/** Whole milliseconds for a report, "n/a" when there is no figure. */
export const ms = (v: number | undefined): string => (v === undefined ? "n/a" : `${Math.round(v)}`);
