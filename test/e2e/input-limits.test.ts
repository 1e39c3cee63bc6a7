import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { MAX_JSON_DEPTH } from "../../src/turn/json-schema-check.ts";
import { authHeaders, startE2E, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

// The schema depth cap against the real pinned binary: Codex 0.171.0 leaves a JSON-RPC message nested
// more than 127 levels unanswered (a function's schema past 123 levels, an output schema past 125).
// The deepest schema the adapter accepts is answered on every API; one level more, and the schema nested
// through `properties` that hung Codex, are a 400 at once, and Codex is never restarted.

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
});
after(() => e2e.close());

/** A schema `depth` levels deep (objects counted, the schema itself one), nested under a key Codex passes on. */
const deepSchema = (depth: number) => `{"type":"object","x":${'{"a":'.repeat(depth - 2)}{}${"}".repeat(depth - 2)}}`;
/** 62 schemas nested through `properties`: 125 levels as JSON, which passed the old check and hung Codex. */
const propertiesSchema = `${'{"type":"object","properties":{"a":'.repeat(62)}{"type":"string"}${"}}".repeat(62)}`;

const chat = (extra: string) => `{"model":"codex-cli-default","messages":[{"role":"user","content":"hi"}]${extra}}`;
const responses = (extra: string) => `{"model":"codex-cli-default","input":"hi"${extra}}`;
const messages = (extra: string) => `{"model":"codex-cli-default","max_tokens":100,"messages":[{"role":"user","content":"hi"}]${extra}}`;
const FIELDS: [string, (schema: string) => string][] = [
  ["/v1/chat/completions", (s) => chat(`,"tools":[{"type":"function","function":{"name":"f","parameters":${s}}}]`)],
  ["/v1/chat/completions", (s) => chat(`,"response_format":{"type":"json_schema","json_schema":{"name":"x","schema":${s}}}`)],
  ["/v1/responses", (s) => responses(`,"tools":[{"type":"function","name":"f","parameters":${s}}]`)],
  ["/v1/responses", (s) => responses(`,"text":{"format":{"type":"json_schema","name":"x","schema":${s}}}`)],
  ["/v1/messages", (s) => messages(`,"tools":[{"name":"f","input_schema":${s}}]`)],
];

const post = (route: string, body: string) => fetch(`${e2e.service.url}${route}`, { method: "POST", headers: authHeaders({ "anthropic-version": "2023-06-01" }), body });

test(`a schema ${MAX_JSON_DEPTH} levels deep is answered by Codex on every API; ${MAX_JSON_DEPTH + 1}, or 62 levels of properties, is a 400 at once`, async () => {
  const restarts = e2e.service.backend.runtime().restarts;
  e2e.upstream.behave({ deltas: ['{"ok":true}'] });
  for (const [route, body] of FIELDS) {
    const res = await post(route, body(deepSchema(MAX_JSON_DEPTH)));
    assert.equal(res.status, 200, `${route}: ${await res.clone().text()}`);
    assert.match(await res.text(), /ok/);
    for (const refused of [deepSchema(MAX_JSON_DEPTH + 1), propertiesSchema]) {
      const started = Date.now();
      const res = await post(route, body(refused));
      assert.equal(res.status, 400, route);
      assert.ok(Date.now() - started < 2000, "refused before Codex is asked");
    }
  }
  assert.equal(e2e.service.backend.runtime().restarts, restarts, "Codex was never restarted");
});
