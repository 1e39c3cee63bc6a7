import path from "node:path";
import { bytes, defaultUser, seconds, type ComposeRunService } from "./compose-service.ts";
import type { Inspected } from "./container.ts";

const NS = 1e9;

/**
 * The running container's settings as Docker reports them, against the compose file's values.
 * Read back from the engine rather than from the flags, so a flag that was mistranslated or
 * ignored shows here. Returns one problem per differing setting.
 */
export function settingsProblems(service: ComposeRunService, c: Inspected, dataDir: string): string[] {
  const problems: string[] = [];
  const expect = (what: string, actual: unknown, wanted: unknown) => {
    if (JSON.stringify(actual) !== JSON.stringify(wanted)) problems.push(`${what} is ${JSON.stringify(actual)}, the file says ${JSON.stringify(wanted)}`);
  };
  const h = c.HostConfig;
  const { uid, gid } = defaultUser(service);
  expect("user", c.Config.User, `${uid}:${gid}`);
  expect("network", h.NetworkMode, "host");
  expect("read-only root", h.ReadonlyRootfs, service.read_only);
  expect("tmpfs", h.Tmpfs ?? {}, Object.fromEntries(service.tmpfs.map((t) => [t.slice(0, t.indexOf(":")), t.slice(t.indexOf(":") + 1)])));
  expect("cap_drop", h.CapDrop ?? [], service.cap_drop);
  expect("cap_add", h.CapAdd ?? [], []);
  expect("privileged", h.Privileged, false);
  expect("security_opt", h.SecurityOpt ?? [], service.security_opt);
  expect("init", h.Init ?? false, service.init);
  expect("memory", h.Memory, bytes(service.mem_limit));
  expect("cpus", h.NanoCpus, service.cpus * NS);
  expect("pids limit", h.PidsLimit, service.pids_limit);
  expect("restart", h.RestartPolicy.Name, service.restart);
  expect("stop grace", c.Config.StopTimeout, seconds(service.stop_grace_period));
  const mounts = c.Mounts.map((m) => ({ type: m.Type, source: m.Source, target: m.Destination, readOnly: !m.RW })).sort((a, b) => a.target.localeCompare(b.target));
  const wanted = service.volumes
    .map((v) => ({ type: v.type, source: path.join(dataDir, path.relative("data", v.source)), target: v.target, readOnly: v.read_only === true }))
    .sort((a, b) => a.target.localeCompare(b.target));
  expect("mounts", mounts, wanted);
  const env = new Map(c.Config.Env.map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  for (const [name, value] of Object.entries(service.environment)) expect(`environment ${name}`, env.get(name), value);
  if (env.has("OPENAI_API_KEY")) problems.push("OPENAI_API_KEY is in the container's environment");
  const check = service.healthcheck;
  const health = c.Config.Healthcheck;
  expect("health check timing", [health?.Interval, health?.Timeout, health?.StartPeriod, health?.Retries], [
    seconds(check.interval) * NS,
    seconds(check.timeout) * NS,
    seconds(check.start_period) * NS,
    check.retries,
  ]);
  return problems;
}
