import type { ChatEvent } from "./backend/types.ts";
import type { ApiError } from "./errors.ts";

/**
 * One API's answer as a pure translation of a turn's adapter events into that API's stream
 * frames. The stream writes the frames as they come; a non-streaming answer is a fold over
 * the same frames, so each API's answer is built in one place.
 */
export interface StreamTranslator<Frame, ErrorFrame = Frame> {
  /** The frames that open the answer, before any event. */
  start(): Frame[];
  event(e: ChatEvent): Frame[];
  /** The frames that close an answer whose turn ended well. */
  end(): Frame[];
  /** The one frame that reports a failure after the stream opened. */
  error(e: ApiError): ErrorFrame;
}

/** Every frame of a turn, start to end: what a non-streaming answer folds. */
export async function translateAll<Frame>(events: AsyncIterable<ChatEvent> | Iterable<ChatEvent>, translator: StreamTranslator<Frame, unknown>): Promise<Frame[]> {
  const frames = translator.start();
  for await (const event of events) frames.push(...translator.event(event));
  frames.push(...translator.end());
  return frames;
}

/** The same translator, with `onEnd` given the closing frames before anyone writes them. */
export function beforeEnd<Frame, ErrorFrame>(translator: StreamTranslator<Frame, ErrorFrame>, onEnd: (frames: readonly Frame[]) => void): StreamTranslator<Frame, ErrorFrame> {
  return {
    start: () => translator.start(),
    event: (e) => translator.event(e),
    end: () => {
      const frames = translator.end();
      onEnd(frames);
      return frames;
    },
    error: (e) => translator.error(e),
  };
}
