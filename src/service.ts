import type { AddressInfo } from "node:net";
import path from "node:path";
import { serve, type ServerType } from "@hono/node-server";
import { createApp } from "./app.ts";
import { AppServerBackend } from "./backend/app-server-backend.ts";
import { codexChildEnv } from "./backend/child-env.ts";
import { pinnedCodexVersion, resolveCodexBinary } from "./backend/codex-binary.ts";
import { ExecBackend } from "./backend/exec-backend.ts";
import type { Backend } from "./backend/types.ts";
import { bootstrap } from "./bootstrap.ts";
import type { Config } from "./config.ts";
import { systemClock } from "./core/clock.ts";
import { createLimiter, type Limiter } from "./core/limiter.ts";
import type { Logger } from "./core/logger.ts";
import { Readiness } from "./core/readiness.ts";

export interface Service {
  readonly url: string;
  readonly apiKey: string;
  readonly createdKey: boolean;
  readonly backend: Backend;
  readonly limiter: Limiter;
  readonly readiness: Readiness;
  /** Stops taking connections, lets in-flight requests finish for up to `graceMs`, then stops Codex. */
  stop(graceMs?: number): Promise<void>;
}

/** Builds every concrete dependency from the config and listens; main.ts and the end-to-end tests share it. */
export async function startService(config: Config, parentEnv: NodeJS.ProcessEnv, logger: Logger): Promise<Service> {
  const { apiKey, createdKey } = bootstrap(config);
  const bin = config.codexBin ?? resolveCodexBinary();
  const env = codexChildEnv(parentEnv, config.codexHome);
  const pinned = pinnedCodexVersion();
  const backend: Backend =
    config.backend === "exec"
      ? new ExecBackend({ bin, env, workDir: config.codexWorkDir, instructionsFile: path.join(config.dataDir, "exec-instructions.md") })
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
  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: app.fetch, hostname: config.host, port: config.port }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://${config.host}:${port}`,
    apiKey,
    createdKey,
    backend,
    limiter,
    readiness,
    async stop(graceMs = 10_000) {
      readiness.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const deadline = Date.now() + graceMs;
      while (limiter.stats().active > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      if ("closeAllConnections" in server) server.closeAllConnections();
      await backend.stop();
      await closed;
    },
  };
}
