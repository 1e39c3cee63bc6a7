import type { AppDeps } from "../app-deps.ts";
import { DEFAULT_MODEL_ALIAS } from "../openai/model-catalog.ts";
import type { AccountCache } from "../http/account-cache.ts";
import type { BackendLifecycle, ChatBackend, SignInService } from "../backend/types.ts";

export type DashboardStateDeps = Pick<AppDeps, "config" | "limiter" | "readiness" | "catalog" | "telemetry" | "clock"> & {
  /** Which backend, and how its Codex process is doing. */
  readonly backend: Pick<ChatBackend, "name"> & Pick<BackendLifecycle, "health" | "runtime">;
  /** The account details, cached (shared with /v1/usage). */
  readonly accounts: AccountCache;
  readonly signIn: Pick<SignInService, "loginState">;
  readonly pinnedCodexVersion: string;
};

/** Everything the page shows, in one JSON document. Metadata only: no prompts, answers or keys. */
export async function dashboardState(d: DashboardStateDeps) {
  const { config, backend, limiter, readiness, catalog, telemetry } = d;
  const problem = readiness.problem();
  const [account, models] = await Promise.all([d.accounts.get(), catalog.models().then((m) => m.map((x) => x.id)).catch(() => [])]);
  const runtime = backend.runtime();
  const slots = limiter.stats();
  return {
    generatedAt: d.clock.nowMs(),
    health: {
      ready: problem === undefined,
      problem: problem ?? null,
      backend: backend.name,
      codexVersion: d.pinnedCodexVersion,
      childState: backend.health().state,
      childPid: runtime.pid ?? null,
      restarts: runtime.restarts,
    },
    account,
    login: d.signIn.loginState(),
    models: [DEFAULT_MODEL_ALIAS, ...models.filter((m) => m !== DEFAULT_MODEL_ALIAS)],
    load: {
      concurrencyInUse: slots.active,
      concurrencyLimit: slots.capacity,
      queueLength: slots.queued,
      activeTurns: runtime.activeTurns,
      latency: telemetry.recent.latency(),
      errorsByCode: telemetry.recent.errorsByCode(),
      // Requests the client ended (hung up: 499; body not in time: 408): not errors, shown apart.
      clientAborts: telemetry.recent.clientAborts(),
      webSearches: telemetry.recent.webSearches(),
    },
    // Conversation continuity: warm threads and how requests matched them (null: the exec backend has none).
    continuity: runtime.warmThreads ?? null,
    lastHour: telemetry.recent.lastHour(),
    events: telemetry.recent.events(),
    limits: {
      maxConcurrentRequests: config.maxConcurrentRequests,
      maxQueueLength: config.maxQueueLength,
      queueWaitSeconds: config.queueWaitMs / 1000,
      requestTimeoutSeconds: config.requestTimeoutMs / 1000,
      maxRequestBodyBytes: config.maxRequestBodyBytes,
      maxMessages: config.maxMessages,
      maxTotalTextChars: config.maxTotalTextChars,
      keepAliveSeconds: config.keepAliveMs / 1000,
      httpHeadersTimeoutSeconds: config.httpHeadersTimeoutMs / 1000,
      httpBodyTimeoutSeconds: config.httpBodyTimeoutMs / 1000,
      httpIdleTimeoutSeconds: config.httpIdleTimeoutMs / 1000,
      httpMaxConnections: config.httpMaxConnections,
      upstreamModel: config.upstreamModel ?? null,
      metricsPublic: config.metricsPublic,
    },
  };
}
