/**
 * `npm run bench`: the real adapter and the real pinned Codex binary, both backends, against
 * one local stand-in for the Responses API. Only 127.0.0.1 traffic. Always exits 0 after
 * printing (a benchmark, not a test); bounded everywhere.
 */
import { readBinaryVersion, resolveCodexBinary } from "../src/backend/codex-binary.ts";
import { startEgressGuard } from "../test/helpers/egress-guard.ts";
import { startStandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import { benchBackend, type BackendResult } from "./backend-run.ts";
import { killWorkers } from "./bench-service.ts";
import { details, table } from "./report.ts";

const WATCHDOG_MS = 5 * 60_000;

async function main(): Promise<void> {
  const watchdog = setTimeout(() => {
    process.stdout.write(`benchmark watchdog: not finished after ${WATCHDOG_MS / 1000} s, stopping\n`);
    killWorkers();
    process.exit(1);
  }, WATCHDOG_MS);
  watchdog.unref();

  const bin = resolveCodexBinary();
  const version = await readBinaryVersion(bin, { PATH: process.env.PATH ?? "" }).catch(() => "unknown");
  const upstream = await startStandInUpstream();
  // BENCH_EGRESS_DELAY_MS: answer Codex's calls to chatgpt.com after this long (a network round trip)
  const egressDelayMs = Math.min(5000, Math.max(0, Number.parseInt(process.env.BENCH_EGRESS_DELAY_MS ?? "0", 10) || 0));
  const guard = await startEgressGuard({ refuseAfterMs: egressDelayMs });
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
    // each benchBackend stops its own worker, so only the shared servers are left to close
    await upstream.close();
    await guard.close();
    clearTimeout(watchdog);
  }
  const out = ["", ...[...results, ...(noLogin ? [noLogin] : [])].flatMap(details), "", ...table(version, results, noLogin), ""];
  process.stdout.write(out.join("\n"));
}

await main();
