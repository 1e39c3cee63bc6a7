import assert from "node:assert/strict";
import { test } from "node:test";
import { parseSse } from "../helpers/sse.ts";

test("parseSse returns data payloads and comments in order, joining multi-line data", () => {
  const text = ': keep-alive\n\ndata: {"a":1}\n\ndata:no-space\r\n\r\nevent: x\ndata: line1\ndata: line2\nid: 3\n\n: second\n\ndata: [DONE]\n\n';
  assert.deepEqual(parseSse(text), {
    data: ['{"a":1}', "no-space", "line1\nline2", "[DONE]"],
    comments: ["keep-alive", "second"],
  });
});

test("parseSse of an empty or comment-free body", () => {
  assert.deepEqual(parseSse(""), { data: [], comments: [] });
  assert.deepEqual(parseSse("data: x"), { data: ["x"], comments: [] });
});
