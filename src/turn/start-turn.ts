import type { Backend, ChatEvent, PausedTurn } from "../backend/types.ts";
import type { ReasoningSummary } from "../config.ts";
import type { PreparedTurn } from "./prepare-turn.ts";
import type { WaitingTurns } from "./waiting-turns.ts";

export interface TurnOptions {
  readonly model: string | undefined;
  readonly reasoningEffort: string | undefined;
  readonly reasoningSummary: ReasoningSummary;
  readonly signal: AbortSignal;
}

/**
 * Continues the turn that waits for this request's tool results when there is one (the
 * model's context stays warm); otherwise starts a turn with the whole conversation replayed.
 * A turn that pauses on tool calls is kept in `waiting` for the client's next request.
 */
export function startTurn(backend: Backend, waiting: WaitingTurns, prepared: PreparedTurn, options: TurnOptions): AsyncIterable<ChatEvent> {
  const onPause = (turn: PausedTurn) => waiting.add(prepared.pauseKey(turn.callIds), turn);
  const { continuation } = prepared;
  const paused = continuation ? waiting.take(continuation.key) : undefined;
  if (continuation && paused) {
    // Results by position answer the paused turn's calls in the order it made them.
    const results = prepared.resultsByPosition ? continuation.results.map((r, k) => ({ ...r, callId: paused.callIds[k] ?? r.callId })) : continuation.results;
    return paused.resume(results, options.signal, onPause);
  }
  return backend.chat({
    model: options.model,
    reasoningEffort: options.reasoningEffort,
    reasoningSummary: options.reasoningSummary,
    signal: options.signal,
    instructions: prepared.instructions,
    history: prepared.history,
    input: prepared.input,
    inputImages: prepared.inputImages,
    tools: prepared.tools,
    outputSchema: prepared.outputSchema,
    webSearch: prepared.webSearch,
    onPause,
  });
}
