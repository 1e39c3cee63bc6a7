import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { startE2E, TEST_API_KEY, waitFor, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";

let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());


const tools: ChatCompletionTool[] = [
  {
    type: "function",
    function: {
      name: "get_weather",
      description: "Current weather of a city",
      parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false },
    },
  },
  {
    type: "function",
    function: { name: "get_time", description: "Current time in a zone", parameters: { type: "object", properties: { tz: { type: "string" } } } },
  },
];

/** The stand-in calls tools on the first upstream request of a turn and answers once it has seen the outputs. */
function callsThenAnswer(calls: { callId: string; name: string; arguments: string }[], answer: string[]) {
  e2e.upstream.behave((req: ReceivedRequest) => {
    const outputs = (req.body.input ?? []).filter((i) => i.type === "function_call_output");
    return outputs.length ? { deltas: answer } : { functionCalls: calls };
  });
}

const lastUpstream = () => e2e.upstream.modelCalls.at(-1);
const weatherCall = { callId: "call_weather_1", name: "get_weather", arguments: '{"city":"Paris"}' };

test("tool call round trip, non-streaming: tool_calls answer, then the continuation resumes the same Codex turn", async () => {
  callsThenAnswer([weatherCall], ["It is ", "sunny in Paris."]);
  const before = e2e.upstream.modelCalls.length;
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await client.chat.completions.create({ model: "codex-cli-default", messages, tools });
  const choice = first.choices[0];
  assert.equal(choice?.finish_reason, "tool_calls");
  assert.equal(choice?.message.content, null);
  assert.deepEqual(choice?.message.tool_calls, [{ id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }]);
  // The client's tools reached the model service as function tools, with their schema.
  const offered = lastUpstream()?.body.tools?.find((t) => t.name === "get_weather");
  assert.deepEqual(offered?.parameters, tools[0]?.type === "function" ? tools[0].function.parameters : undefined);
  assert.equal(e2e.service.waitingTurns.size, 1, "the turn waits for the client's results");

  messages.push(choice.message, { role: "tool", tool_call_id: "call_weather_1", content: "22 °C, sunny" });
  const second = await client.chat.completions.create({ model: "codex-cli-default", messages, tools });
  assert.equal(second.choices[0]?.finish_reason, "stop");
  assert.equal(second.choices[0]?.message.content, "It is sunny in Paris.");
  assert.equal(e2e.service.waitingTurns.size, 0);
  // Continued, not rebuilt: the second upstream request is the same turn's follow-up, carrying the output once.
  const upstream = e2e.upstream.modelCalls.slice(before);
  assert.equal(upstream.length, 2);
  const input = upstream[1]?.body.input ?? [];
  assert.deepEqual(
    input.filter((i) => i.type === "function_call_output").map((i) => [i.call_id, i.output]),
    [["call_weather_1", "22 °C, sunny"]],
  );
  assert.equal(input.filter((i) => i.type === "message" && i.role === "user").length, 1, "the user's question was not replayed");
});

test("tool call round trip, streaming: tool-call deltas with index, one finish_reason tool_calls chunk, streamed continuation", async () => {
  callsThenAnswer([weatherCall], ["Sunny", " again."]);
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris, streamed?" }];
  const stream = await client.chat.completions.create({ model: "codex-cli-default", messages, tools, stream: true });
  const deltas: { index: number; id?: string; name?: string; arguments?: string }[] = [];
  const finishes: (string | null)[] = [];
  for await (const chunk of stream) {
    const c = chunk.choices[0];
    if (!c) continue;
    for (const t of c.delta.tool_calls ?? []) {
      deltas.push({ index: t.index, ...(t.id ? { id: t.id } : {}), ...(t.function?.name ? { name: t.function.name } : {}), ...(t.function?.arguments ? { arguments: t.function.arguments } : {}) });
    }
    if (c.finish_reason) finishes.push(c.finish_reason);
  }
  assert.deepEqual(deltas, [{ index: 0, id: "call_weather_1", name: "get_weather", arguments: '{"city":"Paris"}' }]);
  assert.deepEqual(finishes, ["tool_calls"]);

  messages.push(
    { role: "assistant", content: null, tool_calls: [{ id: "call_weather_1", type: "function", function: { name: "get_weather", arguments: '{"city":"Paris"}' } }] },
    { role: "tool", tool_call_id: "call_weather_1", content: "sunny" },
  );
  const runner = client.chat.completions.stream({ model: "codex-cli-default", messages, tools });
  const final = await runner.finalChatCompletion();
  assert.equal(final.choices[0]?.message.content, "Sunny again.");
  assert.equal(final.choices[0]?.finish_reason, "stop");
  assert.equal(e2e.service.waitingTurns.size, 0);
});

test("two tool calls in one step are returned together and both results continue the turn", async () => {
  const timeCall = { callId: "call_time_2", name: "get_time", arguments: '{"tz":"Europe/Paris"}' };
  callsThenAnswer([{ ...weatherCall, callId: "call_weather_2" }, timeCall], ["Both known."]);
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Weather and time in Paris?" }];
  const first = await client.chat.completions.create({ model: "codex-cli-default", messages, tools, parallel_tool_calls: true });
  const calls = first.choices[0]?.message.tool_calls ?? [];
  assert.deepEqual(
    calls.map((c) => (c.type === "function" ? [c.id, c.function.name] : [])),
    [
      ["call_weather_2", "get_weather"],
      ["call_time_2", "get_time"],
    ],
  );
  messages.push(first.choices[0]!.message, { role: "tool", tool_call_id: "call_time_2", content: "14:00" }, { role: "tool", tool_call_id: "call_weather_2", content: "sunny" });
  const second = await client.chat.completions.create({ model: "codex-cli-default", messages, tools });
  assert.equal(second.choices[0]?.message.content, "Both known.");
  const outputs = (lastUpstream()?.body.input ?? []).filter((i) => i.type === "function_call_output");
  assert.deepEqual(outputs.map((i) => [i.call_id, i.output]).sort(), [["call_time_2", "14:00"], ["call_weather_2", "sunny"]]);
});

test("a continuation with no waiting turn rebuilds the conversation on a new thread, tool calls and results replayed as items", async () => {
  callsThenAnswer([weatherCall], ["Rebuilt answer."]);
  const res = await client.chat.completions.create({
    model: "codex-cli-default",
    tools,
    messages: [
      { role: "system", content: "Be brief." },
      { role: "user", content: "Weather in Oslo?" },
      { role: "assistant", content: null, tool_calls: [{ id: "call_old", type: "function", function: { name: "get_weather", arguments: '{"city":"Oslo"}' } }] },
      { role: "tool", tool_call_id: "call_old", content: "rainy" },
    ],
  });
  assert.equal(res.choices[0]?.message.content, "Rebuilt answer.");
  assert.equal(res.choices[0]?.finish_reason, "stop", "the replayed call is not reported as a new one");
  assert.equal(e2e.service.waitingTurns.size, 0);
  const input = lastUpstream()?.body.input ?? [];
  const call = input.find((i) => i.type === "function_call");
  assert.deepEqual([call?.call_id, call?.name, call?.arguments], ["call_old", "get_weather", '{"city":"Oslo"}']);
  const output = input.find((i) => i.type === "function_call_output");
  assert.deepEqual([output?.call_id, output?.output], ["call_old", "rainy"]);
});

test("a waiting turn whose client never returns is released on expiry; tool_choice none offers no tools", async () => {
  callsThenAnswer([weatherCall], ["unused"]);
  await client.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "left behind" }], tools });
  assert.equal(e2e.service.waitingTurns.size, 1);
  const { backend } = e2e.service;
  assert.equal(backend.runtime().activeTurns, 1, "the paused turn is still open in Codex");
  e2e.service.waitingTurns.clear(); // what expiry does (its timing is covered by a unit test)
  await waitFor(() => backend.runtime().activeTurns === 0, 5000, "the released turn to leave Codex");
  assert.equal(e2e.service.waitingTurns.size, 0);

  e2e.upstream.behave({ deltas: ["No tools."] });
  const plain = await client.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }], tools, tool_choice: "none" });
  assert.equal(plain.choices[0]?.message.content, "No tools.");
  assert.equal(lastUpstream()?.body.tools?.some((t) => t.name === "get_weather"), false);
});
