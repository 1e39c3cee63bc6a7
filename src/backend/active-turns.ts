import { unlessAborted } from "../core/unless-aborted.ts";
import { ActiveTurn, type StartedThread, type TurnServices } from "./active-turn.ts";
import { turnStartResult } from "./app-server-protocol.ts";
import type { DynamicToolCall, TurnMessage } from "./codex-messages.ts";
import type { ThreadKeeper } from "./continuity.ts";
import { turnItems } from "./history-items.ts";
import { parseResult } from "./rpc-call.ts";
import type { DynamicToolAnswer } from "./tool-call-gate.ts";
import type { ChatEvent, ChatTurnRequest } from "./types.ts";

/**
 * The turns running on the app-server child, by thread: each is started on its thread, and
 * the notifications and tool calls Codex sends for a thread go to its turn (active-turn.ts).
 */
export class ActiveTurns {
  readonly #o: TurnServices;
  readonly #turns = new Map<string, ActiveTurn>();

  constructor(options: TurnServices) {
    this.#o = options;
  }

  get size(): number {
    return this.#turns.size;
  }

  /** Starts the request's turn on its thread (history injected first) and yields its first segment. */
  async *run(thread: StartedThread, request: ChatTurnRequest, keeper: ThreadKeeper<StartedThread>): AsyncGenerator<ChatEvent> {
    const { client, threadId } = thread;
    const { signal } = request;
    const turn: ActiveTurn = new ActiveTurn({
      ...this.#o,
      thread,
      keeper,
      config: {
        toolNames: new Set(request.tools.map((t) => t.name)),
        replayedCallIds: new Set(request.history.flatMap((h) => (h.type === "tool_call" ? [h.callId] : []))),
        usedBefore: keeper.usedTokens,
      },
      onPause: request.onPause,
      forget: () => {
        if (this.#turns.get(threadId) === turn) this.#turns.delete(threadId);
      },
    });
    this.#turns.set(threadId, turn);
    yield* turn.consume(signal, async () => {
      const { items, input } = turnItems(request);
      if (items.length) {
        await unlessAborted(this.#o.local(client.request("thread/inject_items", { threadId, items }, this.#o.rpcTimeoutMs)), signal);
      }
      signal.throwIfAborted();
      turn.apply({ kind: "startSent" });
      const params = {
        threadId,
        input,
        ...(request.model ? { model: request.model } : {}),
        ...(request.reasoningEffort ? { effort: request.reasoningEffort } : {}),
        // Codex keeps a turn's summary setting for the thread's later turns: always said, `none` too.
        summary: request.reasoningSummary,
        ...(request.outputSchema ? { outputSchema: request.outputSchema } : {}),
      };
      const turnStart = this.#o.local(client.request("turn/start", params, this.#o.rpcTimeoutMs).then((r) => parseResult(turnStartResult, r)));
      // Known before the wait below ends, so that a request aborted meanwhile still interrupts the turn.
      void turnStart.then(
        (started) => turn.apply({ kind: "started", turnId: started.turn.id }),
        () => turn.apply({ kind: "startFailed" }),
      );
      // A hung Codex must not hold the request past its timeout: the abort ends the wait.
      await unlessAborted(turnStart, signal);
    });
  }

  /** Codex's `item/tool/call`: answered with the client's result, never by running anything. */
  onToolCall(call: DynamicToolCall): Promise<DynamicToolAnswer> {
    const turn = this.#turns.get(call.threadId);
    if (!turn) return Promise.reject(new Error("item/tool/call for no waiting turn"));
    return turn.toolCall(call.callId);
  }

  /** A notification about a thread, for its turn if one is active. */
  onTurnMessage(threadId: string, message: TurnMessage): void {
    this.#turns.get(threadId)?.apply(message);
  }

  /** The child went away: every turn fails as crashed. */
  failAll(): void {
    for (const turn of this.#turns.values()) turn.apply({ kind: "childExited" });
    this.#turns.clear();
  }
}
