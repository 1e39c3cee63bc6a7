import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { codexChildEnv } from "./backend/child-env.ts";
import { resolveCodexBinary } from "./backend/codex-binary.ts";
import { CREDENTIALS_STORE_ARGS } from "./backend/codex-hardening.ts";
import { summarizeLoginStatus } from "./backend/login-status.ts";
import type { Config } from "./config.ts";

/**
 * Operator commands on the dedicated CODEX_HOME: device-code `login`, `status`, `logout`. All of
 * them use Codex's file credential store, as the adapter's children do.
 */
export function runOperatorCommand(command: "login" | "status" | "logout", config: Config, environment: NodeJS.ProcessEnv): number {
  mkdirSync(config.codexHome, { recursive: true, mode: 0o700 });
  process.stdout.write(`Using CODEX_HOME=${config.codexHome}\n`);
  const bin = config.codexBin ?? resolveCodexBinary();
  const env = codexChildEnv(environment, config.codexHome);
  if (command === "status") {
    // Codex's own status line shows part of an API key ("sk-proj-***abcde"): print a summary instead.
    const result = spawnSync(bin, ["login", ...CREDENTIALS_STORE_ARGS, "status"], { env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (result.error) {
      process.stderr.write(`could not run Codex: ${result.error.message}\n`);
      return 1;
    }
    const status = summarizeLoginStatus(result.status, result.stdout + result.stderr, config.commands.login);
    process.stdout.write(`${status.summary}\n`);
    return status.authMode === "chatgpt" ? 0 : 1;
  }
  const args = command === "login" ? ["login", ...CREDENTIALS_STORE_ARGS, "--device-auth"] : ["logout", ...CREDENTIALS_STORE_ARGS];
  // Interactive: the device code and its URL are meant for this terminal.
  const result = spawnSync(bin, args, { env, stdio: "inherit" });
  if (command === "login" && result.status === 0) {
    process.stdout.write("A running adapter picks up this login at its next check (or at the next chat request).\n");
  }
  return result.status ?? 1;
}
