import type { Context } from "hono";
import type { AppDeps } from "../app-deps.ts";
import { LimiterBusy } from "../core/limiter.ts";
import { BusyError, ClientGoneError, TimeoutError, type ApiError } from "../errors.ts";
import { toApiError } from "./backend-errors.ts";

/** A request's hold on a concurrency slot, with the abort signal its turn runs under. */
export interface TurnSlot {
  /** Fires on timeout, when the client leaves, or when shutdown interrupts running turns. */
  readonly signal: AbortSignal;
  readonly onClientGone: () => void;
  /** The error to report: the abort reason (timeout, client gone) wins over what the aborted turn threw. */
  failure(err: unknown): ApiError | ClientGoneError;
  /** Frees the slot and the timer; every exit path calls it once. */
  finish(): void;
}

/** Waits for a slot (or 429), then starts the request's timeout. */
export async function takeTurnSlot(c: Context, deps: Pick<AppDeps, "config" | "limiter" | "readiness" | "shutdown">): Promise<TurnSlot> {
  const { config, limiter, readiness, shutdown } = deps;
  const clientSignal = c.req.raw.signal;
  const release = await limiter.acquire(clientSignal).catch((err: unknown) => {
    if (clientSignal.aborted) throw new ClientGoneError();
    if (err instanceof LimiterBusy) {
      throw new BusyError("The adapter is at its concurrency limit (rate limit): too many requests at once. Retry shortly.", {
        retryAfterSeconds: err.retryAfterSeconds,
      });
    }
    throw err;
  });
  const controller = new AbortController();
  const onClientGone = () => controller.abort(new ClientGoneError());
  const onShutdown = () => controller.abort(shutdown.interrupted.reason);
  clientSignal.addEventListener("abort", onClientGone, { once: true });
  shutdown.interrupted.addEventListener("abort", onShutdown, { once: true });
  const timer = setTimeout(
    () => controller.abort(new TimeoutError(`Codex did not finish within ${config.requestTimeoutMs / 1000} s.`)),
    config.requestTimeoutMs,
  );
  if (clientSignal.aborted) onClientGone();
  if (shutdown.interrupted.aborted) onShutdown();
  return {
    signal: controller.signal,
    onClientGone,
    failure(err) {
      const reason: unknown = controller.signal.aborted ? controller.signal.reason : err;
      if (reason instanceof ClientGoneError) return reason;
      const apiError = toApiError(reason, config.commands.login);
      if (apiError.code === "codex_login_required") void readiness.refresh(); // the login may have expired
      return apiError;
    },
    finish() {
      clearTimeout(timer);
      clientSignal.removeEventListener("abort", onClientGone);
      shutdown.interrupted.removeEventListener("abort", onShutdown);
      release();
    },
  };
}
