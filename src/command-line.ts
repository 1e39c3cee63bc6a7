import { parseArgs } from "node:util";

export const COMMANDS = ["serve", "login", "status", "logout"] as const;
export type Command = (typeof COMMANDS)[number];

/**
 * The essential settings as flags, each the same as its environment variable (a flag wins):
 * one schema (src/config.ts) checks both, so a flag is never parsed twice.
 */
export const SETTING_FLAGS = {
  host: "HOST",
  port: "PORT",
  "data-dir": "DATA_DIR",
  "codex-home": "CODEX_HOME",
  "api-key-file": "PROXY_API_KEY_FILE",
  "log-level": "LOG_LEVEL",
  "tool-mode": "CODEX_TOOL_MODE",
  "web-search": "WEB_SEARCH",
} as const satisfies Record<string, string>;
type SettingFlag = keyof typeof SETTING_FLAGS;

export type CommandLine =
  | { readonly action: "help" | "version" }
  | { readonly action: "run"; readonly command: Command; readonly settings: Readonly<Record<string, string>> }
  | { readonly action: "misuse"; readonly problem: string };

const isCommand = (value: string): value is Command => (COMMANDS as readonly string[]).includes(value);

export function parseCommandLine(args: readonly string[]): CommandLine {
  const settingOptions = Object.fromEntries(Object.keys(SETTING_FLAGS).map((flag) => [flag, { type: "string" as const }]));
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      allowPositionals: true,
      strict: true,
      options: { help: { type: "boolean", short: "h" }, version: { type: "boolean", short: "v" }, ...settingOptions },
    });
  } catch (err) {
    return { action: "misuse", problem: err instanceof Error ? err.message : String(err) };
  }
  if (parsed.values.help) return { action: "help" };
  if (parsed.values.version) return { action: "version" };
  const [command = "serve", ...extra] = parsed.positionals;
  if (!isCommand(command)) return { action: "misuse", problem: `unknown command '${command}'` };
  if (extra.length) return { action: "misuse", problem: `unexpected argument '${extra[0]}'` };
  const settings: Record<string, string> = {};
  for (const [flag, variable] of Object.entries(SETTING_FLAGS)) {
    const value = (parsed.values as Partial<Record<SettingFlag, string>>)[flag as SettingFlag];
    if (typeof value === "string") settings[variable] = value;
  }
  return { action: "run", command, settings };
}

/** A configuration problem ("PORT: expected a whole number") named as the flag when a flag set it. */
export function nameFlag(problem: string, settings: Readonly<Record<string, string>>): string {
  const match = /^([A-Z_]+)(:.*)$/s.exec(problem);
  const flag = match && Object.entries(SETTING_FLAGS).find(([, variable]) => variable === match[1] && match[1] in settings)?.[0];
  return flag && match ? `--${flag}${match[2]}` : problem;
}

export function usage(version: string): string {
  return `codex-cli-provider ${version}: OpenAI- and Anthropic-compatible API answered by your own Codex CLI login

Usage: codex-cli-provider [command] [options]

Commands:
  serve            run the adapter (the default)
  login            sign in with ChatGPT (device code) into the adapter's Codex home
  status           print the login state (exit 0 when signed in with ChatGPT)
  logout           sign out of the adapter's Codex home

Options (each also an environment variable; a flag wins):
  --host <addr>          HOST                listen address (127.0.0.1)
  --port <n>             PORT                listen port (8320)
  --data-dir <dir>       DATA_DIR            the Codex home, work directory and bearer key live here
  --codex-home <dir>     CODEX_HOME          the Codex home (<data-dir>/codex-home)
  --api-key-file <file>  PROXY_API_KEY_FILE  the clients' bearer key (<data-dir>/secrets/proxy_api_key)
  --log-level <level>    LOG_LEVEL           debug, info, warn, error or silent (info)
  --tool-mode <mode>     CODEX_TOOL_MODE     direct or codex (direct)
  --web-search <mode>    WEB_SEARCH          live, cached or off (live)
  -h, --help             this text
  -v, --version          the version

Without --data-dir or DATA_DIR, an installed package keeps its data in the per-user data
directory ($XDG_DATA_HOME or ~/.local/share on Linux, ~/Library/Application Support on macOS),
a source checkout in its own data/. Every other setting: the README's configuration section.
`;
}
