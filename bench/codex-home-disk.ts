/** What Codex keeps in its CODEX_HOME, for the soak: the directory its child was given, walked without following links. */
import { lstatSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface DiskFile {
  /** Relative to CODEX_HOME. */
  readonly path: string;
  readonly bytes: number;
}

export interface DiskReading {
  /** The regular files' sizes added up. */
  readonly bytes: number;
  /** Every regular file, largest first. */
  readonly files: readonly DiskFile[];
  /** Files, directories and links below CODEX_HOME. */
  readonly entries: number;
}

/** The CODEX_HOME in a running Codex child's environment (Linux /proc); undefined where it cannot be read. */
export function codexHomeOf(pid: number): string | undefined {
  try {
    const variables = readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
    return variables.find((v) => v.startsWith("CODEX_HOME="))?.slice("CODEX_HOME=".length) || undefined;
  } catch {
    return undefined;
  }
}

/** Sizes below `dir`; a file Codex removes during the walk (a WAL, a lock) is skipped. */
export function readDisk(dir: string): DiskReading {
  const found: DiskFile[] = [];
  let entries = 0;
  const walk = (relative: string) => {
    let names: string[];
    try {
      names = readdirSync(path.join(dir, relative));
    } catch {
      return;
    }
    for (const name of names) {
      const rel = path.join(relative, name);
      let stat;
      try {
        stat = lstatSync(path.join(dir, rel));
      } catch {
        continue;
      }
      entries += 1;
      if (stat.isDirectory()) walk(rel);
      else if (stat.isFile()) found.push({ path: rel, bytes: stat.size });
    }
  };
  walk("");
  found.sort((a, b) => b.bytes - a.bytes || a.path.localeCompare(b.path));
  return { bytes: found.reduce((sum, f) => sum + f.bytes, 0), files: found, entries };
}
