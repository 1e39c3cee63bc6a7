import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import OpenAI from "openai";
import { startE2E, TEST_API_KEY, waitHealthy, type E2E } from "../helpers/e2e-service.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";

let e2e: E2E;
let client: OpenAI;
before(async () => {
  // exec's login check is `codex login status`, so this run also carries a (fabricated) ChatGPT login.
  e2e = await startE2E({ env: { CODEX_BACKEND: "exec" }, codexHomeFiles: { "auth.json": fakeChatGptAuthJson() } });
  await waitHealthy(e2e);
  client = new OpenAI({ baseURL: e2e.baseURL, apiKey: TEST_API_KEY, maxRetries: 0 });
});
after(() => e2e.close());

test("exec backend: a one-shot codex exec answers with the full text and exact usage", async () => {
  e2e.upstream.behave({ deltas: ["exec ", "says ", "hi"] });
  const seen = e2e.upstream.requests.length;
  const completion = await client.chat.completions.create({
    model: "codex-cli-default",
    messages: [
      { role: "system", content: "EXEC-SYSTEM-NOTE" },
      { role: "user", content: "earlier" },
      { role: "assistant", content: "earlier answer" },
      { role: "user", content: "now" },
    ],
  });
  assert.equal(completion.choices[0]?.message.content, "exec says hi");
  assert.equal(completion.usage?.prompt_tokens, 21);
  assert.equal(completion.usage?.completion_tokens, 7);
  const sent = JSON.stringify(e2e.upstream.requests.slice(seen).map((r) => r.body.input));
  assert.ok(sent.includes("EXEC-SYSTEM-NOTE") && sent.includes("earlier answer"), "the conversation reached the upstream");
  assert.ok(sent.includes("You are a helpful assistant") && !sent.includes("coding agent"), "Codex's coding-agent prompt is replaced");
});

test("exec backend: streaming still follows the chunk contract (one content delta)", async () => {
  e2e.upstream.behave({ deltas: ["a", "b", "c"] });
  const stream = await client.chat.completions.create({
    model: "codex-cli-default",
    messages: [{ role: "user", content: "x" }],
    stream: true,
  });
  const contents: string[] = [];
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    if (chunk.choices[0]?.delta.content) contents.push(chunk.choices[0].delta.content);
    finish = chunk.choices[0]?.finish_reason ?? finish;
  }
  assert.deepEqual(contents, ["abc"]);
  assert.equal(finish, "stop");
});
