import { z } from "zod";
import { BackendError } from "./backend-error.ts";
import type { RateLimitSnapshot, TurnError } from "./app-server-protocol.ts";

/** The upstream HTTP status Codex attached to an error, when there is one. */
export function upstreamHttpStatus(info: TurnError["codexErrorInfo"]): number | undefined {
  if (!info || typeof info === "string") return undefined;
  for (const value of Object.values(info)) {
    if (value && typeof value === "object" && "httpStatusCode" in value) {
      const status = (value).httpStatusCode;
      if (typeof status === "number") return status;
    }
  }
  return undefined;
}

/** Seconds until the nearest exhausted rate-limit window resets, if Codex reported one. */
export function secondsUntilReset(snapshot: RateLimitSnapshot | undefined, nowMs: number): number | undefined {
  const resets = [snapshot?.primary, snapshot?.secondary]
    .filter((w) => w && w.usedPercent >= 100 && typeof w.resetsAt === "number")
    .map((w) => Math.ceil((w?.resetsAt ?? 0) - nowMs / 1000))
    .filter((seconds) => seconds > 0);
  return resets.length ? Math.min(...resets) : undefined;
}

const DEFAULT_RATE_LIMIT_RETRY_SECONDS = 30;

/** Maps Codex's typed error (codexErrorInfo) to a backend error kind; never matches message text. */
export function mapTurnError(error: TurnError, rateLimits: RateLimitSnapshot | undefined, nowMs: number): BackendError {
  const info = error.codexErrorInfo;
  const status = upstreamHttpStatus(info);
  const message = error.message;
  if (info === "usageLimitExceeded" || info === "rateLimitExceeded" || status === 429) {
    const reset = secondsUntilReset(rateLimits, nowMs);
    if (reset === undefined) return new BackendError("rate_limited", message, DEFAULT_RATE_LIMIT_RETRY_SECONDS);
    const resetsAt = new Date(nowMs + reset * 1000).toISOString();
    return new BackendError("rate_limited", `${message} The limit resets at ${resetsAt}.`, reset);
  }
  if (info === "contextWindowExceeded") return new BackendError("context_too_long", message);
  if (info === "modelNotFound") return new BackendError("model_not_found", message);
  if (info === "unauthorized" || status === 401) return new BackendError("unauthenticated", message);
  if (info === "badRequest") return new BackendError("bad_request", message);
  const relayed = relayedUpstreamError(message);
  if (relayed && (relayed.status === 400 || relayed.error.type === "invalid_request_error")) return new BackendError("bad_request", relayed.error.message ?? message);
  return new BackendError("upstream", relayed?.error.message ?? message);
}

/**
 * An error of the model service Codex has no type for reaches the adapter as `other`, with the
 * service's JSON error verbatim as the message: the HTTP body `{"error":{…}}`, or the WebSocket's
 * `{"type":"error","status":400,"error":{…}}`. It is parsed with a schema, never matched as text.
 */
const relayedError = z.object({
  status: z.number().optional(),
  error: z.object({ type: z.string().optional(), message: z.string().optional() }),
});

function relayedUpstreamError(message: string): z.infer<typeof relayedError> | undefined {
  if (!message.startsWith("{")) return undefined;
  try {
    const parsed = relayedError.safeParse(JSON.parse(message));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
