import type { AppEnv } from "../app-env.ts";
import { Hono, type MiddlewareHandler } from "hono";
import type { Metrics } from "../../observability/metrics.ts";

/** Prometheus scrape endpoint; behind the bearer key unless METRICS_PUBLIC opens it. */
export function metricsRoutes(metrics: Metrics, auth: MiddlewareHandler | undefined): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  if (auth) app.use("/metrics", auth);
  app.get("/metrics", async (c) => {
    c.header("Cache-Control", "no-store");
    c.header("Content-Type", metrics.contentType);
    return c.body(await metrics.render());
  });
  return app;
}
