/** Turns benchmark results into the printed report: one block of details per run, then the comparison table. */
import { cpus } from "node:os";
import type { Outcome } from "./client.ts";
import { BURST, BURST_DELAY_MS, BURST_RUNS, SEQUENTIAL, STREAM_DELTAS, type BackendResult } from "./backend-run.ts";
import { LARGE_CONCURRENT } from "./large-requests.ts";
import { median, ms, percentile } from "./percentile.ts";

const TARGET_P50_MS = 60;
const TARGET_TTFT_MS = 150;


const mb = (kb: number | undefined) => (kb === undefined || kb === 0 ? "n/a" : `${Math.round(kb / 1024)}`);

function describeFailures(failures: readonly Outcome[]): string {
  return counted(failures.map((f) => `${f.status || "no response"}: ${f.problem ?? "?"}`.slice(0, 160)), "; ");
}

/** "8x 200" or "5x 200, 3x 400 context_length_exceeded". */
function counted(keys: readonly string[], separator = ", "): string {
  const counts = new Map<string, number>();
  for (const k of keys) counts.set(k, (counts.get(k) ?? 0) + 1);
  return [...counts].map(([k, n]) => `${n}x ${k}`).join(separator);
}

export function details(r: BackendResult): string[] {
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
  if (r.large) {
    const l = r.large;
    lines.push(
      `  ${LARGE_CONCURRENT} simultaneous maximum-size requests (${(l.bodyBytes / 1e6).toFixed(1)} MB bodies: text at MAX_TOTAL_TEXT_CHARS, three photos at MAX_IMAGE_BYTES): ` +
        `adapter RSS ${mb(l.rssBeforeKb)} MB before, peak ${mb(l.peakRssKb)} MB; answers ${counted(l.statuses)}`,
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
  largePeak: string;
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
    largePeak: r.large ? `${mb(r.large.peakRssKb)} MB` : "n/a",
    cpu: r.cpu?.codexMsPerRequest === undefined ? "n/a" : `${ms(r.cpu.codexMsPerRequest)} ms`,
    p50,
    ttftMs,
    burstOk,
    burstTotal,
  };
}

export function table(version: string, results: readonly BackendResult[], noLogin: BackendResult | undefined): string[] {
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
    row(`adapter peak, ${LARGE_CONCURRENT} max-size reqs`, (s) => s.largePeak),
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
