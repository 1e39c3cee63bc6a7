/**
 * The conversation scenario: a 40-turn chat, sent the way clients send it (the whole history
 * every time), with conversation continuity on and off, in one run. Per turn: latency, Codex
 * CPU, and the prompt_cache_key Codex sent upstream.
 */
import type { EgressGuard } from "../test/helpers/egress-guard.ts";
import type { StandInUpstream } from "../test/helpers/stand-in-upstream.ts";
import { startBenchService } from "./bench-service.ts";
import { completion } from "./client.ts";
import { readCpu, readStatus } from "./procfs.ts";

export const CONVERSATION_TURNS = 40;
export const CONVERSATION_RUNS = 3;
/** About what a chat user types and reads per turn, so the history grows as a real one does. */
const QUESTION = "Tell me more about the previous point, with one concrete example. ".repeat(6);
const ANSWER = Array.from({ length: 30 }, (_, i) => `word${i} `);

export interface ConversationMode {
  readonly continuity: boolean;
  /** Per run, per turn (index 0 = turn 1). */
  readonly latencyMs: number[][];
  readonly codexCpuMs: number[][];
  /** Distinct prompt_cache_key values Codex sent in each run. */
  readonly cacheKeys: number[];
  readonly failures: number;
  /** Codex's RSS once every run of this mode finished (warm threads still held, when on). */
  readonly codexRssKb: number | undefined;
  readonly problem: string | undefined;
}

export async function benchConversation(upstream: StandInUpstream, guard: EgressGuard): Promise<ConversationMode[]> {
  const modes: ConversationMode[] = [];
  for (const continuity of [true, false]) modes.push(await runMode(upstream, guard, continuity));
  return modes;
}

async function runMode(upstream: StandInUpstream, guard: EgressGuard, continuity: boolean): Promise<ConversationMode> {
  const mode = { continuity, latencyMs: [] as number[][], codexCpuMs: [] as number[][], cacheKeys: [] as number[], failures: 0, codexRssKb: undefined as number | undefined, problem: undefined as string | undefined };
  upstream.behave({ deltas: ANSWER });
  const env = continuity ? {} : { MAX_WARM_THREADS: "0" };
  const service = await startBenchService(upstream, guard, { backend: "app-server", login: true, env }).catch((err: unknown) => {
    mode.problem = err instanceof Error ? err.message : String(err);
    return undefined;
  });
  if (!service) return mode;
  try {
    const pid = service.codexPid;
    for (let run = 0; run < CONVERSATION_RUNS; run += 1) {
      const messages: { role: string; content: string }[] = [{ role: "system", content: "You are a patient tutor." }];
      const latency: number[] = [];
      const cpu: number[] = [];
      const from = upstream.modelCalls.length;
      for (let turn = 0; turn < CONVERSATION_TURNS; turn += 1) {
        messages.push({ role: "user", content: `Run ${run}, turn ${turn}. ${QUESTION}` });
        const before = pid === undefined ? undefined : readCpu(pid)?.selfMs;
        const outcome = await completion(service.target, { messages });
        const after = pid === undefined ? undefined : readCpu(pid)?.selfMs;
        if (!outcome.ok) mode.failures += 1;
        latency.push(outcome.ms);
        cpu.push(before === undefined || after === undefined ? Number.NaN : after - before);
        messages.push({ role: "assistant", content: outcome.text });
      }
      mode.latencyMs.push(latency);
      mode.codexCpuMs.push(cpu);
      mode.cacheKeys.push(new Set(upstream.modelCalls.slice(from).map((c) => c.body.prompt_cache_key)).size);
    }
    mode.codexRssKb = pid === undefined ? undefined : readStatus(pid)?.rssKb;
  } catch (err) {
    mode.problem = err instanceof Error ? err.message : String(err);
  } finally {
    await service.close();
  }
  return mode;
}
