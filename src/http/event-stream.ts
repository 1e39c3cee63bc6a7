import { stream } from "hono/streaming";
import type { Context } from "hono";
import { ApiError } from "../errors.ts";
import type { Clock } from "../core/clock.ts";
import type { AppEnv } from "./app-env.ts";
import type { TurnSlot } from "./turn-slot.ts";
import { SseWriter } from "./sse-writer.ts";

/** How long a stream whose turn was aborted may take to deliver its last frames. */
const STALLED_STREAM_GRACE_MS = 5000;

/** What a quiet stream sends, how often, timed by which clock. */
export interface KeepAlive {
  readonly ms: number;
  readonly frame: string;
  readonly clock: Clock;
}

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
 * A stream response (`contentType`: SSE, or Ollama's NDJSON): `write` produces the frames; when it throws, the failure is reported once
 * through `writeError` (in the API's own error frame) and noted on the trace, or the request
 * counts as 499 when the client left. The slot is finished and the trace ended when the
 * stream ends, whatever the outcome; a client that stops reading is dropped once the turn was
 * aborted and the grace ran out, so it cannot hold a slot.
 */
export function eventStream(
  c: Context<AppEnv>,
  slot: TurnSlot,
  keepAlive: KeepAlive,
  write: (sse: SseWriter) => Promise<void>,
  writeError: (sse: SseWriter, error: ApiError) => Promise<void>,
  contentType: string,
): Response {
  const trace = c.get("trace");
  trace.defer();
  c.header("Content-Type", contentType);
  c.header("Cache-Control", "no-cache");
  c.header("X-Accel-Buffering", "no");
  return stream(c, async (s) => {
    const sse = new SseWriter(s, keepAlive.ms, keepAlive.frame, keepAlive.clock);
    s.onAbort(slot.onClientGone);
    let stalled: NodeJS.Timeout | undefined;
    const dropIfStalled = () => (stalled = setTimeout(() => s.abort(), STALLED_STREAM_GRACE_MS));
    slot.signal.addEventListener("abort", dropIfStalled, { once: true });
    let status = 200;
    try {
      await write(sse);
    } catch (err) {
      const error = slot.failure(err);
      if (error instanceof ApiError) {
        trace.note({ code: error.code ?? error.type });
        if (!sse.aborted) await writeError(sse, error);
      } else {
        status = 499; // the client went away mid-stream
      }
    } finally {
      clearTimeout(stalled);
      slot.signal.removeEventListener("abort", dropIfStalled);
      sse.stop();
      slot.finish();
      trace.end(status);
    }
  });
}
