import path from "node:path";
import { bytes, containerPort, defaultUser, seconds, type ComposeRunService } from "./compose-service.ts";

export interface RunPlan {
  readonly image: string;
  readonly name: string;
  /** Where the compose file's `./data` is for this run. */
  readonly dataDir: string;
  /** The port the adapter listens on, in place of the file's container port (8320 may be taken here). */
  readonly port: number;
  /** Variables the test adds: the listen address and port on the host network, the egress guard. */
  readonly extraEnv: Readonly<Record<string, string>>;
}

/**
 * The compose service as `docker run` flags, setting for setting. Two deliberate differences, both
 * from the test's networking rule: `--network host` instead of the published port, so the adapter
 * listens on 127.0.0.1 at `plan.port`, and the health check asks that port.
 */
export function runFlags(service: ComposeRunService, plan: RunPlan): string[] {
  const flags = ["--name", plan.name, ...containerFlags(service, plan), "--restart", service.restart];
  const check = service.healthcheck;
  flags.push(
    "--health-cmd",
    shellCommand(check.test.slice(1).map((arg) => arg.replaceAll(`:${containerPort(service)}/`, `:${plan.port}/`))),
    "--health-interval",
    check.interval,
    "--health-timeout",
    check.timeout,
    "--health-start-period",
    check.start_period,
    "--health-retries",
    String(check.retries),
  );
  return [...flags, plan.image];
}

/**
 * `docker compose run --rm SERVICE COMMAND...` as `docker run` flags: the service's container with
 * COMMAND in place of the image's CMD, removed when it ends; compose leaves out the restart policy
 * (it cannot go with --rm), and the health check is left out too (nothing waits for it).
 */
export function oneOffFlags(service: ComposeRunService, plan: Omit<RunPlan, "name">, command: readonly string[]): string[] {
  return ["--rm", ...containerFlags(service, plan), plan.image, ...command];
}

/** What every container of the service shares: user, filesystem, privileges, limits, mounts, environment. */
function containerFlags(service: ComposeRunService, plan: Omit<RunPlan, "name">): string[] {
  const { uid, gid } = defaultUser(service);
  const flags = ["--network", "host", "--user", `${uid}:${gid}`];
  if (service.init) flags.push("--init");
  flags.push("--stop-timeout", String(seconds(service.stop_grace_period)));
  if (service.read_only) flags.push("--read-only");
  for (const tmpfs of service.tmpfs) flags.push("--tmpfs", tmpfs);
  for (const cap of service.cap_drop) flags.push("--cap-drop", cap);
  for (const opt of service.security_opt) flags.push("--security-opt", opt);
  flags.push("--memory", String(bytes(service.mem_limit)), "--cpus", String(service.cpus), "--pids-limit", String(service.pids_limit));
  for (const volume of service.volumes) {
    const source = path.join(plan.dataDir, path.relative("data", volume.source));
    flags.push("--mount", `type=bind,source=${source},target=${volume.target}${volume.read_only ? ",readonly" : ""}`);
  }
  for (const [name, value] of Object.entries({ ...service.environment, ...plan.extraEnv })) flags.push("--env", `${name}=${value}`);
  return flags;
}

/** `docker run --health-cmd` takes a shell command where compose takes an argument list ("CMD" form). */
function shellCommand(args: readonly string[]): string {
  return args.map((arg) => `'${arg.replaceAll("'", `'\\''`)}'`).join(" ");
}
