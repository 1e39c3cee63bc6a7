import { docker, run } from "./docker-cli.ts";

/** The parts of `docker inspect` the test reads. */
export interface Inspected {
  readonly Config: {
    readonly User: string;
    readonly Env: readonly string[];
    readonly StopTimeout?: number;
    readonly Healthcheck?: { readonly Test: readonly string[]; readonly Interval: number; readonly Timeout: number; readonly StartPeriod: number; readonly Retries: number };
  };
  readonly HostConfig: {
    readonly NetworkMode: string;
    readonly ReadonlyRootfs: boolean;
    readonly Tmpfs: Readonly<Record<string, string>> | null;
    readonly CapDrop: readonly string[] | null;
    readonly CapAdd: readonly string[] | null;
    readonly SecurityOpt: readonly string[] | null;
    readonly Privileged: boolean;
    readonly Init: boolean | null;
    readonly Memory: number;
    readonly NanoCpus: number;
    readonly PidsLimit: number | null;
    readonly RestartPolicy: { readonly Name: string };
  };
  readonly Mounts: readonly { readonly Type: string; readonly Source: string; readonly Destination: string; readonly RW: boolean }[];
  readonly State: { readonly Status: string; readonly ExitCode: number; readonly OOMKilled: boolean; readonly Health?: { readonly Status: string } };
}

export async function inspect(name: string): Promise<Inspected> {
  const [first] = JSON.parse(await docker("inspect", name)) as Inspected[];
  if (!first) throw new Error(`docker inspect ${name}: nothing`);
  return first;
}

/** Everything the container wrote to stdout and stderr, one entry per line. */
export async function logLines(name: string): Promise<string[]> {
  const result = await run("docker", ["logs", name]);
  return `${result.stdout}\n${result.stderr}`.split("\n").filter((l) => l.trim() !== "");
}

/** Polls `check` until it returns a value other than undefined; throws naming `what` on time-out. */
export async function waitFor<T>(what: string, timeoutMs: number, check: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${Math.round(timeoutMs / 1000)} s`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
