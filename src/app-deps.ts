import type { Backend } from "./backend/types.ts";
import type { Config } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import type { Limiter } from "./core/limiter.ts";
import type { Logger } from "./core/logger.ts";
import type { RequestProblem } from "./backend/readiness.ts";
import type { Shutdown } from "./core/shutdown.ts";
import type { Telemetry } from "./observability/telemetry.ts";
import type { ModelCatalog } from "./openai/model-catalog.ts";
import type { ResponseStore } from "./openai/response-store.ts";
import type { WaitingTurns } from "./turn/waiting-turns.ts";

/** What the HTTP layer needs to know about readiness (see backend/readiness.ts). */
export interface ReadinessProbe {
  problem(): string | undefined;
  requestProblem(): Promise<RequestProblem | undefined>;
  refresh(): Promise<void>;
}

/** Everything the app's routes depend on; createApp (app.ts) fills it, routes import only this. */
export interface AppDeps {
  readonly config: Config;
  /** The bearer key clients must send. */
  readonly apiKey: string;
  readonly backend: Backend;
  readonly limiter: Limiter;
  readonly readiness: ReadinessProbe;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly catalog: ModelCatalog;
  readonly telemetry: Telemetry;
  /** Turns paused on client tool calls, waiting for the client's next request. */
  readonly waitingTurns: WaitingTurns;
  /** Earlier /v1/responses conversations, for `previous_response_id`. */
  readonly responseStore: ResponseStore;
  /** Draining refuses every new request; an interrupt aborts the running turns. */
  readonly shutdown: Shutdown;
}
