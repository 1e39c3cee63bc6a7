import { mkdtempSync, rmSync, symlinkSync, copyFileSync } from "node:fs";
import path from "node:path";
import type { Cleanup } from "./cleanup.ts";
import { run, lastLines } from "./docker-cli.ts";
import type { HostFixture } from "./host-fixture.ts";

/**
 * Compose itself, where this machine has it: the v2 plugin (`docker compose`) or Debian's
 * `docker-compose` 1.x. The checks that need it are skipped, saying so, without one.
 */
export interface ComposeBinary {
  /** The command and its leading arguments: ["docker", "compose"] or ["docker-compose"]. */
  readonly command: readonly string[];
  readonly version: string;
}

export async function findCompose(): Promise<ComposeBinary | undefined> {
  for (const command of [["docker", "compose"], ["docker-compose"]]) {
    const [file = "", ...args] = command;
    const probe = await run(file, [...args, "version", "--short"]);
    if (probe.code === 0) return { command, version: `${command.join(" ")} ${probe.stdout.trim()}` };
  }
  return undefined;
}

function compose(bin: ComposeBinary, args: readonly string[], env: Readonly<Record<string, string>>) {
  const [file = "", ...lead] = bin.command;
  return run(file, [...lead, ...args], undefined, env);
}

/** `config --quiet` on each file: the binary parses and validates it as an operator's `up` would. */
export async function composeAcceptsFiles(bin: ComposeBinary, files: readonly string[], env: Readonly<Record<string, string>>): Promise<string> {
  for (const file of files) {
    const result = await compose(bin, ["--file", file, "config", "--quiet"], env);
    if (result.code !== 0) throw new Error(`${path.basename(file)}: ${lastLines(result.stderr || result.stdout)}`);
  }
  return `${bin.version} accepts ${files.map((f) => path.basename(f)).join(" and ")}`;
}

/**
 * `compose --file FILE run --rm SERVICE status`, verbatim as docs/docker.md has it, in a project
 * directory whose `data` is the test's data directory; the project's network is removed after.
 */
export async function composeRunStatus(bin: ComposeBinary, file: string, serviceName: string, fixture: HostFixture, env: Readonly<Record<string, string>>, cleanup: Cleanup): Promise<string> {
  const project = mkdtempSync("/tmp/ccp-docker-test-project-");
  cleanup.add("removing the compose project directory", () => Promise.resolve(rmSync(project, { recursive: true, force: true })));
  copyFileSync(file, path.join(project, path.basename(file)));
  symlinkSync(fixture.dataDir, path.join(project, "data"));
  const args = ["--file", path.join(project, path.basename(file)), "--project-name", path.basename(project).toLowerCase()];
  cleanup.add("removing the compose project", async () => void (await compose(bin, [...args, "down"], env)));
  const result = await compose(bin, [...args, "run", "--rm", serviceName, "status"], env);
  if (result.code !== 0 || !result.stdout.includes("Logged in using ChatGPT")) throw new Error(`exit ${result.code}: ${lastLines(`${result.stdout}\n${result.stderr}`)}`);
  return `\`${bin.command.join(" ")} --file ${path.basename(file)} run --rm ${serviceName} status\`: exit 0, "Logged in using ChatGPT."`;
}
