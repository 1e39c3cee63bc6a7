import { BackendError } from "./backend-error.ts";
import type { TurnMethod } from "./codex-messages.ts";
import { CRASHED_MESSAGE } from "./rpc-call.ts";
import { streamNotification } from "./turn-notifications.ts";
import { finish, still, type CodexTurn, type TurnContext, type TurnEffect, type TurnInput, type TurnState, type TurnStep } from "./turn-state.ts";

/** The turn's pure reducer: the next state and the effects its owner (active-turn.ts) carries out. */
export function reduceTurn(state: TurnState, input: TurnInput, context: TurnContext): TurnStep {
  const { codex, consumer } = state;
  switch (input.kind) {
    case "notification":
      if (consumer.phase === "streaming") return streamNotification(state, consumer.segment, input.notification, context);
      return unconsumed(state, input.notification.method);
    case "malformed": {
      if (consumer.phase !== "streaming") return unconsumed(state, input.method);
      const error = new BackendError("upstream", "Codex sent a message this adapter does not understand");
      return { state: finish(state), effects: [{ type: "warn", problem: `unexpected ${input.method} payload` }, { type: "fail", error }] };
    }
    case "startSent":
      return still(codex.phase === "unstarted" ? withCodex(state, { phase: "starting" }) : state);
    case "started":
    case "startFailed": {
      if (codex.phase !== "starting") return still(state);
      const next = withCodex(state, input.kind === "started" ? { phase: "running", turnId: input.turnId } : { phase: "ended" });
      // Let go while turn/start was unanswered: the clean-up waited for the turn's id.
      return consumer.phase === "released" && !consumer.kept ? cleanUp(next) : still(next);
    }
    case "aborted": {
      // A paused (or later) segment belongs to its next request now.
      if (consumer.phase === "released" || consumer.phase === "paused" || consumer.segment !== input.segment) return still(state);
      const interrupted = interrupt(state);
      if (consumer.phase === "finished") return interrupted;
      return { state: finish(interrupted.state), effects: [...interrupted.effects, { type: "fail", error: input.reason }] };
    }
    case "resumed":
      if (consumer.phase !== "paused" || codex.phase === "ended") return still(state);
      return still({ ...state, consumer: { phase: "streaming", segment: consumer.segment + 1 } });
    case "childExited": {
      const ended = withCodex(state, { phase: "ended" });
      const closeGate: TurnEffect = { type: "closeGate" };
      if (consumer.phase !== "streaming") return { state: ended, effects: [closeGate] };
      return { state: finish(ended), effects: [closeGate, { type: "fail", error: new BackendError("crashed", CRASHED_MESSAGE) }] };
    }
    case "released": {
      if (consumer.phase === "released") return still(state);
      const released: TurnState = { ...state, consumer: { phase: "released", kept: input.kept } };
      const closeGate: TurnEffect = { type: "closeGate" };
      // Kept warm, nothing is stopped; while turn/start is unanswered, the clean-up waits for its answer.
      if (input.kept || codex.phase === "starting") return { state: released, effects: [closeGate] };
      const cleaned = cleanUp(released);
      return { state: cleaned.state, effects: [closeGate, ...cleaned.effects] };
    }
  }
}

/** Nobody consumes a paused or finished turn's events; only a paused turn's end matters (it can no longer be resumed). */
function unconsumed(state: TurnState, method: TurnMethod): TurnStep {
  return still(state.consumer.phase === "paused" && method === "turn/completed" ? withCodex(state, { phase: "ended" }) : state);
}

function withCodex(state: TurnState, codex: CodexTurn): TurnState {
  return { ...state, codex };
}

/** Stops the turn in Codex unless Codex already ended it (or was already asked to). */
function interrupt(state: TurnState): TurnStep {
  const { codex } = state;
  if (codex.phase !== "running") return still(state);
  return { state: withCodex(state, { phase: "interrupting", turnId: codex.turnId }), effects: [{ type: "interrupt", turnId: codex.turnId }] };
}

/** A turn let go without being kept: stopped if still running, and its thread unsubscribed. */
function cleanUp(state: TurnState): TurnStep {
  const interrupted = interrupt(state);
  return { state: interrupted.state, effects: [...interrupted.effects, { type: "unsubscribe" }] };
}
