import type { Context } from "hono";
import type { AppDeps } from "../app-deps.ts";
import type { ChatEvent } from "../backend/types.ts";
import type { PreparedChat } from "../openai/prepare-chat.ts";
import { startTurn } from "../openai/start-turn.ts";
import type { AppEnv } from "./app-env.ts";
import { firstEvent, type First } from "./event-stream.ts";
import { observeTurn } from "./observe-turn.ts";
import { takeTurnSlot, type TurnSlot } from "./turn-slot.ts";
import type { TurnTarget } from "./turn-target.ts";

/** A turn running under a concurrency slot; every path below frees the slot exactly once. */
export interface SlottedTurn {
  readonly slot: TurnSlot;
  readonly events: AsyncIterable<ChatEvent>;
}

/** Takes a slot, then starts (or resumes) the prepared turn under its signal, observed on the request's trace. */
export async function startSlottedTurn(
  c: Context<AppEnv>,
  deps: Pick<AppDeps, "config" | "limiter" | "readiness" | "backend" | "waitingTurns" | "shutdown">,
  prepared: PreparedChat,
  target: TurnTarget,
): Promise<SlottedTurn> {
  const slot = await takeTurnSlot(c, deps);
  try {
    const events = startTurn(deps.backend, deps.waitingTurns, prepared, { ...target, signal: slot.signal });
    return { slot, events: observeTurn(events, c.get("trace")) };
  } catch (err) {
    slot.finish();
    throw slot.failure(err);
  }
}

/** Drains the turn into one answer (non-streaming); failures become the error to report. */
export async function collectTurn<T>(turn: SlottedTurn, collect: (events: AsyncIterable<ChatEvent>) => Promise<T>): Promise<T> {
  try {
    return await collect(turn.events);
  } catch (err) {
    throw turn.slot.failure(err);
  } finally {
    turn.slot.finish();
  }
}

/** Waits briefly for the first event before a stream opens, so that early failures stay plain HTTP errors. */
export async function openTurnStream(
  turn: SlottedTurn,
  waitMs: number,
): Promise<{ iterator: AsyncIterator<ChatEvent>; first: First<ChatEvent> }> {
  const iterator = turn.events[Symbol.asyncIterator]();
  try {
    return { iterator, first: await firstEvent(iterator, waitMs) };
  } catch (err) {
    turn.slot.finish();
    throw turn.slot.failure(err);
  }
}
