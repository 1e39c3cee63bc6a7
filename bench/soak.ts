/**
 * `npm run soak`: a long mixed run against the real adapter (app-server backend, a fabricated
 * ChatGPT login) and the real pinned Codex binary in front of the stand-in upstream, watching
 * errors, latency, resident memory and what Codex keeps in CODEX_HOME. Only 127.0.0.1 traffic.
 * Always exits 0 after printing (a benchmark, not a test). Options: SOAK_REQUESTS /
 * --requests=N (default 1000), SOAK_CONCURRENCY / --concurrency=N (default 8).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { parseArgs } from "node:util";
import { readBinaryVersion, resolveCodexBinary } from "../src/backend/codex-binary.ts";
import { startEgressGuard } from "../test/helpers/egress-guard.ts";
import { startStandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import { killWorkers, startBenchService } from "./bench-service.ts";
import { codexHomeOf, readDisk } from "./codex-home-disk.ts";
import { readStatus } from "./procfs.ts";
import { read, settle } from "./soak-memory.ts";
import { soakBehavior } from "./soak-mix.ts";
import { soakTable, type Checkpoint } from "./soak-report.ts";
import { runSoak } from "./soak-run.ts";

/** Requests before the "before" reading, so one-time allocations (JIT, pools, caches) do not count as growth. */
const WARMUP = 20;
const CHECKPOINTS = 10;
/**
 * By default Codex keeps a thread loaded for 60 s after its last subscriber left; the adapter
 * sets thread_unload_delay_secs=0, so the reading right after the run should hold no finished
 * threads. A third reading after this wait (the allocator handing pages back) shows what stays.
 */
const CODEX_UNLOAD_WAIT_MS = 90_000;

function option(name: string, flag: string | undefined, env: string | undefined, fallback: number, max: number): number {
  const value = Number.parseInt(flag ?? env ?? "", 10);
  if (Number.isNaN(value)) return fallback;
  if (value < 1 || value > max) throw new Error(`${name} must be between 1 and ${max}`);
  return value;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { requests: { type: "string" }, concurrency: { type: "string" } } });
  const requests = option("requests", values.requests, process.env.SOAK_REQUESTS, 1000, 100_000);
  const concurrency = option("concurrency", values.concurrency, process.env.SOAK_CONCURRENCY, 8, 256);
  const watchdogMs = 6 * 60_000 + requests * 500;
  const watchdog = setTimeout(() => {
    process.stdout.write(`soak watchdog: not finished after ${Math.round(watchdogMs / 1000)} s, stopping\n`);
    killWorkers();
    process.exit(1);
  }, watchdogMs);
  watchdog.unref();

  const version = await readBinaryVersion(resolveCodexBinary(), { PATH: process.env.PATH ?? "" }).catch(() => "unknown");
  const upstream = await startStandInUpstream();
  const guard = await startEgressGuard();
  upstream.behave(soakBehavior);
  // --expose-gc: both readings follow a full collection, so garbage not yet collected is not "growth"
  const service = await startBenchService(upstream, guard, { backend: "app-server", login: true, exposeGc: true }).catch(async (err: unknown) => {
    await upstream.close();
    await guard.close();
    throw err;
  });
  try {
    // The directory Codex was given, read from its environment; its first-start contents before any request.
    const codexHome = service.codexPid === undefined ? undefined : codexHomeOf(service.codexPid);
    const disk = () => (codexHome === undefined ? undefined : readDisk(codexHome));
    const diskFirstStart = disk();
    process.stdout.write(`soak: ${WARMUP} warm-up requests, then ${requests} at ${concurrency} in flight ...\n`);
    await runSoak(service.target, 0, WARMUP, concurrency);
    await settle(service, upstream);
    const before = await read(service, { gc: true });
    const diskBefore = disk();
    const upstreamBefore = upstream.modelCalls.length;
    const egressBefore = new Map(guard.attempts);

    const checkpoints: Checkpoint[] = [];
    const every = Math.max(1, Math.floor(requests / CHECKPOINTS));
    const adapterPid = service.worker.pid;
    const batch = await runSoak(service.target, WARMUP, requests, concurrency, (done) => {
      if (done % every !== 0) return;
      // procfs and a walk of CODEX_HOME only: a stats round trip or a GC here would disturb the run
      const codexPid = service.codexPid;
      checkpoints.push({
        done,
        adapterRssKb: adapterPid === undefined ? undefined : readStatus(adapterPid)?.rssKb,
        codexRssKb: codexPid === undefined ? undefined : readStatus(codexPid)?.rssKb,
        codexHomeBytes: disk()?.bytes,
      });
    });

    const idle = await settle(service, upstream);
    const after = await read(service, { gc: true });
    const diskAfter = disk();
    process.stdout.write(`waiting ${CODEX_UNLOAD_WAIT_MS / 1000} s for Codex to unload idle threads ...\n`);
    await sleep(CODEX_UNLOAD_WAIT_MS);
    const afterUnload = await read(service, { gc: true });
    const diskAfterUnload = disk();
    const upstreamCalls = upstream.modelCalls.length - upstreamBefore;
    const egress = new Map([...guard.attempts].map(([host, n]) => [host, n - (egressBefore.get(host) ?? 0)] as const).filter(([, n]) => n > 0));
    const table = soakTable({
      version,
      concurrency,
      warmup: WARMUP,
      batch,
      before,
      after,
      afterUnload,
      unloadWaitMs: CODEX_UNLOAD_WAIT_MS,
      idle,
      checkpoints,
      upstreamCalls,
      egress,
      codexHome:
        diskFirstStart && diskBefore && diskAfter && diskAfterUnload
          ? { firstStart: diskFirstStart, before: diskBefore, after: diskAfter, afterUnload: diskAfterUnload }
          : undefined,
    });
    process.stdout.write(["", ...table, ""].join("\n"));
  } finally {
    await service.close();
    await upstream.close();
    await guard.close();
    clearTimeout(watchdog);
  }
}

await main();
