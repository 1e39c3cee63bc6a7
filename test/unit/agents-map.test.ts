import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";

const root = path.resolve(import.meta.dirname, "../..");
/** The file map in AGENTS.md: the first fenced block under "## Layout". */
const layout = (() => {
  const text = readFileSync(path.join(root, "AGENTS.md"), "utf8");
  const section = text.slice(text.indexOf("## Layout"));
  const start = section.indexOf("```") + 3;
  return section.slice(start, section.indexOf("```", start));
})();

const sourceFiles = readdirSync(path.join(root, "src"), { recursive: true, encoding: "utf8" })
  .filter((f) => /\.(ts|js|html|css)$/.test(f))
  .map((f) => path.basename(f));

test("AGENTS.md's layout names every source file (a new file goes into the map in the same change)", () => {
  const missing = sourceFiles.filter((name) => !new RegExp(`(^|[\\s/(,])${name.replace(/\./g, "\\.")}\\b`).test(layout));
  assert.deepEqual(missing, [], `not in AGENTS.md's layout: ${missing.join(", ")}`);
});

test("every source file AGENTS.md's layout names still exists", () => {
  const named = [...new Set(layout.match(/[\w.-]+\.(?:ts|js|html|css)\b/g) ?? [])];
  const known = new Set([...sourceFiles, ...readdirSync(path.join(root, "test/helpers")), ...readdirSync(path.join(root, "bench")), ...readdirSync(path.join(root, "scripts"), { recursive: true, encoding: "utf8" }).map((f) => path.basename(f))]);
  const gone = named.filter((name) => !known.has(name));
  assert.deepEqual(gone, [], `named in AGENTS.md but not in the tree: ${gone.join(", ")}`);
});
