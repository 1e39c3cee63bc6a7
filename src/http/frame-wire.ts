import { COMMENT_KEEP_ALIVE, type SseWriter } from "./sse-writer.ts";

/** How one API's frames go on the wire. */
export interface FrameWire<Frame> {
  write(sse: SseWriter, frame: Frame): Promise<void>;
  /** Written after the last frame of an answer that ended well (not after an error frame). */
  close(sse: SseWriter): Promise<void>;
  /** Written whenever the stream was quiet for the keep-alive interval. */
  readonly keepAlive: string;
  readonly contentType: string;
}

const EVENT_STREAM = "text/event-stream; charset=utf-8";

/** Chat completions: `data:` frames only, closed by `data: [DONE]`. */
export const DATA_FRAMES: FrameWire<object> = {
  write: (sse, frame) => sse.data(frame),
  close: (sse) => sse.done(),
  keepAlive: COMMENT_KEEP_ALIVE,
  contentType: EVENT_STREAM,
};

/** The Responses API: every frame named by its `type` (`event: <type>` then `data:`). */
export const NAMED_FRAMES: FrameWire<{ readonly type: string }> = {
  write: (sse, frame) => sse.event(frame.type, frame),
  close: () => Promise.resolve(),
  keepAlive: COMMENT_KEEP_ALIVE,
  contentType: EVENT_STREAM,
};

/** The Messages API: named frames, and `ping` events to keep alive (its clients expect those, not SSE comments). */
export const MESSAGES_FRAMES: FrameWire<{ readonly type: string }> = {
  ...NAMED_FRAMES,
  keepAlive: `event: ping\ndata: ${JSON.stringify({ type: "ping" })}\n\n`,
};

/**
 * Ollama's API: one JSON object per line (NDJSON). Its clients parse every line, so the
 * keep-alive is an object of the answer's own shape with nothing in it, not a blank line.
 */
export function ndjsonFrames(keepAlive: object): FrameWire<object> {
  return {
    write: (sse, frame) => sse.line(frame),
    close: () => Promise.resolve(),
    keepAlive: `${JSON.stringify(keepAlive)}\n`,
    contentType: "application/x-ndjson",
  };
}
