import { statSync } from "node:fs";
import path from "node:path";

/**
 * Identifies the login file in CODEX_HOME without reading it: null when it is absent, a string
 * that changes whenever the file is replaced or rewritten otherwise. Never opens the file, so
 * nothing of its content can leak. (The adapter forces Codex's file credential store, so this
 * file is where the login lives.)
 */
export function authFileFingerprint(codexHome: string): string | null {
  try {
    const s = statSync(path.join(codexHome, "auth.json"), { bigint: true });
    return `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    // Present but unreadable to stat (permissions): report it as present and unchanged.
    return "present";
  }
}
