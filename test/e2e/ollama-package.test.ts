import assert from "node:assert/strict";
import { test } from "node:test";
import { Ollama, type Message, type Tool } from "ollama";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { chatGptSuite, TEST_API_KEY } from "../helpers/e2e-service.ts";
import { DEFAULT_SUMMARY } from "../helpers/responses-answer.ts";

/**
 * The real `ollama` npm package (pinned) against the adapter on the path users run, on the
 * catalog's default model: every call it makes that the adapter serves, and the ones it refuses.
 */

const MODEL = defaultCatalogModel().slug;
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

const suite = chatGptSuite();
/** Ollama's clients take the server's address without a path: the adapter serves /api at its root. */
const client = (headers: Record<string, string> = { Authorization: `Bearer ${TEST_API_KEY}` }) => new Ollama({ host: suite.e2e.service.url, headers });

const lastCall = (): ModelCall | undefined => suite.e2e.chatgpt.modelCalls.at(-1);
type Item = { type: string; role?: string; content?: { type: string; image_url?: string }[]; call_id?: string; output?: unknown };
const inputOf = (call: ModelCall | undefined) => (call?.body.input ?? []) as Item[];

test("chat and generate, streamed and not, on the default model with Codex's exact counts", async () => {
  suite.e2e.chatgpt.behave({ deltas: ["Hello", " from", " Codex."], usage: { input_tokens: 31, cached_tokens: 0, output_tokens: 9, reasoning_tokens: 0 } });
  const plain = await client().chat({ model: MODEL, messages: [{ role: "user", content: "Hi" }] });
  assert.equal(plain.message.content, "Hello from Codex.");
  assert.deepEqual([plain.done, plain.done_reason, plain.prompt_eval_count, plain.eval_count], [true, "stop", 31, 9]);
  assert.equal(lastCall()?.body.model, MODEL);

  const parts: string[] = [];
  let last;
  for await (const part of await client().chat({ model: MODEL, messages: [{ role: "user", content: "Hi" }], stream: true })) {
    parts.push(part.message.content);
    last = part;
  }
  assert.equal(parts.join(""), "Hello from Codex.");
  assert.ok(parts.filter(Boolean).length >= 3, "one object per delta");
  assert.deepEqual([last?.done, last?.eval_count], [true, 9]);

  const generated = await client().generate({ model: MODEL, prompt: "Hi", system: "Be brief.", options: { temperature: 0.2, num_predict: 16 }, keep_alive: "5m" });
  assert.equal(generated.response, "Hello from Codex.");
  let streamed = "";
  for await (const part of await client().generate({ model: MODEL, prompt: "Hi", stream: true })) streamed += part.response;
  assert.equal(streamed, "Hello from Codex.");
  // The load call: no prompt, done at once.
  const calls = suite.e2e.chatgpt.modelCalls.length;
  assert.equal((await client().generate({ model: MODEL, prompt: "" })).done_reason, "load");
  assert.equal(suite.e2e.chatgpt.modelCalls.length, calls);
});

test("a three-turn chat reaches the model stream with one prompt_cache_key (one warm thread)", async () => {
  suite.e2e.chatgpt.behave({ deltas: ["Noted."] });
  const from = suite.e2e.chatgpt.modelCalls.length;
  const messages: Message[] = [];
  for (const text of ["first question", "second question", "third question"]) {
    messages.push({ role: "user", content: text });
    messages.push((await client().chat({ model: MODEL, messages })).message);
  }
  const calls = suite.e2e.chatgpt.modelCalls.slice(from);
  assert.equal(calls.length, 3);
  assert.ok(calls[0]?.body.prompt_cache_key);
  assert.equal(new Set(calls.map((c) => c.body.prompt_cache_key)).size, 1);
});

const tools: Tool[] = [
  { type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
];

test("a tool round trip: tool_calls with object arguments, then the tool message continues the same Codex turn, and the next turn its thread", async () => {
  suite.e2e.chatgpt.behave((call) =>
    inputOf(call).some((i) => i.type === "function_call_output")
      ? { deltas: ["It is sunny in Paris."] }
      : { functionCalls: [{ callId: "call_w1", name: "get_weather", arguments: '{"city":"Paris"}' }] },
  );
  const messages: Message[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await client().chat({ model: MODEL, messages, tools });
  assert.deepEqual(first.message.tool_calls, [{ id: "call_w1", function: { name: "get_weather", arguments: { city: "Paris" } } }]);
  assert.equal(suite.e2e.service.waitingTurns.size, 1);

  messages.push(first.message, { role: "tool", content: "22 C, sunny", tool_name: "get_weather" });
  const calls = suite.e2e.chatgpt.modelCalls.length;
  let answer = "";
  for await (const part of await client().chat({ model: MODEL, messages, tools, stream: true })) answer += part.message.content;
  assert.equal(answer, "It is sunny in Paris.");
  assert.equal(suite.e2e.service.waitingTurns.size, 0, "the waiting turn was continued");
  const output = inputOf(lastCall()).find((i) => i.type === "function_call_output");
  assert.equal(output?.call_id, "call_w1");
  assert.match(JSON.stringify(output?.output), /22 C, sunny/);
  assert.equal(suite.e2e.chatgpt.modelCalls.length, calls + 1);

  // The package sends the calls back as it got them, ids included: the next turn continues on the same warm thread.
  suite.e2e.chatgpt.behave({ deltas: ["You are welcome."] });
  messages.push({ role: "assistant", content: answer }, { role: "user", content: "Thanks!" });
  await client().chat({ model: MODEL, messages, tools });
  const keys = suite.e2e.chatgpt.modelCalls.slice(calls - 1).map((c) => c.body.prompt_cache_key);
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 1, "one thread for the call, its result and the next turn");
});

test("images reach the model as input_image data URLs; format json and a schema; think shows the reasoning", async () => {
  suite.e2e.chatgpt.behave({ deltas: ['{"city":"Paris"}'] });
  await client().chat({ model: MODEL, messages: [{ role: "user", content: "What is this?", images: [PNG] }] });
  const image = inputOf(lastCall()).filter((i) => i.role === "user").at(-1)?.content?.find((p) => p.type === "input_image");
  assert.equal(image?.image_url, `data:image/png;base64,${PNG}`);

  const schema = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
  const structured = await client().chat({ model: MODEL, messages: [{ role: "user", content: "City as JSON" }], format: schema });
  assert.deepEqual(JSON.parse(structured.message.content), { city: "Paris" });
  const format = (lastCall()?.body as { text?: { format?: { type?: string; schema?: unknown } } }).text?.format;
  assert.deepEqual([format?.type, format?.schema], ["json_schema", schema]);
  const json = await client().generate({ model: MODEL, prompt: "City as JSON", format: "json" });
  assert.deepEqual(JSON.parse(json.response ?? ""), { city: "Paris" });

  suite.e2e.chatgpt.behave({ deltas: ["42."] });
  const thought = await client().chat({ model: MODEL, messages: [{ role: "user", content: "Answer?" }], think: "high" });
  assert.deepEqual([thought.message.thinking, thought.message.content], [DEFAULT_SUMMARY.join("\n\n"), "42."]);
  // The thread began at the default effort: Codex tells the model of the turn's own in a configuration_update item.
  const update = inputOf(lastCall()).find((i) => i.type === "configuration_update") as { reasoning?: { effort?: string } } | undefined;
  assert.equal(update?.reasoning?.effort, "high");
  const quiet = await client().chat({ model: MODEL, messages: [{ role: "user", content: "Answer?" }] });
  assert.equal(quiet.message.thinking, undefined);
});

test("list, show, ps and version; unknown models and refused endpoints are errors the package raises", async () => {
  const { models } = await client().list();
  assert.ok(models.some((m) => m.name === MODEL));
  assert.ok(models.every((m) => m.size === 0 && m.digest.length === 64));
  const shown = await client().show({ model: MODEL });
  assert.deepEqual([...shown.capabilities].sort(), ["completion", "thinking", "tools", "vision"]);
  const running = await client().ps();
  assert.deepEqual(running.models.map((m) => m.name), [MODEL]);
  assert.match((await client().version()).version, /^\d+\.\d+\.\d+$/);

  await assert.rejects(client().show({ model: "no-such-model" }), (err: Error & { status_code?: number }) => err.status_code === 404 && err.message === "model 'no-such-model' not found");
  await assert.rejects(client().pull({ model: MODEL }), (err: Error & { status_code?: number }) => err.status_code === 501 && /nothing to download/.test(err.message));
  await assert.rejects(client().embed({ model: MODEL, input: "x" }), (err: Error & { status_code?: number }) => err.status_code === 501);
  await assert.rejects(client({}).list(), (err: Error & { status_code?: number }) => err.status_code === 401 && /bearer/i.test(err.message));
});

test("a usage limit is a 429 whose message holds the reset time, on /api/chat too", async () => {
  suite.e2e.chatgpt.fault("model", 429);
  try {
    const res = await fetch(`${suite.e2e.service.url}/api/chat`, {
      method: "POST",
      headers: { Authorization: `Bearer ${TEST_API_KEY}`, "Content-Type": "application/json" },
      body: JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    assert.equal(res.status, 429);
    assert.ok(Number(res.headers.get("retry-after")) > 0);
    const body = (await res.json()) as { error: string };
    assert.match(body.error, new RegExp(new Date(suite.e2e.chatgpt.limits.primaryResetsAt * 1000).toISOString().slice(0, 16)), body.error);
  } finally {
    suite.e2e.chatgpt.fault("model", undefined);
  }
});
