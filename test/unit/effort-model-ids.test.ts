import assert from "node:assert/strict";
import { test } from "node:test";
import { createTestApp, TEST_KEY, type TestApp } from "../helpers/fake-backend.ts";

const json = { "content-type": "application/json" };

/** One request per API with the given model id (and extra fields); the turns the backend saw, as [model, effort]. */
async function turnsFor(t: TestApp, model: string, extra: { chat?: object; responses?: object; messages?: object } = {}) {
  const from = t.backend.turns.length;
  const chat = await t.chat({ model, messages: [{ role: "user", content: "hi" }], ...extra.chat });
  const responses = await t.request("/v1/responses", { method: "POST", headers: json, body: JSON.stringify({ model, input: "hi", ...extra.responses }) });
  const messages = await t.app.request("/v1/messages", {
    method: "POST",
    headers: { ...json, "x-api-key": TEST_KEY },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: "user", content: "hi" }], ...extra.messages }),
  });
  const echoed = [((await chat.json()) as { model: string }).model, ((await responses.json()) as { model: string }).model, ((await messages.json()) as { model: string }).model];
  assert.deepEqual(echoed, [model, model, model], "every API echoes the id the client sent");
  return t.backend.turns.slice(from).map((turn) => [turn.model, turn.reasoningEffort]);
}

test("<model>-<effort> ids pick the effort on every API, for efforts the catalog lists for that model", async () => {
  const t = createTestApp();
  const cases: [string, [string | undefined, string | undefined]][] = [
    ["gpt-5.5-high", ["gpt-5.5", "high"]],
    ["gpt-5.5-low", ["gpt-5.5", "low"]],
    ["codex-cli-default-medium", [undefined, "medium"]], // the default model (gpt-5.5) lists medium
    ["gpt-5.5-mini-minimal", ["gpt-5.5-mini", "minimal"]],
    ["gpt-5.5-mini", ["gpt-5.5-mini", undefined]], // a catalog id, not gpt-5.5 at effort "mini"
    ["gpt-5.5-mini-high", ["gpt-5.5-mini-high", undefined]], // high is not listed for the mini: an ordinary id
    ["codex-cli-default-xhigh", ["codex-cli-default-xhigh", undefined]],
  ];
  for (const [id, expected] of cases) assert.deepEqual(await turnsFor(t, id), [expected, expected, expected], id);
});

test("an explicit effort parameter wins over the one in the id", async () => {
  const t = createTestApp();
  const turns = await turnsFor(t, "gpt-5.5-high", { chat: { reasoning_effort: "low" }, responses: { reasoning: { effort: "low" } }, messages: { output_config: { effort: "low" } } });
  assert.deepEqual(turns, [["gpt-5.5", "low"], ["gpt-5.5", "low"], ["gpt-5.5", "low"]]);
});

test("/v1/models lists the effort variants only with MODELS_LIST_EFFORTS=true", async () => {
  const ids = async (env: Record<string, string>) => {
    const res = await createTestApp({ env }).request("/v1/models");
    return ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  };
  assert.deepEqual(await ids({}), ["codex-cli-default", "gpt-5.5", "gpt-5.5-mini"]);
  assert.deepEqual(await ids({ MODELS_LIST_EFFORTS: "true" }), [
    "codex-cli-default",
    "codex-cli-default-low",
    "codex-cli-default-medium",
    "codex-cli-default-high",
    "gpt-5.5",
    "gpt-5.5-low",
    "gpt-5.5-medium",
    "gpt-5.5-high",
    "gpt-5.5-mini",
    "gpt-5.5-mini-minimal",
    "gpt-5.5-mini-low",
  ]);
});
