import type { StreamingApi } from "hono/utils/stream";
import type { Clock } from "../core/clock.ts";

/** A `: keep-alive` comment; the Messages API sends its own `ping` event instead. */
export const COMMENT_KEEP_ALIVE = ": keep-alive\n\n";

/** Writes a stream's frames (`data:` frames, or NDJSON lines) and a keep-alive frame whenever nothing was written for a while. */
export class SseWriter {
  readonly #stream: StreamingApi;
  readonly #timer: NodeJS.Timeout;
  readonly #clock: Clock;
  #lastWrite: number;

  constructor(stream: StreamingApi, keepAliveMs: number, keepAliveFrame: string, clock: Clock) {
    this.#stream = stream;
    this.#clock = clock;
    this.#lastWrite = clock.nowMs();
    // Reverse proxies drop idle streams (often at 60 s) and reasoning can be silent for longer.
    this.#timer = setInterval(() => {
      if (this.#clock.nowMs() - this.#lastWrite >= keepAliveMs) void this.#write(keepAliveFrame);
    }, Math.max(250, Math.floor(keepAliveMs / 4)));
  }

  get aborted(): boolean {
    return this.#stream.aborted;
  }

  data(payload: object): Promise<void> {
    return this.#write(`data: ${JSON.stringify(payload)}\n\n`);
  }

  /** A named event (the Responses API names every frame by its `type`). */
  event(name: string, payload: object): Promise<void> {
    return this.#write(`event: ${name}\ndata: ${JSON.stringify(payload)}\n\n`);
  }

  /** One JSON object on its own line (Ollama's NDJSON stream). */
  line(payload: object): Promise<void> {
    return this.#write(`${JSON.stringify(payload)}\n`);
  }

  done(): Promise<void> {
    return this.#write("data: [DONE]\n\n");
  }

  /** Stops the keep-alive timer; the stream itself is closed by its owner. */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #write(text: string): Promise<void> {
    if (this.#stream.aborted || this.#stream.closed) return;
    this.#lastWrite = this.#clock.nowMs();
    await this.#stream.write(text);
  }
}
