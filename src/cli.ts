import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { codexChildEnv } from "./backend/child-env.ts";
import { resolveCodexBinary } from "./backend/codex-binary.ts";
import { ConfigError, loadConfig } from "./config.ts";

/** Operator commands on the dedicated CODEX_HOME: device-code `login`, `status`, `logout`. */
const COMMANDS: Record<string, string[]> = {
  login: ["login", "--device-auth"],
  status: ["login", "status"],
  logout: ["logout"],
};

function run(command: string): number {
  const args = COMMANDS[command];
  if (!args) {
    process.stderr.write(`usage: tsx src/cli.ts ${Object.keys(COMMANDS).join("|")}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  mkdirSync(config.codexHome, { recursive: true, mode: 0o700 });
  process.stdout.write(`Using CODEX_HOME=${config.codexHome}\n`);
  const result = spawnSync(config.codexBin ?? resolveCodexBinary(), args, {
    env: codexChildEnv(process.env, config.codexHome),
    stdio: "inherit",
  });
  return result.status ?? 1;
}

try {
  process.exit(run(process.argv[2] ?? ""));
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
