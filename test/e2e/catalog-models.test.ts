import assert from "node:assert/strict";
import { test } from "node:test";
import type { MessageParam, Tool } from "@anthropic-ai/sdk/resources/messages";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import type { Response, ResponseFunctionToolCall, ResponseInputItem, ResponseOutputMessage } from "openai/resources/responses/responses";
import { LIVE_ONLY_MODEL } from "../helpers/chatgpt-backend-answers.ts";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { bundledCatalog } from "../helpers/codex-catalog.ts";
import { chatGptSuite } from "../helpers/e2e-service.ts";
import { DEFAULT_DELTAS } from "../helpers/responses-answer.ts";
import { auditUpstream, type AuditedBody } from "../helpers/upstream-audit.ts";

/**
 * Every model of the catalog, on the path users run (the built-in ChatGPT provider, the stand-in
 * backend serving the pinned binary's own catalog plus a model released after the pin): a plain
 * request and a client-function round trip in all three APIs. Upstream, each request carries the
 * client's functions and text and the adapter's short system prompt, and nothing of Codex's own:
 * a new pin that adds a Codex tool or instruction to any model's request fails here.
 */

const MODELS = [...bundledCatalog().models.map((m) => m.slug), LIVE_ONLY_MODEL];

const suite = chatGptSuite();

const SYSTEM = "You are terse.";
const QUESTION = "Weather in Paris and Rome?";
const COMMENTARY = "Checking both cities.";
const ANSWER = "Sunny in both.";
const CALLS = [
  { callId: "call_paris", name: "get_weather", arguments: '{"city":"Paris"}' },
  { callId: "call_rome", name: "get_weather", arguments: '{"city":"Rome"}' },
];
const RESULTS = ["22 °C, sunny", "25 °C, sunny"];
const WEATHER_SCHEMA = { type: "object", properties: { city: { type: "string" } }, required: ["city"], additionalProperties: false };
const CHAT_TOOLS: ChatCompletionTool[] = [{ type: "function", function: { name: "get_weather", description: "Current weather of a city", parameters: WEATHER_SCHEMA } }];
const MESSAGES_TOOLS: Tool[] = [{ name: "get_weather", description: "Current weather of a city", input_schema: WEATHER_SCHEMA as Tool["input_schema"] }];
/** Every text the client sends or gets back: none of it is Codex's own. */
const CLIENT_TEXTS = [SYSTEM, QUESTION, COMMENTARY, ANSWER, ...RESULTS, "hi", DEFAULT_DELTAS.join("")];

/** The model calls since `from`, audited: which model, what Codex added of its own. */
function audited(from: number) {
  return suite.e2e.chatgpt.modelCalls.slice(from).map((c: ModelCall) => ({
    model: c.body.model,
    parallel: c.body.parallel_tool_calls,
    tools: (c.body.tools ?? []).map((t) => t.name),
    ...auditUpstream(c.body as AuditedBody, CLIENT_TEXTS, ["get_weather"]),
  }));
}

/**
 * The one item of Codex's own allowed: when a turn's settings differ from the thread's (a model
 * whose default effort differs from the default model's), Codex tells the model in a
 * `configuration_update` item of about 60 bytes (`{"reasoning":{"effort":"low"}}`).
 */
const SETTINGS_NOTICE = "configuration_update item";
/** What Codex may add of its own to a request, at most (the budget). */
const CODEX_BYTES_BUDGET = 1024;

function assertNothingOfCodex(model: string, from: number, expectTools: boolean): void {
  const calls = audited(from);
  assert.ok(calls.length > 0, "the model service was called");
  for (const call of calls) {
    assert.equal(call.model, model);
    const added = call.codexText.filter((t) => t !== SETTINGS_NOTICE);
    assert.deepEqual([call.codexTools, added], [[], []], `${model}: no tool or instruction of Codex's own upstream`);
    assert.ok(call.codexBytes <= CODEX_BYTES_BUDGET, `${model}: ${call.codexBytes} bytes of Codex's own`);
    assert.deepEqual(call.tools, expectTools ? ["get_weather"] : []);
    if (expectTools) assert.equal(call.parallel, true, "the model may call several functions at once");
  }
}

/** The stand-in answers as these models do: commentary and two calls at once, then the answer once it has the results. */
function weatherModel(): void {
  suite.e2e.chatgpt.behave((call) =>
    (call.body.input ?? []).some((i) => i.type === "function_call_output") ? { deltas: [ANSWER] } : { commentary: [COMMENTARY], functionCalls: CALLS },
  );
}

for (const model of MODELS) {
  test(`${model}: a plain request, with a system message and without, reaches the model with the client's text alone`, async () => {
    suite.e2e.chatgpt.behave({ deltas: DEFAULT_DELTAS });
    const from = suite.e2e.chatgpt.modelCalls.length;
    for (const messages of [[{ role: "system", content: SYSTEM }, { role: "user", content: "hi" }], [{ role: "user", content: "hi" }]] as ChatCompletionMessageParam[][]) {
      const completion = await suite.openai.chat.completions.create({ model, messages });
      assert.equal(completion.choices[0]?.message.content, DEFAULT_DELTAS.join(""));
    }
    assertNothingOfCodex(model, from, false);
  });

  test(`${model}: a client function round trip through Chat Completions, Responses and Messages, streamed and not`, async () => {
    weatherModel();
    const from = suite.e2e.chatgpt.modelCalls.length;
    for (const stream of [false, true]) {
      await chatRoundTrip(model, stream);
      await responsesRoundTrip(model, stream);
      await messagesRoundTrip(model, stream);
    }
    assertNothingOfCodex(model, from, true);
    assert.equal(suite.e2e.service.waitingTurns.size, 0, "every paused turn was resumed");
  });
}

async function chatRoundTrip(model: string, stream: boolean): Promise<void> {
  const messages: ChatCompletionMessageParam[] = [{ role: "system", content: SYSTEM }, { role: "user", content: QUESTION }];
  const first = stream ? await streamedChat(model, messages) : (await suite.openai.chat.completions.create({ model, messages, tools: CHAT_TOOLS })).choices[0];
  assert.equal(first?.finish_reason, "tool_calls");
  assert.equal(first.message.content, COMMENTARY);
  const calls = first.message.tool_calls ?? [];
  assert.deepEqual(calls.map((c) => (c.type === "function" ? [c.id, c.function.arguments] : [])), CALLS.map((c) => [c.callId, c.arguments]));
  messages.push(first.message, ...CALLS.map((c, i): ChatCompletionMessageParam => ({ role: "tool", tool_call_id: c.callId, content: RESULTS[i] ?? "" })));
  const second = stream ? await streamedChat(model, messages) : (await suite.openai.chat.completions.create({ model, messages, tools: CHAT_TOOLS })).choices[0];
  assert.deepEqual([second?.finish_reason, second?.message.content], ["stop", ANSWER]);
}

/** A streamed chat completion, folded the way an agent folds it. */
async function streamedChat(model: string, messages: ChatCompletionMessageParam[]) {
  const runner = suite.openai.chat.completions.stream({ model, messages, tools: CHAT_TOOLS });
  return (await runner.finalChatCompletion()).choices[0];
}

async function responsesRoundTrip(model: string, stream: boolean): Promise<void> {
  const input: ResponseInputItem[] = [{ role: "user", content: QUESTION }];
  const tools = [{ type: "function" as const, name: "get_weather", description: "Current weather of a city", parameters: WEATHER_SCHEMA, strict: true }];
  const ask = async (): Promise<Response> => (stream ? await suite.openai.responses.stream({ model, instructions: SYSTEM, input, tools }).finalResponse() : await suite.openai.responses.create({ model, instructions: SYSTEM, input, tools }));
  const first = await ask();
  const calls = first.output.filter((o): o is ResponseFunctionToolCall => o.type === "function_call");
  assert.deepEqual(calls.map((c) => [c.call_id, c.arguments]), CALLS.map((c) => [c.callId, c.arguments]));
  const said = first.output.filter((o): o is ResponseOutputMessage => o.type === "message");
  assert.deepEqual(said.map((m) => [m.phase, m.content.map((p) => (p.type === "output_text" ? p.text : "")).join("")]), [["commentary", COMMENTARY]]);
  // A stateless agent sends the whole conversation back: the output items, then the results.
  input.push(...(first.output as ResponseInputItem[]), ...CALLS.map((c, i): ResponseInputItem => ({ type: "function_call_output", call_id: c.callId, output: RESULTS[i] ?? "" })));
  const second = await ask();
  assert.equal(second.output_text, ANSWER);
}

async function messagesRoundTrip(model: string, stream: boolean): Promise<void> {
  const messages: MessageParam[] = [{ role: "user", content: QUESTION }];
  const body = () => ({ model, max_tokens: 1024, system: SYSTEM, messages, tools: MESSAGES_TOOLS });
  const ask = async () => (stream ? await suite.anthropic.messages.stream(body()).finalMessage() : await suite.anthropic.messages.create(body()));
  const first = await ask();
  assert.equal(first.stop_reason, "tool_use");
  assert.deepEqual(first.content.filter((b) => b.type === "text").map((b) => b.text), [COMMENTARY]);
  const uses = first.content.filter((b) => b.type === "tool_use");
  assert.deepEqual(uses.map((u) => [u.id, JSON.stringify(u.input)]), CALLS.map((c) => [c.callId, c.arguments]));
  messages.push({ role: "assistant", content: first.content }, { role: "user", content: CALLS.map((c, i) => ({ type: "tool_result" as const, tool_use_id: c.callId, content: RESULTS[i] ?? "" })) });
  const second = await ask();
  assert.deepEqual([second.stop_reason, second.content.filter((b) => b.type === "text").map((b) => b.text)], ["end_turn", [ANSWER]]);
}
