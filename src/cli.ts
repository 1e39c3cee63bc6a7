import { spawnSync } from "node:child_process";
import { bootstrap } from "./bootstrap.ts";
import { codexChildEnv } from "./backend/child-env.ts";
import { resolveCodexBinary } from "./backend/codex-binary.ts";
import { loadConfig } from "./config.ts";

/** Operator commands around the dedicated CODEX_HOME: `login` (device code) and `status`. */
const COMMANDS: Record<string, string[]> = {
  login: ["login", "--device-auth"],
  status: ["login", "status"],
  logout: ["logout"],
};

const command = process.argv[2] ?? "";
const args = COMMANDS[command];
if (!args) {
  process.stderr.write(`usage: tsx src/cli.ts ${Object.keys(COMMANDS).join("|")}\n`);
  process.exit(2);
}
const config = loadConfig(process.env);
bootstrap(config);
process.stdout.write(`Using CODEX_HOME=${config.codexHome}\n`);
const result = spawnSync(config.codexBin ?? resolveCodexBinary(), args, {
  env: codexChildEnv(process.env, config.codexHome),
  stdio: "inherit",
});
process.exit(result.status ?? 1);
