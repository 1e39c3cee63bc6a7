import { rateLimitsReadResult, rateLimitsUpdated, type RateLimitSnapshot } from "./app-server-protocol.ts";
import type { JsonRpcClient } from "./jsonrpc-client.ts";
import { parseResult } from "./rpc-call.ts";
import type { AccountDetails, RateLimitWindowInfo } from "./types.ts";

/** The dashboard waits for usage figures at most this long, then shows the last pushed snapshot. */
const RATE_LIMITS_READ_TIMEOUT_MS = 3_000;

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

/** The usage windows the dashboard shows: read from Codex (`account/rateLimits/read`), else the last pushed. */
export async function readRateLimitWindows(
  client: () => Promise<JsonRpcClient>,
  lastPushed: () => RateLimitSnapshot | undefined,
): Promise<AccountDetails["rateLimits"]> {
  let snapshot: RateLimitSnapshot | undefined;
  try {
    const result = await (await client()).request("account/rateLimits/read", undefined, RATE_LIMITS_READ_TIMEOUT_MS);
    snapshot = parseResult(rateLimitsReadResult, result).rateLimits;
  } catch {
    snapshot = lastPushed(); // offline or slow: the last figures Codex pushed during a turn
  }
  if (!snapshot) return null;
  return { primary: windowInfo(snapshot.primary), secondary: windowInfo(snapshot.secondary) };
}

function windowInfo(w: RateLimitSnapshot["primary"]): RateLimitWindowInfo | null {
  if (!w) return null;
  return { usedPercent: w.usedPercent, windowMinutes: w.windowDurationMins ?? null, resetsAt: w.resetsAt ?? null };
}
