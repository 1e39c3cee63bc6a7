/**
 * `npm run bench`: the real adapter and the real pinned Codex binary, both backends, against
 * one local stand-in for the Responses API. Only 127.0.0.1 traffic. Always exits 0 after
 * printing (a benchmark, not a test); bounded everywhere.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { readBinaryVersion, resolveCodexBinary } from "../src/backend/codex-binary.ts";
import { describeWeakKey } from "../src/config.ts";
import {
  standInCodexConfig,
  startStandInUpstream,
  type Behavior,
  type StandInUpstream,
} from "../test/helpers/stand-in-upstream.ts";
import { completion, streamingCompletion, waitHealthy, type Outcome, type StreamOutcome, type Target } from "./client.ts";
import { startEgressGuard, type EgressGuard } from "../test/helpers/egress-guard.ts";
import { ChildSampler, readCpu, readStatus } from "./procfs.ts";
import { WorkerHandle } from "./worker-handle.ts";

type BackendName = "app-server" | "exec";

const WARMUP = 5;
const SEQUENTIAL = 40;
const STREAM_DELTAS = 40;
const STREAM_INTERVAL_MS = 50;
const STREAM_RUNS = 5;
const BURST = 8;
const BURST_DELAY_MS = 500;
const BURST_RUNS = 3;
const TARGET_P50_MS = 60;
const TARGET_TTFT_MS = 150;
const WATCHDOG_MS = 5 * 60_000;

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

interface BackendResult {
  readonly backend: BackendName;
  readonly login: boolean;
  /** What Codex sent upstream for the last instant request: tools offered, instructions length. */
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
}

const workers = new Set<WorkerHandle>();

function strongKey(): string {
  for (;;) {
    const key = randomBytes(32).toString("base64url");
    if (!describeWeakKey(key)) return key;
  }
}

/** `codex login status` reads this as a ChatGPT login; nothing uses the tokens (the stand-in needs none). */
function fabricatedChatGptAuth(): string {
  const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");
  const payload = {
    exp: Math.floor(Date.now() / 1000) + 365 * 86_400,
    email: "bench@example.invalid",
    "https://api.openai.com/auth": { chatgpt_account_id: "acct_bench", chatgpt_plan_type: "plus" },
  };
  const jwt = `${b64({ alg: "none", typ: "JWT" })}.${b64(payload)}.sig`;
  return JSON.stringify({
    auth_mode: "chatgpt",
    OPENAI_API_KEY: null,
    tokens: { id_token: jwt, access_token: jwt, refresh_token: "bench-refresh", account_id: "acct_bench" },
    last_refresh: new Date().toISOString(),
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(values: readonly number[], p: number): number | undefined {
  if (!values.length) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))];
}
const median = (values: readonly number[]) => percentile(values, 0.5);

const ms = (v: number | undefined) => (v === undefined ? "n/a" : `${Math.round(v)}`);
const mb = (kb: number | undefined) => (kb === undefined || kb === 0 ? "n/a" : `${Math.round(kb / 1024)}`);

function responsesCalls(upstream: StandInUpstream, from: number): number {
  return upstream.requests.slice(from).filter((r) => r.path.endsWith("/responses")).length;
}

interface RunOptions {
  /** Put a fabricated ChatGPT login into CODEX_HOME. */
  readonly login: boolean;
  /** Only the sequential latency phase. */
  readonly latencyOnly: boolean;
}

async function benchBackend(
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
  };
  const upstreamBefore = upstream.requests.length;
  const egressBefore = new Map(guard.attempts);
  const dataDir = mkdtempSync(path.join(tmpdir(), `ccp-bench-${backend}-`));
  const codexHome = path.join(dataDir, "codex-home");
  mkdirSync(codexHome, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(codexHome, "config.toml"), standInCodexConfig(upstream.baseUrl));
  // Both backends get the same fabricated ChatGPT login: the adapter only runs signed in, and the
  // exec backend's readiness (`codex login status`) wants one even for a provider that needs none.
  if (options.login) writeFileSync(path.join(codexHome, "auth.json"), fabricatedChatGptAuth(), { mode: 0o600 });

  const apiKey = strongKey();
  const env = { DATA_DIR: dataDir, PORT: "0", PROXY_API_KEY: apiKey, LOG_LEVEL: "silent", CODEX_BACKEND: backend };
  const childEnv = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: dataDir,
    HTTPS_PROXY: guard.url,
    HTTP_PROXY: guard.url,
    NO_PROXY: "127.0.0.1,localhost",
    https_proxy: guard.url,
    http_proxy: guard.url,
    no_proxy: "127.0.0.1,localhost",
  };

  const worker = new WorkerHandle();
  workers.add(worker);
  const sampler = worker.pid === undefined ? undefined : new ChildSampler(worker.pid);
  try {
    const started = performance.now();
    upstream.behave(INSTANT);
    const ready = await worker.request({ type: "start", env, childEnv }, "ready", 60_000);
    if (!(await waitHealthy(ready.url, 60_000))) {
      result.problem = "GET /healthz did not answer 200 within 60 s";
      return result;
    }
    result.readyMs = performance.now() - started;
    const target: Target = { url: ready.url, apiKey };
    if (backend === "exec") sampler?.start();
    if (ready.codexPid !== null) sampler?.ignore(ready.codexPid);

    // 1. latency, instant upstream
    for (let i = 0; i < WARMUP; i++) await completion(target);
    const codexPid = ready.codexPid ?? undefined;
    const cpuBefore = worker.pid === undefined ? undefined : readCpu(worker.pid);
    const codexCpuBefore = codexPid === undefined ? undefined : readCpu(codexPid);
    let from = upstream.requests.length;
    const latency: Outcome[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) latency.push(await completion(target));
    const cpuAfter = worker.pid === undefined ? undefined : readCpu(worker.pid);
    const codexCpuAfter = codexPid === undefined ? undefined : readCpu(codexPid);
    result.latency = {
      samples: latency.filter((o) => o.ok).map((o) => o.ms),
      failures: latency.filter((o) => !o.ok),
      upstreamCalls: responsesCalls(upstream, from),
    };
    const last = upstream.requests.findLast((r) => r.path.endsWith("/responses"));
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
    from = upstream.requests.length;
    const streams: StreamOutcome[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) streams.push(await streamingCompletion(target));
    result.stream = streams;
    result.streamUpstreamCalls = responsesCalls(upstream, from);

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
  } catch (err) {
    result.problem = err instanceof Error ? err.message : String(err);
  } finally {
    sampler?.stop();
    await worker.stop();
    workers.delete(worker);
    rmSync(dataDir, { recursive: true, force: true });
    result.upstreamTotal = responsesCalls(upstream, upstreamBefore);
    for (const [host, count] of guard.attempts) {
      const delta = count - (egressBefore.get(host) ?? 0);
      if (delta > 0) result.egress.set(host, delta);
    }
  }
  return result;
}

function describeFailures(failures: readonly Outcome[]): string {
  const counts = new Map<string, number>();
  for (const f of failures) {
    const key = `${f.status || "no response"}: ${f.problem ?? "?"}`.slice(0, 160);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([k, n]) => `${n}x ${k}`).join("; ");
}

function details(r: BackendResult): string[] {
  const lines = [`[${r.backend}${r.login ? "" : ", no ChatGPT login in CODEX_HOME"}]`];
  if (r.problem) lines.push(`  PROBLEM: ${r.problem}`);
  if (r.readyMs !== undefined) lines.push(`  ready (healthz 200) after ${ms(r.readyMs)} ms`);
  if (r.latency) {
    const s = r.latency.samples;
    lines.push(
      `  latency: ${s.length}/${SEQUENTIAL} ok, min ${ms(percentile(s, 0))} / p50 ${ms(median(s))} / p90 ${ms(percentile(s, 0.9))} / max ${ms(percentile(s, 1))} ms; ` +
        `${r.latency.upstreamCalls} upstream calls for ${SEQUENTIAL} requests`,
    );
    if (r.latency.failures.length) lines.push(`  latency failures: ${describeFailures(r.latency.failures)}`);
  }
  if (r.upstreamRequest) {
    const u = r.upstreamRequest;
    lines.push(
      `  upstream request: tools [${u.tools.join(", ")}], input [${u.input.join(", ")}]`,
    );
  }
  if (r.cpu) {
    lines.push(
      `  CPU per sequential request: codex ${ms(r.cpu.codexMsPerRequest)} ms, adapter ${ms(r.cpu.adapterMsPerRequest)} ms`,
    );
  }
  if (r.stream) {
    for (const [i, s] of r.stream.entries()) {
      lines.push(
        `  stream ${i + 1}: ttft ${ms(s.ttftMs)} ms, ${s.contentDeltas} content deltas, total ${ms(s.ms)} ms` +
          (s.ok ? "" : `, FAILED (${s.status || "no response"}: ${s.problem ?? "?"})`),
      );
    }
    lines.push(`  ${r.streamUpstreamCalls ?? 0} upstream calls for ${r.stream.length} streams`);
  }
  if (r.burst) {
    const runs = r.burst.map((b) => `${b.ok}/${BURST} in ${ms(b.wallMs)} ms`).join(", ");
    lines.push(`  ${BURST} simultaneous x ${BURST_DELAY_MS} ms upstream: ${runs}`);
    const failures = r.burst.flatMap((b) => b.failures);
    if (failures.length) lines.push(`  burst failures: ${describeFailures(failures)}`);
  }
  if (r.memory) {
    const m = r.memory;
    lines.push(
      `  adapter RSS ${(m.adapterRssBytes / 2 ** 20).toFixed(0)} MB (peak ${(m.adapterMaxRssBytes / 2 ** 20).toFixed(0)} MB)` +
        (m.codexRssKb !== undefined ? `; codex app-server RSS ${mb(m.codexRssKb)} MB (peak ${mb(m.codexHwmKb)} MB)` : "") +
        (m.childrenSeen
          ? `; ${m.childrenSeen} short-lived codex processes, largest ${mb(m.childMaxSingleKb)} MB, at most ${mb(m.childMaxTotalKb)} MB summed at once`
          : ""),
    );
  }
  if (typeof r.codexRestarts === "number") lines.push(`  codex app-server restarts: ${r.codexRestarts}`);
  const egress = [...r.egress].map(([h, n]) => `${h} x${n}`).join(", ");
  lines.push(`  outbound attempts refused by the egress guard: ${egress || "none"} (${r.upstreamTotal} model calls in this run)`);
  return lines;
}

interface Summary {
  latency: string;
  ttft: string;
  deltas: string;
  streamTotal: string;
  burst: string;
  memory: string;
  cpu: string;
  p50: number | undefined;
  ttftMs: number | undefined;
  burstOk: number;
  burstTotal: number;
}

function summarize(r: BackendResult): Summary {
  const s = r.latency?.samples ?? [];
  const p50 = median(s);
  const okStreams = r.stream?.filter((x) => x.ttftMs !== undefined) ?? [];
  const ttftMs = median(okStreams.map((x) => x.ttftMs ?? 0));
  const deltaCounts = r.stream?.map((x) => x.contentDeltas) ?? [];
  const dMin = deltaCounts.length ? Math.min(...deltaCounts) : undefined;
  const dMax = deltaCounts.length ? Math.max(...deltaCounts) : undefined;
  const burstOk = r.burst?.reduce((n, b) => n + b.ok, 0) ?? 0;
  const burstTotal = (r.burst?.length ?? 0) * BURST;
  const wall = median(r.burst?.map((b) => b.wallMs) ?? []);
  const m = r.memory;
  const adapter = m ? `${Math.round(m.adapterRssBytes / 2 ** 20)}` : "n/a";
  const codex = m ? (m.codexRssKb !== undefined ? `${mb(m.codexRssKb)} MB` : `${mb(m.childMaxSingleKb)} MB each`) : "n/a";
  return {
    latency: s.length ? `${ms(p50)} / ${ms(percentile(s, 0.9))} ms` : "n/a",
    ttft: ttftMs === undefined ? "n/a" : `${ms(ttftMs)} ms`,
    deltas: dMin === undefined ? "n/a" : dMin === dMax ? `${dMin}` : `${dMin}-${dMax}`,
    streamTotal: r.stream?.length ? `${ms(median(r.stream.map((x) => x.ms)))} ms` : "n/a",
    burst: r.burst ? `${Math.round(burstOk / (r.burst.length || 1))}/${BURST} in ${ms(wall)} ms` : "n/a",
    memory: m ? `${adapter} / ${codex}` : "n/a",
    cpu: r.cpu?.codexMsPerRequest === undefined ? "n/a" : `${ms(r.cpu.codexMsPerRequest)} ms`,
    p50,
    ttftMs,
    burstOk,
    burstTotal,
  };
}

function table(version: string, results: readonly BackendResult[], noLogin: BackendResult | undefined): string[] {
  const sums = results.map(summarize);
  const row = (label: string, pick: (s: Summary) => string) =>
    label.padEnd(30) + sums.map((s, i) => (i === sums.length - 1 ? pick(s) : pick(s).padEnd(18))).join("");
  const lines = [
    `codex-cli-provider benchmark (codex-cli ${version}, node ${process.version}, ${cpus().length} cores)`,
    "".padEnd(30) + results.map((r, i) => (i === results.length - 1 ? r.backend : r.backend.padEnd(18))).join(""),
    row("latency p50 / p90 (instant)", (s) => s.latency),
    row("time to first token (2 s)", (s) => s.ttft),
    row(`content deltas (of ${STREAM_DELTAS})`, (s) => s.deltas),
    row("stream total time", (s) => s.streamTotal),
    row(`${BURST} simultaneous x ${BURST_DELAY_MS} ms`, (s) => s.burst),
    row(`  successes (${BURST_RUNS} runs)`, (s) => `${s.burstOk}/${s.burstTotal}`),
    row("adapter RSS / codex RSS (MB)", (s) => s.memory),
    row("codex CPU per request", (s) => s.cpu),
  ];
  if (noLogin) {
    const s = noLogin.latency?.samples ?? [];
    const outbound = (r: BackendResult | undefined) => [...(r?.egress.values() ?? [])].reduce((a, b) => a + b, 0);
    const withLogin = results.find((r) => r.backend === "app-server");
    lines.push(
      `app-server, no login:         ${ms(median(s))} / ${ms(percentile(s, 0.9))} ms p50 / p90; outbound calls per turn: ` +
        `${(outbound(noLogin) / (noLogin.upstreamTotal || 1)).toFixed(1)} (with login ${(outbound(withLogin) / (withLogin?.upstreamTotal || 1)).toFixed(1)})`,
    );
  }
  const app = sums[results.findIndex((r) => r.backend === "app-server")];
  const verdict = (pass: boolean) => (pass ? "PASS" : "FAIL");
  if (app) {
    const p50ok = app.p50 !== undefined && app.p50 < TARGET_P50_MS;
    const ttftOk = app.ttftMs !== undefined && app.ttftMs < TARGET_TTFT_MS;
    const burstOk = app.burstTotal > 0 && app.burstOk === app.burstTotal;
    lines.push(
      `Targets (app-server): p50 < ${TARGET_P50_MS} ms ${verdict(p50ok)} (${ms(app.p50)} ms), ` +
        `TTFT < ${TARGET_TTFT_MS} ms ${verdict(ttftOk)} (${ms(app.ttftMs)} ms), ` +
        `${BURST}/${BURST} succeed ${verdict(burstOk)} (${app.burstOk}/${app.burstTotal})`,
    );
  }
  return lines;
}

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    process.stdout.write(`benchmark watchdog: not finished after ${WATCHDOG_MS / 1000} s, stopping\n`);
    for (const w of workers) w.kill();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  const bin = resolveCodexBinary();
  const version = await readBinaryVersion(bin, { PATH: process.env.PATH ?? "" }).catch(() => "unknown");
  const upstream = await startStandInUpstream();
  // BENCH_EGRESS_DELAY_MS: answer Codex's calls to chatgpt.com after this long (a network round trip)
  const egressDelayMs = Math.min(5000, Math.max(0, Number.parseInt(process.env.BENCH_EGRESS_DELAY_MS ?? "0", 10) || 0));
  const guard = await startEgressGuard(egressDelayMs);
  if (egressDelayMs) process.stdout.write(`outbound calls are refused after ${egressDelayMs} ms\n`);
  const results: BackendResult[] = [];
  let noLogin: BackendResult | undefined;
  try {
    for (const backend of ["app-server", "exec"] as const) {
      process.stdout.write(`benchmarking ${backend} ...\n`);
      results.push(await benchBackend(backend, upstream, guard, { login: true, latencyOnly: false }));
    }
    process.stdout.write("benchmarking app-server latency without a ChatGPT login in CODEX_HOME ...\n");
    noLogin = await benchBackend("app-server", upstream, guard, { login: false, latencyOnly: true });
  } finally {
    for (const w of workers) await w.stop();
    await upstream.close();
    await guard.close();
    clearTimeout(watchdog);
  }
  const out = ["", ...[...results, ...(noLogin ? [noLogin] : [])].flatMap(details), "", ...table(version, results, noLogin), ""];
  process.stdout.write(out.join("\n"));
}

await main();
