import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { codexTestEnv, type EgressGuard } from "./egress-guard.ts";
import { fakeChatGptAuthJson } from "./fake-chatgpt-auth.ts";

/**
 * The CODEX_HOME of the path users run: Codex's built-in provider (no `model_provider` in
 * config.toml) with a ChatGPT login (a fabricated auth.json), and the ChatGPT backend at
 * `chatgptBaseUrl` (the stand-in's own URL in these tests; the adapter's pass-through once it
 * has one). The model stream then goes to the workspace origin accounts/check names.
 *
 * Codex 0.171.0 fetches the models catalog (`codex/models`) from the built-in provider's base,
 * `https://chatgpt.com/backend-api/codex`, not from chatgpt_base_url nor the workspace origin:
 * `openaiBaseUrl` (config `openai_base_url`) moves it. It also pins the model stream there,
 * bypassing workspace routing; without it the catalog fetch meets the egress guard (15 tries,
 * about 6 s, on every thread/start) and Codex falls back to its bundled catalog.
 */
export interface ChatGptCodexHomeOptions {
  /** `chatgpt_base_url`, ending in `/backend-api/`. */
  readonly chatgptBaseUrl: string;
  /** `openai_base_url`, ending in `/backend-api/codex` (e.g. the stand-in's `${origin}/backend-api/codex`); unset: Codex's default. */
  readonly openaiBaseUrl?: string;
  /** Extra `key = value` lines for config.toml (top level). */
  readonly extraConfig?: readonly string[];
  /** Write the fabricated ChatGPT login (default true). */
  readonly signedIn?: boolean;
}

export function chatGptCodexConfig(options: ChatGptCodexHomeOptions): string {
  return [
    `chatgpt_base_url = "${options.chatgptBaseUrl}"`,
    ...(options.openaiBaseUrl ? [`openai_base_url = "${options.openaiBaseUrl}"`] : []),
    ...(options.extraConfig ?? []),
    "",
  ].join("\n");
}

/** Writes config.toml and (unless `signedIn` is false) auth.json into `codexHome`, creating it 0700. */
export function writeChatGptCodexHome(codexHome: string, options: ChatGptCodexHomeOptions): void {
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(codexHome, "config.toml"), chatGptCodexConfig(options));
  if (options.signedIn !== false) writeFileSync(path.join(codexHome, "auth.json"), fakeChatGptAuthJson(), { mode: 0o600 });
}

/**
 * The environment for a Codex child on this path: the egress guard for every host but
 * 127.0.0.1 (codexTestEnv), and SSL_CERT_FILE = the stand-in's throwaway CA alone, so the only
 * https peer Codex can trust is the stand-in.
 */
export function chatGptChildEnv(home: string, egress: EgressGuard, caFile: string): Record<string, string> {
  return { ...codexTestEnv(home, egress), SSL_CERT_FILE: caFile };
}

/**
 * Where Codex refreshes its token after a 401 (default auth.openai.com, refused by the egress
 * guard): the stand-in's issuer endpoint. The adapter's child-env.ts does not pass this
 * variable through, so the service takes it as a test-only `childEnv`.
 */
export function tokenRefreshEnv(tokenRefreshUrl: string): Record<string, string> {
  return { CODEX_REFRESH_TOKEN_URL_OVERRIDE: tokenRefreshUrl };
}
