import assert from "node:assert/strict";
import { test } from "node:test";
import { turnItems } from "../../src/backend/history-items.ts";

test("a last message too long for turn/start goes in with the history, and the turn starts from it", () => {
  const history = [{ type: "assistant", text: "Earlier." }] as const;
  const short = turnItems({ instructions: undefined, history, input: "x".repeat(1_048_576), inputImages: [] });
  assert.equal(short.items.length, 1);
  assert.deepEqual(short.input, [{ type: "text", text: "x".repeat(1_048_576), text_elements: [] }]);

  const long = turnItems({ instructions: "Be brief.", history, input: "y".repeat(1_048_577), inputImages: ["data:image/png;base64,AAAA"] });
  assert.deepEqual(long.input, []);
  assert.deepEqual(long.items.at(-1), {
    type: "message",
    role: "user",
    content: [{ type: "input_text", text: "y".repeat(1_048_577) }, { type: "input_image", image_url: "data:image/png;base64,AAAA" }],
  });
  assert.equal(long.items.length, 3); // instructions, the earlier answer, the long message
});
