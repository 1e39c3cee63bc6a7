import assert from "node:assert/strict";
import { afterEach, mock, test } from "node:test";
import type { StreamingApi } from "hono/utils/stream";
import { COMMENT_KEEP_ALIVE, SseWriter } from "../../src/http/sse-writer.ts";
import { TestClock } from "../helpers/test-clock.ts";

/** The part of hono's stream the writer uses, recording what was written. */
function recordingStream(written: string[]): StreamingApi {
  const stream = { aborted: false, closed: false, write: (text: string) => (written.push(text), Promise.resolve(stream)) };
  return stream as unknown as StreamingApi;
}

afterEach(() => mock.timers.reset());

test("a keep-alive goes out once nothing was written for the keep-alive time, and a write postpones it", () => {
  mock.timers.enable({ apis: ["setInterval"] });
  const clock = new TestClock();
  const written: string[] = [];
  const sse = new SseWriter(recordingStream(written), 1000, COMMENT_KEEP_ALIVE, clock);
  // The writer looks every 250 ms (a quarter of the keep-alive time): move the clock and the timers together.
  const pass = (ms: number) => {
    for (let t = 0; t < ms; t += 250) {
      clock.advance(250);
      mock.timers.tick(250);
    }
  };
  pass(750);
  void sse.data({ n: 1 });
  pass(750);
  assert.deepEqual(written, ['data: {"n":1}\n\n'], "750 ms of silence is not yet a keep-alive");
  pass(250);
  assert.deepEqual(written, ['data: {"n":1}\n\n', COMMENT_KEEP_ALIVE]);
  sse.stop();
  pass(5000);
  assert.equal(written.length, 2, "none after stop()");
});
