/** Turns a soak run into the printed table and its PASS/FAIL lines. */
import { cpus } from "node:os";
import type { DiskFile, DiskReading } from "./codex-home-disk.ts";
import { ms, percentile } from "./percentile.ts";
import type { Reading } from "./soak-memory.ts";
import type { SoakBatch, SoakOutcome } from "./soak-run.ts";

const MAX_GROWTH_PERCENT = 10;
/** Codex's own target: finished threads unloaded at once (thread_unload_delay_secs=0), not a minute's worth held. */
const MAX_CODEX_GROWTH_PERCENT = 25;
/** What Codex may add to CODEX_HOME per 10,000 requests (the target scales with the run's length). */
const MAX_CODEX_HOME_GROWTH_BYTES_PER_10K = 50 * 1024 * 1024;
/** The limiter's own refusal: the only error the soak allows. */
const DESIGNED_429 = "429 wrapper_busy";

export interface Checkpoint {
  readonly done: number;
  readonly adapterRssKb: number | undefined;
  readonly codexRssKb: number | undefined;
  readonly codexHomeBytes: number | undefined;
}

/** CODEX_HOME at Codex's first start (before any request), before and after the run, and `unloadWaitMs` later. */
export interface CodexHomeDisk {
  readonly firstStart: DiskReading;
  readonly before: DiskReading;
  readonly after: DiskReading;
  readonly afterUnload: DiskReading;
}

export interface SoakSummary {
  readonly version: string;
  readonly concurrency: number;
  readonly warmup: number;
  readonly batch: SoakBatch;
  readonly before: Reading;
  readonly after: Reading;
  /** Read `unloadWaitMs` after `after`, once Codex unloaded the run's idle threads. */
  readonly afterUnload: Reading;
  readonly unloadWaitMs: number;
  /** The service got idle (no turn, slot or stream left) before the "after" reading. */
  readonly idle: boolean;
  readonly checkpoints: readonly Checkpoint[];
  readonly upstreamCalls: number;
  readonly egress: ReadonlyMap<string, number>;
  /** Undefined where Codex's environment cannot be read (no /proc). */
  readonly codexHome: CodexHomeDisk | undefined;
}

const mb = (kb: number | undefined) => (kb === undefined ? "n/a" : (kb / 1024).toFixed(1));
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(2);
const signedMib = (bytes: number) => `${bytes >= 0 ? "+" : ""}${mib(bytes)}`;

function growth(before: number | undefined, after: number | undefined): number | undefined {
  return before === undefined || after === undefined || before === 0 ? undefined : ((after - before) / before) * 100;
}
const signed = (pct: number | undefined) => (pct === undefined ? "n/a" : `${pct >= 0 ? "+" : ""}${pct.toFixed(1)}%`);

interface Growth {
  readonly adapter: number | undefined;
  readonly codex: number | undefined;
}

function growthSince(before: Reading, later: Reading): Growth {
  return { adapter: growth(before.adapterRssKb, later.adapterRssKb), codex: growth(before.codexRssKb, later.codexRssKb) };
}

function underTarget(g: Growth): boolean {
  return g.adapter !== undefined && g.codex !== undefined && Math.max(g.adapter, g.codex) < MAX_GROWTH_PERCENT;
}

const describeGrowth = (g: Growth) => `adapter ${signed(g.adapter)}, codex ${signed(g.codex)}`;

/** "heap used / total, external" of one reading, in MB. */
const heap = (r: Reading) => `${mb(r.heapUsedBytes / 1024)} / ${mb(r.heapTotalBytes / 1024)}, ${mb(r.externalBytes / 1024)}`;

function latencies(outcomes: readonly SoakOutcome[]): string {
  const s = outcomes.filter((o) => o.ok).map((o) => o.ms);
  return `${ms(percentile(s, 0.5))} / ${ms(percentile(s, 0.95))} / ${ms(percentile(s, 0.99))} ms`;
}

function errorKey(o: SoakOutcome): string {
  return `${o.status || "no response"} ${o.code ?? o.problem ?? "?"}`;
}

const LARGEST = 5;
const listFiles = (files: readonly DiskFile[]) => files.slice(0, LARGEST).map((f) => `${f.path} ${mib(f.bytes)}`).join(", ") || "none";

/** Files in `later` that `earlier` did not have, largest first. */
function newFiles(earlier: DiskReading, later: DiskReading): DiskFile[] {
  const known = new Set(earlier.files.map((f) => f.path));
  return later.files.filter((f) => !known.has(f.path));
}

interface Section {
  readonly rows: string[];
  readonly verdict: string;
}

/** CODEX_HOME's rows and its PASS/FAIL line: growth from before the run to the larger of the two later readings. */
function codexHomeSection(d: CodexHomeDisk | undefined, requests: number, wait: string, row: (label: string, value: string) => string): Section {
  const bound = (MAX_CODEX_HOME_GROWTH_BYTES_PER_10K * requests) / 10_000;
  const target = `CODEX_HOME growth within ${mib(MAX_CODEX_HOME_GROWTH_BYTES_PER_10K)} MB per 10,000 requests`;
  if (!d) return { rows: [row("CODEX_HOME", "n/a (Codex's environment unreadable)")], verdict: `FAIL  ${target} (not measured)` };
  const growth = Math.max(d.after.bytes, d.afterUnload.bytes) - d.before.bytes;
  const at = (r: DiskReading) => `${mib(r.bytes)} MB in ${r.files.length} files`;
  return {
    rows: [
      row("CODEX_HOME at Codex's first start", `${at(d.firstStart)} (${d.firstStart.entries} entries with directories and links)`),
      row(`CODEX_HOME before / after / ${wait}`, `${at(d.before)} / ${at(d.after)} / ${at(d.afterUnload)}`),
      row(`  growth after / ${wait}`, `${signedMib(d.after.bytes - d.before.bytes)} / ${signedMib(d.afterUnload.bytes - d.before.bytes)} MB (${d.after.bytes - d.before.bytes} / ${d.afterUnload.bytes - d.before.bytes} bytes)`),
      row("  largest files before (MB)", listFiles(d.before.files)),
      row(`  largest files ${wait} (MB)`, listFiles(d.afterUnload.files)),
      row(`  new files ${wait} (MB)`, listFiles(newFiles(d.before, d.afterUnload))),
    ],
    verdict: `${growth <= bound ? "PASS" : "FAIL"}  ${target} (${signedMib(growth)} MB over ${requests} requests; at most ${mib(bound)} MB)`,
  };
}

export function soakTable(s: SoakSummary): string[] {
  const { outcomes, wallMs } = s.batch;
  const row = (label: string, value: string) => `${label.padEnd(38)}${value}`;
  const streams = outcomes.filter((o) => o.request.stream);
  const plain = outcomes.filter((o) => !o.request.stream);
  const failures = outcomes.filter((o) => !o.ok);
  const byKey = new Map<string, SoakOutcome[]>();
  for (const f of failures) byKey.set(errorKey(f), [...(byKey.get(errorKey(f)) ?? []), f]);
  const unexpected = failures.filter((f) => errorKey(f) !== DESIGNED_429).length;
  const now = growthSince(s.before, s.after);
  const later = growthSince(s.before, s.afterUnload);
  const wait = `+${Math.round(s.unloadWaitMs / 1000)} s`;
  const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");
  const trace = (pick: (c: Checkpoint) => number | undefined) => s.checkpoints.map((c) => Math.round((pick(c) ?? 0) / 1024)).join(" ");
  const egress = [...s.egress].map(([host, n]) => `${host} x${n}`).join(", ") || "none";
  const disk = codexHomeSection(s.codexHome, outcomes.length, wait, row);

  return [
    `codex-cli-provider soak (codex-cli ${s.version}, node ${process.version}, ${cpus().length} cores; app-server backend, fabricated ChatGPT login)`,
    row("requests", `${outcomes.length} after ${s.warmup} warm-up, ${s.concurrency} in flight (${streams.length} streaming, ${plain.length} non-streaming, ${streams.filter((o) => o.request.includeUsage).length} with include_usage)`),
    row("ok", `${outcomes.length - failures.length}`),
    row("errors", failures.length ? `${failures.length}, by HTTP status and code:` : "none"),
    ...[...byKey].map(([key, list]) => row(`  ${key}`, `${list.length}  (${(list[0]?.problem ?? "").slice(0, 80)})`)),
    row("latency p50 / p95 / p99, all", latencies(outcomes)),
    row("  streaming (to [DONE])", latencies(streams)),
    row("  non-streaming", latencies(plain)),
    row("throughput", `${((outcomes.length / wallMs) * 1000).toFixed(1)} requests/s (${(wallMs / 1000).toFixed(1)} s)`),
    row(`adapter RSS before / after / ${wait}`, `${mb(s.before.adapterRssKb)} / ${mb(s.after.adapterRssKb)} / ${mb(s.afterUnload.adapterRssKb)} MB (${signed(now.adapter)} / ${signed(later.adapter)})`),
    row("adapter heap used / total, external", `before ${heap(s.before)} MB; after ${heap(s.after)} MB; ${wait} ${heap(s.afterUnload)} MB`),
    ...(s.after.gcRan ? [row("", "(each reading follows a forced GC in the adapter)")] : []),
    row(`codex RSS before / after / ${wait}`, `${mb(s.before.codexRssKb)} / ${mb(s.after.codexRssKb)} / ${mb(s.afterUnload.codexRssKb)} MB (${signed(now.codex)} / ${signed(later.codex)})`),
    row("RSS during the run (MB)", `adapter ${trace((c) => c.adapterRssKb)}`),
    row("", `codex   ${trace((c) => c.codexRssKb)}`),
    ...disk.rows,
    row("CODEX_HOME during the run (MB)", s.checkpoints.map((c) => (c.codexHomeBytes === undefined ? "n/a" : mib(c.codexHomeBytes))).join(" ")),
    row("after the run", `active turns ${s.after.activeTurns ?? "n/a"}, slots taken ${s.after.slotsTaken}, queued ${s.after.queued}${s.idle ? "" : " (NOT idle 10 s after the last answer)"}`),
    row("codex restarts", `${s.afterUnload.codexRestarts ?? "n/a"}`),
    row("upstream model calls", `${s.upstreamCalls} for ${outcomes.length} requests; refused outbound: ${egress}`),
    `${verdict(unexpected === 0)}  no errors beyond designed 429s (${unexpected} other errors, ${byKey.get(DESIGNED_429)?.length ?? 0} designed 429s)`,
    `${verdict(now.codex !== undefined && now.codex < MAX_CODEX_GROWTH_PERCENT)}  codex RSS right after the run within ${MAX_CODEX_GROWTH_PERCENT}% of before (${signed(now.codex)})`,
    `${verdict(underTarget(now))}  memory growth under ${MAX_GROWTH_PERCENT}% right after the run (${describeGrowth(now)})`,
    `${verdict(underTarget(later))}  memory growth under ${MAX_GROWTH_PERCENT}% ${wait} later (${describeGrowth(later)})`,
    disk.verdict,
  ];
}
