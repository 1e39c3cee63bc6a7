/** Readings of the soak's adapter worker and its Codex child: resident memory from /proc, state from the worker. */
import { setTimeout as sleep } from "node:timers/promises";
import type { StandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import type { BenchService } from "./bench-service.ts";
import { readStatus } from "./procfs.ts";

export interface Reading {
  /** VmRSS from /proc; undefined where /proc is missing. */
  readonly adapterRssKb: number | undefined;
  readonly codexRssKb: number | undefined;
  readonly heapUsedBytes: number;
  readonly heapTotalBytes: number;
  readonly externalBytes: number;
  /** The worker collected garbage just before this reading (it runs with --expose-gc). */
  readonly gcRan: boolean;
  readonly activeTurns: number | null;
  readonly slotsTaken: number;
  readonly queued: number;
  readonly codexRestarts: number | null;
}

const SETTLE_TIMEOUT_MS = 10_000;
/** After the last turn ends: Codex unsubscribes threads and the backend refills its spare threads. */
const QUIET_MS = 1000;

export async function read(service: BenchService, options: { gc: boolean }): Promise<Reading> {
  const stats = await service.worker.request({ type: "stats", gc: options.gc }, "stats", 10_000);
  const adapterPid = service.worker.pid;
  return {
    adapterRssKb: adapterPid === undefined ? undefined : readStatus(adapterPid)?.rssKb,
    codexRssKb: stats.codexPid === null ? undefined : readStatus(stats.codexPid)?.rssKb,
    heapUsedBytes: stats.heapUsedBytes,
    heapTotalBytes: stats.heapTotalBytes,
    externalBytes: stats.externalBytes,
    gcRan: stats.gcRan,
    activeTurns: stats.activeTurns,
    slotsTaken: stats.slotsTaken,
    queued: stats.queued,
    codexRestarts: stats.codexRestarts,
  };
}

/** Waits until no turn, slot, queued request or upstream stream is left (or the timeout), then a quiet moment; true if it got idle. */
export async function settle(service: BenchService, upstream: StandInUpstream): Promise<boolean> {
  const deadline = Date.now() + SETTLE_TIMEOUT_MS;
  for (;;) {
    const r = await read(service, { gc: false });
    const idle = !r.activeTurns && r.slotsTaken === 0 && r.queued === 0 && upstream.openStreams === 0;
    if (idle || Date.now() > deadline) {
      await sleep(QUIET_MS);
      return idle;
    }
    await sleep(100);
  }
}
