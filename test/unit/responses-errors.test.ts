import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestApp } from "../helpers/fake-backend.ts";

interface ErrorJson {
  error: { message: string; param: string | null; code: string | null };
}

test("/v1/responses refusals name the Responses fields the client sent, not chat completions' ones", async () => {
  const t = createTestApp({ env: { MAX_MESSAGES: "3", MAX_TOTAL_TEXT_CHARS: "100" } });
  const cases: [object, string, string | null][] = [
    [{ input: ["a", "b", "c", "d"].map((content) => ({ role: "user", content })) }, "input", "too_many_messages"],
    [{ instructions: "be brief", input: "x".repeat(101) }, "input", "text_too_long"],
    [{ input: [{ role: "user", content: [{ type: "input_file", file_id: "f" }] }] }, "input[0].content[0]", "unsupported_content"],
    [{ input: "hi", text: { format: { type: "json_schema", name: "s", schema: { type: 3 } } } }, "text.format.schema", "invalid_json_schema"],
    [{ input: "hi", tools: [{ type: "code_interpreter" }] }, "tools[0]", null],
  ];
  for (const [body, param, code] of cases) {
    const res = await t.request("/v1/responses", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    const err = (await res.json()) as ErrorJson;
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual([err.error.param, err.error.code], [param, code], err.error.message);
    assert.doesNotMatch(err.error.message, /response_format|messages\[/);
  }
  assert.equal(t.backend.turns.length, 0);
});
