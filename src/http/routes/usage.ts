import { Hono } from "hono";
import { UnavailableError } from "../../errors.ts";
import { usageLimitsBody } from "../../openai/usage-limits.ts";
import type { AccountCache } from "../account-cache.ts";
import type { AppEnv } from "../app-env.ts";

/** `GET /v1/usage`: what the plan has left, for clients and scripts that want to pace themselves. */
export function usageRoutes(accounts: AccountCache): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.get("/usage", async (c) => {
    const details = await accounts.get();
    if (!details) throw new UnavailableError("Codex is not answering right now; retry in a moment.", { code: "codex_unavailable" });
    return c.json(usageLimitsBody(details));
  });
  return app;
}
