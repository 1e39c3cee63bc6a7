import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { authHeaders, startE2E, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { DEFAULT_USAGE } from "../helpers/stand-in-upstream.ts";
import { parseSse } from "../helpers/sse.ts";

let e2e: E2E;
before(async () => {
  e2e = await startE2E();
  await waitHealthy(e2e);
});
after(() => e2e.close());

const post = (body: object) =>
  fetch(`${e2e.baseURL}/chat/completions`, { method: "POST", headers: authHeaders(), body: JSON.stringify(body) });

test("non-streaming: the stand-in's text, its reasoning summary and exact usage come back", async () => {
  e2e.upstream.behave({ deltas: ["The ", "answer ", "is ", "42."], summary: ["Looking it up.", "Found it."] });
  const res = await post({ model: "codex-cli-default", messages: [{ role: "user", content: "What is the answer?" }] });
  assert.equal(res.status, 200);
  const body = (await res.json()) as {
    object: string;
    choices: { message: { role: string; content: string; refusal: null; reasoning_content?: string }; finish_reason: string }[];
    usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
  };
  assert.equal(body.object, "chat.completion");
  // The default model writes reasoning summaries; the adapter asks for them (REASONING_SUMMARY=auto), its parts a blank line apart.
  assert.deepEqual(body.choices[0]?.message, { role: "assistant", content: "The answer is 42.", refusal: null, reasoning_content: "Looking it up.\n\nFound it." });
  assert.equal(e2e.upstream.modelCalls.at(-1)?.body.reasoning?.summary, "auto");
  assert.equal(body.choices[0]?.finish_reason, "stop");
  assert.deepEqual(body.usage.prompt_tokens, DEFAULT_USAGE.input_tokens);
  assert.deepEqual(body.usage.completion_tokens, DEFAULT_USAGE.output_tokens);
  assert.deepEqual(body.usage.total_tokens, DEFAULT_USAGE.input_tokens + DEFAULT_USAGE.output_tokens);
});

test("streaming: every upstream delta arrives as its own chunk, then usage and [DONE]", async () => {
  const deltas = Array.from({ length: 25 }, (_, i) => `w${i} `);
  e2e.upstream.behave({ deltas, deltaIntervalMs: 5, usage: { input_tokens: 99, cached_tokens: 0, output_tokens: 25, reasoning_tokens: 0 } });
  const res = await post({
    model: "codex-cli-default",
    stream: true,
    stream_options: { include_usage: true },
    messages: [{ role: "user", content: "Count." }],
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const { data } = parseSse(await res.text());
  assert.equal(data.at(-1), "[DONE]");
  const chunks = data.slice(0, -1).map((d) => JSON.parse(d) as {
    object: string;
    choices: { delta: { role?: string; content?: string }; finish_reason: string | null }[];
    usage?: { prompt_tokens: number; completion_tokens: number };
  });
  assert.ok(chunks.every((c) => c.object === "chat.completion.chunk"));
  assert.equal(chunks[0]?.choices[0]?.delta.role, "assistant");
  const contents = chunks.flatMap((c) => c.choices.map((ch) => ch.delta.content ?? "")).filter(Boolean);
  assert.deepEqual(contents, deltas);
  const finish = chunks.filter((c) => c.choices[0]?.finish_reason);
  assert.equal(finish.length, 1);
  assert.equal(finish[0]?.choices[0]?.finish_reason, "stop");
  const last = chunks.at(-1);
  assert.deepEqual(last?.choices, []);
  assert.equal(last?.usage?.prompt_tokens, 99);
  assert.equal(last?.usage?.completion_tokens, 25);
});

test("system messages reach the upstream as developer instructions; history is replayed as real items", async () => {
  e2e.upstream.behave({ deltas: ["ok"] });
  const seen = e2e.upstream.modelCalls.length;
  const res = await post({
    model: "codex-cli-default",
    messages: [
      { role: "system", content: "SYSTEM-RULE-7: answer in French." },
      { role: "user", content: "first question" },
      { role: "assistant", content: "first answer" },
      { role: "user", content: [{ type: "text", text: "second question" }] },
    ],
  });
  assert.equal(res.status, 200);
  const sent = e2e.upstream.modelCalls[seen];
  assert.ok(sent, "the upstream received a responses request");
  const messages = (sent.body.input ?? []).map((i) => ({ role: i.role, text: (i.content ?? []).map((c) => c.text).join("") }));
  const system = messages.find((m) => m.text.includes("SYSTEM-RULE-7"));
  assert.equal(system?.role, "developer");
  const tail = messages.slice(-3);
  assert.deepEqual(tail, [
    { role: "user", text: "first question" },
    { role: "assistant", text: "first answer" },
    { role: "user", text: "second question" },
  ]);
  const input = JSON.stringify(sent.body.input);
  assert.ok(!input.includes("environment_context"), "no coding-agent context is added");
  assert.ok(input.includes("You are a helpful assistant") && !input.includes("coding agent"), "Codex's coding-agent prompt is replaced");
});

test("the upstream request offers the model no shell, file, web or patch tools", async () => {
  e2e.upstream.behave({ deltas: ["ok"] });
  const seen = e2e.upstream.modelCalls.length;
  assert.equal((await post({ messages: [{ role: "user", content: "hi" }] })).status, 200);
  const sent = e2e.upstream.modelCalls[seen];
  const tools = (sent?.body.tools ?? []).map((t) => t.name ?? t.type);
  const forbidden = /shell|exec|command|stdin|patch|file|image|web|search|browser|computer|agent|goal|sleep/i;
  assert.deepEqual(tools.filter((t) => forbidden.test(t)), [], `tools offered: ${tools.join(", ")}`);
});

test("without a ChatGPT login Codex tries to reach nothing beyond the stand-in", () => {
  assert.ok(e2e.upstream.requests.length > 0);
  assert.deepEqual([...e2e.egress.attempts.keys()], []);
});

test("prompts, answers and the bearer key never appear in the logs", async () => {
  e2e.upstream.behave({ deltas: ["SECRET-ANSWER-", "PAYLOAD"] });
  const res = await post({ messages: [{ role: "user", content: "SECRET-PROMPT-PAYLOAD" }] });
  assert.equal(res.status, 200);
  const logs = e2e.logs.join("");
  assert.ok(logs.includes('"path":"/v1/chat/completions"'), "requests are logged");
  for (const secret of ["SECRET-PROMPT-PAYLOAD", "SECRET-ANSWER-PAYLOAD", e2e.service.apiKey]) {
    assert.ok(!logs.includes(secret), `logs must not contain ${secret.slice(0, 12)}…`);
  }
});

test("a catalog model and a supported reasoning_effort reach the upstream request", async () => {
  const models = (await (await fetch(`${e2e.baseURL}/models`, { headers: authHeaders() })).json()) as { data: { id: string }[] };
  const model = models.data.map((m) => m.id).find((id) => id !== "codex-cli-default");
  assert.ok(model, "the live catalog lists a model");
  e2e.upstream.behave({ deltas: ["ok"] });
  const seen = e2e.upstream.modelCalls.length;
  const res = await post({ model, reasoning_effort: "high", messages: [{ role: "user", content: "think hard" }] });
  assert.equal(res.status, 200);
  const sent = e2e.upstream.modelCalls[seen];
  assert.equal(sent?.body.model, model);
  assert.equal(sent?.body.reasoning?.effort, "high");
});
