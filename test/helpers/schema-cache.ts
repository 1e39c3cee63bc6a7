import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";

export interface SchemaCacheOptions {
  /** Where cached schemas live (node_modules/.cache/... in the e2e tests). */
  readonly root: string;
  /** The Codex executable whose schema this is; its path, size and mtime are part of the key. */
  readonly bin: string;
  /** The version that binary reported. */
  readonly version: string;
  /** Writes the generated schema into `out`, an existing empty directory. */
  readonly generate: (out: string) => Promise<void>;
}

/**
 * The directory holding `bin`'s generated JSON schema, generated on first use and reused after:
 * each e2e process would otherwise spend ~0.2 s regenerating it. The key names the version and
 * the exact binary, so another or reinstalled binary never reads a stale schema; generation
 * writes to a temporary directory renamed into place, so a partial one is never read.
 */
export async function cachedSchemaDir(options: SchemaCacheOptions): Promise<string> {
  const { size, mtimeMs } = statSync(options.bin);
  const key = createHash("sha256").update(`${options.bin}\0${size}\0${mtimeMs}`).digest("hex").slice(0, 16);
  const dir = path.join(options.root, `${options.version}-${key}`);
  if (existsSync(dir)) return dir;
  mkdirSync(options.root, { recursive: true });
  const partial = mkdtempSync(path.join(options.root, ".partial-"));
  try {
    await options.generate(partial);
    renameSync(partial, dir);
  } catch (err) {
    rmSync(partial, { recursive: true, force: true });
    // Another process renamed its complete copy into place first: use that one.
    if (!lostTheRace(err) || !existsSync(dir)) throw err;
  }
  return dir;
}

/** rename(2) onto a directory that another process already filled. */
function lostTheRace(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return code === "ENOTEMPTY" || code === "EEXIST";
}
