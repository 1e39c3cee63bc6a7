import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";

let e2e: E2E;
let client: Anthropic;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
  // The SDK adds /v1 itself, as Claude Code does.
  client = new Anthropic({ baseURL: e2e.service.url, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

const MODEL = "claude-sonnet-4-5";
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
const lastUpstream = () => e2e.upstream.modelCalls.at(-1);

test("messages.create answers through the real binary, echoing the claude id; Codex's default model answered it", async () => {
  e2e.upstream.behave({ deltas: ["Hello", " from Codex."] });
  const msg = await client.messages.create({ model: MODEL, max_tokens: 1024, system: "Be brief.", messages: [{ role: "user", content: "Say hello" }] });
  assert.equal(msg.type, "message");
  assert.equal(msg.model, MODEL);
  assert.deepEqual(msg.content, [{ type: "text", text: "Hello from Codex." }]);
  assert.equal(msg.stop_reason, "end_turn");
  // The stand-in reports 21 input tokens, 3 of them cached.
  assert.deepEqual([msg.usage.input_tokens, msg.usage.cache_read_input_tokens, msg.usage.output_tokens], [18, 3, 7]);
  const upstream = lastUpstream()?.body;
  assert.notEqual(upstream?.model, MODEL);
  assert.match(JSON.stringify(upstream?.input), /Say hello/);
  assert.match(JSON.stringify(upstream?.input), /Be brief\./);
});

test("messages.stream delivers the text as it is written and a final message", async () => {
  e2e.upstream.behave({ deltas: ["One", " two", " three."], deltaIntervalMs: 30 });
  const stream = client.messages.stream({ model: MODEL, max_tokens: 1024, messages: [{ role: "user", content: "Count" }] });
  const deltas: string[] = [];
  stream.on("text", (t) => deltas.push(t));
  const final = await stream.finalMessage();
  assert.deepEqual(deltas, ["One", " two", " three."]);
  assert.deepEqual(final.content.map((b) => (b.type === "text" ? b.text : b.type)), ["One two three."]);
  assert.equal(final.usage.output_tokens, 7);
});

const tools: Tool[] = [
  { name: "get_weather", description: "Current weather of a city", input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } },
];

test("a tool round trip: tool_use, then the tool_result continues the same Codex turn", async () => {
  e2e.upstream.behave((req: ReceivedRequest) => {
    const outputs = (req.body.input ?? []).filter((i) => i.type === "function_call_output");
    return outputs.length ? { deltas: ["It is sunny in Paris."] } : { functionCalls: [{ callId: "call_w1", name: "get_weather", arguments: '{"city":"Paris"}' }] };
  });
  const messages: MessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await client.messages.create({ model: MODEL, max_tokens: 1024, messages, tools });
  assert.equal(first.stop_reason, "tool_use");
  const use = first.content.find((b) => b.type === "tool_use");
  assert.deepEqual(use && { id: use.id, name: use.name, input: use.input }, { id: "call_w1", name: "get_weather", input: { city: "Paris" } });
  assert.deepEqual(lastUpstream()?.body.tools?.find((t) => t.name === "get_weather")?.parameters, tools[0]?.input_schema);
  assert.equal(e2e.service.waitingTurns.size, 1);

  messages.push({ role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: "call_w1", content: "22 C, sunny" }] });
  const calls = e2e.upstream.modelCalls.length;
  const stream = client.messages.stream({ model: MODEL, max_tokens: 1024, messages, tools });
  const second = await stream.finalMessage();
  assert.equal(second.stop_reason, "end_turn");
  assert.equal(second.content[0]?.type === "text" ? second.content[0].text : "", "It is sunny in Paris.");
  assert.equal(e2e.service.waitingTurns.size, 0, "the waiting turn was continued");
  const output = lastUpstream()?.body.input?.find((i) => i.type === "function_call_output");
  assert.equal(output?.call_id, "call_w1");
  assert.match(JSON.stringify(output?.output), /22 C, sunny/);
  assert.equal(e2e.upstream.modelCalls.length, calls + 1);
});

test("a base64 image reaches the model service as an input_image; a URL source is a clear 400", async () => {
  const vision = (await e2e.service.backend.listModels()).find((m) => m.inputModalities.includes("image"));
  assert.ok(vision);
  e2e.upstream.behave({ deltas: ["A single pixel."] });
  const image = { type: "image" as const, source: { type: "base64" as const, media_type: "image/png" as const, data: PNG } };
  const msg = await client.messages.create({ model: vision.id, max_tokens: 100, messages: [{ role: "user", content: [{ type: "text", text: "What is this?" }, image] }] });
  assert.equal(msg.content[0]?.type === "text" ? msg.content[0].text : "", "A single pixel.");
  const user = (lastUpstream()?.body.input ?? []).filter((i) => i.role === "user").at(-1);
  assert.equal(user?.content?.find((p) => p.type === "input_image")?.image_url, `data:image/png;base64,${PNG}`);

  const err = await client.messages
    .create({ model: vision.id, max_tokens: 100, messages: [{ role: "user", content: [{ type: "image", source: { type: "url", url: "https://example.com/cat.png" } }] }] })
    .catch((e: unknown) => e);
  assert.ok(err instanceof Anthropic.BadRequestError);
  assert.match(err.message, /base64/);
});

test("errors reach the SDK as its own classes: bad key, server tools, a conversation over the context window", async () => {
  const wrong = new Anthropic({ baseURL: e2e.service.url, apiKey: "not-the-key", maxRetries: 0 });
  const auth = await wrong.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
  assert.ok(auth instanceof Anthropic.AuthenticationError);

  const server = await client.messages
    .create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }], tools: [{ type: "bash_20250124", name: "bash" }] })
    .catch((e: unknown) => e);
  assert.ok(server instanceof Anthropic.BadRequestError);
  assert.match(server.message, /bash/);

  e2e.upstream.behave({
    status: 400,
    errorBody: { error: { type: "invalid_request_error", code: "context_length_exceeded", message: "Your input exceeds the context window of this model." } },
  });
  const long = await client.messages.create({ model: MODEL, max_tokens: 10, messages: [{ role: "user", content: "hi" }] }).catch((e: unknown) => e);
  assert.ok(long instanceof Anthropic.BadRequestError);
  assert.equal((long.error as { error?: { type?: string } }).error?.type, "invalid_request_error");
  assert.match(long.message, /prompt is too long/);
});

test("count_tokens answers an estimate; no prompt or answer reaches the log", async () => {
  const counted = await client.messages.countTokens({ model: MODEL, messages: [{ role: "user", content: "hello world" }] });
  assert.equal(counted.input_tokens, 6);
  assert.ok(!e2e.logs.some((l) => /Say hello|Weather in Paris|sunny|hello world|A single pixel/.test(l)), "no content in the logs");
  assert.ok(!e2e.logs.some((l) => l.includes(TEST_API_KEY)));
  assert.ok(e2e.logs.some((l) => l.includes('"path":"/v1/messages"')));
});
