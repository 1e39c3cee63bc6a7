import { readFileSync } from "node:fs";
import { Hono } from "hono";
import type { AppDeps } from "../app-deps.ts";
import type { AppEnv } from "../http/app-env.ts";
import { bearerAuth, keyLocation } from "../http/auth.ts";
import { pinnedCodexVersion } from "../backend/codex-binary.ts";
import type { SignInService } from "../backend/types.ts";
import { dashboardState, type DashboardStateDeps } from "./dashboard-state.ts";
import { runProbe } from "./probe.ts";
import { dashboardHeaders, localHostOnly, noStore, sameOriginOnly } from "./security.ts";

const asset = (name: string) => readFileSync(new URL(`./static/${name}`, import.meta.url), "utf8");
/** The page is three small static files, read once: no build step, no framework, no inline script. */
const ASSETS = {
  "index.html": { body: asset("index.html"), type: "text/html; charset=utf-8" },
  "dashboard.js": { body: asset("dashboard.js"), type: "text/javascript; charset=utf-8" },
  "dashboard.css": { body: asset("dashboard.css"), type: "text/css; charset=utf-8" },
} as const;

export type DashboardDeps = Omit<DashboardStateDeps, "signIn" | "pinnedCodexVersion"> &
  Pick<AppDeps, "apiKey"> & {
    /** The sign-in box and its actions: Codex's device-code flow, or the terminal commands (missing-roles.ts). */
    readonly signIn: SignInService;
    /** The app's own fetch handler, so the probe goes through the same front door as clients. */
    readonly dispatch: (request: Request) => Promise<Response>;
  };

/** /dashboard/: the page, its state (read without the key) and its actions (bearer key, same origin only). */
export function dashboardRoutes(deps: DashboardDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const { signIn } = deps;
  const auth = bearerAuth(deps.apiKey, keyLocation(deps.config));

  app.use("*", localHostOnly(deps.config.host), dashboardHeaders, noStore);
  for (const [name, file] of Object.entries(ASSETS)) {
    // "/dashboard/" and "/dashboard" are one path after normalization; assets use absolute URLs.
    app.get(name === "index.html" ? "/" : `/${name}`, (c) => c.body(file.body, 200, { "Content-Type": file.type }));
  }
  const pinned = pinnedCodexVersion();
  app.get("/api/state", async (c) => c.json(await dashboardState({ ...deps, pinnedCodexVersion: pinned })));

  app.use("/api/actions/*", sameOriginOnly, auth);
  app.post("/api/actions/probe", async (c) => c.json(await runProbe(deps.dispatch, new URL(c.req.url).origin, deps.apiKey)));
  app.post("/api/actions/login", async (c) => c.json(await signIn.startLogin()));
  app.post("/api/actions/login/cancel", async (c) => {
    await signIn.cancelLogin();
    return c.json(signIn.loginState());
  });
  app.post("/api/actions/logout", async (c) => {
    await signIn.logout();
    return c.json(signIn.loginState());
  });
  return app;
}
