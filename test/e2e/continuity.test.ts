import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import Anthropic from "@anthropic-ai/sdk";
import type { MessageParam } from "@anthropic-ai/sdk/resources/messages";
import OpenAI from "openai";
import type { ChatCompletionMessageParam, ChatCompletionTool } from "openai/resources/chat/completions";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import type { ReceivedRequest } from "../helpers/stand-in-upstream.ts";

// Conversation continuity with the real binary: which Codex thread answered is read from the
// upstream's side, as the prompt_cache_key Codex sends (its thread id).
let e2e: E2E;
let client: OpenAI;
before(async () => {
  e2e = await startE2E({ env: { MAX_MESSAGES: "128" } });
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

type Input = NonNullable<ReceivedRequest["body"]["input"]>;

/** The stand-in answers each model call with `echo: <the last user text>`, so every answer shows which question it answers. */
function echoLastUser(): void {
  e2e.upstream.behave((req) => {
    const users = (req.body.input ?? []).filter((i) => i.type === "message" && i.role === "user");
    const text = users.at(-1)?.content?.map((c) => c.text ?? "").join("") ?? "";
    return { deltas: ["echo: ", text] };
  });
}

interface Answered {
  readonly content: string;
  /** The prompt_cache_key of each model call the request made. */
  readonly keys: readonly string[];
  readonly inputs: readonly Input[];
}

/** One request through the openai package; the model calls it caused are the ones made meanwhile (requests here run one by one unless said). */
async function ask(messages: ChatCompletionMessageParam[], options: { stream?: boolean; tools?: ChatCompletionTool[]; model?: string } = {}): Promise<Answered> {
  const before = e2e.upstream.modelCalls.length;
  let content = "";
  const body = { model: options.model ?? "codex-cli-default", messages, ...(options.tools ? { tools: options.tools } : {}) };
  if (options.stream) {
    const stream = await client.chat.completions.create({ ...body, stream: true });
    for await (const chunk of stream) content += chunk.choices[0]?.delta.content ?? "";
  } else {
    const r = await client.chat.completions.create(body);
    content = r.choices[0]?.message.content ?? "";
  }
  const calls = e2e.upstream.modelCalls.slice(before);
  return { content, keys: calls.map((c) => c.body.prompt_cache_key ?? "none"), inputs: calls.map((c) => c.body.input ?? []) };
}

/** A conversation of `turns` exchanges, built by asking; returns its messages and the key of every turn. */
async function converse(turns: number, tag: string, messages: ChatCompletionMessageParam[] = []): Promise<{ messages: ChatCompletionMessageParam[]; keys: string[] }> {
  const keys: string[] = [];
  for (let i = 0; i < turns; i += 1) {
    messages.push({ role: "user", content: `${tag} ${i}` });
    const a = await ask(messages, { stream: i % 2 === 1 });
    assert.equal(a.content, `echo: ${tag} ${i}`);
    keys.push(...a.keys);
    messages.push({ role: "assistant", content: a.content });
  }
  return { messages, keys };
}

const userTexts = (input: Input) => input.filter((i) => i.type === "message" && i.role === "user").map((i) => i.content?.map((c) => c.text).join(""));

test("a 40-turn conversation, streaming and not, reaches the upstream with one prompt_cache_key, each input extending the last", async () => {
  echoLastUser();
  const before = e2e.upstream.modelCalls.length;
  const { keys } = await converse(40, "long", [{ role: "system", content: "Answer briefly." }]);
  assert.equal(keys.length, 40);
  assert.equal(new Set(keys).size, 1, "one thread, one cache key");
  const inputs = e2e.upstream.modelCalls.slice(before).map((c) => c.body.input ?? []);
  for (let i = 1; i < inputs.length; i += 1) {
    const [prev, next] = [inputs[i - 1] ?? [], inputs[i] ?? []];
    assert.deepEqual(next.slice(0, prev.length), prev, `turn ${i + 1}'s input starts with turn ${i}'s`);
    assert.deepEqual(userTexts(next).at(-1), `long ${i}`);
  }
  // The last input holds the whole conversation exactly once: nothing was replayed twice.
  assert.equal(userTexts(inputs.at(-1) ?? []).length, 40);
});

test("regenerate the last answer: a fresh thread with the whole conversation; either answer then continues on its own thread", async () => {
  echoLastUser();
  const { messages, keys } = await converse(3, "regen");
  const original = keys[0];
  e2e.upstream.behave({ deltas: ["another take"] });
  const regenerated = await ask(messages.slice(0, -1));
  assert.equal(regenerated.content, "another take");
  assert.notEqual(regenerated.keys[0], original, "the thread that already answered is not asked twice");
  assert.deepEqual(userTexts(regenerated.inputs[0] ?? []), ["regen 0", "regen 1", "regen 2"]);
  echoLastUser();
  const keepOriginal = await ask([...messages, { role: "user", content: "regen 3" }]);
  assert.equal(keepOriginal.content, "echo: regen 3");
  assert.deepEqual(keepOriginal.keys, [original]);
  const keepRegenerated = await ask([...messages.slice(0, -1), { role: "assistant", content: "another take" }, { role: "user", content: "regen 3b" }]);
  assert.equal(keepRegenerated.content, "echo: regen 3b");
  assert.deepEqual(keepRegenerated.keys, regenerated.keys);
});

test("an edited earlier message, or a trimmed or summarised history, starts a fresh thread that sees exactly what was sent", async () => {
  echoLastUser();
  const { messages, keys } = await converse(3, "edit");
  const variants: ChatCompletionMessageParam[][] = [
    [{ role: "user", content: "edit 0, edited" }, ...messages.slice(1)],
    messages.slice(2), // the oldest exchange trimmed
    [{ role: "user", content: "Summary of earlier turns." }, { role: "assistant", content: "Noted." }, ...messages.slice(4)],
  ];
  for (const variant of variants) {
    const a = await ask([...variant, { role: "user", content: "edit next" }]);
    assert.equal(a.content, "echo: edit next");
    assert.notEqual(a.keys[0], keys[0]);
    assert.deepEqual(userTexts(a.inputs[0] ?? []), [...variant.filter((m) => m.role === "user").map((m) => m.content), "edit next"]);
  }
});

test("two branches from one prefix: the first continues the thread, the second gets its own, and each goes on on its own", async () => {
  echoLastUser();
  const { messages, keys } = await converse(2, "branch");
  const a = await ask([...messages, { role: "user", content: "branch A" }]);
  const b = await ask([...messages, { role: "user", content: "branch B" }]);
  assert.deepEqual([a.content, b.content], ["echo: branch A", "echo: branch B"]);
  assert.deepEqual(a.keys, [keys[0]]);
  assert.notEqual(b.keys[0], keys[0]);
  const a2 = await ask([...messages, { role: "user", content: "branch A" }, { role: "assistant", content: a.content }, { role: "user", content: "A again" }]);
  const b2 = await ask([...messages, { role: "user", content: "branch B" }, { role: "assistant", content: b.content }, { role: "user", content: "B again" }]);
  assert.deepEqual([a2.keys, b2.keys], [a.keys, b.keys]);
  assert.deepEqual([a2.content, b2.content], ["echo: A again", "echo: B again"]);
});

test("two conversations sharing a 20-message prefix, then differing, never share a thread", async () => {
  echoLastUser();
  const shared = await converse(10, "shared");
  assert.equal(shared.messages.length, 20);
  const x = [...shared.messages];
  const y = [...shared.messages];
  const xKeys = new Set<string>();
  const yKeys = new Set<string>();
  for (let i = 0; i < 3; i += 1) {
    for (const [conv, keys, tag] of [[x, xKeys, "X"], [y, yKeys, "Y"]] as const) {
      conv.push({ role: "user", content: `${tag} ${i}` });
      const a = await ask(conv);
      assert.equal(a.content, `echo: ${tag} ${i}`);
      for (const k of a.keys) keys.add(k);
      // What Y's model call sees is Y's visible history, never X's turns (and the reverse).
      const other = tag === "X" ? "Y" : "X";
      assert.ok(!userTexts(a.inputs[0] ?? []).some((t) => t?.startsWith(`${other} `)), `${tag} saw none of ${other}'s messages`);
      conv.push({ role: "assistant", content: a.content });
    }
  }
  assert.equal(xKeys.size, 1);
  assert.equal(yKeys.size, 1);
  assert.ok(![...xKeys].some((k) => yKeys.has(k)), "no thread answered both");
});

test("two concurrent requests that match one warm thread: one continues it, the other gets a fresh thread; both answers are right", async () => {
  const { messages, keys } = await (echoLastUser(), converse(2, "concurrent"));
  e2e.upstream.behave((req) => {
    const users = (req.body.input ?? []).filter((i) => i.type === "message" && i.role === "user");
    return { deltas: ["echo: ", users.at(-1)?.content?.[0]?.text ?? ""], firstByteDelayMs: 300 };
  });
  const send = (text: string) => client.chat.completions.create({ model: "codex-cli-default", messages: [...messages, { role: "user", content: text }] });
  const before = e2e.upstream.modelCalls.length;
  const [p, q] = await Promise.all([send("first"), send("second")]);
  assert.deepEqual([p.choices[0]?.message.content, q.choices[0]?.message.content], ["echo: first", "echo: second"]);
  const used = e2e.upstream.modelCalls.slice(before).map((c) => c.body.prompt_cache_key);
  assert.equal(used.length, 2);
  assert.equal(new Set(used).size, 2, "never two turns at once on one thread");
  assert.ok(used.includes(keys[0]));
});

const weather: ChatCompletionTool[] = [
  { type: "function", function: { name: "get_weather", description: "Weather of a city", parameters: { type: "object", properties: { city: { type: "string" } } } } },
];

test("a tool conversation continues on its thread after the tool result and the final answer", async () => {
  e2e.upstream.behave((req) => {
    const input = req.body.input ?? [];
    const last = input.at(-1);
    if (last?.type === "message" && last.role === "user" && userTexts(input).at(-1) === "Weather in Paris?") {
      return { functionCalls: [{ callId: "call_w1", name: "get_weather", arguments: '{"city":"Paris"}' }] };
    }
    return { deltas: ["echo: ", String(last?.type === "function_call_output" ? last.output : userTexts(input).at(-1))] };
  });
  const messages: ChatCompletionMessageParam[] = [{ role: "user", content: "Weather in Paris?" }];
  const first = await client.chat.completions.create({ model: "codex-cli-default", messages, tools: weather });
  const call = first.choices[0]?.message;
  assert.equal(first.choices[0]?.finish_reason, "tool_calls");
  assert.ok(call);
  messages.push(call, { role: "tool", tool_call_id: "call_w1", content: "22 C" });
  const before = e2e.upstream.modelCalls.length - 1;
  const answer = await ask(messages, { tools: weather });
  assert.equal(answer.content, "echo: 22 C");
  messages.push({ role: "assistant", content: answer.content }, { role: "user", content: "And tomorrow?" });
  const next = await ask(messages, { tools: weather, stream: true });
  assert.equal(next.content, "echo: And tomorrow?");
  const keys = e2e.upstream.modelCalls.slice(before).map((c) => c.body.prompt_cache_key);
  assert.equal(keys.length, 3);
  assert.equal(new Set(keys).size, 1, "the call, the answer after the result and the next question: one thread");
  assert.equal(userTexts(next.inputs[0] ?? []).filter((t) => t === "Weather in Paris?").length, 1, "nothing replayed");
});

test("/v1/responses with previous_response_id continues on one thread", async () => {
  echoLastUser();
  const before = e2e.upstream.modelCalls.length;
  let previous: string | undefined;
  for (const text of ["resp 0", "resp 1", "resp 2"]) {
    const r = await client.responses.create({ model: "codex-cli-default", input: text, ...(previous ? { previous_response_id: previous } : {}) });
    assert.equal(r.output_text, `echo: ${text}`);
    previous = r.id;
  }
  const keys = e2e.upstream.modelCalls.slice(before).map((c) => c.body.prompt_cache_key);
  assert.equal(new Set(keys).size, 1);
});

test("images in history: the same image continues the thread, other image bytes start a fresh one", async () => {
  echoLastUser();
  const model = (await e2e.service.backend.listModels()).find((m) => m.inputModalities.includes("image"))?.id;
  assert.ok(model, "the pinned catalog has a model that reads images");
  const png = (last: string) => `data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMI${last}AAAAASUVORK5CYII=`;
  const first: ChatCompletionMessageParam = { role: "user", content: [{ type: "text", text: "image 0" }, { type: "image_url", image_url: { url: png("Q") } }] };
  const a = await ask([first], { model });
  const history: ChatCompletionMessageParam[] = [first, { role: "assistant", content: a.content }];
  const same = await ask([...history, { role: "user", content: "image 1" }], { model });
  assert.deepEqual(same.keys, a.keys);
  const changed: ChatCompletionMessageParam = { role: "user", content: [{ type: "text", text: "image 0" }, { type: "image_url", image_url: { url: png("R") } }] };
  const other = await ask([changed, { role: "assistant", content: a.content }, { role: "user", content: "image 1" }], { model });
  assert.equal(other.content, "echo: image 1");
  assert.notEqual(other.keys[0], a.keys[0]);
});

test("/v1/messages (Anthropic): a conversation, tool_use and tool_result included, stays on one thread", async () => {
  const anthropic = new Anthropic({ baseURL: e2e.service.url, apiKey: TEST_API_KEY, maxRetries: 0 });
  e2e.upstream.behave((req) => {
    const input = req.body.input ?? [];
    const last = input.at(-1);
    if (userTexts(input).at(-1) === "Weather?" && last?.type === "message") {
      // Spaced arguments: the Messages API hands them back re-serialised, without the spaces.
      return { functionCalls: [{ callId: "call_m1", name: "get_weather", arguments: '{"city": "Paris"}' }] };
    }
    return { deltas: ["echo: ", String(last?.type === "function_call_output" ? last.output : userTexts(input).at(-1))] };
  });
  const tools = [{ name: "get_weather", description: "Weather of a city", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } }];
  const before = e2e.upstream.modelCalls.length;
  const messages: MessageParam[] = [];
  for (const text of ["Hello", "Weather?", "Thanks"]) {
    messages.push({ role: "user", content: text });
    let reply = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 256, system: "Be brief.", messages, tools });
    if (reply.stop_reason === "tool_use") {
      messages.push({ role: "assistant", content: reply.content });
      messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: "call_m1", content: "22 C" }] });
      reply = await anthropic.messages.create({ model: "claude-sonnet-4-5", max_tokens: 256, system: "Be brief.", messages, tools });
      assert.deepEqual(reply.content, [{ type: "text", text: "echo: 22 C" }]);
    } else {
      assert.deepEqual(reply.content, [{ type: "text", text: `echo: ${text}` }]);
    }
    messages.push({ role: "assistant", content: reply.content });
  }
  const keys = e2e.upstream.modelCalls.slice(before).map((c) => c.body.prompt_cache_key);
  assert.equal(keys.length, 4);
  assert.equal(new Set(keys).size, 1);
});

test("/metrics counts the reuse hits and misses by reason, and the warm threads", async () => {
  const text = await (await fetch(`${e2e.service.url}/metrics`, { headers: { Authorization: `Bearer ${TEST_API_KEY}` } })).text();
  const value = (line: string) => Number(text.split("\n").find((l) => l.startsWith(line))?.split(" ").at(-1));
  assert.ok(value("codex_provider_continuity_hits_total") >= 40 + 3);
  assert.ok(value('codex_provider_continuity_misses_total{reason="busy"}') >= 1);
  assert.ok(value('codex_provider_continuity_misses_total{reason="moved_on"}') >= 1);
  assert.ok(value("codex_provider_warm_threads") >= 5);
});
