import { existsSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

/**
 * How this copy of the adapter was installed. A source checkout keeps its data beside the
 * sources (`data/`, as the npm scripts always have); an installed package (`npm install -g`,
 * the tarball) must not write into its install tree or the current directory, so it keeps its
 * data in the per-user data directory.
 */
export interface InstallLayout {
  readonly kind: "checkout" | "package";
  /** This package's version, from its package.json. */
  readonly version: string;
  /** Where data lives when neither DATA_DIR nor --data-dir says. */
  readonly defaultDataDir: string;
}

const NAME = "codex-cli-provider";

/** src/ and dist/ both sit directly under the package root. */
const PACKAGE_ROOT = fileURLToPath(new URL("..", import.meta.url));

export function detectInstallLayout(env: NodeJS.ProcessEnv, root = PACKAGE_ROOT, platform = process.platform, home = homedir()): InstallLayout {
  const manifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8")) as { version: string };
  // The published package carries only dist/; the sources are there in a checkout alone.
  const kind = existsSync(path.join(root, "src", "main.ts")) ? "checkout" : "package";
  return {
    kind,
    version: manifest.version,
    defaultDataDir: kind === "checkout" ? path.join(root, "data") : userDataDir(env, platform, home),
  };
}

/** The platform's per-user data directory: XDG's data home on Linux, Application Support on macOS. */
export function userDataDir(env: NodeJS.ProcessEnv, platform: NodeJS.Platform, home: string): string {
  if (platform === "darwin") return path.join(home, "Library", "Application Support", NAME);
  if (platform === "win32") return path.join(env.LOCALAPPDATA || path.join(home, "AppData", "Local"), NAME);
  // The XDG spec: a relative XDG_DATA_HOME is invalid and is ignored.
  const xdg = env.XDG_DATA_HOME?.trim();
  return path.join(xdg && path.isAbsolute(xdg) ? xdg : path.join(home, ".local", "share"), NAME);
}
