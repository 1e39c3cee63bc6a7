import { AsyncQueue } from "../core/async-queue.ts";
import type { Logger } from "../core/logger.ts";
import type { RateLimitSnapshot } from "./app-server-protocol.ts";
import { BackendError } from "./backend-error.ts";
import type { ThreadKeeper } from "./continuity.ts";
import type { JsonRpcClient } from "./jsonrpc-client.ts";
import { ToolCallGate, type DynamicToolAnswer } from "./tool-call-gate.ts";
import { reduceTurn } from "./turn-reducer.ts";
import { initialTurnState, pausedOn, resumable, threadTotal, type TurnConfig, type TurnEffect, type TurnInput } from "./turn-state.ts";
import type { ChatEvent, PausedTurn, ToolCall, ToolResult } from "./types.ts";

/** An ephemeral thread with the connection it lives on, so it is never used on another child's connection. */
export interface StartedThread {
  readonly client: JsonRpcClient;
  readonly threadId: string;
}

/** What every turn on the child shares. */
export interface TurnServices {
  readonly logger: Logger;
  readonly now: () => number;
  /** Wraps a call Codex answers locally: no answer means a hung child, which is replaced. */
  readonly local: <T>(pending: Promise<T>) => Promise<T>;
  readonly rpcTimeoutMs: number;
  /** The last rate-limit snapshot Codex pushed, for the 429 of a rate-limited turn. */
  readonly rateLimits: () => RateLimitSnapshot | undefined;
  /** A turn failed as unauthorized after Codex's own refresh attempts. */
  readonly onUnauthorized: () => void;
  /** Added to the message of a turn the model service refused (the operator's way out). */
  readonly refusalHint: string | undefined;
}

export interface ActiveTurnOptions extends TurnServices {
  readonly thread: StartedThread;
  /** Decides whether the thread stays warm for the conversation's next turn (continuity.ts). */
  readonly keeper: ThreadKeeper<StartedThread>;
  readonly config: TurnConfig;
  /** The first segment's owner of a pause. */
  readonly onPause: (turn: PausedTurn) => void;
  /** Called once when the turn is let go, before the keeper may hand its thread to another turn. */
  readonly forget: () => void;
}

/** The events one request consumes, and who gets the turn if it pauses. */
interface Segment {
  readonly number: number;
  readonly events: AsyncQueue<ChatEvent>;
  readonly onPause: (turn: PausedTurn) => void;
}

/**
 * The one owner of a turn, across the requests that consume it: feeds every input through
 * the pure reducer (turn-reducer.ts) and carries out the effects it returns.
 */
export class ActiveTurn {
  readonly #o: ActiveTurnOptions;
  readonly #gate = new ToolCallGate();
  #state = initialTurnState;
  #segment: Segment;

  constructor(options: ActiveTurnOptions) {
    this.#o = options;
    this.#segment = { number: 0, events: new AsyncQueue(), onPause: options.onPause };
  }

  /** Feeds one input (a Codex notification, the turn's start, the child's exit) through the reducer. */
  apply(input: TurnInput): void {
    const { state, effects } = reduceTurn(this.#state, input, { config: this.#o.config, rateLimits: this.#o.rateLimits(), nowMs: this.#o.now() });
    this.#state = state;
    for (const effect of effects) this.#carryOut(effect);
  }

  /** Codex's `item/tool/call` for this turn: answered with the client's result. */
  toolCall(callId: string): Promise<DynamicToolAnswer> {
    return this.#gate.request(callId);
  }

  /**
   * Consumes the first segment: `begin` starts the turn in Codex, then its events flow until
   * it ends or pauses on client tool calls.
   */
  consume(signal: AbortSignal, begin: () => Promise<void>): AsyncGenerator<ChatEvent> {
    return this.#consume(this.#segment, signal, begin);
  }

  async *#consume(segment: Segment, signal: AbortSignal, begin: () => Promise<void>): AsyncGenerator<ChatEvent> {
    const onAbort = () => this.apply({ kind: "aborted", segment: segment.number, reason: signal.reason });
    signal.addEventListener("abort", onAbort, { once: true });
    let completed = false;
    try {
      signal.throwIfAborted();
      await begin();
      try {
        for await (const event of segment.events) {
          this.#o.keeper.seen(event);
          yield event;
        }
        completed = !pausedOn(this.#state, segment.number);
      } catch (err) {
        // Codex already tried to refresh the login before failing the turn as unauthorized.
        if (err instanceof BackendError && err.kind === "unauthenticated") this.#o.onUnauthorized();
        const { refusalHint } = this.#o;
        if (err instanceof BackendError && err.kind === "bad_request" && refusalHint) throw new BackendError("bad_request", `${err.message} ${refusalHint}`);
        throw err;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      // Whenever the request ends before Codex ended the turn (abort, early 429, protocol error), the release stops it.
      if (!pausedOn(this.#state, segment.number)) this.#release(completed);
    }
  }

  /** Lets go of the turn for good: the keeper takes its thread (the turn completed), or it is stopped and unsubscribed. */
  #release(completed: boolean): void {
    if (this.#state.consumer.phase === "released") return;
    this.#o.forget();
    const kept = completed && this.#o.keeper.completed(this.#o.thread, threadTotal(this.#state, this.#o.config));
    if (!kept) this.#o.keeper.abandoned();
    this.apply({ kind: "released", kept });
  }

  /** The handle a request gets when its segment pauses on client tool calls. */
  #paused(calls: readonly ToolCall[]): PausedTurn {
    const alive = () => resumable(this.#state);
    return {
      callIds: calls.map((c) => c.callId),
      get alive() {
        return alive();
      },
      resume: (results, signal, onPause) => this.#resume(results, signal, onPause),
      release: () => this.#release(false),
    };
  }

  #resume(results: readonly ToolResult[], signal: AbortSignal, onPause: (turn: PausedTurn) => void): AsyncGenerator<ChatEvent> {
    if (!resumable(this.#state)) throw new BackendError("crashed", "the turn waiting for these tool results has ended");
    this.apply({ kind: "resumed" }); // the reducer numbers segments the same way
    const segment: Segment = { number: this.#segment.number + 1, events: new AsyncQueue(), onPause };
    this.#segment = segment;
    this.#o.keeper.resumed(results);
    return this.#consume(segment, signal, () => {
      this.#gate.provide(results);
      return Promise.resolve();
    });
  }

  #carryOut(effect: TurnEffect): void {
    const { client, threadId } = this.#o.thread;
    const segment = this.#segment;
    switch (effect.type) {
      case "emit":
        return segment.events.push(effect.event);
      case "pause":
        return segment.onPause(this.#paused(effect.calls));
      case "end":
        return segment.events.end();
      case "fail":
        return segment.events.fail(effect.error);
      case "warn":
        return this.#o.logger.warn("codex protocol error", { problem: effect.problem });
      case "interrupt":
        // Codex answers once the turn is aborted (about a second under heavy load); silence means a hung child.
        void this.#o.local(client.request("turn/interrupt", { threadId, turnId: effect.turnId }, this.#o.rpcTimeoutMs)).catch(() => undefined);
        return;
      case "unsubscribe":
        void client.request("thread/unsubscribe", { threadId }, this.#o.rpcTimeoutMs).catch(() => undefined);
        return;
      case "closeGate":
        return this.#gate.close();
    }
  }
}
