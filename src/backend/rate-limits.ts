import { rateLimitsReadResult, type RateLimitSnapshot, type RateLimitsUpdated } from "./app-server-protocol.ts";
import type { JsonRpcClient } from "./jsonrpc-client.ts";
import { parseResult } from "./rpc-call.ts";
import type { RateLimitWindowInfo, UsageLimits } from "./types.ts";

/** A read of the usage figures waits at most this long, then the last known snapshot answers. */
const RATE_LIMITS_READ_TIMEOUT_MS = 3_000;

/** The one owner of the usage-limit snapshot: merged from Codex's pushes and reads. */
export class RateLimitTracker {
  #snapshot: RateLimitSnapshot | undefined;

  /** The raw snapshot (error mapping reads the reset time of an exhausted window). */
  get snapshot(): RateLimitSnapshot | undefined {
    return this.#snapshot;
  }

  /** An `account/rateLimits/updated` push (one that does not parse never reaches here). */
  onPushed(update: RateLimitsUpdated): void {
    this.#snapshot = mergeSparse(this.#snapshot, update.rateLimits);
  }

  /** Reads the figures from Codex (`account/rateLimits/read`); offline or slow, the last known ones. */
  async read(client: () => Promise<JsonRpcClient>): Promise<UsageLimits | undefined> {
    try {
      const result = await (await client()).request("account/rateLimits/read", undefined, RATE_LIMITS_READ_TIMEOUT_MS);
      this.#snapshot = mergeSparse(this.#snapshot, parseResult(rateLimitsReadResult, result).rateLimits);
    } catch {
      // keep what the turns pushed
    }
    return this.limits();
  }

  /** The last known limits, in the adapter's terms. */
  limits(): UsageLimits | undefined {
    const s = this.#snapshot;
    if (!s) return undefined;
    const credits = s.credits ? { hasCredits: s.credits.hasCredits, unlimited: s.credits.unlimited, balance: s.credits.balance ?? null } : null;
    return { primary: windowInfo(s.primary), secondary: windowInfo(s.secondary), credits };
  }
}

/** Updates are sparse: a missing part does not clear the last one seen. */
function mergeSparse(last: RateLimitSnapshot | undefined, next: RateLimitSnapshot): RateLimitSnapshot {
  return {
    primary: next.primary ?? last?.primary ?? null,
    secondary: next.secondary ?? last?.secondary ?? null,
    credits: next.credits ?? last?.credits ?? null,
    planType: next.planType ?? last?.planType ?? null,
  };
}

function windowInfo(w: RateLimitSnapshot["primary"]): RateLimitWindowInfo | null {
  if (!w) return null;
  return { usedPercent: w.usedPercent, windowMinutes: w.windowDurationMins ?? null, resetsAt: w.resetsAt ?? null };
}
