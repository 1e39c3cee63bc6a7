import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResponseOutputMessage, ResponseStreamEvent } from "openai/resources/responses/responses";
import type { ModelCall } from "../helpers/chatgpt-model-stream.ts";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { authHeaders, chatGptSuite, startChatGptE2E, waitHealthy } from "../helpers/e2e-service.ts";
import type { StandInWebSearch } from "../helpers/responses-answer.ts";

/**
 * Web search when the client asks, on the catalog's default model and the path users run: the
 * model service runs it (the stand-in ChatGPT backend answers as the Responses API does, with a
 * `web_search_call` and cited text), and each API shows it in its own shape.
 */

const DEFAULT_MODEL = defaultCatalogModel().slug;
const QUERY = "weather in Paris today";
const SOURCE = { url: "https://weather.example/paris", title: "Paris forecast", cites: "sunny, 24 °C" };
const SEARCH: StandInWebSearch = { query: QUERY, sources: [SOURCE] };
const ANSWER = ["Paris is ", "sunny, 24 °C", " today."];
const TEXT = ANSWER.join("");
const CITED = { start: TEXT.indexOf(SOURCE.cites), end: TEXT.indexOf(SOURCE.cites) + SOURCE.cites.length };

const suite = chatGptSuite();
/** The model answers with a search and cited text whenever it is offered search. */
const searching = () => suite.e2e.chatgpt.behave({ deltas: ANSWER, webSearch: SEARCH });

/** The `web_search` tool the model was offered in the last model call, if any. */
const offeredSearch = (call: ModelCall | undefined) => (call?.body.tools ?? []).find((t) => t.type === "web_search") as Record<string, unknown> | undefined;
const lastCall = () => suite.e2e.chatgpt.modelCalls.at(-1);

test("Responses: a web_search tool gives a web_search_call item and cited output_text, streamed and not", async () => {
  searching();
  const plain = await suite.openai.responses.create({ model: "codex-cli-default", input: "Weather in Paris?", tools: [{ type: "web_search" }] });
  assert.equal(lastCall()?.body.model, DEFAULT_MODEL);
  assert.deepEqual(offeredSearch(lastCall()), { type: "web_search", external_web_access: true, search_content_types: ["text", "image"] });
  const [search, message] = plain.output;
  assert.deepEqual(search?.type === "web_search_call" ? [search.status, search.action] : search, ["completed", { type: "search", query: QUERY }]);
  const part = (message as ResponseOutputMessage | undefined)?.content[0];
  assert.deepEqual(part?.type === "output_text" ? [part.text, part.annotations] : part, [
    TEXT,
    [{ type: "url_citation", start_index: CITED.start, end_index: CITED.end, url: SOURCE.url, title: SOURCE.title }],
  ]);

  const events: ResponseStreamEvent[] = [];
  for await (const e of await suite.openai.responses.create({ model: "codex-cli-default", input: "Weather in Paris?", tools: [{ type: "web_search_preview" }], stream: true })) events.push(e);
  const kinds = events.map((e) => e.type).filter((t) => t.includes("web_search_call") || t.includes("annotation"));
  assert.deepEqual(kinds, ["response.web_search_call.in_progress", "response.web_search_call.searching", "response.web_search_call.completed", "response.output_text.annotation.added"]);
});

test("Chat Completions: web_search_options gives url_citation annotations, streamed and not; its settings reach the search", async () => {
  searching();
  const web_search_options = { search_context_size: "high" as const, user_location: { type: "approximate" as const, approximate: { country: "FR", city: "Paris" } } };
  const completion = await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Weather in Paris?" }], web_search_options });
  assert.equal(completion.choices[0]?.message.content, TEXT);
  assert.deepEqual(completion.choices[0]?.message.annotations, [
    { type: "url_citation", url_citation: { start_index: CITED.start, end_index: CITED.end, url: SOURCE.url, title: SOURCE.title } },
  ]);
  assert.deepEqual(offeredSearch(lastCall()), {
    type: "web_search",
    external_web_access: true,
    user_location: { type: "approximate", country: "FR", region: "", city: "Paris", timezone: "" },
    search_context_size: "high",
    search_content_types: ["text", "image"],
  });

  const chunks = [];
  for await (const chunk of await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Weather?" }], web_search_options: {}, stream: true })) chunks.push(chunk);
  const annotations = chunks.flatMap((c) => (c.choices[0]?.delta as { annotations?: unknown[] } | undefined)?.annotations ?? []);
  assert.equal(annotations.length, 1);
});

test("Messages: the web_search server tool gives server_tool_use, web_search_tool_result and cited text; allowed_domains reach the search", async () => {
  searching();
  const tools = [{ type: "web_search_20250305" as const, name: "web_search" as const, max_uses: 5, allowed_domains: ["weather.example"] }];
  for (const message of [
    await suite.anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Weather in Paris?" }], tools }),
    await suite.anthropic.messages.stream({ model: "claude-sonnet-4-5", max_tokens: 1024, messages: [{ role: "user", content: "Weather in Paris?" }], tools }).finalMessage(),
  ]) {
    const [use, result, text] = message.content;
    assert.deepEqual(use?.type === "server_tool_use" ? [use.name, use.input] : use, ["web_search", { query: QUERY }]);
    assert.ok(result?.type === "web_search_tool_result" && Array.isArray(result.content), JSON.stringify(result));
    assert.deepEqual(result.content.map((r) => [r.url, r.title]), [[SOURCE.url, SOURCE.title]]);
    assert.equal(result.tool_use_id, use?.type === "server_tool_use" ? use.id : "");
    assert.ok(text?.type === "text");
    assert.equal(text.text, TEXT);
    assert.deepEqual(text.citations?.map((c) => (c.type === "web_search_result_location" ? [c.url, c.cited_text] : c.type)), [[SOURCE.url, SOURCE.cites]]);
    assert.equal(message.usage.server_tool_use?.web_search_requests, 1);
  }
  assert.deepEqual((offeredSearch(lastCall())?.filters as { allowed_domains?: string[] } | undefined)?.allowed_domains, ["weather.example"]);
});

test("only a request that asks is offered web search; a search's query and results never reach the log; /metrics and the dashboard count searches", async () => {
  searching();
  await suite.openai.chat.completions.create({ model: "codex-cli-default", messages: [{ role: "user", content: "Weather in Paris?" }] });
  assert.equal(offeredSearch(lastCall()), undefined);
  assert.equal(lastCall()?.body.tools?.length ?? 0, 0);
  const text = suite.e2e.logs.join("\n");
  for (const secret of [QUERY, SOURCE.url, SOURCE.title, SOURCE.cites]) assert.ok(!text.includes(secret), `the log holds ${secret}`);

  const metrics = await (await fetch(`${suite.e2e.baseURL.replace(/\/v1$/, "")}/metrics`, { headers: authHeaders() })).text();
  const searches = Number(/^codex_provider_web_searches_total (\d+)/m.exec(metrics)?.[1] ?? "0");
  assert.ok(searches >= 5, `web_searches_total ${searches}`);
  const state = (await (await fetch(`${suite.e2e.service.url}/dashboard/api/state`)).json()) as { load: { webSearches: number } };
  assert.equal(state.load.webSearches, searches);
});

test("WEB_SEARCH=off: each API refuses a search with a clear error in its own shape; cached: the search reaches no live page", async () => {
  const off = await startChatGptE2E({ env: { WEB_SEARCH: "off" } });
  try {
    await waitHealthy(off);
    const post = (path: string, body: object) => fetch(`${off.service.url}${path}`, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });
    const chat = await post("/v1/chat/completions", { messages: [{ role: "user", content: "hi" }], web_search_options: {} });
    const responses = await post("/v1/responses", { input: "hi", tools: [{ type: "web_search" }] });
    const messages = await post("/v1/messages", { model: "claude-x", max_tokens: 10, messages: [{ role: "user", content: "hi" }], tools: [{ type: "web_search_20250305", name: "web_search" }] });
    for (const res of [chat, responses]) {
      assert.equal(res.status, 400);
      const error = ((await res.json()) as { error: { code: string; message: string } }).error;
      assert.equal(error.code, "web_search_unavailable");
      assert.match(error.message, /WEB_SEARCH/);
    }
    assert.equal(messages.status, 400);
    const body = (await messages.json()) as { type: string; error: { type: string; message: string } };
    assert.deepEqual([body.type, body.error.type], ["error", "invalid_request_error"]);
    assert.match(body.error.message, /WEB_SEARCH/);
    assert.equal(off.chatgpt.modelCalls.length, 0, "nothing reached the model service");
  } finally {
    await off.close();
  }

  const cached = await startChatGptE2E({ env: { WEB_SEARCH: "cached" } });
  try {
    await waitHealthy(cached);
    cached.chatgpt.behave({ deltas: ANSWER, webSearch: SEARCH });
    const res = await fetch(`${cached.baseURL}/responses`, { method: "POST", headers: authHeaders(), body: JSON.stringify({ input: "hi", tools: [{ type: "web_search" }] }) });
    assert.equal(res.status, 200);
    assert.equal(offeredSearch(cached.chatgpt.modelCalls.at(-1))?.external_web_access, false);
  } finally {
    await cached.close();
  }
});
