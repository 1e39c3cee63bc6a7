import type { Context } from "hono";
import type { AppDeps } from "../app-deps.ts";
import type { Clock } from "../core/clock.ts";
import type { ChatEvent } from "../backend/types.ts";
import type { ApiError } from "../errors.ts";
import type { PreparedTurn } from "../turn/prepare-turn.ts";
import { startTurn } from "../turn/start-turn.ts";
import { translateAll, type StreamTranslator } from "../stream-translator.ts";
import type { AppEnv } from "./app-env.ts";
import { eventStream, firstEvent, type First } from "./event-stream.ts";
import type { FrameWire } from "./frame-wire.ts";
import { observeTurn } from "./observe-turn.ts";
import type { SseWriter } from "./sse-writer.ts";
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
  prepared: PreparedTurn,
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

/** One API's answer to a turn: its translator, how its frames are written, and their fold into the non-streaming body. */
export interface TurnAnswer<Frame, ErrorFrame, Body> {
  readonly translator: StreamTranslator<Frame, ErrorFrame>;
  readonly wire: FrameWire<Frame | ErrorFrame>;
  readonly fold: (frames: readonly Frame[]) => Body;
}

/** The answer as a stream of the translator's frames, or as the fold of all of them. */
export async function answerTurn<Frame, ErrorFrame, Body extends object>(
  c: Context<AppEnv>,
  turn: SlottedTurn,
  answer: TurnAnswer<Frame, ErrorFrame, Body>,
  options: { readonly stream: boolean; readonly keepAliveMs: number; readonly clock: Clock },
): Promise<Response> {
  if (options.stream) return streamTurn(c, turn, answer.translator, answer.wire, options);
  return c.json(answer.fold(await translateTurn(turn, answer.translator)));
}

/** Drains the turn through the translator into all its frames; failures become the error to report. */
async function translateTurn<Frame>(turn: SlottedTurn, translator: StreamTranslator<Frame, unknown>): Promise<Frame[]> {
  try {
    return await translateAll(turn.events, translator);
  } catch (err) {
    throw turn.slot.failure(err);
  } finally {
    turn.slot.finish();
  }
}

/**
 * Streams the turn's frames as the translator makes them, written by the API's wire. The
 * first event is awaited briefly before the stream opens, so that early failures stay plain
 * HTTP errors; a failure after that is the translator's one error frame.
 */
async function streamTurn<Frame, ErrorFrame>(
  c: Context<AppEnv>,
  turn: SlottedTurn,
  translator: StreamTranslator<Frame, ErrorFrame>,
  wire: FrameWire<Frame | ErrorFrame>,
  { keepAliveMs, clock }: { readonly keepAliveMs: number; readonly clock: Clock },
): Promise<Response> {
  const { iterator, first } = await openTurnStream(turn, keepAliveMs);
  const writeAll = async (sse: SseWriter, frames: readonly Frame[]) => {
    for (const frame of frames) await wire.write(sse, frame);
  };
  const write = async (sse: SseWriter) => {
    await writeAll(sse, translator.start());
    let result = first.kind === "event" ? first.result : await first.next;
    for (; !result.done; result = await iterator.next()) await writeAll(sse, translator.event(result.value));
    await writeAll(sse, translator.end());
    await wire.close(sse);
  };
  const writeError = (sse: SseWriter, error: ApiError) => wire.write(sse, translator.error(error));
  return eventStream(c, turn.slot, { ms: keepAliveMs, frame: wire.keepAlive, clock }, write, writeError, wire.contentType);
}

/** Waits briefly for the first event before a stream opens; a failure by then frees the slot and is the error to report. */
async function openTurnStream(turn: SlottedTurn, waitMs: number): Promise<{ iterator: AsyncIterator<ChatEvent>; first: First<ChatEvent> }> {
  const iterator = turn.events[Symbol.asyncIterator]();
  try {
    return { iterator, first: await firstEvent(iterator, waitMs) };
  } catch (err) {
    turn.slot.finish();
    throw turn.slot.failure(err);
  }
}
