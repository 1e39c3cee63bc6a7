import { createHash } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { docker, run } from "./docker-cli.ts";
import { inspect, logLines, waitFor } from "./container.ts";
import type { HostFixture } from "./host-fixture.ts";

/** Checks of the running container as the engine and its /proc show it. Each returns a detail or throws why it failed. */

/** No process in the container is root, holds or could regain a capability (bounding set empty), or may gain privileges. */
export async function noPrivilegedProcess(container: string): Promise<string> {
  const rows = (await docker("top", container, "-eo", "uid,pid,comm")).split("\n").slice(1).map((r) => r.trim().split(/\s+/));
  const root = rows.filter(([uid]) => uid === "0");
  if (!rows.length || root.length) throw new Error(`docker top shows ${root.length} of ${rows.length} processes as root: ${root.map((r) => r[2]).join(", ")}`);
  const status = await docker("exec", container, "sh", "-c", "grep -H -E '^(Name|Uid|CapEff|CapBnd|NoNewPrivs):' /proc/[0-9]*/status");
  const byPid = new Map<string, Record<string, string>>();
  for (const line of status.split("\n")) {
    const match = /^\/proc\/(\d+)\/status:(\w+):\s*(.*)$/.exec(line);
    if (!match?.[1] || !match[2]) continue;
    byPid.set(match[1], { ...byPid.get(match[1]), [match[2]]: (match[3] ?? "").trim() });
  }
  const none = (caps: string | undefined) => /^0+$/.test(caps ?? "");
  const bad = [...byPid.values()].filter((p) => p.Uid?.split(/\s+/).includes("0") || !none(p.CapEff) || !none(p.CapBnd) || p.NoNewPrivs !== "1");
  if (bad.length) {
    throw new Error(`inside, ${bad.map((p) => `${p.Name} (Uid ${p.Uid}, CapEff ${p.CapEff}, CapBnd ${p.CapBnd}, NoNewPrivs ${p.NoNewPrivs})`).join("; ")}`);
  }
  return `${rows.length} processes (${rows.map((r) => r[2]).join(", ")}) as uid ${[...new Set(rows.map((r) => r[0]))].join(",")}; inside, no capability (effective or bounding) and NoNewPrivs everywhere`;
}

/** The root filesystem refuses writes and /tmp refuses to execute what is written there. */
export async function readOnlyRootNoexecTmp(container: string): Promise<string> {
  const write = await run("docker", ["exec", container, "sh", "-c", "echo x > /app/probe"]);
  if (write.code === 0 || !write.stderr.includes("Read-only file system")) throw new Error(`writing /app/probe: exit ${write.code} ${write.stderr.trim()}`);
  const exec = await run("docker", ["exec", container, "sh", "-c", "printf '#!/bin/sh\\necho ran\\n' > /tmp/probe && chmod +x /tmp/probe && /tmp/probe"]);
  if (exec.code === 0 || exec.stdout.includes("ran")) throw new Error("a script written to /tmp ran");
  return `writing /app fails (read-only file system); a script in /tmp does not run (exit ${exec.code})`;
}

/**
 * Writes only where docs/docker.md says: the container's own layer holds nothing but the mount
 * points Docker itself creates (the init binary, the key file's target), CODEX_HOME holds only the
 * documented entries, the working directory stays empty, and the read-only key is untouched.
 */
export async function writesOnlyWhereDocumented(container: string, fixture: HostFixture, keyDigest: string): Promise<string> {
  const c = await inspect(container);
  const dockerOwn = [...c.Mounts.map((m) => m.Destination), "/sbin/docker-init", "/usr/sbin/docker-init"];
  const allowed = new Set(dockerOwn.flatMap(withParents));
  const diff = (await docker("diff", container)).split("\n").filter(Boolean);
  const stray = diff.filter((line) => !allowed.has(line.slice(2)));
  if (stray.length) throw new Error(`the container layer changed outside Docker's mount points: ${stray.join(", ")}`);
  const home = readdirSync(fixture.codexHome);
  const undocumented = home.filter((name) => !CODEX_HOME_ENTRIES.some((pattern) => pattern.test(name)));
  if (undocumented.length) throw new Error(`undocumented entries in CODEX_HOME: ${undocumented.join(", ")}`);
  const work = readdirSync(fixture.codexWork);
  if (work.length) throw new Error(`CODEX_WORK_DIR is not empty: ${work.join(", ")}`);
  if (fileDigest(fixture.keyFile) !== keyDigest) throw new Error("the key file changed");
  return `container layer: only Docker's ${diff.length} mount-point entries; CODEX_HOME: ${home.length} entries, all of documented kinds; CODEX_WORK_DIR empty; key file unchanged`;
}

/** As docs/docker.md lists them: the login, the operator's config.toml, Codex's state databases and markers, tmp/arg0 links, bundled skills. */
const CODEX_HOME_ENTRIES = [
  /^auth\.json$/,
  /^config\.toml$/,
  /^installation_id$/,
  /^[a-z]+_\d+\.sqlite(-wal|-shm)?$/,
  /^\.sqlite-maintenance\.lock$/,
  /^\.sandbox_migration$/,
  /^tmp$/,
  /^skills$/,
];

export function fileDigest(file: string): string {
  return `${createHash("sha256").update(readFileSync(file)).digest("hex")} mode ${(statSync(file).mode & 0o777).toString(8)}`;
}

function withParents(file: string): string[] {
  const all: string[] = [];
  for (let p = file; p !== "/"; p = path.dirname(p)) all.push(p);
  return all;
}

/** SIGTERM (what `docker stop` sends) ends the container with exit code 0 within the grace period. */
export async function cleanExitOnSigterm(container: string, graceSeconds: number): Promise<string> {
  const started = Date.now();
  await docker("kill", "--signal", "TERM", container);
  const state = await waitFor("exit after SIGTERM", graceSeconds * 1000, async () => {
    const s = (await inspect(container)).State;
    return s.Status === "exited" ? s : undefined;
  });
  const took = ((Date.now() - started) / 1000).toFixed(1);
  if (state.ExitCode !== 0 || state.OOMKilled) throw new Error(`exit code ${state.ExitCode}${state.OOMKilled ? ", OOM-killed" : ""} after ${took} s`);
  const lines = await logLines(container);
  if (!lines.some((l) => l.includes('"msg":"stopped"'))) throw new Error(`exit code 0 after ${took} s, but no "stopped" log line`);
  return `exit code 0 after ${took} s (grace period ${graceSeconds} s), the log ends with "stopped"`;
}

/** The container's own health check (the compose file's command) reports healthy. */
export async function containerHealthy(container: string, timeoutMs: number): Promise<string> {
  const started = Date.now();
  await waitFor("docker health status healthy", timeoutMs, async () => ((await inspect(container)).State.Health?.Status === "healthy" ? true : undefined));
  return `healthy after ${Math.round((Date.now() - started) / 1000)} s of waiting`;
}
