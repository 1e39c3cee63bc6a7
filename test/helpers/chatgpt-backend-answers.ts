import { bundledCatalog, defaultCatalogModel } from "./codex-catalog.ts";

/**
 * What the stand-in ChatGPT backend answers, in the shapes Codex 0.171.0 decodes (checked with
 * the binary; source: openai/codex codex-rs/backend-client, model-provider/src/workspace_routing.rs,
 * protocol/src/openai_models.rs, codex-api/src/rate_limits.rs and api_bridge.rs).
 */

/**
 * A model only the stand-in's live catalog has, as if released after the pin: cloned from the
 * default entry (so it takes the same code-mode path), seeing it served proves the live catalog was used.
 */
export const LIVE_ONLY_MODEL = "gpt-live-standin";

/** The usage windows the stand-in reports, in `wham/usage` and in the `x-codex-*` headers of model answers. */
export interface StandInLimits {
  readonly primaryUsedPercent: number;
  readonly primaryWindowMinutes: number;
  /** Unix seconds. */
  readonly primaryResetsAt: number;
  readonly secondaryUsedPercent: number;
  readonly secondaryWindowMinutes: number;
  readonly secondaryResetsAt: number;
  readonly credits: { readonly hasCredits: boolean; readonly unlimited: boolean; readonly balance: string };
  readonly planType: string;
}

export function defaultLimits(nowSeconds = Math.floor(Date.now() / 1000)): StandInLimits {
  return {
    primaryUsedPercent: 42,
    primaryWindowMinutes: 300,
    primaryResetsAt: nowSeconds + 3_600,
    secondaryUsedPercent: 7,
    secondaryWindowMinutes: 10_080,
    secondaryResetsAt: nowSeconds + 400_000,
    credits: { hasCredits: true, unlimited: false, balance: "12.5" },
    planType: "plus",
  };
}

/** `GET wham/accounts/check`: the login's account with a workspace origin (an https origin, or "NO_CONSTRAINT": use chatgpt_base_url's). */
export function accountsCheck(accountId: string, workspaceOrigin: string): object {
  return {
    accounts: [{ id: accountId, name: null, structure: "personal", workspace_backend_origin: workspaceOrigin, account_routing_override: "NO_CONSTRAINT" }],
    account_ordering: [accountId],
    default_account_id: accountId,
  };
}

/** `GET codex/models`: the pinned binary's own catalog (read from it, never a copy), plus LIVE_ONLY_MODEL. */
export function modelsCatalog(bundled = bundledCatalog()): object {
  const later = { ...defaultCatalogModel(bundled), slug: LIVE_ONLY_MODEL, display_name: "Live-only stand-in", priority: 999 };
  return { ...bundled, models: [...bundled.models, later] };
}

/** `GET wham/usage` (account/rateLimits/read). */
export function usage(l: StandInLimits, nowSeconds = Math.floor(Date.now() / 1000)): object {
  const window = (used: number, minutes: number, resetsAt: number) => ({
    used_percent: used,
    limit_window_seconds: minutes * 60,
    reset_after_seconds: Math.max(0, resetsAt - nowSeconds),
    reset_at: resetsAt,
  });
  return {
    plan_type: l.planType,
    rate_limit: {
      allowed: l.primaryUsedPercent < 100,
      limit_reached: l.primaryUsedPercent >= 100,
      primary_window: window(l.primaryUsedPercent, l.primaryWindowMinutes, l.primaryResetsAt),
      secondary_window: window(l.secondaryUsedPercent, l.secondaryWindowMinutes, l.secondaryResetsAt),
    },
    credits: { has_credits: l.credits.hasCredits, unlimited: l.credits.unlimited, balance: l.credits.balance },
  };
}

/** The rate-limit and credits headers the real backend puts on model answers (codex-api/src/rate_limits.rs). */
export function rateLimitHeaders(l: StandInLimits): Record<string, string> {
  return {
    "x-codex-primary-used-percent": String(l.primaryUsedPercent),
    "x-codex-primary-window-minutes": String(l.primaryWindowMinutes),
    "x-codex-primary-reset-at": String(l.primaryResetsAt),
    "x-codex-secondary-used-percent": String(l.secondaryUsedPercent),
    "x-codex-secondary-window-minutes": String(l.secondaryWindowMinutes),
    "x-codex-secondary-reset-at": String(l.secondaryResetsAt),
    "x-codex-credits-has-credits": String(l.credits.hasCredits),
    "x-codex-credits-unlimited": String(l.credits.unlimited),
    "x-codex-credits-balance": l.credits.balance,
  };
}

/** The same figures as the WebSocket event Codex reads instead of headers (`codex.rate_limits`). */
export function rateLimitsEvent(l: StandInLimits): { type: string } & Record<string, unknown> {
  return {
    type: "codex.rate_limits",
    plan_type: l.planType,
    rate_limits: {
      primary: { used_percent: l.primaryUsedPercent, window_minutes: l.primaryWindowMinutes, reset_at: l.primaryResetsAt },
      secondary: { used_percent: l.secondaryUsedPercent, window_minutes: l.secondaryWindowMinutes, reset_at: l.secondaryResetsAt },
    },
    credits: { has_credits: l.credits.hasCredits, unlimited: l.credits.unlimited, balance: l.credits.balance },
  };
}

export type FaultStatus = 500 | 401 | 429;

/**
 * Status, body and headers of a failing answer; a 429 is the usage limit (used 100 %, reset at
 * the primary window's reset); a 401 on the token refresh is the issuer's "login revoked".
 */
export function faultAnswer(status: FaultStatus, l: StandInLimits, tokenRefresh = false): { status: number; body: object; headers: Record<string, string> } {
  if (status === 401 && tokenRefresh) {
    return { status, body: { error: { code: "refresh_token_invalidated", message: "Your refresh token has been invalidated." } }, headers: {} };
  }
  const nowSeconds = Math.floor(Date.now() / 1000);
  switch (status) {
    case 500:
      return { status, body: { error: { type: "server_error", message: "stand-in backend error" } }, headers: {} };
    case 401:
      return { status, body: { error: { type: "invalid_request_error", code: "token_expired", message: "Provided authentication token is expired." } }, headers: {} };
    case 429: {
      const full = { ...l, primaryUsedPercent: 100 };
      const body = {
        error: { type: "usage_limit_reached", message: "The usage limit has been reached", plan_type: l.planType, resets_at: l.primaryResetsAt, resets_in_seconds: Math.max(0, l.primaryResetsAt - nowSeconds) },
      };
      return { status, body, headers: rateLimitHeaders(full) };
    }
  }
}
