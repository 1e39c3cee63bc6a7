import type { Config } from "./config.ts";
import { createLogger } from "./core/logger.ts";
import { startService } from "./service.ts";

/** `codex-cli-provider serve`: runs until SIGTERM or SIGINT, then stops within the grace period. */
export async function serve(config: Config, env: NodeJS.ProcessEnv): Promise<void> {
  const logger = createLogger(config.logLevel);
  const service = await startService(config, env, logger);
  logger.info("listening", { url: `${service.url}/v1`, dashboard: config.dashboardEnabled ? `${service.url}/dashboard/` : "off", backend: service.backend.name });
  if (service.ollamaUrl) logger.info("listening for Ollama apps", { url: service.ollamaUrl, key: config.ollamaWithoutKey ? "not needed" : "required" });
  if (config.ollamaWithoutKey) {
    logger.warn(
      `KEYLESS: ${service.ollamaUrl ?? ""} answers Ollama's API without the bearer key (OLLAMA_WITHOUT_KEY). Every program on this machine, under any user, can use your ChatGPT plan through it; browser pages are refused. docs/security.md`,
    );
  }
  logger.info("data directory", { dataDir: config.dataDir, chosenBy: config.dataDirFrom, codexHome: config.codexHome });
  if (service.createdKey) logger.info("created a bearer key for clients", { keyFile: config.proxyApiKeyFile });
  logger.info("clients authenticate with the bearer key", { keyFrom: config.proxyApiKey ? "PROXY_API_KEY" : config.proxyApiKeyFile });
  const dashboard = config.dashboardEnabled ? "the dashboard's sign-in (/dashboard/) or " : "";
  const { login, status } = config.commands;
  logger.info(`sign in once with ${dashboard}\`${login}\` (device code); \`${status}\` shows the login state`);

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("shutting down", { signal, graceSeconds: config.shutdownGraceMs / 1000 });
    void service.stop(config.shutdownGraceMs).then(
      () => {
        logger.info("stopped");
        process.exit(0);
      },
      (err: unknown) => {
        logger.error("shutdown failed", { error: err instanceof Error ? err.message : String(err) });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
}

