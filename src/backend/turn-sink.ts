import { AsyncQueue } from "../core/async-queue.ts";
import type { TurnError } from "./app-server-protocol.ts";
import type { ChatEvent, TokenUsage } from "./types.ts";

/** Collects one turn's notifications into the event stream its request consumes. */
export class TurnSink {
  readonly events = new AsyncQueue<ChatEvent>();
  turnId: string | undefined;
  usage: TokenUsage | undefined;
  /** The last non-retried error Codex reported; `turn/completed` with status failed follows it. */
  lastError: TurnError | undefined;
  /** Codex sent `turn/completed`: nothing is left to interrupt, whatever the request saw. */
  codexEnded = false;
  /** Some of the answer (text or reasoning) was passed on: a retry by Codex would repeat it. */
  answerStarted = false;

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
}
