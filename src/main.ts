import { ConfigError, loadConfig } from "./config.ts";
import { createLogger } from "./core/logger.ts";
import { startService } from "./service.ts";

async function main(): Promise<void> {
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel);
  const service = await startService(config, process.env, logger);
  logger.info("listening", { url: `${service.url}/v1`, backend: service.backend.name, codexHome: config.codexHome });
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

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : `failed to start: ${err instanceof Error ? err.message : String(err)}`;
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: message })}\n`);
  process.exit(1);
});
