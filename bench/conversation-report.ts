/** The conversation scenario's figures and its two targets (see bench/conversation-run.ts). */
import { CONVERSATION_RUNS, CONVERSATION_TURNS, type ConversationMode } from "./conversation-run.ts";
import { percentile } from "./percentile.ts";

const SHOWN_TURNS = [1, 10, 40] as const;

/** p50 over the runs of one turn (1-based). */
function atTurn(perRun: readonly number[][], turn: number): number | undefined {
  return percentile(perRun.map((r) => r[turn - 1]).filter((v): v is number => v !== undefined && Number.isFinite(v)), 0.5);
}

const ms = (v: number | undefined) => (v === undefined ? "n/a" : `${Math.round(v)} ms`);

export function conversationReport(modes: readonly ConversationMode[]): string[] {
  const lines = [
    `Conversation continuity: one ${CONVERSATION_TURNS}-turn chat (whole history sent every turn), ${CONVERSATION_RUNS} runs per mode, p50 per turn:`,
    "",
    `| Continuity | ${SHOWN_TURNS.map((t) => `latency turn ${t}`).join(" | ")} | ${SHOWN_TURNS.map((t) => `Codex CPU turn ${t}`).join(" | ")} | cache keys per chat | Codex RSS after | failures |`,
    `|---|${"---|".repeat(2 * SHOWN_TURNS.length + 3)}`,
  ];
  for (const m of modes) {
    if (m.problem) lines.push(`| ${m.continuity ? "on" : "off"} | PROBLEM: ${m.problem} |`);
    const latency = SHOWN_TURNS.map((t) => ms(atTurn(m.latencyMs, t)));
    const cpu = SHOWN_TURNS.map((t) => ms(atTurn(m.codexCpuMs, t)));
    const rss = m.codexRssKb === undefined ? "n/a" : `${Math.round(m.codexRssKb / 1024)} MB`;
    lines.push(`| ${m.continuity ? "on" : "off"} | ${latency.join(" | ")} | ${cpu.join(" | ")} | ${m.cacheKeys.join(", ")} | ${rss} | ${m.failures} |`);
  }
  const on = modes.find((m) => m.continuity);
  if (on && !on.problem) {
    const oneKey = on.cacheKeys.length > 0 && on.cacheKeys.every((k) => k === 1);
    const [first, last] = [atTurn(on.latencyMs, 1), atTurn(on.latencyMs, CONVERSATION_TURNS)];
    const noWorse = first !== undefined && last !== undefined && last <= first;
    lines.push(
      "",
      `Targets (continuity on): one cache key for ${CONVERSATION_TURNS} turns: ${oneKey ? "PASS" : "FAIL"}; ` +
        `turn-${CONVERSATION_TURNS} latency no worse than turn 1 (${ms(last)} vs ${ms(first)}): ${noWorse ? "PASS" : "FAIL"}`,
    );
  }
  return lines;
}
