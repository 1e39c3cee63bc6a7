import type { Logger } from "../core/logger.ts";
import { unlessAborted } from "../core/unless-aborted.ts";
import { BackendError } from "./backend-error.ts";
import { dynamicToolCallParams, turnStartResult, type RateLimitSnapshot } from "./app-server-protocol.ts";
import { turnItems } from "./history-items.ts";
import type { JsonRpcClient } from "./jsonrpc-client.ts";
import { CRASHED_MESSAGE, parseResult } from "./rpc-call.ts";
import { applyTurnNotification } from "./turn-notifications.ts";
import { TurnSink } from "./turn-sink.ts";
import type { ChatEvent, ChatTurnRequest, PausedTurn, ToolCall } from "./types.ts";

/** An ephemeral thread with the connection it lives on, so it is never used on another child's connection. */
export interface StartedThread {
  readonly client: JsonRpcClient;
  readonly threadId: string;
}

/** A turn on its thread, across the requests that consume it. */
interface ActiveTurn extends StartedThread {
  readonly sink: TurnSink;
  interruptSent?: boolean;
  ended?: boolean;
  /** A turn/start still unanswered; the turn is interrupted once its id is known. */
  starting?: Promise<unknown> | undefined;
}

export interface ActiveTurnsOptions {
  readonly logger: Logger;
  readonly now: () => number;
  /** Wraps a call Codex answers locally: no answer means a hung child, which is replaced. */
  readonly local: <T>(pending: Promise<T>) => Promise<T>;
  readonly rpcTimeoutMs: number;
  /** The last rate-limit snapshot Codex pushed, for the 429 of a rate-limited turn. */
  readonly rateLimits: () => RateLimitSnapshot | undefined;
  /** A turn failed as unauthorized after Codex's own refresh attempts. */
  readonly onUnauthorized: () => void;
}

/**
 * The turns running on the app-server child: each is started on its thread, consumed in
 * segments (a pause on client tool calls ends one), fed the notifications and tool calls
 * Codex sends for its thread, and stopped and let go when no request holds it any more.
 */
export class ActiveTurns {
  readonly #o: ActiveTurnsOptions;
  /** Active turns by thread id; notifications are routed here. */
  readonly #sinks = new Map<string, TurnSink>();

  constructor(options: ActiveTurnsOptions) {
    this.#o = options;
  }

  get size(): number {
    return this.#sinks.size;
  }

  /** Starts the request's turn on its thread (history injected first) and yields its first segment. */
  async *run({ client, threadId }: StartedThread, request: ChatTurnRequest): AsyncGenerator<ChatEvent> {
    const { signal } = request;
    const turn: ActiveTurn = { client, threadId, sink: new TurnSink(request.tools.map((t) => t.name), (calls) => this.#paused(turn, calls)) };
    turn.sink.onPause = request.onPause;
    for (const h of request.history) if (h.type === "tool_call") turn.sink.replayedCallIds.add(h.callId);
    this.#sinks.set(threadId, turn.sink);
    yield* this.#segment(turn, signal, async () => {
      const { items, input } = turnItems(request);
      if (items.length) {
        await unlessAborted(this.#o.local(client.request("thread/inject_items", { threadId, items }, this.#o.rpcTimeoutMs)), signal);
      }
      signal.throwIfAborted();
      const turnStart = this.#o.local(
        client
          .request(
            "turn/start",
            {
              threadId,
              input,
              ...(request.model ? { model: request.model } : {}),
              ...(request.reasoningEffort ? { effort: request.reasoningEffort } : {}),
              ...(request.outputSchema ? { outputSchema: request.outputSchema } : {}),
            },
            this.#o.rpcTimeoutMs,
          )
          .then((r) => parseResult(turnStartResult, r)),
      ).then((started) => (turn.sink.turnId = started.turn.id));
      turn.starting = turnStart.catch(() => undefined);
      // A hung Codex must not hold the request past its timeout: the abort ends the wait.
      await unlessAborted(turnStart, signal);
      turn.starting = undefined;
    });
  }

  /** Codex's `item/tool/call`: answered with the client's result, never by running anything. */
  onToolCall(params: unknown): Promise<unknown> {
    const parsed = dynamicToolCallParams.safeParse(params);
    const sink = parsed.success ? this.#sinks.get(parsed.data.threadId) : undefined;
    if (!parsed.success || !sink) return Promise.reject(new Error("item/tool/call for no waiting turn"));
    return sink.gate.request(parsed.data.callId);
  }

  /** Applies a turn notification to the turn of its thread, if one is active. */
  onNotification(method: string, params: unknown): void {
    const threadId = (params as { threadId?: unknown } | null)?.threadId;
    const sink = typeof threadId === "string" ? this.#sinks.get(threadId) : undefined;
    if (!sink) return;
    if (sink.paused) {
      // Nobody consumes a paused turn; only its end matters (it can no longer be resumed).
      if (method === "turn/completed") sink.codexEnded = true;
      return;
    }
    if (sink.finished) return;
    let endNow: BackendError | undefined;
    try {
      endNow = applyTurnNotification(sink, method, params, this.#o.rateLimits(), this.#o.now());
    } catch {
      this.#o.logger.warn("codex protocol error", { problem: `unexpected ${method} payload` });
      endNow = new BackendError("upstream", "Codex sent a message this adapter does not understand");
    }
    if (endNow) sink.fail(endNow); // the request's own cleanup then interrupts the turn in Codex
  }

  /** The child went away: every turn fails as crashed. */
  failAll(): void {
    const crashed = new BackendError("crashed", CRASHED_MESSAGE);
    for (const sink of this.#sinks.values()) {
      sink.codexEnded = true; // a paused turn is no longer alive either
      sink.gate.close();
      sink.fail(crashed);
    }
    this.#sinks.clear();
  }

  /**
   * Consumes one segment of a turn: `begin` starts it (turn/start, or answering tool calls),
   * then Codex's events flow until the turn ends or pauses on client tool calls. Unless it
   * paused, the turn is stopped in Codex (if still running) and the thread let go.
   */
  async *#segment(turn: ActiveTurn, signal: AbortSignal, begin: () => Promise<void>): AsyncGenerator<ChatEvent> {
    const { sink } = turn;
    const events = sink.events;
    const onAbort = () => {
      if (sink.paused || sink.events !== events) return; // the paused (or resumed) turn belongs to its new owner now
      this.#interrupt(turn);
      sink.fail(signal.reason as Error);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      signal.throwIfAborted();
      await begin();
      try {
        yield* sink.events;
      } catch (err) {
        // Codex already tried to refresh the login before failing the turn as unauthorized.
        if (err instanceof BackendError && err.kind === "unauthenticated") this.#o.onUnauthorized();
        throw err;
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
      if (!sink.paused) this.#endTurn(turn); // whenever the request ends before Codex ended the turn (abort, early 429, protocol error)
    }
  }

  /** The handle a request gets when its turn pauses on client tool calls. */
  #paused(turn: ActiveTurn, calls: readonly ToolCall[]): PausedTurn {
    const alive = () => turn.sink.paused && !turn.sink.codexEnded && this.#sinks.get(turn.threadId) === turn.sink;
    return {
      callIds: calls.map((c) => c.callId),
      get alive() {
        return alive();
      },
      resume: (results, signal, onPause) => {
        if (!alive()) throw new BackendError("crashed", "the turn waiting for these tool results has ended");
        turn.sink.resume(onPause);
        return this.#segment(turn, signal, () => {
          turn.sink.gate.provide(results);
          return Promise.resolve();
        });
      },
      release: () => this.#endTurn(turn),
    };
  }

  /** Stops the turn in Codex unless Codex already ended it; safe to call more than once. */
  #interrupt(turn: ActiveTurn): void {
    const { sink } = turn;
    if (!sink.turnId || sink.codexEnded || turn.interruptSent) return;
    turn.interruptSent = true;
    // Codex answers once the turn is aborted (about a second under heavy load); silence means a hung child.
    this.#o.local(turn.client.request("turn/interrupt", { threadId: turn.threadId, turnId: sink.turnId }, this.#o.rpcTimeoutMs)).catch(() => undefined);
  }

  /** Lets go of a turn for good: interrupted if still running, its tool requests refused, its thread unsubscribed. */
  #endTurn(turn: ActiveTurn): void {
    if (turn.ended) return;
    turn.ended = true;
    turn.sink.gate.close();
    if (this.#sinks.get(turn.threadId) === turn.sink) this.#sinks.delete(turn.threadId);
    const cleanUp = () => {
      this.#interrupt(turn);
      void turn.client.request("thread/unsubscribe", { threadId: turn.threadId }, this.#o.rpcTimeoutMs).catch(() => undefined);
    };
    if (turn.starting) void turn.starting.then(cleanUp);
    else cleanUp();
  }
}
