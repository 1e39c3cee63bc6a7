/**
 * One benchmark run against one backend: a forked adapter worker (bench/service-worker.ts)
 * with the real Codex binary, driven through the phases below against the stand-in upstream.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { EgressGuard } from "../test/helpers/egress-guard.ts";
import type { Behavior, StandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import { startBenchService, type BackendName, type BenchService } from "./bench-service.ts";
import { completion, streamingCompletion, type Outcome, type StreamOutcome } from "./client.ts";
import { ChildSampler, readCpu, readStatus } from "./procfs.ts";
import { largeRequests, type LargeResult } from "./large-requests.ts";

const WARMUP = 5;
export const SEQUENTIAL = 40;
export const STREAM_DELTAS = 40;
const STREAM_INTERVAL_MS = 50;
const STREAM_RUNS = 5;
export const BURST = 8;
export const BURST_DELAY_MS = 500;
export const BURST_RUNS = 3;

const INSTANT: Behavior = { deltas: ["Hello", " from", " the", " stand-in."] };
const STREAMING: Behavior = {
  deltas: Array.from({ length: STREAM_DELTAS }, (_, i) => (i === 0 ? "tok0" : ` tok${i}`)),
  deltaIntervalMs: STREAM_INTERVAL_MS,
};
const SLOW: Behavior = { firstByteDelayMs: BURST_DELAY_MS, deltas: ["Hello", " after", " a", " wait."] };

interface LatencyResult {
  readonly samples: number[];
  readonly failures: Outcome[];
  readonly upstreamCalls: number;
}

interface BurstRun {
  readonly wallMs: number;
  readonly ok: number;
  readonly failures: Outcome[];
}

interface MemoryResult {
  readonly adapterRssBytes: number;
  readonly adapterMaxRssBytes: number;
  /** app-server: the long-lived child now / at its peak. */
  readonly codexRssKb: number | undefined;
  readonly codexHwmKb: number | undefined;
  /** exec (or any short-lived children): the largest single child and the largest total at one moment. */
  readonly childMaxSingleKb: number;
  readonly childMaxTotalKb: number;
  readonly childrenSeen: number;
}

interface CpuResult {
  /** Codex CPU per sequential request (the app-server child, or reaped exec children). */
  readonly codexMsPerRequest: number | undefined;
  readonly adapterMsPerRequest: number | undefined;
}

export interface BackendResult {
  readonly backend: BackendName;
  readonly login: boolean;
  /** What Codex sent upstream for the last instant request: the tools it offered, the role or type of each input item. */
  upstreamRequest: { tools: string[]; input: string[] } | undefined;
  readyMs: number | undefined;
  problem: string | undefined;
  latency: LatencyResult | undefined;
  stream: StreamOutcome[] | undefined;
  streamUpstreamCalls: number | undefined;
  burst: BurstRun[] | undefined;
  memory: MemoryResult | undefined;
  cpu: CpuResult | undefined;
  codexRestarts: number | null | undefined;
  egress: Map<string, number>;
  /** Responses API calls Codex made upstream during this run (about one per turn). */
  upstreamTotal: number;
  large: LargeResult | undefined;
}

interface RunOptions {
  /** Put a fabricated ChatGPT login into CODEX_HOME. */
  readonly login: boolean;
  /** Only the sequential latency phase. */
  readonly latencyOnly: boolean;
}

/** The ids /v1/models lists. */
async function fetchModels(target: { url: string; apiKey: string }): Promise<string[]> {
  const res = await fetch(`${target.url}/v1/models`, { headers: { Authorization: `Bearer ${target.apiKey}` }, signal: AbortSignal.timeout(10_000) });
  const body = (await res.json()) as { data?: { id: string }[] };
  return (body.data ?? []).map((m) => m.id);
}

export async function benchBackend(
  backend: BackendName,
  upstream: StandInUpstream,
  guard: EgressGuard,
  options: RunOptions,
): Promise<BackendResult> {
  const result: BackendResult = {
    backend,
    login: options.login,
    upstreamRequest: undefined,
    readyMs: undefined,
    problem: undefined,
    latency: undefined,
    stream: undefined,
    streamUpstreamCalls: undefined,
    burst: undefined,
    memory: undefined,
    cpu: undefined,
    codexRestarts: undefined,
    egress: new Map(),
    upstreamTotal: 0,
    large: undefined,
  };
  const upstreamBefore = upstream.modelCalls.length;
  const egressBefore = new Map(guard.attempts);
  let service: BenchService | undefined;
  let sampler: ChildSampler | undefined;
  try {
    let started = 0;
    upstream.behave(INSTANT);
    service = await startBenchService(upstream, guard, { backend, login: options.login }, (worker) => {
      started = performance.now();
      if (worker.pid !== undefined) sampler = new ChildSampler(worker.pid);
    });
    result.readyMs = performance.now() - started;
    const { worker, target } = service;
    if (backend === "exec") sampler?.start();
    if (service.codexPid !== undefined) sampler?.ignore(service.codexPid);

    // 1. latency, instant upstream
    for (let i = 0; i < WARMUP; i++) await completion(target);
    const codexPid = service.codexPid;
    const cpuBefore = worker.pid === undefined ? undefined : readCpu(worker.pid);
    const codexCpuBefore = codexPid === undefined ? undefined : readCpu(codexPid);
    let from = upstream.modelCalls.length;
    const latency: Outcome[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) latency.push(await completion(target));
    const cpuAfter = worker.pid === undefined ? undefined : readCpu(worker.pid);
    const codexCpuAfter = codexPid === undefined ? undefined : readCpu(codexPid);
    result.latency = {
      samples: latency.filter((o) => o.ok).map((o) => o.ms),
      failures: latency.filter((o) => !o.ok),
      upstreamCalls: upstream.modelCalls.length - from,
    };
    const last = upstream.modelCalls.at(-1);
    if (last) {
      result.upstreamRequest = {
        tools: (last.body.tools ?? []).map((t) => t.name ?? t.type),
        input: (last.body.input ?? []).map((i) => i.role ?? i.type),
      };
    }
    const perRequest = (a: number | undefined, b: number | undefined) =>
      a === undefined || b === undefined ? undefined : (b - a) / SEQUENTIAL;
    result.cpu = {
      adapterMsPerRequest: perRequest(cpuBefore?.selfMs, cpuAfter?.selfMs),
      codexMsPerRequest:
        backend === "exec"
          ? perRequest(cpuBefore?.reapedChildrenMs, cpuAfter?.reapedChildrenMs)
          : perRequest(codexCpuBefore?.selfMs, codexCpuAfter?.selfMs),
    };

    if (options.latencyOnly) return result;

    // 2. time to first token, ~2 s of streamed tokens
    upstream.behave(STREAMING);
    from = upstream.modelCalls.length;
    const streams: StreamOutcome[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) streams.push(await streamingCompletion(target));
    result.stream = streams;
    result.streamUpstreamCalls = upstream.modelCalls.length - from;

    // 3. simultaneous requests, each upstream call taking 500 ms
    upstream.behave(SLOW);
    sampler?.start();
    const burst: BurstRun[] = [];
    for (let run = 0; run < BURST_RUNS; run++) {
      await sleep(250); // let spare threads refill between bursts, as between real bursts
      const t0 = performance.now();
      const outcomes = await Promise.all(Array.from({ length: BURST }, () => completion(target)));
      burst.push({
        wallMs: performance.now() - t0,
        ok: outcomes.filter((o) => o.ok).length,
        failures: outcomes.filter((o) => !o.ok),
      });
    }
    result.burst = burst;
    sampler?.stop();
    sampler?.sample();

    // memory
    const stats = await worker.request({ type: "stats" }, "stats", 10_000);
    const codex = stats.codexPid === null ? undefined : readStatus(stats.codexPid);
    result.codexRestarts = stats.codexRestarts;
    result.memory = {
      adapterRssBytes: stats.rssBytes,
      adapterMaxRssBytes: stats.maxRssBytes,
      codexRssKb: codex?.rssKb,
      codexHwmKb: codex?.hwmKb,
      childMaxSingleKb: sampler?.maxSingleKb ?? 0,
      childMaxTotalKb: sampler?.maxTotalKb ?? 0,
      childrenSeen: sampler?.seen.size ?? 0,
    };

    // 4. the largest requests at once (last: its peak RSS is the process's); a model that reads images
    if (backend === "app-server") {
      upstream.behave(INSTANT);
      const vision = (await fetchModels(target)).find((id) => id.startsWith("gpt-"));
      result.large = await largeRequests(target, worker.pid, vision ?? "gpt-5.5");
    }
  } catch (err) {
    result.problem = err instanceof Error ? err.message : String(err);
  } finally {
    sampler?.stop();
    await service?.close();
    result.upstreamTotal = upstream.modelCalls.length - upstreamBefore;
    for (const [host, count] of guard.attempts) {
      const delta = count - (egressBefore.get(host) ?? 0);
      if (delta > 0) result.egress.set(host, delta);
    }
  }
  return result;
}
