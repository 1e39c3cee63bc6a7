#!/usr/bin/env node
import { nameFlag, parseCommandLine, usage } from "./command-line.ts";
import { ConfigError, loadConfig } from "./config.ts";
import { detectInstallLayout } from "./install-layout.ts";
import { runOperatorCommand } from "./operator-cli.ts";
import { serve } from "./serve.ts";

/** The `codex-cli-provider` command (and `npm start`): parse the command line, then the settings, once. */
async function main(): Promise<number | undefined> {
  const install = detectInstallLayout(process.env);
  const line = parseCommandLine(process.argv.slice(2));
  if (line.action === "misuse") {
    process.stderr.write(`codex-cli-provider: ${line.problem}\n\n${usage(install.version)}`);
    return 2;
  }
  if (line.action !== "run") {
    process.stdout.write(line.action === "help" ? usage(install.version) : `${install.version}\n`);
    return 0;
  }
  const env = { ...process.env, ...line.settings };
  let config;
  try {
    config = loadConfig(env, process.cwd(), install);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError(err.problems.map((problem) => nameFlag(problem, line.settings)));
  }
  if (line.command !== "serve") return runOperatorCommand(line.command, config, env);
  await serve(config, env);
  return undefined; // serving: the process ends on a signal
}

main().then(
  (code) => {
    if (code !== undefined) process.exitCode = code;
  },
  (err: unknown) => {
    // A bad setting is the operator's to fix: plain words; anything else failed the start (a log line, as the service logs).
    if (err instanceof ConfigError) process.stderr.write(`codex-cli-provider: ${err.message}\n`);
    else process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", msg: `failed to start: ${err instanceof Error ? err.message : String(err)}` })}\n`);
    process.exit(err instanceof ConfigError ? 2 : 1);
  },
);
