import assert from "node:assert/strict";

/** Reads a streamed response body step by step, for tests that act mid-stream. */
export class StreamReader {
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly #decoder = new TextDecoder();
  text = "";

  constructor(res: Response) {
    assert.ok(res.body, "the response has a body");
    this.#reader = (res.body as ReadableStream<Uint8Array>).getReader();
  }

  /** Reads until the text received so far contains `marker`. */
  async until(marker: string): Promise<void> {
    while (!this.text.includes(marker)) {
      const { value, done } = await this.#reader.read();
      assert.ok(!done, `the stream ended before ${marker}; its last frames: ${this.text.slice(-600)}`);
      this.text += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Reads to the end of the stream and returns everything received. */
  async rest(): Promise<string> {
    for (;;) {
      const { value, done } = await this.#reader.read();
      if (done) return this.text;
      this.text += this.#decoder.decode(value, { stream: true });
    }
  }
}
