import { conversationKeys } from "../backend/conversation-match.ts";
import { TurnTranscript } from "../backend/turn-transcript.ts";
import type { Backend, ChatEvent, ChatTurnRequest, PausedTurn } from "../backend/types.ts";
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
 * Whether the request continues a paused turn is the backend's conversation match, the same
 * that finds warm threads; a turn that pauses is kept in `waiting` under its transcript's key.
 */
export function startTurn(backend: Backend, waiting: WaitingTurns, prepared: PreparedTurn, options: TurnOptions): AsyncIterable<ChatEvent> {
  const byPosition = prepared.resultsByPosition;
  const pause = new PauseHolder();
  const request: ChatTurnRequest = {
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
    onPause: (turn) => pause.hold(turn),
  };
  const keys = conversationKeys(waiting.keys, request, { byPosition });
  const transcript = new TurnTranscript(waiting.keys, keys.transcript, { byPosition });
  const paused = keys.paused ? waiting.take(keys.paused.key) : undefined;
  let events: AsyncIterable<ChatEvent>;
  if (keys.paused && paused) {
    // Results by position answer the paused turn's calls in the order it made them.
    const results = byPosition ? keys.paused.results.map((r, k) => ({ ...r, callId: paused.callIds[k] ?? r.callId })) : keys.paused.results;
    events = paused.resume(results, options.signal, request.onPause);
  } else {
    events = backend.chat(request);
  }
  return keyedPauses(events, transcript, pause, waiting);
}

/**
 * Holds a paused turn from its pause until its `tool_calls` event is read: only then has the
 * transcript seen the text before the calls (the backend queues events), so its key is complete.
 */
class PauseHolder {
  #turn: PausedTurn | undefined;

  hold(turn: PausedTurn): void {
    this.#turn?.release();
    this.#turn = turn;
  }

  take(): PausedTurn | undefined {
    const turn = this.#turn;
    this.#turn = undefined;
    return turn;
  }
}

/** The events, with a turn that pauses handed to `waiting` before the client sees its calls; one never keyed is released. */
async function* keyedPauses(events: AsyncIterable<ChatEvent>, transcript: TurnTranscript, pause: PauseHolder, waiting: WaitingTurns): AsyncGenerator<ChatEvent> {
  try {
    for await (const event of events) {
      transcript.seen(event);
      const turn = event.type === "tool_calls" ? pause.take() : undefined;
      if (turn) waiting.add(transcript.key, turn);
      yield event;
    }
  } finally {
    pause.take()?.release();
  }
}
