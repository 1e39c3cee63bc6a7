import { COMMENT_KEEP_ALIVE, type SseWriter } from "./sse-writer.ts";

/** How one API's frames go on the wire. */
export interface FrameWire<Frame> {
  write(sse: SseWriter, frame: Frame): Promise<void>;
  /** Written after the last frame of an answer that ended well (not after an error frame). */
  close(sse: SseWriter): Promise<void>;
  /** Written whenever the stream was quiet for the keep-alive interval. */
  readonly keepAlive: string;
}

/** Chat completions: `data:` frames only, closed by `data: [DONE]`. */
export const DATA_FRAMES: FrameWire<object> = {
  write: (sse, frame) => sse.data(frame),
  close: (sse) => sse.done(),
  keepAlive: COMMENT_KEEP_ALIVE,
};

/** The Responses API: every frame named by its `type` (`event: <type>` then `data:`). */
export const NAMED_FRAMES: FrameWire<{ readonly type: string }> = {
  write: (sse, frame) => sse.event(frame.type, frame),
  close: () => Promise.resolve(),
  keepAlive: COMMENT_KEEP_ALIVE,
};

/** The Messages API: named frames, and `ping` events to keep alive (its clients expect those, not SSE comments). */
export const MESSAGES_FRAMES: FrameWire<{ readonly type: string }> = {
  ...NAMED_FRAMES,
  keepAlive: `event: ping\ndata: ${JSON.stringify({ type: "ping" })}\n\n`,
};
