import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { promisify } from "node:util";

const require = createRequire(import.meta.url);
const execFileAsync = promisify(execFile);

const TARGETS: Record<string, { pkg: string; triple: string }> = {
  "linux-x64": { pkg: "@openai/codex-linux-x64", triple: "x86_64-unknown-linux-musl" },
  "linux-arm64": { pkg: "@openai/codex-linux-arm64", triple: "aarch64-unknown-linux-musl" },
  "darwin-x64": { pkg: "@openai/codex-darwin-x64", triple: "x86_64-apple-darwin" },
  "darwin-arm64": { pkg: "@openai/codex-darwin-arm64", triple: "aarch64-apple-darwin" },
};

/** The version of @openai/codex this project pins in package.json (the single source of truth). */
export function pinnedCodexVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    dependencies: Record<string, string>;
  };
  const version = manifest.dependencies["@openai/codex"];
  if (!version) throw new Error("package.json does not pin @openai/codex");
  return version;
}

/**
 * The native Codex executable npm installed. We spawn it directly rather than through the
 * package's node wrapper so that a kill reaches Codex itself and leaves no orphan behind.
 */
export function resolveCodexBinary(): string {
  const target = TARGETS[`${process.platform}-${process.arch}`];
  if (!target) throw new Error(`no Codex binary for ${process.platform}-${process.arch}; set CODEX_BIN`);
  const codexPkg = require.resolve("@openai/codex/package.json");
  const platformPkg = createRequire(codexPkg).resolve(`${target.pkg}/package.json`);
  return path.join(path.dirname(platformPkg), "vendor", target.triple, "bin", "codex");
}

/** Runs `codex --version` and returns the bare version ("0.171.0"). */
export async function readBinaryVersion(bin: string, env: NodeJS.ProcessEnv): Promise<string> {
  const { stdout } = await execFileAsync(bin, ["--version"], { env, timeout: 15_000 });
  const match = /(\d+\.\d+\.\d+\S*)/.exec(stdout);
  if (!match?.[1]) throw new Error("codex --version printed no version");
  return match[1];
}
