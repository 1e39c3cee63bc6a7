import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { MAX_JSON_DEPTH, MAX_SCHEMA_CHARS, MAX_TOOLS_CHARS, jsonLimitProblem } from "../../src/turn/json-schema-check.ts";
import { MAX_LOG_LINE_CHARS } from "../../src/core/logger.ts";
import { createTestApp, type TestApp } from "../helpers/fake-backend.ts";

// What every API refuses before Codex sees it, and how little of the client's input an error quotes.
// The thresholds measured against Codex 0.171.0 are in docs/api.md (Limits).

const CHAT = "/v1/chat/completions";
const RESPONSES = "/v1/responses";
const MESSAGES = "/v1/messages";
const COUNT = "/v1/messages/count_tokens";

const post = (t: TestApp, route: string, body: string) =>
  t.request(route, { method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" }, body });

/** A JSON value `depth` levels deep (objects and arrays counted, the value itself one), built as text: JSON.stringify overflows first. */
const deep = (depth: number, open: "[" | '{"a":' = '{"a":') => `${open.repeat(depth)}0${(open === "[" ? "]" : "}").repeat(depth)}`;
/** A schema object `depth` levels deep: the object itself, then an unknown key holding the rest. */
const deepSchema = (depth: number) => `{"type":"object","x":${deep(depth - 1)}}`;

const chat = (extra = "") => `{"model":"codex-cli-default","messages":[{"role":"user","content":"hi"}]${extra}}`;
const responses = (extra = "") => `{"model":"codex-cli-default","input":"hi"${extra}}`;
const messages = (extra = "", msgs = '[{"role":"user","content":"hi"}]') => `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":${msgs}${extra}}`;

/** Where a client's JSON value is read: its route, the body holding it, and the `param` a 400 names. */
const SCHEMA_FIELDS: [string, string, (schema: string) => string, RegExp][] = [
  ["chat tools[].function.parameters", CHAT, (s) => chat(`,"tools":[{"type":"function","function":{"name":"f","parameters":${s}}}]`), /tools\[0\]\.function\.parameters/],
  ["chat response_format", CHAT, (s) => chat(`,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${s}}}`), /response_format\.json_schema\.schema/],
  ["responses tools[].parameters", RESPONSES, (s) => responses(`,"tools":[{"type":"function","name":"f","parameters":${s}}]`), /tools\[0\]\.parameters/],
  ["responses text.format", RESPONSES, (s) => responses(`,"text":{"format":{"type":"json_schema","name":"x","schema":${s}}}`), /text\.format\.schema/],
  ["messages tools[].input_schema", MESSAGES, (s) => messages(`,"tools":[{"name":"f","input_schema":${s}}]`), /tools\[0\]\.input_schema/],
  ["count_tokens tools[].input_schema", COUNT, (s) => messages(`,"tools":[{"name":"f","input_schema":${s}}]`), /tools\[0\]\.input_schema/],
  [
    "messages tool_use.input",
    MESSAGES,
    (s) =>
      messages(
        `,"tools":[{"name":"f","input_schema":{"type":"object"}}]`,
        `[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"t1","name":"f","input":${s}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":"ok"}]}]`,
      ),
    /input/,
  ],
];

/** The error's message (OpenAI's or Anthropic's shape). */
async function errorMessage(res: Response): Promise<string> {
  const body = (await res.json()) as { error: { message: string } };
  return body.error.message;
}

describe("JSON nesting and size", () => {
  for (const [what, route, body, param] of SCHEMA_FIELDS) {
    test(`${what}: ${MAX_JSON_DEPTH} levels pass, ${MAX_JSON_DEPTH + 1} and 100,000 are a 400 naming the field`, async () => {
      const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2000000" } });
      assert.equal((await post(t, route, body(deepSchema(MAX_JSON_DEPTH)))).status, 200);
      for (const depth of [MAX_JSON_DEPTH + 1, 100_000]) {
        for (const open of ["[", '{"a":'] as const) {
          const res = await post(t, route, body(`{"type":"object","x":${deep(depth - 1, open)}}`));
          assert.equal(res.status, 400, `${depth} levels`);
          const message = await errorMessage(res);
          assert.match(message, param);
          assert.match(message, new RegExp(`nested more than ${MAX_JSON_DEPTH} levels`));
        }
      }
      assert.ok(!t.logs.some((l) => l.includes("unhandled error")));
    });
  }

  test("Responses echoes `tools`, `tool_choice` and `text` in its answer: an unknown field deep inside them is a 400, not a 500", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2000000" } });
    const x = deep(100_000);
    for (const [extra, param] of [
      [`,"text":{"format":{"type":"text"},"x":${x}}`, /text/],
      [`,"text":{"format":{"type":"text","x":${x}}}`, /text/],
      [`,"tools":[{"type":"function","name":"f","x":${x}}]`, /tools/],
      [`,"tools":[{"type":"web_search","x":${x}}]`, /tools/],
      [`,"tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"f","x":${x}}`, /tool_choice/],
    ] as const) {
      const res = await post(t, RESPONSES, responses(extra));
      assert.equal(res.status, 400, extra.slice(0, 60));
      assert.match(await errorMessage(res), param);
    }
    // Deep unknown fields the adapter neither reads nor echoes still pass.
    assert.equal((await post(t, RESPONSES, responses(`,"x":${x}`))).status, 200);
    assert.equal((await post(t, CHAT, chat(`,"response_format":{"type":"json_object","x":${x}}`))).status, 200);
    assert.ok(!t.logs.some((l) => l.includes("unhandled error")));
  });

  test("a schema nested through `properties` 62 levels (125 as JSON, which hung Codex) is refused on every API", async () => {
    const t = createTestApp();
    const nested = (levels: number): string => (levels ? `{"type":"object","properties":{"a":${nested(levels - 1)}}}` : '{"type":"string"}');
    for (const [, route, body] of SCHEMA_FIELDS.slice(0, 6)) assert.equal((await post(t, route, body(nested(62)))).status, 400, route);
  });

  test(`one schema longer than ${MAX_SCHEMA_CHARS.toLocaleString("en-US")} characters, or all tools longer than ${MAX_TOOLS_CHARS.toLocaleString("en-US")}, is a 400`, async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "10000000" } });
    const big = `{"type":"object","description":"${"x".repeat(MAX_SCHEMA_CHARS)}"}`;
    const fits = `{"type":"object","description":"${"x".repeat(MAX_SCHEMA_CHARS - 100)}"}`;
    for (const [what, route, body] of SCHEMA_FIELDS.slice(0, 6)) {
      assert.equal((await post(t, route, body(fits))).status, 200, what);
      const res = await post(t, route, body(big));
      assert.equal(res.status, 400, what);
      assert.match(await errorMessage(res), /longer than 1,000,000 characters as JSON/);
    }
    const tools = (n: number) => Array.from({ length: n }, (_, i) => `{"type":"function","function":{"name":"f${i}","parameters":${fits}}}`).join(",");
    assert.equal((await post(t, CHAT, chat(`,"tools":[${tools(3)}]`))).status, 200);
    const res = await post(t, CHAT, chat(`,"tools":[${tools(5)}]`));
    assert.equal(res.status, 400);
    assert.match(await errorMessage(res), /tools: is longer than 4,000,000 characters as JSON/);
    const many = Array.from({ length: 5 }, (_, i) => `{"name":"f${i}","input_schema":${fits}}`).join(",");
    assert.equal((await post(t, MESSAGES, messages(`,"tools":[${many}]`))).status, 400);
    const responsesTools = Array.from({ length: 5 }, (_, i) => `{"type":"function","name":"f${i}","parameters":${fits}}`).join(",");
    assert.equal((await post(t, RESPONSES, responses(`,"tools":[${responsesTools}]`))).status, 400);
  });

  test("jsonLimitProblem walks without recursion and counts like JSON.stringify", () => {
    const value = { a: [1, "two", null, true, { b: "c" }], d: {} };
    const length = JSON.stringify(value).length;
    assert.equal(jsonLimitProblem(value, { maxChars: length }), undefined);
    assert.match(jsonLimitProblem(value, { maxChars: length - 1 }) ?? "", /longer than/);
    assert.equal(jsonLimitProblem(value, { maxDepth: 3 }), undefined);
    assert.match(jsonLimitProblem(value, { maxDepth: 2 }) ?? "", /nested more than 2 levels/);
    assert.match(jsonLimitProblem(JSON.parse(deep(1_000_000, "[")), { maxDepth: 100 }) ?? "", /nested/);
  });
});

describe("strings: every one capped, no error quoting more than a short prefix", () => {
  const huge = "x".repeat(5_000_000);

  test("a 5 MB model on every API is a 400 of a few hundred bytes; 256 characters pass", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "6000000" } });
    const bodies = (model: string) => [
      [CHAT, `{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`],
      [RESPONSES, `{"model":"${model}","input":"hi"}`],
      [MESSAGES, `{"model":"${model}","max_tokens":10,"messages":[{"role":"user","content":"hi"}]}`],
      [COUNT, `{"model":"${model}","messages":[{"role":"user","content":"hi"}]}`],
    ];
    for (const [route = "", body = ""] of bodies(huge)) {
      const res = await post(t, route, body);
      assert.equal(res.status, 400, route);
      const text = await res.text();
      assert.ok(text.length < 400, `${route}: ${text.length} bytes`);
      assert.match(text, /model/);
    }
    for (const [route = "", body = ""] of bodies("m".repeat(256))) assert.notEqual((await post(t, route, body)).status, 400, route);
    assert.ok(t.logs.every((l) => l.length <= MAX_LOG_LINE_CHARS));
  });

  test("call ids sent back: over 256 characters a 400 on every API; 256 pass", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "6000000" } });
    const bodies = (id: string) => [
      chat(`,"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null,"tool_calls":[{"id":"${id}","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"${id}","content":"ok"}]`),
      responses(`,"input":[{"role":"user","content":"hi"},{"type":"function_call","call_id":"${id}","name":"f","arguments":"{}"},{"type":"function_call_output","call_id":"${id}","output":"ok"}]`),
      messages("", `[{"role":"user","content":"hi"},{"role":"assistant","content":[{"type":"tool_use","id":"${id}","name":"f","input":{}}]},{"role":"user","content":[{"type":"tool_result","tool_use_id":"${id}","content":"ok"}]}]`),
    ];
    for (const [i, route] of [CHAT, RESPONSES, MESSAGES].entries()) {
      assert.equal((await post(t, route, bodies("c".repeat(256))[i] ?? "")).status, 200, route);
      const res = await post(t, route, bodies("c".repeat(100_000))[i] ?? "");
      assert.equal(res.status, 400, route);
      assert.ok((await res.text()).length < 400);
    }
  });

  test("a search tool with a field out of shape is a 400 in the API's shape, never passed on", async () => {
    const t = createTestApp();
    for (const [route, body] of [
      [MESSAGES, messages(`,"tools":[{"type":"web_search_20250305","name":"web_search","allowed_domains":"example.com"}]`)],
      [MESSAGES, messages(`,"tools":[{"type":"web_search_20250305","name":"web_search","user_location":{"city":"${"x".repeat(1000)}"}}]`)],
      [RESPONSES, responses(`,"tools":[{"type":"web_search","filters":{"allowed_domains":[5]}}]`)],
    ] as const) {
      const res = await post(t, route, body);
      assert.equal(res.status, 400, body.slice(0, 120));
    }
    assert.equal(t.backend.turns.length, 0);
  });

  test("previous_response_id: over 256 characters a 400, an unknown one quoted by its first 64 characters", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "6000000" } });
    const tooLong = await post(t, RESPONSES, responses(`,"previous_response_id":"${huge}"`));
    assert.equal(tooLong.status, 400);
    assert.ok((await tooLong.text()).length < 400);
    const unknown = await post(t, RESPONSES, responses(`,"previous_response_id":"resp_${"y".repeat(250)}"`));
    assert.equal(unknown.status, 400);
    const body = (await unknown.json()) as { error: { message: string; code: string } };
    assert.equal(body.error.code, "previous_response_not_found");
    assert.match(body.error.message, /^Previous response with id 'resp_y{59}…' \(255 characters\) not found/);
  });

  test("metadata follows OpenAI's rules (16 pairs, keys of 64, string values of 512) and no key is quoted back; user at most 256", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "6000000" } });
    const pairs = (n: number) => JSON.stringify(Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, "v"])));
    for (const make of [chat, responses]) {
      assert.equal((await post(t, make === chat ? CHAT : RESPONSES, make(`,"metadata":${pairs(16)},"user":"${"u".repeat(256)}"`))).status, 200);
      for (const bad of [pairs(17), `{"${huge}":"v"}`, `{"k":"${"v".repeat(513)}"}`, '{"k":{"nested":"v"}}', `{"k":${deep(100_000)}}`, '"text"']) {
        const res = await post(t, make === chat ? CHAT : RESPONSES, make(`,"metadata":${bad}`));
        assert.equal(res.status, 400, bad.slice(0, 40));
        const text = await res.text();
        assert.ok(text.length < 400, text.slice(0, 400));
        assert.match(text, /metadata/);
      }
      assert.equal((await post(t, make === chat ? CHAT : RESPONSES, make(`,"user":"${"u".repeat(257)}"`))).status, 400);
      assert.equal((await post(t, make === chat ? CHAT : RESPONSES, make(`,"user":null`))).status, 200);
    }
    assert.equal((await post(t, MESSAGES, messages(`,"metadata":{"user_id":"${"u".repeat(256)}"}`))).status, 200);
    assert.equal((await post(t, MESSAGES, messages(`,"metadata":{"user_id":"${"u".repeat(257)}"}`))).status, 400);
  });

  test("a huge type, name or property name in any field an error names is cut to a short prefix", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "6000000" } });
    const big = "z".repeat(1_000_000);
    const cases: [string, string][] = [
      [CHAT, chat().replace('"content":"hi"', `"content":[{"type":"${big}"}]`)],
      [CHAT, chat(`,"tools":[{"type":"${big}"}]`)],
      [CHAT, chat(`,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"${big}"}}`)],
      [CHAT, chat(`,"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":{"type":"function","function":{"name":"g${"z".repeat(100)}"}}`)],
      [CHAT, chat(`,"tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{"${big}":{"type":"${big}"}}}}}]`)],
      [CHAT, chat(`,"response_format":{"type":"json_schema","json_schema":{"schema":{"type":"object","properties":{"${big}":{"type":"nope"}}}}}`)],
      [CHAT, `{"model":"codex-cli-default","messages":[{"role":"assistant","content":null,"tool_calls":[{"id":"c","function":{"name":"${big}","arguments":"{}"}}]},{"role":"user","content":"hi"}]}`],
      [RESPONSES, `{"model":"codex-cli-default","input":[{"role":"user","content":[{"type":"${big}"}]}]}`],
      [RESPONSES, responses(`,"tools":[{"type":"${big}"}]`)],
      [RESPONSES, `{"model":"codex-cli-default","input":[{"type":"function_call","call_id":"c","name":"${big}","arguments":"{}"},{"role":"user","content":"hi"}]}`],
      [RESPONSES, responses(`,"tools":[{"type":"function","name":"f"}],"tool_choice":{"type":"function","name":"${big}"}`)],
      [MESSAGES, messages("", `[{"role":"user","content":[{"type":"${big}"}]}]`)],
      [MESSAGES, messages("", `[{"role":"user","content":[{"type":"image","source":{"type":"${big}"}}]}]`)],
      [MESSAGES, messages("", `[{"role":"user","content":[{"type":"image","source":{"type":"url${"z".repeat(60)}"}}]}]`)],
      [MESSAGES, messages(`,"tools":[{"type":"${big}","name":"n"}]`)],
      [MESSAGES, messages(`,"tools":[${Array.from({ length: 1000 }, (_, i) => `{"type":"bash_20250124","name":"bash${i}${"z".repeat(100)}"}`).join(",")}]`)],
      [MESSAGES, messages(`,"tools":[{"name":"f","input_schema":{"type":"object"}}],"tool_choice":{"type":"tool","name":"${big}"}`)],
      [MESSAGES, messages("", `[{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"${big}","input":{}}]},{"role":"user","content":"hi"}]`)],
    ];
    for (const [route, body] of cases) {
      const res = await post(t, route, body);
      assert.equal(res.status, 400, `${route} ${body.slice(0, 120)}`);
      const text = await res.text();
      assert.ok(text.length < 600, `${route}: a ${text.length}-byte answer: ${text.slice(0, 300)}`);
    }
    assert.ok(t.logs.every((l) => l.length <= MAX_LOG_LINE_CHARS));
    assert.ok(!t.logs.some((l) => l.includes("unhandled error")));
  });
});
