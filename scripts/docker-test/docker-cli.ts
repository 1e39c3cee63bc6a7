import { execFile } from "node:child_process";

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs a command to completion. The legacy builder is forced (DOCKER_BUILDKIT=0): BuildKit would
 * try to pull the `# syntax=docker/dockerfile:1` frontend image, and no registry is reachable.
 */
export function run(file: string, args: readonly string[], input?: string, env: Readonly<Record<string, string>> = {}): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = execFile(
      file,
      args,
      { env: { ...process.env, DOCKER_BUILDKIT: "0", ...env }, maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === "number" ? err.code : 127) : 0;
        resolve({ code, stdout, stderr });
      },
    );
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** `docker ARGS`; throws with the command and the end of its stderr unless it exits 0. */
export async function docker(...args: string[]): Promise<string> {
  const result = await run("docker", args);
  if (result.code !== 0) throw new Error(`docker ${args[0] ?? ""} exited ${result.code}: ${lastLines(result.stderr || result.stdout)}`);
  return result.stdout.trim();
}

export function lastLines(text: string, count = 3): string {
  return text.trim().split("\n").slice(-count).join(" | ");
}
