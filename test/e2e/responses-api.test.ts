import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";

let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

const lastUpstream = () => e2e.upstream.modelCalls.at(-1);
const userTexts = (r: ReceivedRequest | undefined) =>
  (r?.body.input ?? []).filter((i) => i.role === "user").flatMap((i) => (i.content ?? []).map((p) => p.text ?? ""));

test("responses.create without stream: output_text, usage, instructions; previous_response_id continues the conversation", async () => {
  e2e.upstream.behave({ deltas: ["Bonjour", " !"] });
  const first = await client.responses.create({ model: "codex-cli-default", input: "Say hello in French", instructions: "Be brief." });
  assert.equal(first.object, "response");
  assert.equal(first.status, "completed");
  assert.equal(first.output_text, "Bonjour !");
  assert.ok((first.usage?.total_tokens ?? 0) > 0);
  const developer = (lastUpstream()?.body.input ?? []).filter((i) => i.role === "developer").flatMap((i) => i.content ?? []);
  assert.ok(developer.some((p) => p.text === "Be brief."));

  e2e.upstream.behave({ deltas: ["Salut."] });
  const second = await client.responses.create({ model: "codex-cli-default", input: "Shorter?", previous_response_id: first.id });
  assert.equal(second.output_text, "Salut.");
  assert.deepEqual(userTexts(lastUpstream()), ["Say hello in French", "Shorter?"]);
  const assistant = (lastUpstream()?.body.input ?? []).filter((i) => i.role === "assistant").flatMap((i) => i.content ?? []);
  assert.ok(assistant.some((p) => p.text === "Bonjour !"));

  const missing = await client.responses.create({ model: "codex-cli-default", input: "x", previous_response_id: "resp_unknown" }).catch((e: unknown) => e);
  assert.ok(missing instanceof OpenAI.BadRequestError);
});

test("responses.create with stream: the Responses event sequence ending in response.completed with usage", async () => {
  e2e.upstream.behave({ deltas: ["one", " two"] });
  const stream = await client.responses.create({ model: "codex-cli-default", input: "count", stream: true });
  const types: string[] = [];
  const deltas: string[] = [];
  let completed: OpenAI.Responses.Response | undefined;
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === "response.output_text.delta") deltas.push(event.delta);
    if (event.type === "response.completed") completed = event.response;
  }
  assert.deepEqual(deltas, ["one", " two"]);
  assert.equal(types[0], "response.created");
  assert.equal(types.at(-1), "response.completed");
  assert.ok(types.includes("response.output_item.done"));
  assert.equal(completed?.output_text, "one two");
  assert.ok((completed?.usage?.total_tokens ?? 0) > 0);
});

test("function calls through /v1/responses: function_call items, then function_call_output continues the waiting turn", async () => {
  e2e.upstream.behave((req) =>
    (req.body.input ?? []).some((i) => i.type === "function_call_output")
      ? { deltas: ["Paris is sunny."] }
      : { functionCalls: [{ callId: "call_resp_1", name: "get_weather", arguments: '{"city":"Paris"}' }] },
  );
  const tools: OpenAI.Responses.FunctionTool[] = [
    { type: "function", name: "get_weather", description: "weather", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false }, strict: true },
  ];
  const stream = await client.responses.create({ model: "codex-cli-default", input: "Weather in Paris?", tools, stream: true });
  let done: OpenAI.Responses.Response | undefined;
  const items: string[] = [];
  for await (const event of stream) {
    if (event.type === "response.output_item.done") items.push(event.item.type);
    if (event.type === "response.completed") done = event.response;
  }
  assert.deepEqual(items, ["function_call"]);
  const call = done?.output.find((o) => o.type === "function_call");
  assert.equal(call?.type === "function_call" ? call.call_id : undefined, "call_resp_1");
  assert.equal(e2e.service.waitingTurns.size, 1);

  const before = e2e.upstream.requests.length;
  const second = await client.responses.create({
    model: "codex-cli-default",
    tools,
    previous_response_id: done?.id ?? "",
    input: [{ type: "function_call_output", call_id: "call_resp_1", output: "22 °C" }],
  });
  assert.equal(second.output_text, "Paris is sunny.");
  assert.equal(e2e.service.waitingTurns.size, 0, "the waiting turn was continued");
  assert.equal(e2e.upstream.requests.length - before, 1);
  assert.equal(userTexts(lastUpstream()).length, 1, "continued, not rebuilt: the question is not replayed twice");
});
