import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";

/**
 * `GET /`: someone opened the adapter's address. A browser goes to the dashboard; anything else
 * (a probe, curl) gets a line saying what runs here and where the API and the dashboard are.
 * Unauthenticated, like /healthz: it says nothing a client of this port does not already know.
 */
export function rootRoutes(dashboardEnabled: boolean): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    if (dashboardEnabled && c.req.header("accept")?.includes("text/html")) return c.redirect("/dashboard/", 302);
    const origin = new URL(c.req.url).origin;
    const dashboard = dashboardEnabled ? `${origin}/dashboard/` : "off (DASHBOARD_ENABLED=false)";
    return c.text(`codex-cli-provider is running.\nAPI: ${origin}/v1 (with the bearer key)\nDashboard: ${dashboard}\n`);
  });
  return app;
}
