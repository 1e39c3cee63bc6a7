import { execFile } from "node:child_process";
import { existsSync, renameSync, writeFileSync } from "node:fs";
import { promisify } from "node:util";
import type { Logger } from "../core/logger.ts";
import { parseCatalog, plainChatCatalog } from "./plain-model-catalog.ts";

const execFileAsync = promisify(execFile);

export interface ModelCatalogFileOptions {
  readonly bin: string;
  /** Codex's command line without `model_catalog_json` (with it, Codex would print the derived catalog back). */
  readonly codexArgs: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Where the derived catalog goes (the adapter's data directory, never CODEX_HOME); Codex reads it at start. */
  readonly file: string;
  readonly logger: Logger;
  /** Signed in and online, Codex fetches the live catalog first; offline it falls back to its bundled one after a few seconds. */
  readonly timeoutMs?: number;
}

/**
 * Writes the plain-chat catalog Codex is started with (`-c model_catalog_json`), derived from the
 * catalog Codex itself would use: the live one when signed in and reachable, else the one bundled
 * in the binary. Run before each start of Codex, so a model added to the live catalog is served
 * from the next start on. A failure keeps the last derived file, or falls back to the bundled catalog.
 */
export async function writeModelCatalogFile(o: ModelCatalogFileOptions): Promise<void> {
  const derive = async (extra: readonly string[]) => {
    const { stdout } = await execFileAsync(o.bin, ["debug", "models", ...extra, ...o.codexArgs], {
      env: o.env,
      cwd: o.cwd,
      timeout: o.timeoutMs ?? 20_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    return plainChatCatalog(parseCatalog(stdout));
  };
  let catalog;
  try {
    catalog = await derive([]);
  } catch (err) {
    if (existsSync(o.file)) {
      o.logger.warn("model catalog not refreshed: keeping the last one", { reason: reason(err) });
      return;
    }
    catalog = await derive(["--bundled"]);
  }
  const temporary = `${o.file}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify(catalog), { mode: 0o600 });
  renameSync(temporary, o.file);
  o.logger.info("model catalog derived", { models: catalog.models.length });
}

/** Why `codex debug models` gave no catalog, without its command line or output. */
function reason(err: unknown): string {
  const failure = (err ?? {}) as { killed?: boolean; code?: unknown };
  if (failure.killed) return "timed out";
  if (typeof failure.code === "number") return `exit code ${failure.code}`;
  return "its output is no model catalog";
}
