import { rateLimitsUpdated, type RateLimitSnapshot } from "./app-server-protocol.ts";

/** The last snapshot updated by an `account/rateLimits/updated` push (unchanged if the push does not parse). */
export function mergeRateLimitsUpdate(last: RateLimitSnapshot | undefined, params: unknown): RateLimitSnapshot | undefined {
  const parsed = rateLimitsUpdated.safeParse(params);
  if (!parsed.success) return last;
  // Updates are sparse: a missing window does not clear the last one seen.
  const { primary, secondary, planType } = parsed.data.rateLimits;
  return {
    primary: primary ?? last?.primary ?? null,
    secondary: secondary ?? last?.secondary ?? null,
    planType: planType ?? last?.planType ?? null,
  };
}
