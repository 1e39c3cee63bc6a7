import { AsyncQueue } from "../core/async-queue.ts";
import type { TurnError } from "./app-server-protocol.ts";
import { addUsage } from "./token-usage.ts";
import { ToolCallGate } from "./tool-call-gate.ts";
import type { ChatEvent, PausedTurn, TokenUsage, ToolCall } from "./types.ts";

/**
 * Collects one turn's notifications into the event stream its request consumes. A turn with
 * client tools is consumed in segments: a segment ends when the model calls tools (a pause),
 * the next one starts when the client sends the results.
 */
export class TurnSink {
  events = new AsyncQueue<ChatEvent>();
  turnId: string | undefined;
  usage: TokenUsage | undefined;
  /** The last non-retried error Codex reported; `turn/completed` with status failed follows it. */
  lastError: TurnError | undefined;
  /** Codex sent `turn/completed`: nothing is left to interrupt, whatever the request saw. */
  codexEnded = false;
  /** Some of the answer (text or reasoning) was passed on: a retry by Codex would repeat it. */
  answerStarted = false;
  /** The client tools offered; with any, usage is counted per upstream response (raw events). */
  readonly toolNames: ReadonlySet<string>;
  /** Client tool calls of the upstream response in progress. */
  stepCalls: ToolCall[] = [];
  /** Calls replayed from the history: Codex reports injected items too, but they are no new calls. */
  readonly replayedCallIds = new Set<string>();
  /** The current segment ended on tool calls; the turn waits for the client's results. */
  paused = false;
  readonly gate = new ToolCallGate();
  /** The current segment's owner of a pause. */
  onPause: (turn: PausedTurn) => void = () => undefined;
  /** The thread's token total before this turn (a continued thread): Codex reports running totals. */
  readonly usedBefore: TokenUsage | undefined;
  readonly #makePaused: (calls: readonly ToolCall[]) => PausedTurn;

  constructor(toolNames: readonly string[] = [], makePaused: (calls: readonly ToolCall[]) => PausedTurn = noPause, usedBefore?: TokenUsage) {
    this.toolNames = new Set(toolNames);
    this.#makePaused = makePaused;
    this.usedBefore = usedBefore;
  }

  get finished(): boolean {
    return this.events.ended;
  }

  complete(): void {
    if (this.usage) this.events.push({ type: "usage", usage: this.usage });
    this.events.push({ type: "done" });
    this.events.end();
  }

  fail(error: Error): void {
    this.events.fail(error);
  }

  addUsage(u: TokenUsage): void {
    this.usage = addUsage(this.usage, u);
  }

  /** Ends the segment on the step's tool calls; the turn stays open in Codex. */
  pause(): void {
    const calls = this.stepCalls;
    this.stepCalls = [];
    if (this.usage) this.events.push({ type: "usage", usage: this.usage });
    this.usage = undefined;
    this.paused = true;
    this.onPause(this.#makePaused(calls));
    this.events.push({ type: "tool_calls", calls });
    this.events.end();
  }

  /** Starts the segment that consumes the rest of a paused turn. */
  resume(onPause: (turn: PausedTurn) => void): void {
    this.events = new AsyncQueue<ChatEvent>();
    this.paused = false;
    this.onPause = onPause;
  }
}

function noPause(): PausedTurn {
  throw new Error("this turn has no client tools");
}
