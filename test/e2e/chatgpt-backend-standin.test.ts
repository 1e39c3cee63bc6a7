import assert from "node:assert/strict";
import { test } from "node:test";
import { defaultCatalogModel } from "../helpers/codex-catalog.ts";
import { assertSignInAgain, authHeaders, type ChatGptE2E, startChatGptE2E, waitHealthy } from "../helpers/e2e-service.ts";
import type { StandInChatGptOptions } from "../helpers/stand-in-chatgpt-backend.ts";

/**
 * The stand-in ChatGPT backend's transports and login paths against the real pinned binary,
 * beyond test/e2e/chatgpt-path.test.ts: the model stream over the WebSocket and over the HTTP
 * fallback, and a 401 that a successful token refresh does not cure.
 */

type Completion = { choices: { message: { content: string } }[] };

const chat = (target: ChatGptE2E) =>
  fetch(`${target.baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ model: "codex-cli-default", messages: [{ role: "user", content: "hi" }] }),
  });

/** Its own service and stand-in, so a knob set at start (or a login that ends) touches no other test. */
async function withOwn(backend: StandInChatGptOptions, env: Record<string, string>, body: (e2e: ChatGptE2E) => Promise<void>): Promise<void> {
  const e2e = await startChatGptE2E({ backend, env });
  try {
    await waitHealthy(e2e);
    await body(e2e);
    assert.deepEqual([...e2e.egress.attempts], [], "nothing but the tunnelled hosts was tried");
  } finally {
    await e2e.close();
  }
}

for (const refuseWebSocket of [false, true]) {
  const transport = refuseWebSocket ? "http" : "ws";
  test(`the model stream ${refuseWebSocket ? "over the HTTP fallback (upgrades refused; zstd body)" : "over the WebSocket"} answers with the stand-in's text`, async () => {
    await withOwn({ refuseWebSocket }, {}, async (e2e) => {
      e2e.chatgpt.behave({ deltas: ["over ", transport] });
      const res = await chat(e2e);
      assert.equal(res.status, 200);
      assert.equal(((await res.json()) as Completion).choices[0]?.message.content, `over ${transport}`);
      assert.deepEqual(e2e.chatgpt.modelCalls.map((c) => c.transport), [transport]);
      assert.equal(e2e.chatgpt.modelCalls[0]?.body.model, defaultCatalogModel().slug, "the body was decoded, and the model is the catalog's default");
      assert.ok(e2e.chatgpt.calls.some((c) => c.transport === "ws" && c.method === "GET"), "Codex tried the upgrade first");
    });
  });
}

test("a backend 401 that outlasts a successful token refresh becomes 503 asking to sign in again", async () => {
  // Codex retries 5 times over the WebSocket, falls back to HTTPS and refreshes its token before each POST: about 13 s.
  await withOwn({ grantTokenRefresh: true }, { CODEX_REQUEST_TIMEOUT_SECONDS: "40" }, async (e2e) => {
    e2e.chatgpt.fault("model", 401);
    const res = await chat(e2e);
    await assertSignInAgain(res);
    assert.ok(e2e.chatgpt.calls.filter((c) => c.endpoint === "token-refresh").length > 1, "Codex refreshed its token, and the refresh was granted each time");
  });
});
