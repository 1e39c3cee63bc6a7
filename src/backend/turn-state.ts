import type { RateLimitSnapshot, TurnError } from "./app-server-protocol.ts";
import type { TurnMessage } from "./codex-messages.ts";
import { addUsage } from "./token-usage.ts";
import type { ChatEvent, TokenUsage, ToolCall } from "./types.ts";

/**
 * One turn's state, its inputs and the effects of its pure reducer (turn-reducer.ts). Two
 * machines run side by side: the turn in Codex (started, interrupted at most once, ended)
 * and its consumption by requests, one segment per request (a pause on client tool calls
 * ends a segment).
 */

/** The turn in Codex, as far as the adapter knows. */
export type CodexTurn =
  | { readonly phase: "unstarted" } // the history is being injected; no turn/start sent
  | { readonly phase: "starting" } // turn/start sent, unanswered: the id is not known yet
  | { readonly phase: "running"; readonly turnId: string }
  | { readonly phase: "interrupting"; readonly turnId: string } // turn/interrupt sent: never twice
  | { readonly phase: "ended" }; // turn/completed came, turn/start failed, or the child went away

/** The turn as the requests consume it. */
export type TurnConsumer =
  | { readonly phase: "streaming"; readonly segment: number }
  | { readonly phase: "paused"; readonly segment: number } // on client tool calls: a later request resumes it
  | { readonly phase: "finished"; readonly segment: number } // its events ended (done or an error); the request lets go next
  | { readonly phase: "released"; readonly kept: boolean }; // for good; kept: the keeper took the thread warm

export interface TurnState {
  readonly codex: CodexTurn;
  readonly consumer: TurnConsumer;
  /** The current segment's usage: the thread's total less earlier turns', or with client tools the sum of its upstream responses. */
  readonly usage: TokenUsage | undefined;
  /** The last non-retried error Codex reported; `turn/completed` with status failed follows it. */
  readonly lastError: TurnError | undefined;
  /** Some of the answer (text or reasoning) was passed on: a retry by Codex would repeat it. */
  readonly answerStarted: boolean;
  /** Client tool calls of the upstream response in progress. */
  readonly stepCalls: readonly ToolCall[];
}

/** What a turn is fixed with when it starts. */
export interface TurnConfig {
  /** The client tools offered; with any, usage is counted per upstream response (raw events). */
  readonly toolNames: ReadonlySet<string>;
  /** Calls replayed from the history: Codex reports injected items too, but they are no new calls. */
  readonly replayedCallIds: ReadonlySet<string>;
  /** The thread's token total before this turn (a continued thread): Codex reports running totals. */
  readonly usedBefore: TokenUsage | undefined;
}

export interface TurnContext {
  readonly config: TurnConfig;
  /** The last usage-limit snapshot, for the 429 of a rate-limited turn. */
  readonly rateLimits: RateLimitSnapshot | undefined;
  readonly nowMs: number;
}

export type TurnInput =
  | TurnMessage
  | { readonly kind: "startSent" }
  | { readonly kind: "started"; readonly turnId: string }
  | { readonly kind: "startFailed" }
  /** The request consuming `segment` went away (client gone, timeout). */
  | { readonly kind: "aborted"; readonly segment: number; readonly reason: unknown }
  /** The client's tool results arrived: the next segment starts. */
  | { readonly kind: "resumed" }
  | { readonly kind: "childExited" }
  | { readonly kind: "released"; readonly kept: boolean };

export type TurnEffect =
  | { readonly type: "emit"; readonly event: ChatEvent }
  /** Hand the paused turn to the segment's request (before the tool_calls event reaches it). */
  | { readonly type: "pause"; readonly calls: readonly ToolCall[] }
  | { readonly type: "end" }
  | { readonly type: "fail"; readonly error: unknown }
  | { readonly type: "warn"; readonly problem: string }
  | { readonly type: "interrupt"; readonly turnId: string }
  | { readonly type: "unsubscribe" }
  /** Refuse the turn's pending and later `item/tool/call` requests. */
  | { readonly type: "closeGate" };

export interface TurnStep {
  readonly state: TurnState;
  readonly effects: readonly TurnEffect[];
}

export const initialTurnState: TurnState = {
  codex: { phase: "unstarted" },
  consumer: { phase: "streaming", segment: 0 },
  usage: undefined,
  lastError: undefined,
  answerStarted: false,
  stepCalls: [],
};

/** A paused turn whose tool results can still be sent to Codex. */
export function resumable(state: TurnState): boolean {
  return state.consumer.phase === "paused" && state.codex.phase !== "ended";
}

/** The segment ended on client tool calls: the turn waits for the next request, not for clean-up. */
export function pausedOn(state: TurnState, segment: number): boolean {
  return state.consumer.phase === "paused" && state.consumer.segment === segment;
}

/** The thread's token total after this turn, for the keeper; none with client tools (usage per upstream response). */
export function threadTotal(state: TurnState, config: TurnConfig): TokenUsage | undefined {
  return config.toolNames.size ? undefined : addUsage(config.usedBefore, state.usage);
}

export function still(state: TurnState): TurnStep {
  return { state, effects: [] };
}

/** The current segment's events end (the effect that ends them goes with it). */
export function finish(state: TurnState): TurnState {
  const { consumer } = state;
  return consumer.phase === "streaming" ? { ...state, consumer: { phase: "finished", segment: consumer.segment } } : state;
}
