import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { codexChildEnv } from "./backend/child-env.ts";
import { resolveCodexBinary } from "./backend/codex-binary.ts";
import { CREDENTIALS_STORE_ARGS } from "./backend/codex-hardening.ts";
import { summarizeLoginStatus } from "./backend/login-status.ts";
import { ConfigError, loadConfig } from "./config.ts";

/**
 * Operator commands on the dedicated CODEX_HOME: device-code `login`, `status`, `logout`. All of
 * them use Codex's file credential store, as the adapter's children do.
 */
const COMMANDS = ["login", "status", "logout"] as const;
type Command = (typeof COMMANDS)[number];

const isCommand = (value: string): value is Command => (COMMANDS as readonly string[]).includes(value);

function run(command: string): number {
  if (!isCommand(command)) {
    process.stderr.write(`usage: tsx src/cli.ts ${COMMANDS.join("|")}\n`);
    return 2;
  }
  const config = loadConfig(process.env);
  mkdirSync(config.codexHome, { recursive: true, mode: 0o700 });
  process.stdout.write(`Using CODEX_HOME=${config.codexHome}\n`);
  const bin = config.codexBin ?? resolveCodexBinary();
  const env = codexChildEnv(process.env, config.codexHome);
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

try {
  process.exit(run(process.argv[2] ?? ""));
} catch (err) {
  process.stderr.write(`${err instanceof ConfigError ? err.message : String(err)}\n`);
  process.exit(1);
}
