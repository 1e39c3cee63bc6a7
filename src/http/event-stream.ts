import { stream } from "hono/streaming";
import type { Context } from "hono";
import type { AppEnv } from "./app-env.ts";
import type { TurnSlot } from "./turn-slot.ts";
import { SseWriter } from "./sse-writer.ts";

/** How long a stream whose turn was aborted may take to deliver its last frames. */
const STALLED_STREAM_GRACE_MS = 5000;

export type First<T> = { kind: "event"; result: IteratorResult<T> } | { kind: "pending"; next: Promise<IteratorResult<T>> };

/**
 * Waits briefly for the first event so that early failures are plain HTTP errors; a turn
 * that is still thinking after `waitMs` gets its stream opened anyway (keep-alives flow).
 */
export async function firstEvent<T>(iterator: AsyncIterator<T>, waitMs: number): Promise<First<T>> {
  const next = iterator.next();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"timeout">((resolve) => (timer = setTimeout(() => resolve("timeout"), waitMs)));
  try {
    const winner = await Promise.race([next, timeout]);
    return winner === "timeout" ? { kind: "pending", next } : { kind: "event", result: winner };
  } finally {
    clearTimeout(timer);
  }
}

/**
 * An SSE response whose `write` callback produces the frames and returns the status the
 * request counts as (200, or 499 for a client that left). The slot is finished and the
 * request's trace ended when the stream ends, whatever the outcome; a client that stops
 * reading is dropped once the turn was aborted and the grace ran out, so it cannot hold a slot.
 */
export function eventStream(c: Context<AppEnv>, slot: TurnSlot, keepAliveMs: number, write: (sse: SseWriter) => Promise<number>): Response {
  const trace = c.get("trace");
  trace.defer();
  c.header("Content-Type", "text/event-stream; charset=utf-8");
  c.header("Cache-Control", "no-cache");
  c.header("X-Accel-Buffering", "no");
  return stream(c, async (s) => {
    const sse = new SseWriter(s, keepAliveMs);
    s.onAbort(slot.onClientGone);
    let stalled: NodeJS.Timeout | undefined;
    const dropIfStalled = () => (stalled = setTimeout(() => s.abort(), STALLED_STREAM_GRACE_MS));
    slot.signal.addEventListener("abort", dropIfStalled, { once: true });
    let status = 500;
    try {
      status = await write(sse);
    } finally {
      clearTimeout(stalled);
      slot.signal.removeEventListener("abort", dropIfStalled);
      sse.stop();
      slot.finish();
      trace.end(status);
    }
  });
}
