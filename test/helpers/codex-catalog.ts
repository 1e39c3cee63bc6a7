import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { resolveCodexBinary } from "../../src/backend/codex-binary.ts";
import { parseCatalog, type RawCatalog } from "../../src/backend/plain-model-catalog.ts";

/** One catalog entry, as far as the tests read it. */
export interface CatalogModel {
  readonly slug: string;
  readonly visibility?: string;
  readonly context_window?: number;
  readonly effective_context_window_percent?: number;
  readonly tool_mode?: string | null;
  readonly [field: string]: unknown;
}

/**
 * The model catalog bundled in the pinned binary (`codex debug models --bundled`, read afresh,
 * never a copy that drifts): what a signed-in Codex gets from `codex/models` for its version.
 */
export function bundledCatalog(): RawCatalog & { readonly models: readonly CatalogModel[] } {
  const home = mkdtempSync(path.join(tmpdir(), "ccp-catalog-"));
  try {
    const stdout = execFileSync(resolveCodexBinary(), ["debug", "models", "--bundled"], {
      env: { PATH: process.env.PATH ?? "", CODEX_HOME: home, RUST_LOG: "error" },
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "ignore"],
    });
    return parseCatalog(stdout);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

/** The model Codex runs when a request names none: the first listed entry by priority (model/list marks it default). */
export function defaultCatalogModel(catalog = bundledCatalog()): CatalogModel {
  const listed = catalog.models.filter((m) => m.visibility === "list");
  const first = [...listed].sort((a, b) => Number(a.priority ?? 0) - Number(b.priority ?? 0))[0];
  if (!first) throw new Error("the bundled catalog lists no model");
  return first;
}
