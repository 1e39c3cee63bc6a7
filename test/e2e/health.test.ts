import assert from "node:assert/strict";
import { test } from "node:test";
import { authHeaders, startE2E, waitFor, waitHealthy } from "../helpers/e2e-service.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";

const health = async (url: string) => (await fetch(`${url}/healthz`)).status;

test("an empty CODEX_HOME (no login) keeps healthz at 503 and chat answers 503 asking to sign in", async () => {
  const e2e = await startE2E({ codexConfig: false });
  try {
    await waitFor(async () => (await health(e2e.service.url)) === 503 && e2e.logs.some((l) => l.includes("not signed in")), 15_000, "the login check");
    const body = await (await fetch(`${e2e.service.url}/healthz`)).json();
    assert.deepEqual(body, { status: "unavailable" }, "no detail on the unauthenticated probe");
    const res = await fetch(`${e2e.baseURL}/chat/completions`, {
      method: "POST",
      headers: authHeaders(),
      body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
    });
    assert.equal(res.status, 503);
    const error = ((await res.json()) as { error: { code: string; message: string } }).error;
    assert.equal(error.code, "codex_login_required");
    assert.match(error.message, /npm run login/);
    assert.equal(e2e.upstream.requests.length, 0);
  } finally {
    await e2e.close();
  }
});

test("a fabricated ChatGPT auth.json (no network) makes healthz 200", async () => {
  const e2e = await startE2E({ codexConfig: false, codexHomeFiles: { "auth.json": fakeChatGptAuthJson() } });
  try {
    await waitHealthy(e2e);
    assert.deepEqual(await (await fetch(`${e2e.service.url}/healthz`)).json(), { status: "ok" });
  } finally {
    await e2e.close();
  }
});
