/**
 * The adapter's start, launched the ways an operator launches it: the installed command's
 * `node dist/main.js`, `npm start` (npm around it), and `npm run dev` (npm, the tsx launcher
 * and esbuild around the sources, which is how `npm start` ran before the build step). For
 * each: time from spawn to listening (a TCP connection accepted), and the RSS of every process of the
 * adapter once idle. Not signed in: the same for every launcher, and nothing leaves 127.0.0.1.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { codexTestEnv, type EgressGuard } from "../test/helpers/egress-guard.ts";
import { median } from "./percentile.ts";
import { childrenOf, readStatus, type ProcStatus } from "./procfs.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const RUNS = 3;
const IDLE_MS = 5000;

export interface StartupResult {
  readonly launcher: string;
  /** ms from spawn to listening, one per run. */
  readonly listeningMs: readonly number[];
  /** The process tree at idle (the last run): one entry per process. */
  readonly processes: readonly ProcStatus[];
}

const LAUNCHERS: readonly { readonly launcher: string; readonly command: string; readonly args: readonly string[] }[] = [
  { launcher: "node dist/main.js (the command)", command: process.execPath, args: ["dist/main.js"] },
  { launcher: "npm start", command: "npm", args: ["start", "--silent"] },
  { launcher: "npm run dev (tsx: the old npm start)", command: "npm", args: ["run", "dev", "--silent"] },
];

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (!address || typeof address === "string") throw new Error("no port");
  return address.port;
}

/** Whether something accepts a TCP connection on the port: the adapter listens. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => resolve(true)).once("error", () => resolve(false));
    socket.once("close", () => socket.destroy());
    socket.once("connect", () => socket.end());
  });
}

/** Every descendant of `pid` with itself, read from /proc. */
function processTree(pid: number): ProcStatus[] {
  const self = readStatus(pid);
  return self ? [self, ...childrenOf(pid).flatMap((child) => processTree(child.pid))] : [];
}

async function startOnce(command: string, args: readonly string[], guard: EgressGuard, idle: boolean): Promise<{ ms: number; processes: ProcStatus[] }> {
  const dataDir = mkdtempSync(path.join(tmpdir(), "ccp-bench-start-"));
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...codexTestEnv(dataDir, guard), DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: "warn", HEALTH_CHECK_INTERVAL_SECONDS: "3600" },
    stdio: "ignore",
    detached: true,
  });
  try {
    const deadline = started + 30_000;
    for (;;) {
      const answered = await accepts(port);
      if (answered) break;
      if (performance.now() > deadline) throw new Error(`${command} ${args.join(" ")}: no answer within 30 s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const ms = performance.now() - started;
    if (idle) await new Promise((resolve) => setTimeout(resolve, IDLE_MS));
    return { ms, processes: idle && child.pid ? processTree(child.pid) : [] };
  } finally {
    if (child.pid) process.kill(-child.pid, "SIGTERM");
    await new Promise((resolve) => child.once("exit", resolve));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function benchStartup(guard: EgressGuard): Promise<StartupResult[]> {
  const results: StartupResult[] = [];
  for (const { launcher, command, args } of LAUNCHERS) {
    const listeningMs: number[] = [];
    let processes: ProcStatus[] = [];
    for (let run = 0; run < RUNS; run++) {
      const reading = await startOnce(command, args, guard, run === RUNS - 1);
      listeningMs.push(reading.ms);
      if (reading.processes.length) processes = reading.processes;
    }
    results.push({ launcher, listeningMs, processes });
  }
  return results;
}

export function startupReport(results: readonly StartupResult[]): string[] {
  const mb = (kb: number) => (kb / 1024).toFixed(0);
  const rows = results.map((r) => {
    const adapter = r.processes.filter((p) => !p.name.startsWith("codex"));
    const perProcess = r.processes.map((p) => `${p.name} ${mb(p.rssKb)}`).join(", ");
    return `| ${r.launcher} | ${Math.round(median(r.listeningMs) ?? 0)} | ${mb(adapter.reduce((s, p) => s + p.rssKb, 0))} | ${perProcess} |`;
  });
  return [
    `Start (${RUNS} starts each, not signed in; RSS after ${IDLE_MS / 1000} s idle, MB):`,
    "| launcher | spawn to listening, p50 ms | RSS without Codex | every process (RSS) |",
    "|---|---|---|---|",
    ...rows,
  ];
}
