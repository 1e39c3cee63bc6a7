import assert from "node:assert/strict";
import { test } from "node:test";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import type { ResponseInputItem, ResponseStreamEvent } from "openai/resources/responses/responses";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { authHeaders, chatGptSuite, startChatGptE2E, waitHealthy } from "../helpers/e2e-service.ts";
import { DEFAULT_SUMMARY } from "../helpers/responses-answer.ts";
import { auditUpstream, type AuditedBody } from "../helpers/upstream-audit.ts";

/**
 * What the catalog's default model writes besides its answer, on the path users run: reasoning
 * summaries (asked for as each API's client expects) and commentary messages before the answer;
 * and the operator's switches for both.
 */

const DEFAULT_MODEL = defaultCatalogModel().slug;
const SUMMARY_TEXT = DEFAULT_SUMMARY.join("\n\n");

const suite = chatGptSuite();

const lastCall = (): ModelCall | undefined => suite.e2e.chatgpt.modelCalls.at(-1);
const askedSummary = () => (lastCall()?.body.reasoning as { summary?: string } | undefined)?.summary;

test("reasoning summaries on the default model: Chat streams them, Responses when asked, Messages when thinking is on", async () => {
  suite.e2e.chatgpt.behave({ deltas: ["Forty-two."] });

  let reasoning = "";
  for await (const chunk of await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Answer?" }], stream: true })) {
    reasoning += (chunk.choices[0]?.delta as { reasoning_content?: string } | undefined)?.reasoning_content ?? "";
  }
  assert.deepEqual([lastCall()?.body.model, askedSummary(), reasoning], [DEFAULT_MODEL, "auto", SUMMARY_TEXT]);

  const plain = await suite.openai.responses.create({ model: "codex-cli-default", input: "Answer?" });
  assert.deepEqual([askedSummary(), plain.output.map((o) => o.type)], [undefined, ["message"]], "no summary unless the request asks");
  const events: ResponseStreamEvent[] = [];
  for await (const event of await suite.openai.responses.create({ model: "codex-cli-default", input: "Answer?", reasoning: { summary: "detailed" }, stream: true })) events.push(event);
  assert.equal(askedSummary(), "detailed");
  const summaryDeltas = events.flatMap((e) => (e.type === "response.reasoning_summary_text.delta" ? [[e.summary_index, e.delta]] : []));
  assert.deepEqual(summaryDeltas, DEFAULT_SUMMARY.map((text, i) => [i, text]));
  const completed = events.find((e) => e.type === "response.completed");
  assert.deepEqual(
    completed?.response.output.map((o) => (o.type === "reasoning" ? o.summary.map((s) => s.text) : o.type)),
    [[...DEFAULT_SUMMARY], "message"],
  );

  const without = await suite.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Answer?" }] });
  assert.deepEqual([askedSummary(), without.content.map((b) => b.type)], [undefined, ["text"]]);
  const thinking = await suite.anthropic.messages
    .stream({ model: "claude-sonnet-4-5", max_tokens: 8192, thinking: { type: "enabled", budget_tokens: 2048 }, messages: [{ role: "user", content: "Answer?" }] })
    .finalMessage();
  assert.equal(askedSummary(), "auto");
  assert.deepEqual(thinking.content.map((b) => (b.type === "thinking" ? b.thinking : b.type)), [SUMMARY_TEXT, "text"]);
});

test("commentary before the answer: a blank line apart in Chat, its own item with its phase in Responses, its own block in Messages", async () => {
  suite.e2e.chatgpt.behave({ commentary: ["Looking it up."], deltas: ["It is ", "42."] });

  const chat = await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Answer?" }] });
  assert.equal(chat.choices[0]?.message.content, "Looking it up.\n\nIt is 42.");
  let streamed = "";
  for await (const chunk of await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Answer?" }], stream: true })) {
    streamed += chunk.choices[0]?.delta.content ?? "";
  }
  assert.equal(streamed, "Looking it up.\n\nIt is 42.");

  for (const response of [
    await suite.openai.responses.create({ model: "codex-cli-default", input: "Answer?" }),
    await suite.openai.responses.stream({ model: "codex-cli-default", input: "Answer?" }).finalResponse(),
  ]) {
    const messages = response.output.flatMap((o) => (o.type === "message" ? [[o.phase, o.content.map((p) => (p.type === "output_text" ? p.text : "")).join("")]] : []));
    assert.deepEqual(messages, [["commentary", "Looking it up."], ["final_answer", "It is 42."]]);
  }
  // The SDK joins `output_text` itself, without a break; the adapter's own is the messages a blank line apart.
  const raw = await fetch(`${suite.e2e.baseURL}/responses`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ model: "codex-cli-default", input: "Answer?" }) });
  assert.equal(((await raw.json()) as { output_text: string }).output_text, "Looking it up.\n\nIt is 42.");

  for (const message of [
    await suite.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Answer?" }] }),
    await suite.anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Answer?" }] }).finalMessage(),
  ]) {
    assert.deepEqual(message.content.map((b) => (b.type === "text" ? b.text : b.type)), ["Looking it up.", "It is 42."]);
  }
});

test("answers with commentary, sent back as each client sends them, keep the conversation on its warm thread", async () => {
  suite.e2e.chatgpt.behave({ commentary: ["Noting it."], deltas: ["Noted."] });
  const cacheKeys = (from: number) => new Set(suite.e2e.chatgpt.modelCalls.slice(from).map((c) => c.body.prompt_cache_key));

  let from = suite.e2e.chatgpt.modelCalls.length;
  const chat: ChatCompletionMessageParam[] = [];
  for (const text of ["first", "second", "third"]) {
    chat.push({ role: "user", content: text });
    const completion = await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: chat });
    chat.push(completion.choices[0]?.message as ChatCompletionMessageParam);
  }
  assert.equal(cacheKeys(from).size, 1, "Chat Completions: one thread");

  from = suite.e2e.chatgpt.modelCalls.length;
  const input: ResponseInputItem[] = [];
  for (const text of ["first", "second", "third"]) {
    input.push({ role: "user", content: text });
    input.push(...((await suite.openai.responses.create({ model: "codex-cli-default", input })).output as ResponseInputItem[]));
  }
  assert.equal(cacheKeys(from).size, 1, "Responses, the output items sent back: one thread");

  from = suite.e2e.chatgpt.modelCalls.length;
  const messages: MessageParam[] = [];
  for (const text of ["first", "second", "third"]) {
    messages.push({ role: "user", content: text });
    const answer = await suite.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages });
    messages.push({ role: "assistant", content: answer.content });
  }
  assert.equal(cacheKeys(from).size, 1, "Messages, the text blocks sent back: one thread");
});

test("a request the model service refuses is a 400 in the API's shape that names the way back to Codex's own tool mode", async () => {
  const refusal = { type: "invalid_request_error", code: "invalid_value", message: "Tools of type 'function' are not supported with this model.", param: "tools" };
  suite.e2e.chatgpt.behave({ status: 400, errorBody: { error: refusal } });
  try {
    const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
    const chat = await fetch(`${suite.e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages: [{ role: "user", content: "hi" }], tools }) });
    assert.equal(chat.status, 400);
    const error = ((await chat.json()) as { error: { type: string; code: string; message: string } }).error;
    assert.deepEqual([error.type, error.code], ["invalid_request_error", "upstream_refused"]);
    assert.match(error.message, /not supported with this model\. .*CODEX_TOOL_MODE=codex/);

    const messages = await fetch(`${suite.e2e.service.url}/v1/messages`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ model: "claude-sonnet-4-5", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(messages.status, 400);
    const body = (await messages.json()) as { type: string; error: { type: string; message: string } };
    assert.deepEqual([body.type, body.error.type], ["error", "invalid_request_error"]);
    assert.match(body.error.message, /CODEX_TOOL_MODE=codex/);
  } finally {
    suite.e2e.chatgpt.behave({ deltas: ["ok"] });
  }
});

test("the operator's switches: CODEX_TOOL_MODE=codex gives the model Codex's own tool mode back, REASONING_SUMMARY=none asks no summary", async () => {
  const own = await startChatGptE2E({ env: { CODEX_TOOL_MODE: "codex", REASONING_SUMMARY: "none" } });
  try {
    await waitHealthy(own);
    own.chatgpt.behave({ deltas: ["ok"] });
    const res = await fetch(`${own.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }) });
    assert.equal(res.status, 200);
    const body = own.chatgpt.modelCalls.at(-1)?.body;
    assert.equal((body?.reasoning as { summary?: string } | undefined)?.summary, undefined);
    // The default model's catalog entry is code mode: Codex's own tools come back as an `additional_tools` item.
    const audit = auditUpstream(body as AuditedBody, ["hi"], []);
    assert.ok(audit.codexText.includes("additional_tools item"), JSON.stringify(audit.codexText));
    assert.ok(audit.codexBytes > 10_000, `${audit.codexBytes} bytes of Codex's own`);
  } finally {
    await own.close();
  }
});
