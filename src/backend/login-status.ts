import { spawn } from "node:child_process";
import { CREDENTIALS_STORE_ARGS } from "./codex-hardening.ts";

/** What `codex login status` said, reduced to the kind of login; its own text is never passed on. */
export interface LoginStatusSummary {
  /** "chatgpt", "apikey" or "other"; null when not signed in or unknown. */
  readonly authMode: "chatgpt" | "apikey" | "other" | null;
  /** One line for an operator: no key, token, email or account id. */
  readonly summary: string;
}

/**
 * Reads the output of the pinned `codex login status` (0.171.0): "Logged in using ChatGPT",
 * "API key configured - sk-…***abcde" (a masked key: it still shows part of the key, so it is
 * never echoed), "Logged in using <another method>", "Not logged in".
 */
export function summarizeLoginStatus(exitCode: number | null, output: string, login: string): LoginStatusSummary {
  if (exitCode === 0 && /Logged in using ChatGPT/.test(output)) return { authMode: "chatgpt", summary: "Logged in using ChatGPT." };
  if (exitCode === 0 && /API key configured/.test(output)) {
    return {
      authMode: "apikey",
      summary: `Signed in with an API key, which this adapter does not use: run \`${login}\` to sign in with ChatGPT.`,
    };
  }
  if (exitCode === 0 && /Logged in using/.test(output)) {
    return { authMode: "other", summary: `Signed in with a method other than ChatGPT, which this adapter does not use: run \`${login}\`.` };
  }
  return { authMode: null, summary: `Not logged in: run \`${login}\` to sign in with ChatGPT.` };
}

/** Runs `codex login status` on the dedicated home (env carries CODEX_HOME) and summarizes it; hints name `login`. */
export function readLoginStatus(bin: string, env: NodeJS.ProcessEnv, login: string): Promise<LoginStatusSummary> {
  return new Promise((resolve) => {
    const child = spawn(bin, ["login", ...CREDENTIALS_STORE_ARGS, "status"], { env, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", () => resolve({ authMode: null, summary: "could not run `codex login status`" }));
    child.on("close", (code) => resolve(summarizeLoginStatus(code, out, login)));
  });
}
