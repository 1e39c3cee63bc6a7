import { existsSync, statSync } from "node:fs";
import path from "node:path";

/** test/client-kit: the agent programs the e2e tests run, installed by `npm run setup:test-clients` (npm test's pretest). */
const KIT = path.resolve(import.meta.dirname, "../client-kit/node_modules");

/**
 * A client's native binary: its platform package holds it, and the wrapper's postinstall (not run:
 * the kit installs without scripts) would copy it into the wrapper. A placeholder is a few bytes,
 * the binary well over 100 MB.
 */
export function clientKitBinary(candidates: readonly string[]): string | undefined {
  return candidates.map((p) => path.join(KIT, p)).find((p) => existsSync(p) && statSync(p).size > 1_000_000);
}

export const SETUP_HINT = "run npm run setup:test-clients";
