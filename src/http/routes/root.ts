import { Hono } from "hono";
import type { AppEnv } from "../app-env.ts";

/**
 * `GET /` (and `HEAD /`): someone opened the adapter's address. A browser goes to the dashboard;
 * anything else (a probe, curl) gets text whose first line is Ollama's own answer, "Ollama is
 * running": tools that look for an Ollama server check for it (Ollama's CLI probes `HEAD /`), and
 * the adapter serves Ollama's API. The lines after it say what really runs here. Unauthenticated, like /healthz: it says nothing a
 * client of this port does not already know.
 */
export function rootRoutes(dashboardEnabled: boolean): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/", (c) => {
    if (dashboardEnabled && c.req.header("accept")?.includes("text/html")) return c.redirect("/dashboard/", 302);
    const origin = new URL(c.req.url).origin;
    const dashboard = dashboardEnabled ? `${origin}/dashboard/` : "off (DASHBOARD_ENABLED=false)";
    return c.text(`Ollama is running\ncodex-cli-provider: OpenAI's and Anthropic's APIs at ${origin}/v1, Ollama's at ${origin}/api (with the bearer key)\nDashboard: ${dashboard}\n`);
  });
  return app;
}
