import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E({ env: { MAX_REQUEST_BODY_BYTES: "2000000" } });
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

const lastUpstream = () => e2e.upstream.modelCalls.at(-1);
// A 1x1 PNG.
const PNG = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

test("response_format json_schema reaches the model service as the strict text.format schema", async () => {
  const schema = { type: "object", properties: { city: { type: "string" }, temp: { type: "number" } }, required: ["city", "temp"], additionalProperties: false };
  e2e.upstream.behave({ deltas: ['{"city":"Paris",', '"temp":22}'] });
  const res = await client.chat.completions.create({
    model: "codex-cli-default",
    messages: [{ role: "user", content: "Weather as JSON" }],
    response_format: { type: "json_schema", json_schema: { name: "weather", schema, strict: true } },
  });
  assert.deepEqual(JSON.parse(res.choices[0]?.message.content ?? ""), { city: "Paris", temp: 22 });
  const format = lastUpstream()?.body.text?.format;
  assert.equal(format?.type, "json_schema");
  assert.equal(format?.strict, true);
  assert.deepEqual(format?.schema, schema);
});

test("an invalid schema is a clear 400 and never reaches Codex", async () => {
  const before = e2e.upstream.requests.length;
  const err = await client.chat.completions
    .create({
      model: "codex-cli-default",
      messages: [{ role: "user", content: "x" }],
      response_format: { type: "json_schema", json_schema: { name: "bad", schema: { type: "object", properties: { a: { type: "strnig" } } } } },
    })
    .catch((e: unknown) => e);
  assert.ok(err instanceof OpenAI.BadRequestError);
  assert.match(err.message, /properties\.a\.type/);
  assert.equal(e2e.upstream.requests.length, before);
});

test("an inline image reaches the model service as an input_image; a remote URL is a clear 400", async () => {
  const models = await e2e.service.backend.listModels();
  const vision = models.find((m) => m.inputModalities.includes("image"));
  assert.ok(vision, "the pinned catalog has a model that reads images");
  e2e.upstream.behave({ deltas: ["A single pixel."] });
  const res = await client.chat.completions.create({
    model: vision.id,
    messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, { type: "image_url", image_url: { url: PNG } }] }],
  });
  assert.equal(res.choices[0]?.message.content, "A single pixel.");
  const user = (lastUpstream()?.body.input ?? []).filter((i) => i.role === "user").at(-1);
  const image = user?.content?.find((p) => p.type === "input_image");
  assert.equal(image?.image_url, PNG);

  const remote = await client.chat.completions
    .create({ model: vision.id, messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: "https://example.com/cat.png" } }] }] })
    .catch((e: unknown) => e);
  assert.ok(remote instanceof OpenAI.BadRequestError);
  assert.match(remote.message, /only inline|data: URL/i);
});
