import { serve } from "@hono/node-server";
import { createApp } from "./app.ts";
import { AppServerBackend } from "./backend/app-server-backend.ts";
import { codexChildEnv } from "./backend/child-env.ts";
import { pinnedCodexVersion, resolveCodexBinary } from "./backend/codex-binary.ts";
import { ExecBackend } from "./backend/exec-backend.ts";
import type { Backend } from "./backend/types.ts";
import { bootstrap } from "./bootstrap.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { systemClock } from "./core/clock.ts";
import { createLimiter } from "./core/limiter.ts";
import { createLogger } from "./core/logger.ts";
import { Readiness } from "./core/readiness.ts";

/** How long in-flight requests get to finish after SIGTERM before their turns are interrupted. */
const SHUTDOWN_GRACE_MS = 10_000;

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const { apiKey, createdKey } = bootstrap(config);
  const bin = config.codexBin ?? resolveCodexBinary();
  const env = codexChildEnv(process.env, config.codexHome);
  const pinned = pinnedCodexVersion();
  const backend: Backend =
    config.backend === "exec"
      ? new ExecBackend({ bin, env, workDir: config.codexWorkDir })
      : new AppServerBackend({ bin, env, workDir: config.codexWorkDir, logger, clientVersion: pinned });
  const readiness = new Readiness({ backend, pinnedVersion: pinned, intervalMs: config.healthCheckIntervalMs, logger });
  const limiter = createLimiter({
    capacity: config.maxConcurrentRequests,
    maxQueue: config.maxQueueLength,
    maxWaitMs: config.queueWaitMs,
  });
  const app = createApp({ config, apiKey, backend, limiter, readiness, logger, clock: systemClock });

  await backend.start();
  void readiness.start();
  const server = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, (info) => {
    logger.info("listening", { url: `http://${config.host}:${info.port}/v1`, backend: backend.name, codexHome: config.codexHome });
    if (createdKey) logger.info("created a bearer key for clients", { keyFile: config.proxyApiKeyFile });
    logger.info("client key location", { keyFile: config.proxyApiKey ? "PROXY_API_KEY" : config.proxyApiKeyFile });
    logger.info("sign in once with `npm run login` (device code); `npm run login:status` shows the login state");
  });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal });
    readiness.stop();
    server.close(); // no new connections; in-flight requests may finish within the grace period
    const deadline = Date.now() + SHUTDOWN_GRACE_MS;
    while (limiter.stats().active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await backend.stop();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: message })}\n`);
  process.exit(1);
});
