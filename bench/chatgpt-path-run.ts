/**
 * The app-server backend on the path users run: Codex's built-in provider with its default
 * chatgpt.com URLs, tunnelled by the egress guard to the stand-in ChatGPT backend, whose every
 * new connection can be held back (a TCP + TLS round trip to a remote host).
 */
import { setTimeout as sleep } from "node:timers/promises";
import { startEgressGuard } from "../test/helpers/egress-guard.ts";
import { startStandInChatGptBackend, type BackendCall, type StandInChatGptBackend } from "../test/helpers/stand-in-chatgpt-backend.ts";
import { startBenchService, type BenchService } from "./bench-service.ts";
import { completion, streamingCompletion, type Outcome, type StreamOutcome } from "./client.ts";

const WARMUP = 5;
export const CHATGPT_SEQUENTIAL = 40;
const STREAM_RUNS = 10;
export const CHATGPT_BURST = 8;
export const IDLE_BURST = 16;
export const IDLE_MS = 60_000;

export interface ChatGptPathOptions {
  readonly delayMs: number;
  /** The adapter's relay in front of the ChatGPT backend (CHATGPT_RELAY). */
  readonly relay: boolean;
  /** Finish with IDLE_BURST simultaneous requests after IDLE_MS of quiet. */
  readonly idleBurst: boolean;
}

/** What one request waited on before its model call: backend calls, and a connection opened for it. */
interface Waited {
  readonly calls: number;
  readonly newConnection: boolean;
}

export interface ChatGptPathResult {
  readonly options: ChatGptPathOptions;
  problem: string | undefined;
  latency: { samples: number[]; failures: Outcome[]; waited: Waited[] } | undefined;
  stream: StreamOutcome[] | undefined;
  burst: { wallMs: number; ok: number; waited: Waited[] } | undefined;
  idleBurst: { wallMs: number; ok: number; waited: Waited[] } | undefined;
  /** The stand-in's calls per endpoint over the whole run. */
  callsByEndpoint: Map<string, number>;
}

const isModelCall = (c: BackendCall) => c.endpoint === "responses" && (c.method === "POST" || c.method === "response.create");

/**
 * For the model calls among `calls[from..]`, what each waited on: the other backend calls that
 * came before it in the window (user settings, ...), and whether its connection was opened in it.
 */
function waitedOn(calls: readonly BackendCall[], from: number): Waited[] {
  const window = calls.slice(from);
  const knownConnections = new Set(calls.slice(0, from).map((c) => c.connection));
  const result: Waited[] = [];
  let restBefore = 0;
  for (const call of window) {
    if (!isModelCall(call)) {
      if (call.endpoint !== "responses") restBefore += 1;
      continue;
    }
    result.push({ calls: restBefore, newConnection: !knownConnections.has(call.connection) });
    restBefore = 0;
  }
  return result;
}

async function measuredBurst(backend: StandInChatGptBackend, service: BenchService, size: number) {
  const from = backend.calls.length;
  const t0 = performance.now();
  const outcomes = await Promise.all(Array.from({ length: size }, () => completion(service.target)));
  return { wallMs: performance.now() - t0, ok: outcomes.filter((o) => o.ok).length, waited: waitedOn(backend.calls, from) };
}

export async function benchChatGptPath(options: ChatGptPathOptions): Promise<ChatGptPathResult> {
  const result: ChatGptPathResult = { options, problem: undefined, latency: undefined, stream: undefined, burst: undefined, idleBurst: undefined, callsByEndpoint: new Map() };
  const backend = await startStandInChatGptBackend({ publicOrigin: "https://chatgpt.com", connectionDelayMs: options.delayMs });
  const guard = await startEgressGuard({ tunnels: { "chatgpt.com:443": backend.port, "auth.openai.com:443": backend.port } });
  let service: BenchService | undefined;
  try {
    service = await startBenchService(undefined, guard, {
      backend: "app-server",
      login: true,
      chatgptCaFile: backend.caFile,
      env: { CHATGPT_RELAY: String(options.relay) },
    });
    for (let i = 0; i < WARMUP; i++) await completion(service.target);

    const samples: number[] = [];
    const failures: Outcome[] = [];
    const waited: Waited[] = [];
    for (let i = 0; i < CHATGPT_SEQUENTIAL; i++) {
      const from = backend.calls.length;
      const outcome = await completion(service.target);
      if (outcome.ok) samples.push(outcome.ms);
      else failures.push(outcome);
      waited.push(...waitedOn(backend.calls, from));
    }
    result.latency = { samples, failures, waited };

    backend.behave({ deltas: Array.from({ length: 20 }, (_, i) => ` tok${i}`), deltaIntervalMs: 20 });
    const streams: StreamOutcome[] = [];
    for (let i = 0; i < STREAM_RUNS; i++) streams.push(await streamingCompletion(service.target));
    result.stream = streams;
    backend.behave({ deltas: ["Hello", " from", " the", " stand-in."] });

    await sleep(500); // spare threads refill, as between real bursts
    result.burst = await measuredBurst(backend, service, CHATGPT_BURST);
    if (options.idleBurst) {
      await sleep(IDLE_MS);
      result.idleBurst = await measuredBurst(backend, service, IDLE_BURST);
    }
  } catch (err) {
    result.problem = err instanceof Error ? err.message : String(err);
  } finally {
    await service?.close();
    for (const c of backend.calls) result.callsByEndpoint.set(c.endpoint, (result.callsByEndpoint.get(c.endpoint) ?? 0) + 1);
    await guard.close();
    await backend.close();
  }
  return result;
}
