import { randomUUID } from "node:crypto";
import { Hono } from "hono";
import { cors } from "hono/cors";
import type { Backend } from "./backend/types.ts";
import type { Config } from "./config.ts";
import type { Clock } from "./core/clock.ts";
import type { Limiter } from "./core/limiter.ts";
import type { Logger } from "./core/logger.ts";
import type { RequestProblem } from "./core/readiness.ts";
import { ApiError, ClientGoneError, InternalError, NotFoundError } from "./errors.ts";
import { bearerAuth } from "./http/auth.ts";
import { chatRoutes } from "./http/routes/chat.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { modelRoutes } from "./http/routes/models.ts";
import { ModelCatalog } from "./openai/model-catalog.ts";

/** What the HTTP layer needs to know about readiness (see core/readiness.ts). */
export interface ReadinessProbe {
  problem(): string | undefined;
  requestProblem(): Promise<RequestProblem | undefined>;
  refresh(): Promise<void>;
}

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
}

/** Collapses doubled slashes and a trailing slash, so base URLs ending in "/" still route. */
function normalizedPath(request: Request): string {
  const path = new URL(request.url).pathname.replace(/\/{2,}/g, "/");
  return path.length > 1 ? path.replace(/\/$/, "") : path;
}

/** The one composition seam: everything with I/O comes in through `deps`. */
export function createApp(input: Omit<AppDeps, "catalog"> & { catalog?: ModelCatalog }): Hono {
  const deps: AppDeps = { ...input, catalog: input.catalog ?? new ModelCatalog(input.backend, input.config.upstreamModel) };
  const { config, logger } = deps;
  const app = new Hono({ getPath: normalizedPath });

  app.use("*", async (c, next) => {
    const started = performance.now();
    const requestId = `req_${randomUUID().replaceAll("-", "")}`;
    c.header("X-Request-Id", requestId);
    await next();
    logger.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path, // already normalized by getPath
      status: c.res.status,
      ms: Math.round(performance.now() - started),
    });
  });
  if (config.corsAllowedOrigins.length) {
    app.use("*", cors({
        origin: [...config.corsAllowedOrigins],
        allowHeaders: ["Authorization", "Content-Type"],
        exposeHeaders: ["Retry-After", "X-Request-Id"],
        maxAge: 600,
      }),);
  }

  const api = new Hono();
  const auth = bearerAuth(deps.apiKey);
  api.use("/models", auth);
  api.use("/chat/*", auth);
  api.route("/", modelRoutes(deps.catalog, deps.clock.nowSeconds()));
  api.route("/", chatRoutes(deps));

  app.route("/", healthRoutes(deps.readiness));
  app.route("/v1", api);
  app.route("/", api); // clients whose base URL lacks /v1

  app.notFound(() => {
    throw new NotFoundError("Unknown route. The API is served under /v1 (e.g. POST /v1/chat/completions).");
  });
  app.onError((err, c) => {
    // 499 (nginx's "client closed request"): only the request log sees it.
    if (err instanceof ClientGoneError) return new Response(null, { status: 499 });
    const apiError = err instanceof ApiError ? err : new InternalError("The adapter hit an unexpected error.");
    if (!(err instanceof ApiError)) logger.error("unhandled error", { error: err.name });
    if (apiError.status === 401) c.header("WWW-Authenticate", 'Bearer realm="codex-cli-provider"');
    if (apiError.retryAfterSeconds !== undefined) c.header("Retry-After", String(apiError.retryAfterSeconds));
    return c.json(apiError.toBody(), apiError.status);
  });
  return app;
}
