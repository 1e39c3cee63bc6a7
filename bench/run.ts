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
import { chatgptPathDetails, chatgptPathVerdicts } from "./chatgpt-path-report.ts";
import { conversationReport } from "./conversation-report.ts";
import { benchConversation, type ConversationMode } from "./conversation-run.ts";
import { benchChatGptPath, type ChatGptPathResult } from "./chatgpt-path-run.ts";
import { modelsReport } from "./models-report.ts";
import { benchModels, type ModelsResult } from "./models-run.ts";
import { details, table } from "./report.ts";
import { benchStartup, startupReport, type StartupResult } from "./startup-run.ts";

const WATCHDOG_MS = 10 * 60_000;
/** The delay per new connection to the ChatGPT backend in the delayed runs (BENCH_BACKEND_DELAY_MS). */
const BACKEND_DELAY_MS = Math.min(2000, Math.max(0, Number.parseInt(process.env.BENCH_BACKEND_DELAY_MS ?? "200", 10) || 0));
/**
 * The parts BENCH_ONLY picks: `stand-in` (the stand-in upstream's), `chatgpt` (the ChatGPT path's,
 * with the model families), `models` (the model families alone), `startup` (the launchers' start); otherwise all.
 */
type Part = "stand-in" | "chatgpt" | "models" | "startup";
const PARTS: Readonly<Record<string, readonly Part[]>> = { "stand-in": ["stand-in"], chatgpt: ["chatgpt", "models"], models: ["models"], startup: ["startup"] };
const RUN: readonly Part[] = PARTS[process.env.BENCH_ONLY ?? ""] ?? ["stand-in", "chatgpt", "models", "startup"];

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
  const chatgpt: ChatGptPathResult[] = [];
  let conversation: ConversationMode[] = [];
  let models: ModelsResult | undefined;
  let startup: StartupResult[] = [];
  try {
    if (RUN.includes("stand-in")) {
      for (const backend of ["app-server", "exec"] as const) {
        process.stdout.write(`benchmarking ${backend} ...\n`);
        results.push(await benchBackend(backend, upstream, guard, { login: true, latencyOnly: false }));
      }
      process.stdout.write("benchmarking app-server latency without a ChatGPT login in CODEX_HOME ...\n");
      noLogin = await benchBackend("app-server", upstream, guard, { login: false, latencyOnly: true });
      process.stdout.write("benchmarking a 40-turn conversation, continuity on and off ...\n");
      conversation = await benchConversation(upstream, guard);
    }
    if (RUN.includes("chatgpt")) {
      for (const run of [
        { delayMs: 0, relay: true, idleBurst: false },
        { delayMs: BACKEND_DELAY_MS, relay: true, idleBurst: true },
        { delayMs: BACKEND_DELAY_MS, relay: false, idleBurst: false },
      ]) {
        process.stdout.write(`benchmarking app-server on the ChatGPT path, ${run.delayMs} ms per connection, relay ${run.relay ? "on" : "off"} ...\n`);
        chatgpt.push(await benchChatGptPath(run));
      }
    }
    if (RUN.includes("models")) {
      process.stdout.write("benchmarking each model family of Codex's catalog on the ChatGPT path ...\n");
      models = await benchModels();
    }
    if (RUN.includes("startup")) {
      process.stdout.write("benchmarking the start of each launcher ...\n");
      startup = await benchStartup(guard);
    }
  } finally {
    // each benchBackend stops its own worker, so only the shared servers are left to close
    await upstream.close();
    await guard.close();
    clearTimeout(watchdog);
  }
  const out = ["", ...[...results, ...(noLogin ? [noLogin] : [])].flatMap(details), ...chatgpt.flatMap(chatgptPathDetails), ""];
  if (results.length) out.push(...table(version, results, noLogin), "");
  if (conversation.length) out.push(...conversationReport(conversation), "");
  const [base, delayed] = chatgpt;
  if (base && delayed) out.push(`Targets on the ChatGPT path (relay on, codex-cli ${version}):`, ...chatgptPathVerdicts(base, delayed), "");
  if (models) out.push(...modelsReport(models), "");
  if (startup.length) out.push(...startupReport(startup), "");
  process.stdout.write(out.join("\n"));
}

await main();
