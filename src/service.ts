import path from "node:path";
import { createApp, createTelemetry } from "./app.ts";
import { AppServerBackend } from "./backend/app-server-backend.ts";
import { codexChildEnv } from "./backend/child-env.ts";
import { pinnedCodexVersion, resolveCodexBinary } from "./backend/codex-binary.ts";
import { configuredChatGptBaseUrl } from "./backend/codex-config-file.ts";
import { hardeningArgs } from "./backend/codex-hardening.ts";
import { writeModelCatalogFile } from "./backend/model-catalog-file.ts";
import { createExecBackend } from "./backend/exec-backend.ts";
import type { WireObserver } from "./backend/jsonrpc-client.ts";
import type { Backend } from "./backend/types.ts";
import { bootstrap } from "./bootstrap.ts";
import { relayDispatcher } from "./chatgpt-relay/relay-dispatcher.ts";
import { startChatGptRelay } from "./chatgpt-relay/relay-server.ts";
import type { Config } from "./config.ts";
import { systemClock, type Clock } from "./core/clock.ts";
import { createLimiter, type Limiter } from "./core/limiter.ts";
import type { Logger } from "./core/logger.ts";
import { Readiness } from "./backend/readiness.ts";
import { Shutdown } from "./core/shutdown.ts";
import { listen } from "./http/listen.ts";
import { ollamaListener } from "./http/ollama-listener.ts";
import { UnavailableError } from "./errors.ts";
import { WaitingTurns } from "./turn/waiting-turns.ts";

export interface Service {
  readonly url: string;
  /** The Ollama port's address (OLLAMA_PORT), when it is on. */
  readonly ollamaUrl: string | undefined;
  readonly apiKey: string;
  readonly createdKey: boolean;
  readonly backend: Backend;
  readonly limiter: Limiter;
  readonly readiness: Readiness;
  /** Turns paused on client tool calls (for tests: nothing may be left waiting). */
  readonly waitingTurns: WaitingTurns;
  /**
   * Drains: new requests get 503 `shutting_down`, in-flight ones may finish for up to `graceMs`,
   * the rest are interrupted (an error frame or 503); then Codex is stopped and connections closed.
   */
  stop(graceMs?: number): Promise<void>;
}

/** Test seams; main.ts passes none. */
export interface ServiceHooks {
  /** Extra variables for the Codex child only (the tests' fake sign-in issuer); production passes none. */
  readonly childEnv?: Readonly<Record<string, string>>;
  /** Sees every JSON-RPC message to and from the app-server child (the protocol contract tests). */
  readonly wireTap?: WireObserver;
  /** How long Codex may leave a local call unanswered before its child counts as hung (default 30 s). */
  readonly codexRpcTimeoutMs?: number;
}

/** Builds every concrete dependency from the config and listens; main.ts and the end-to-end tests share it. */
export async function startService(config: Config, parentEnv: NodeJS.ProcessEnv, logger: Logger, hooks: ServiceHooks = {}): Promise<Service> {
  const { apiKey, createdKey } = bootstrap(config, logger);
  const clock = systemClock;
  const bin = config.codexBin ?? resolveCodexBinary();
  const env = { ...codexChildEnv(parentEnv, config.codexHome), ...hooks.childEnv };
  const pinned = pinnedCodexVersion();
  const chatgptBaseUrl = config.chatgptBaseUrl ?? configuredChatGptBaseUrl(config.codexHome) ?? DEFAULT_CHATGPT_BASE_URL;
  const relayAgent = config.chatgptRelay ? relayDispatcher(env) : undefined;
  const relay = relayAgent ? await startChatGptRelay({ target: new URL(chatgptBaseUrl), dispatcher: relayAgent, logger, clock }) : undefined;
  const routing = { chatgptBaseUrl: relay?.baseUrl ?? config.chatgptBaseUrl };
  const catalogFile = config.codexToolMode === "direct" ? path.join(config.dataDir, "codex-model-catalog.json") : undefined;
  const codexArgs = hardeningArgs({ ...routing, modelCatalogFile: catalogFile });
  // Before each start of Codex: derive the plain-chat catalog from the one Codex would use.
  const prepareCodex = catalogFile
    ? () => writeModelCatalogFile({ bin, codexArgs: hardeningArgs(routing), env, cwd: config.codexWorkDir, file: catalogFile, logger })
    : undefined;
  if (config.backend === "exec") await prepareCodex?.();
  const backend: Backend =
    config.backend === "exec"
      ? createExecBackend({
          bin,
          codexArgs,
          env,
          workDir: config.codexWorkDir,
          instructionsFile: path.join(config.dataDir, "exec-instructions.md"),
          commands: config.commands,
        })
      : new AppServerBackend({
          bin,
          codexArgs,
          env,
          workDir: config.codexWorkDir,
          logger,
          clientVersion: pinned,
          spareThreads: config.spareThreads,
          warmThreads: { max: config.maxWarmThreads, idleMs: config.warmThreadIdleMs },
          loginCommand: config.commands.login,
          clock,
          ...(prepareCodex ? { beforeSpawn: prepareCodex } : {}),
          ...(catalogFile ? { refusalHint: DIRECT_TOOL_MODE_HINT } : {}),
          ...(config.webSearch !== "off" ? { webSearch: config.webSearch } : {}),
          ...(hooks.wireTap ? { onWire: hooks.wireTap } : {}),
          ...(hooks.codexRpcTimeoutMs ? { rpcTimeoutMs: hooks.codexRpcTimeoutMs } : {}),
        });
  const readiness = new Readiness({ backend, pinnedVersion: pinned, intervalMs: config.healthCheckIntervalMs, logger });
  const limiter = createLimiter({
    capacity: config.maxConcurrentRequests,
    maxQueue: config.maxQueueLength,
    maxWaitMs: config.queueWaitMs,
  });
  const shutdown = new Shutdown();
  const waitingTurns = new WaitingTurns({ max: config.maxWaitingToolTurns, ttlMs: config.toolTurnWaitMs });
  const telemetry = createTelemetry({ limiter, backend, readiness, clock });
  const app = createApp({
    config,
    apiKey,
    backend,
    limiter,
    readiness,
    logger,
    clock,
    waitingTurns,
    shutdown,
    telemetry,
  });

  await backend.start();
  void readiness.start();
  let inFlight = 0;
  const limits = {
    headersTimeoutMs: config.httpHeadersTimeoutMs,
    bodyTimeoutMs: config.httpBodyTimeoutMs,
    idleTimeoutMs: config.httpIdleTimeoutMs,
    maxConnections: config.httpMaxConnections,
  };
  const { server, port, stats } = await listen({ fetch: app.fetch, host: config.host, port: config.port, limits, logger });
  const url = `http://${config.host}:${port}`;
  telemetry.metrics.watchConnections(stats);
  const ollama =
    config.ollamaPort === undefined
      ? undefined
      : await listen({ fetch: ollamaListener(app.fetch, { apiKey, withoutKey: config.ollamaWithoutKey, mainUrl: url }), host: config.host, port: config.ollamaPort, limits, logger });
  // Counted per response, so a stream is in flight until its last byte.
  for (const listening of [server, ollama?.server]) {
    listening?.on("request", (_req, res) => {
      inFlight += 1;
      res.once("close", () => (inFlight -= 1));
    });
  }

  return {
    url,
    ollamaUrl: ollama ? `http://${config.host}:${ollama.port}` : undefined,
    apiKey,
    createdKey,
    backend,
    limiter,
    readiness,
    waitingTurns,
    async stop(graceMs = 10_000) {
      shutdown.drain();
      readiness.stop();
      if (inFlight > 0) logger.info("draining: letting running requests finish", { inFlight, graceMs });
      await until(() => inFlight === 0, graceMs, clock);
      if (inFlight > 0) {
        logger.warn("shutdown grace ran out: interrupting the requests still running", { inFlight });
        shutdown.interrupt(new UnavailableError("The adapter is shutting down and interrupted this request; retry it.", { code: "shutting_down" }));
        await until(() => inFlight === 0, INTERRUPTED_FLUSH_MS, clock);
      }
      const servers = [server, ...(ollama ? [ollama.server] : [])];
      const closed = Promise.all(servers.map((open) => new Promise<void>((resolve) => open.close(() => resolve()))));
      for (const open of servers) open.closeAllConnections();
      waitingTurns.clear();
      await backend.stop();
      await relay?.close();
      await relayAgent?.close();
      await closed;
    },
  };
}

/** Added to an upstream refusal in direct tool mode: the live service may refuse what Codex's catalog does not plan for. */
const DIRECT_TOOL_MODE_HINT =
  "If the model service refuses requests in the adapter's direct tool mode, set CODEX_TOOL_MODE=codex (docs/chatgpt-backend.md).";

/** Codex's own default for `chatgpt_base_url`. */
const DEFAULT_CHATGPT_BASE_URL = "https://chatgpt.com/backend-api/";

/** How long interrupted requests get to send their error frame before their connections are closed. */
const INTERRUPTED_FLUSH_MS = 2000;

async function until(done: () => boolean, timeoutMs: number, clock: Clock): Promise<void> {
  const deadline = clock.nowMs() + timeoutMs;
  while (!done() && clock.nowMs() < deadline) await new Promise((r) => setTimeout(r, 50));
}
