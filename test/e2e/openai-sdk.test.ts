import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";

let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
  // A trailing slash, as many users paste it; the adapter tolerates the doubled slash.
  client = new OpenAI({ baseURL: `${e2e.baseURL}/`, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

test("openai SDK: chat.completions.create without stream", async () => {
  e2e.upstream.behave({ deltas: ["Bonjour", " !"] });
  const completion = await client.chat.completions.create({
    model: "codex-cli-default",
    messages: [{ role: "user", content: "Say hello in French" }],
    temperature: 0.2,
    max_tokens: 50,
  });
  assert.equal(completion.choices[0]?.message.content, "Bonjour !");
  assert.equal(completion.choices[0]?.finish_reason, "stop");
  assert.ok((completion.usage?.total_tokens ?? 0) > 0);
});

test("openai SDK: chat.completions.create with stream and include_usage", async () => {
  e2e.upstream.behave({ deltas: ["one", " two", " three"] });
  const stream = await client.chat.completions.create({
    model: "codex-cli-default",
    messages: [{ role: "user", content: "count" }],
    stream: true,
    stream_options: { include_usage: true },
  });
  const parts: string[] = [];
  let usageTotal = 0;
  for await (const chunk of stream) {
    const content = chunk.choices[0]?.delta.content;
    if (content) parts.push(content);
    if (chunk.usage) usageTotal = chunk.usage.total_tokens;
  }
  assert.deepEqual(parts, ["one", " two", " three"]);
  assert.ok(usageTotal > 0);
});

test("openai SDK: the .stream() helper yields content events and a final completion", async () => {
  e2e.upstream.behave({ deltas: ["Hel", "lo"] });
  const runner = client.chat.completions.stream({
    model: "codex-cli-default",
    messages: [{ role: "user", content: "hello" }],
  });
  const deltas: string[] = [];
  runner.on("content", (delta) => deltas.push(delta));
  const final = await runner.finalChatCompletion();
  assert.deepEqual(deltas, ["Hel", "lo"]);
  assert.equal(final.choices[0]?.message.content, "Hello");
  assert.equal(final.choices[0]?.finish_reason, "stop");
});

test("openai SDK: errors arrive as the SDK's typed classes", async () => {
  const bad = new OpenAI({ baseURL: e2e.baseURL, apiKey: "wrong-key", maxRetries: 0 });
  await assert.rejects(bad.models.list(), OpenAI.AuthenticationError);
  await assert.rejects(
    client.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "x" }], n: 2 }),
    OpenAI.BadRequestError,
  );
  const models = await client.models.list();
  assert.ok(models.data.some((m) => m.id === "codex-cli-default"));
});
