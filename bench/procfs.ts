import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** Linux /proc readings for the adapter worker and its Codex children; undefined where /proc is missing. */

export interface ProcStatus {
  readonly pid: number;
  readonly name: string;
  readonly ppid: number;
  readonly rssKb: number;
  /** Peak resident set size of the process so far. */
  readonly hwmKb: number;
}

/** A /proc file's text, or undefined when the process is gone or there is no /proc. */
function readProc(file: string): string | undefined {
  try {
    return readFileSync(`/proc/${file}`, "utf8");
  } catch {
    return undefined;
  }
}

export function readStatus(pid: number): ProcStatus | undefined {
  const text = readProc(`${pid}/status`);
  if (text === undefined) return undefined;
  const field = (key: string): string | undefined => new RegExp(`^${key}:\\s*(.+)$`, "m").exec(text)?.[1]?.trim();
  const kb = (key: string): number => Number.parseInt(field(key) ?? "0", 10) || 0;
  return { pid, name: field("Name") ?? "?", ppid: kb("PPid"), rssKb: kb("VmRSS"), hwmKb: kb("VmHWM") };
}

/** Direct children of `ppid` (e.g. the Codex processes an adapter spawned). */
export function childrenOf(ppid: number): ProcStatus[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: ProcStatus[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const status = readStatus(Number(entry));
    if (status?.ppid === ppid) found.push(status);
  }
  return found;
}

/** Kernel clock ticks per second, the unit of /proc CPU times (100 on nearly every Linux). */
function ticksPerSecond(): number {
  try {
    return Number.parseInt(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8", timeout: 5000 }), 10) || 100;
  } catch {
    return 100;
  }
}
const TICKS_PER_SECOND = ticksPerSecond();

export interface CpuTimes {
  /** user + system CPU of the process itself, ms. */
  readonly selfMs: number;
  /** user + system CPU of its children that exited and were reaped, ms. */
  readonly reapedChildrenMs: number;
}

export function readCpu(pid: number): CpuTimes | undefined {
  const text = readProc(`${pid}/stat`);
  if (text === undefined) return undefined;
  // fields after "(comm)": state is field 3, utime 14, stime 15, cutime 16, cstime 17
  const rest = text.slice(text.lastIndexOf(")") + 2).split(" ").map(Number);
  const at = (field: number): number => rest[field - 3] ?? 0;
  const ms = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;
  return { selfMs: ms(at(14) + at(15)), reapedChildrenMs: ms(at(16) + at(17)) };
}

/**
 * Samples the Codex children of a process while a phase runs: the largest single child
 * (peak RSS) and the largest total resident at one moment (for one-process-per-request exec).
 */
export class ChildSampler {
  readonly #ppid: number;
  #timer: NodeJS.Timeout | undefined;
  maxSingleKb = 0;
  maxTotalKb = 0;
  readonly seen = new Set<number>();
  readonly #ignored = new Set<number>();

  constructor(ppid: number) {
    this.#ppid = ppid;
  }

  /** Leaves out a long-lived child (the app-server) so only short-lived ones are counted. */
  ignore(pid: number): void {
    this.#ignored.add(pid);
  }

  start(intervalMs = 20): void {
    this.stop();
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  sample(): void {
    let total = 0;
    for (const child of childrenOf(this.#ppid)) {
      if (!child.name.startsWith("codex") || this.#ignored.has(child.pid)) continue;
      this.seen.add(child.pid);
      total += child.rssKb;
      this.maxSingleKb = Math.max(this.maxSingleKb, child.hwmKb, child.rssKb);
    }
    this.maxTotalKb = Math.max(this.maxTotalKb, total);
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
