import type { AppEnv } from "../app-env.ts";
import { Hono } from "hono";
import type { ReadinessProbe } from "../../app-deps.ts";

/** Unauthenticated readiness probe: 200 only when Codex can answer; the reason stays in the logs. */
export function healthRoutes(readiness: ReadinessProbe): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/healthz", (c) => {
    c.header("Cache-Control", "no-store");
    return readiness.problem() ? c.json({ status: "unavailable" }, 503) : c.json({ status: "ok" });
  });
  return app;
}
