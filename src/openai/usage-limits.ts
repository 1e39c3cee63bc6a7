import type { AccountDetails, RateLimitWindowInfo, UsageLimits } from "../backend/types.ts";

function windowBody(w: RateLimitWindowInfo | null | undefined) {
  return w ? { used_percent: w.usedPercent, window_minutes: w.windowMinutes, resets_at: w.resetsAt } : null;
}

/** `GET /v1/usage`: the plan's usage-limit windows and credits, as Codex last read them. */
export function usageLimitsBody(details: AccountDetails) {
  return {
    object: "usage_limits",
    signed_in: details.signedIn,
    plan_type: details.planType,
    primary: windowBody(details.rateLimits?.primary),
    secondary: windowBody(details.rateLimits?.secondary),
    credits: details.credits ? { has_credits: details.credits.hasCredits, unlimited: details.credits.unlimited, balance: details.credits.balance } : null,
  };
}

/** The headers every API answer carries once Codex has reported limits (named in the spirit of OpenAI's x-ratelimit-*). */
export const USAGE_LIMIT_HEADERS = [
  "x-ratelimit-primary-used-percent",
  "x-ratelimit-primary-window-minutes",
  "x-ratelimit-primary-reset-seconds",
  "x-ratelimit-secondary-used-percent",
  "x-ratelimit-secondary-window-minutes",
  "x-ratelimit-secondary-reset-seconds",
  "x-ratelimit-credits-balance",
  "x-ratelimit-credits-unlimited",
] as const;

type HeaderName = (typeof USAGE_LIMIT_HEADERS)[number];

/** The last known limits as headers; nothing for a part Codex has not reported. */
export function usageLimitHeaders(limits: UsageLimits | undefined, nowSeconds: number): Partial<Record<HeaderName, string>> {
  const headers: Partial<Record<HeaderName, string>> = {};
  for (const name of ["primary", "secondary"] as const) {
    const w = limits?.[name];
    if (!w) continue;
    headers[`x-ratelimit-${name}-used-percent`] = String(w.usedPercent);
    if (w.windowMinutes !== null) headers[`x-ratelimit-${name}-window-minutes`] = String(w.windowMinutes);
    if (w.resetsAt !== null) headers[`x-ratelimit-${name}-reset-seconds`] = String(Math.max(0, Math.ceil(w.resetsAt - nowSeconds)));
  }
  const credits = limits?.credits;
  if (credits) {
    if (credits.balance !== null) headers["x-ratelimit-credits-balance"] = credits.balance;
    headers["x-ratelimit-credits-unlimited"] = String(credits.unlimited);
  }
  return headers;
}
