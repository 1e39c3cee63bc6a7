import { Hono, type Context, type MiddlewareHandler } from "hono";
import type { AppDeps } from "./app-deps.ts";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { cors } from "hono/cors";
import { Shutdown } from "./core/shutdown.ts";
import { BackendError } from "./backend/backend-error.ts";
import { ApiError, ClientGoneError, NotFoundError, UnavailableError } from "./errors.ts";
import { API_MOUNTS, API_SCOPES, apiFamily, FAMILY_MOUNTS, type ApiFamily } from "./http/api-routes.ts";
import { toApiError } from "./http/backend-errors.ts";
import { dashboardRoutes } from "./dashboard/routes.ts";
import type { AppEnv } from "./http/app-env.ts";
import { bearerAuth, keyLocation } from "./http/auth.ts";
import { RequestTrace } from "./http/request-trace.ts";
import { chatRoutes } from "./http/routes/chat.ts";
import { healthRoutes } from "./http/routes/health.ts";
import { rootRoutes } from "./http/routes/root.ts";
import { metricsRoutes } from "./http/routes/metrics.ts";
import { modelRoutes } from "./http/routes/models.ts";
import { Metrics } from "./observability/metrics.ts";
import { RecentRequests } from "./observability/recent-requests.ts";
import { CLIENT_ABORT_CODES, type RequestRecord } from "./observability/request-record.ts";
import { Telemetry } from "./observability/telemetry.ts";
import { ModelCatalog } from "./openai/model-catalog.ts";
import { ResponseStore } from "./openai/response-store.ts";
import { WaitingTurns } from "./turn/waiting-turns.ts";
import { responsesRoutes } from "./http/routes/responses.ts";
import { messagesRoutes } from "./http/routes/messages.ts";
import { anthropicError } from "./anthropic/anthropic-error.ts";
import { usageRoutes } from "./http/routes/usage.ts";
import { ollamaRoutes } from "./http/routes/ollama.ts";
import { ollamaModelRoutes } from "./http/routes/ollama-models.ts";
import { ollamaRefusedRoutes } from "./http/routes/ollama-refused.ts";
import { ollamaError } from "./ollama/ollama-error.ts";
import { AccountCache } from "./http/account-cache.ts";
import { USAGE_LIMIT_HEADERS, usageLimitHeaders } from "./openai/usage-limits.ts";

/** How many finished requests the dashboard lists. */
const RECENT_EVENTS = 200;

/** Collapses doubled slashes and a trailing slash, so base URLs ending in "/" still route. */
function normalizedPath(request: Request): string {
  const path = new URL(request.url).pathname.replace(/\/{2,}/g, "/");
  return path.length > 1 ? path.replace(/\/$/, "") : path;
}

/** Metrics and recent history over the given live state (startService builds its own to add the server's connections). */
export function createTelemetry(deps: Pick<AppDeps, "limiter" | "backend" | "readiness" | "clock">): Telemetry {
  const metrics = new Metrics({ limiter: deps.limiter, backend: deps.backend, ready: () => deps.readiness.problem() === undefined });
  return new Telemetry(metrics, new RecentRequests({ capacity: RECENT_EVENTS, clock: deps.clock }));
}

/** Dependencies createApp builds itself unless given. */
type OwnedDeps = "catalog" | "telemetry" | "waitingTurns" | "responseStore" | "shutdown";
type AppInput = Omit<AppDeps, OwnedDeps> & Partial<Pick<AppDeps, OwnedDeps>>;

/** The one composition seam: everything with I/O comes in through `deps`. */
export function createApp(input: AppInput): Hono<AppEnv> {
  const { config, clock } = input;
  const deps: AppDeps = {
    ...input,
    catalog: input.catalog ?? new ModelCatalog(input.backend, config, clock),
    telemetry: input.telemetry ?? createTelemetry(input),
    waitingTurns: input.waitingTurns ?? new WaitingTurns({ max: config.maxWaitingToolTurns, ttlMs: config.toolTurnWaitMs }),
    responseStore: input.responseStore ?? new ResponseStore({ max: config.responsesStoreMax, ttlMs: config.responsesStoreTtlMs, clock }),
    shutdown: input.shutdown ?? new Shutdown(),
  };
  const { logger, telemetry } = deps;
  const app = new Hono<AppEnv>({ getPath: normalizedPath });

  app.use("*", async (c, next) => {
    const method = c.req.method;
    const trace = new RequestTrace(method, c.req.path, clock, (ended, api) => {
      // A client that hung up (mid-body, queued, mid-turn or mid-stream) did it, not the adapter: a client abort, not an error.
      const record = ended.status === 499 ? { ...ended, code: CLIENT_ABORT_CODES.closed } : ended;
      if (api) telemetry.record(record);
      // Polling (health checks, dashboard, scrapers) would drown the log at info.
      if (api || method !== "GET") logger.info("request", requestLogFields(record));
      else logger.debug("request", requestLogFields(record));
    });
    c.set("trace", trace);
    c.header("X-Request-Id", trace.id);
    await next();
    if (!trace.deferred) trace.end(c.res.status);
  });
  if (config.corsAllowedOrigins.length) {
    const apiCors = cors({
      origin: [...config.corsAllowedOrigins],
      // The Anthropic SDK in a browser sends its key and version headers too.
      allowHeaders: ["Authorization", "Content-Type", "x-api-key", "anthropic-version", "anthropic-beta", "anthropic-dangerous-direct-browser-access"],
      exposeHeaders: ["Retry-After", "X-Request-Id", ...USAGE_LIMIT_HEADERS],
      maxAge: 600,
    });
    // API paths only: the dashboard stays same-origin whatever clients are allowed.
    for (const path of ["/v1/*", ...API_SCOPES.map((s) => s.pattern)]) app.use(path, apiCors);
  }
  // After the trace and CORS: a refused request is logged, counted and readable by a browser client.
  app.use("*", async (c, next) => {
    if (!deps.shutdown.draining) return next();
    c.header("Connection", "close"); // also ends connections kept alive from before the shutdown
    throw new UnavailableError("The adapter is shutting down; retry in a moment.", { code: "shutting_down" });
  });

  const auth = bearerAuth(deps.apiKey, keyLocation(config));
  // Every API path needs the key; Anthropic's clients may send it as `x-api-key`.
  const familyAuth: Record<ApiFamily, MiddlewareHandler> = { openai: auth, anthropic: bearerAuth(deps.apiKey, keyLocation(config), true), ollama: auth };
  // One cache of the account details, for /v1/usage and the dashboard alike.
  const accounts = new AccountCache(deps.backend, clock);
  const started = clock.nowSeconds();
  const familyRoutes: Record<ApiFamily, readonly Hono<AppEnv>[]> = {
    openai: [modelRoutes(deps.catalog, started, config.modelsListEfforts), chatRoutes(deps), responsesRoutes(deps), usageRoutes(accounts)],
    anthropic: [messagesRoutes(deps)],
    ollama: [ollamaRoutes(deps), ollamaModelRoutes(deps, started), ollamaRefusedRoutes()],
  };

  app.route("/", rootRoutes(config.dashboardEnabled));
  app.route("/", healthRoutes(deps.readiness));
  app.route("/", metricsRoutes(telemetry.metrics, config.metricsPublic ? undefined : auth));
  if (config.dashboardEnabled) app.route("/dashboard", dashboardRoutes({ ...deps, accounts, signIn: deps.backend, dispatch: (request) => Promise.resolve(app.fetch(request)) }));
  for (const mount of API_MOUNTS) {
    const families = (Object.keys(FAMILY_MOUNTS) as ApiFamily[]).filter((f) => FAMILY_MOUNTS[f].includes(mount));
    const api = new Hono<AppEnv>();
    for (const { pattern, family } of API_SCOPES) if (families.includes(family)) api.use(pattern, familyAuth[family]);
    // Every API answer carries the plan's usage limits as Codex last reported them (no extra call).
    api.use("*", async (c, next) => {
      await next();
      for (const [name, value] of Object.entries(usageLimitHeaders(deps.backend.usageLimits(), clock.nowSeconds()))) c.res.headers.set(name, value);
    });
    for (const routes of families.flatMap((f) => familyRoutes[f])) api.route("/", routes);
    app.route(mount, api);
  }

  const errorResponse = (err: Error, c: Context<AppEnv>) => {
    // 499 (nginx's "client closed request"): only the request log sees it, at info (`client_closed`).
    if (err instanceof ClientGoneError) return new Response(null, { status: 499 });
    // The one mapping: routes throw ApiErrors or let backend failures through as they are.
    const apiError = toApiError(err, config.commands.login);
    c.get("trace").note({ code: apiError.code ?? apiError.type }); // code-less errors count under their type
    if (!(err instanceof ApiError) && !(err instanceof BackendError)) logger.error("unhandled error", { error: err.name });
    if (apiError.status === 401) c.header("WWW-Authenticate", 'Bearer realm="codex-cli-provider"');
    if (apiError.retryAfterSeconds !== undefined) c.header("Retry-After", String(apiError.retryAfterSeconds));
    const family = apiFamily(c.req.path);
    if (family === "ollama") return c.json(ollamaError(apiError).body, apiError.status);
    if (family !== "anthropic") return c.json(apiError.toBody(), apiError.status);
    const { status, body } = anthropicError(apiError, c.get("trace").id);
    c.header("Content-Type", "application/json");
    return c.body(JSON.stringify(body), status as ContentfulStatusCode); // 529 is Anthropic's own
  };
  // Answered, not thrown: a throw here would skip the request middleware's bookkeeping.
  app.notFound((c) => {
    const where = apiFamily(c.req.path) === "ollama" ? "Ollama's API is served under /api (e.g. POST /api/chat)" : "The API is served under /v1 (e.g. POST /v1/chat/completions)";
    return errorResponse(new NotFoundError(`Unknown route. ${where}.`), c);
  });
  app.onError(errorResponse);
  return app;
}

/** The request log line: metadata only, never content. */
function requestLogFields(r: RequestRecord) {
  return {
    requestId: r.requestId,
    method: r.method,
    path: r.route,
    status: r.status,
    ms: r.durationMs,
    code: r.code ?? undefined,
    model: r.model ?? undefined,
    stream: r.stream ?? undefined,
    ttftMs: r.ttftMs ?? undefined,
    promptTokens: r.promptTokens ?? undefined,
    completionTokens: r.completionTokens ?? undefined,
    webSearches: r.webSearches || undefined,
  };
}
