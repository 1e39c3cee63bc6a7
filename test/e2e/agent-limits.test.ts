import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { authHeaders, startE2E, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";

/** What the default model's usable window holds (the pinned catalog's figures), at about 4 characters a token. */
const defaultModel = defaultCatalogModel();
const WINDOW_CHARS = Math.floor(((defaultModel.context_window ?? 0) * (defaultModel.effective_context_window_percent ?? 100)) / 100) * 4;
/** The adapter's default limit on a conversation's text (MAX_TOTAL_TEXT_CHARS). */
const TEXT_LIMIT = 2_000_000;

let e2e: E2E;
before(async () => {
  // The adapter's defaults, as an operator gets them: no limit is raised for this test.
  e2e = await startE2E();
  await waitHealthy(e2e);
  // The stand-in plays a model service that enforces its context window, as the real one does.
  e2e.upstream.behave((req: ReceivedRequest) =>
    JSON.stringify(req.body.input ?? []).length > WINDOW_CHARS
      ? { status: 400, errorBody: { error: { type: "invalid_request_error", code: "context_length_exceeded", message: "Your input exceeds the context window of this model." } } }
      : { deltas: ["Done."] },
  );
});
after(() => e2e.close());

const post = (path: string, body: object) => fetch(`${e2e.baseURL}${path}`, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });

/** How many replayed function calls and outputs the model service received in its last request. */
function lastUpstreamItems(): { calls: number; outputs: number } {
  const input = e2e.upstream.modelCalls.at(-1)?.body.input ?? [];
  return { calls: input.filter((i) => i.type === "function_call").length, outputs: input.filter((i) => i.type === "function_call_output").length };
}

const STEPS = 500;
const chatTools = [{ type: "function", function: { name: "lookup", description: "Look a number up", parameters: { type: "object", properties: { n: { type: "number" } } } } }];

test("a 1,001-message agent conversation with 500 tool calls goes through chat completions", async () => {
  const messages: object[] = [{ role: "system", content: "You are an agent." }, { role: "user", content: "Start." }];
  for (let i = 0; i < STEPS; i++) {
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${i}`, type: "function", function: { name: "lookup", arguments: `{"n":${i}}` } }] });
    messages.push({ role: "tool", tool_call_id: `call_${i}`, content: `result ${i}` });
  }
  messages.push({ role: "user", content: "Summarize." });
  assert.ok(messages.length > 1000);
  const res = await post("/chat/completions", { model: "codex-cli-default", messages, tools: chatTools });
  assert.equal(res.status, 200, await res.clone().text());
  assert.equal(((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content, "Done.");
  assert.deepEqual(lastUpstreamItems(), { calls: STEPS, outputs: STEPS });
});

test("the same conversation goes through the Messages API", async () => {
  const messages: object[] = [{ role: "user", content: "Start." }];
  for (let i = 0; i < STEPS; i++) {
    messages.push({ role: "assistant", content: [{ type: "tool_use", id: `toolu_${i}`, name: "lookup", input: { n: i } }] });
    const result = { type: "tool_result", tool_use_id: `toolu_${i}`, content: `result ${i}` };
    messages.push({ role: "user", content: i === STEPS - 1 ? [result, { type: "text", text: "Summarize." }] : [result] });
  }
  assert.ok(messages.length > 1000);
  const tools = [{ name: "lookup", description: "Look a number up", input_schema: { type: "object", properties: { n: { type: "number" } } } }];
  const res = await post("/messages", { model: "claude-sonnet-4-5", max_tokens: 32_000, messages, tools });
  assert.equal(res.status, 200, await res.clone().text());
  assert.deepEqual(((await res.json()) as { content: unknown[] }).content, [{ type: "text", text: "Done." }]);
  assert.deepEqual(lastUpstreamItems(), { calls: STEPS, outputs: STEPS });
});

test("text past the model's context window comes back as the typed error, never answered from Codex's summary of it", async () => {
  const text = "All work and no play makes Jack a dull boy. ".repeat(Math.floor((TEXT_LIMIT - 1000) / 44));
  assert.ok(text.length > WINDOW_CHARS && text.length < TEXT_LIMIT, `over the window of ${defaultModel.slug} (${WINDOW_CHARS} characters), under the adapter's own text limit`);
  const before = e2e.upstream.modelCalls.length;

  const chat = await post("/chat/completions", { model: "codex-cli-default", messages: [{ role: "user", content: text }] });
  assert.equal(chat.status, 400);
  const chatError = ((await chat.json()) as { error: { code: string; message: string } }).error;
  assert.equal(chatError.code, "context_length_exceeded");
  assert.match(chatError.message, /too long for the model's context window/);

  const messages = await post("/messages", { model: "claude-sonnet-4-5", max_tokens: 1000, messages: [{ role: "user", content: text }] });
  assert.equal(messages.status, 400);
  const body = (await messages.json()) as { type: string; error: { type: string; message: string } };
  assert.deepEqual([body.type, body.error.type], ["error", "invalid_request_error"]);
  assert.match(body.error.message, /^prompt is too long: /);
  // Codex judged the window, not the adapter's own limits; the turn ended at Codex's compaction, before any answer from a summary.
  const answered = e2e.upstream.modelCalls.slice(before).filter((r) => !JSON.stringify(r.body.input).includes("CONTEXT CHECKPOINT COMPACTION"));
  assert.deepEqual(answered.map((r) => JSON.stringify(r.body.input).length), []);
});
