import type { RequestTrace } from "./request-trace.ts";

/** Hono's per-request variables: the trace every route annotates. */
export interface AppEnv {
  Variables: { trace: RequestTrace };
}
