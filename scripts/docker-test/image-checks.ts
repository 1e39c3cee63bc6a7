import { docker, run } from "./docker-cli.ts";

/** Checks of the built image itself, before any container of the service runs. */

/** The Codex package's platform directory, whatever the build's architecture. */
const VENDOR = "/app/node_modules/@openai/codex-*/vendor/*";

/** What the Dockerfile leaves out (docs/docker.md, "What is left out"); each must be absent from the image. */
const LEFT_OUT = [
  // installers and build tools
  "/usr/local/bin/npm",
  "/usr/local/bin/npx",
  "/usr/local/bin/corepack",
  "/usr/local/bin/yarn",
  "/usr/local/lib/node_modules",
  "/opt/yarn-*",
  "/usr/local/include/node",
  "/app/src",
  "/app/node_modules/tsx",
  "/app/node_modules/esbuild",
  "/app/node_modules/typescript",
  // what the adapter never asks Codex to run
  `${VENDOR}/bin/codex-code-mode-host`,
  `${VENDOR}/codex-resources/voice`,
  `${VENDOR}/codex-resources/bwrap`,
  `${VENDOR}/codex-path/rg`,
  // gpt-tokenizer's three other copies of its token tables
  "/app/node_modules/gpt-tokenizer/src",
  "/app/node_modules/gpt-tokenizer/cjs",
  "/app/node_modules/gpt-tokenizer/data",
];

/** What the service runs; present, or the image is broken in a way the later checks would only hint at. */
const KEPT = [
  "/app/dist/main.js",
  `${VENDOR}/bin/codex`,
  // Codex reads its package manifest and looks into these two directories at every start.
  `${VENDOR}/codex-package.json`,
  `${VENDOR}/codex-resources`,
  `${VENDOR}/codex-path`,
  "/app/node_modules/gpt-tokenizer/esm/bpeRanks/o200k_base.js",
];

/** Every path is a shell glob, expanded inside the image; a pattern that matches nothing stays as written and fails `-e`. */
const SCRIPT = [
  `for p in ${LEFT_OUT.join(" ")}; do [ -e "$p" ] && echo "present $p"; done`,
  `for p in ${KEPT.join(" ")}; do [ -e "$p" ] || echo "missing $p"; done`,
  `find /app -type f \\( -name '*.map' -o -name '*.ts' -o -name '*.mts' -o -name '*.cts' \\) | head -3 | sed 's/^/present /'`,
  "true",
].join("\n");

export async function leanImage(image: string): Promise<string> {
  const result = await run("docker", ["run", "--rm", "--network", "none", "--entrypoint", "/bin/sh", image, "-c", SCRIPT]);
  if (result.code !== 0) throw new Error(`listing the image failed: ${result.stderr.trim()}`);
  const problems = result.stdout.split("\n").filter(Boolean);
  if (problems.length) throw new Error(problems.join("; "));
  return `${LEFT_OUT.length} left-out paths absent (npm, npx, corepack, yarn, Node's headers, src/, tsx, TypeScript, Codex's code-mode host, voice runtime, bwrap and rg, gpt-tokenizer's other copies), no source maps or .ts files; ${KEPT.length} kept paths present`;
}

/** The image's size and its layers with content, largest first, as `docker history` reports them (docs/docker.md's table). */
export async function imageLayers(image: string): Promise<string[]> {
  const size = Number(await docker("image", "inspect", "--format", "{{.Size}}", image));
  const rows = (await docker("history", "--no-trunc", "--format", "{{.Size}}\t{{.CreatedBy}}", image)).split("\n");
  const layers = rows
    .map((row) => row.split("\t"))
    .filter(([bytes]) => bytes !== "0B")
    .map(([bytes = "", createdBy = ""]) => `${bytes.padStart(7)}  ${createdBy.replace(/^\/bin\/sh -c #\(nop\)\s+/, "").replace(/(file|dir):[0-9a-f]{64} /, "").slice(0, 90)}`);
  return [`image ${Math.round(size / 1e6)} MB (${size} bytes); layers with content:`, ...layers];
}
