/** The printed report of the runs on the path users run (bench/chatgpt-path-run.ts). */
import { CHATGPT_BURST, CHATGPT_SEQUENTIAL, IDLE_BURST, IDLE_MS, type ChatGptPathResult } from "./chatgpt-path-run.ts";
import { median, ms, percentile } from "./percentile.ts";

const ttfts = (r: ChatGptPathResult) => (r.stream ?? []).flatMap((s) => (s.ttftMs === undefined ? [] : [s.ttftMs]));

const label = (r: ChatGptPathResult) => `${r.options.relay ? "relay" : "no relay (CHATGPT_RELAY=false)"}, ${r.options.delayMs} ms per new connection`;

/** Requests that waited on at least one backend call or a new connection, of all model calls seen. */
function waitedLine(waited: readonly { calls: number; newConnection: boolean }[]): string {
  const calls = waited.reduce((n, w) => n + w.calls, 0);
  const connections = waited.filter((w) => w.newConnection).length;
  return `${calls} backend calls and ${connections} new connections waited on by ${waited.length} model calls`;
}

export function chatgptPathDetails(r: ChatGptPathResult): string[] {
  const lines = [`[app-server on the ChatGPT path, ${label(r)}]`];
  if (r.problem) lines.push(`  PROBLEM: ${r.problem}`);
  if (r.latency) {
    const s = r.latency.samples;
    lines.push(`  latency: ${s.length}/${CHATGPT_SEQUENTIAL} ok, p50 ${ms(median(s))} / p90 ${ms(percentile(s, 0.9))} / max ${ms(percentile(s, 1))} ms`);
    lines.push(`  per request: ${waitedLine(r.latency.waited)}`);
  }
  if (r.stream) lines.push(`  time to first token: ${r.stream.map((s) => ms(s.ttftMs)).join(", ")} ms (p50 ${ms(median(ttfts(r)))})`);
  if (r.burst) lines.push(`  ${CHATGPT_BURST} simultaneous: ${r.burst.ok}/${CHATGPT_BURST} in ${ms(r.burst.wallMs)} ms; ${waitedLine(r.burst.waited)}`);
  if (r.idleBurst) {
    const b = r.idleBurst;
    lines.push(`  ${IDLE_BURST} simultaneous after ${IDLE_MS / 1000} s idle: ${b.ok}/${IDLE_BURST} in ${ms(b.wallMs)} ms; ${waitedLine(b.waited)}`);
  }
  lines.push(`  backend calls over the run: ${[...r.callsByEndpoint].map(([e, n]) => `${e} ${n}`).join(", ")}`);
  return lines;
}

/** The issue's targets: at the delay, p50 and TTFT within 1.25x of the 0 ms figures, nothing waited on. */
export function chatgptPathVerdicts(base: ChatGptPathResult, delayed: ChatGptPathResult): string[] {
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
  const p50 = ratio(median(delayed.latency?.samples ?? []), median(base.latency?.samples ?? []));
  const ttft = ratio(median(ttfts(delayed)), median(ttfts(base)));
  const verdict = (ok: boolean) => (ok ? "PASS" : "FAIL");
  const fmt = (v: number | undefined) => (v === undefined ? "n/a" : `${v.toFixed(2)}x`);
  const waited = (delayed.latency?.waited ?? []).filter((w) => w.calls > 0 || w.newConnection).length;
  const idle = delayed.idleBurst;
  const idleWaited = idle ? idle.waited.filter((w) => w.calls > 0 || w.newConnection).length : undefined;
  const lines = [
    `  ${verdict(p50 !== undefined && p50 <= 1.25)}  p50 at ${delayed.options.delayMs} ms per connection within 1.25x of 0 ms (${fmt(p50)})`,
    `  ${verdict(ttft !== undefined && ttft <= 1.25)}  time to first token at ${delayed.options.delayMs} ms within 1.25x of 0 ms (${fmt(ttft)})`,
    `  ${verdict(waited === 0)}  sequential requests that waited on a backend call or a new connection: ${waited}`,
  ];
  if (idle) {
    lines.push(`  ${verdict(idle.ok === IDLE_BURST && idleWaited === 0)}  ${IDLE_BURST} simultaneous after ${IDLE_MS / 1000} s idle: ${idle.ok} answered, ${idleWaited ?? "n/a"} waited on thread start-up calls`);
  }
  return lines;
}
