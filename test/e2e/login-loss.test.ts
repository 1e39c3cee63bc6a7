import assert from "node:assert/strict";
import { rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { authHeaders, waitFor, waitHealthy } from "../helpers/e2e-service.ts";
import { startSignInE2E } from "../helpers/fake-auth-issuer.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";

/*
 * Codex's app-server keeps the login it loaded at start; these tests check that the adapter
 * still notices a login that goes away while it runs, without a restart.
 */

/** The periodic login check's interval: below the smallest HEALTH_CHECK_INTERVAL_SECONDS (5), so the test waits on checks a second apart. */
const INTERVAL_MS = 1000;
const healthStatus = async (url: string) => (await fetch(`${url}/healthz`)).status;

interface ErrorBody {
  error: { code: string; message: string };
}

const chat = (baseURL: string) =>
  fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
  });

test("auth.json deleted while running: healthz turns 503 asking to sign in again within the check interval; restoring it brings 200 back", async () => {
  const e2e = await startSignInE2E({ signedIn: true, limits: { healthCheckIntervalMs: INTERVAL_MS } });
  const authFile = path.join(e2e.codexHome, "auth.json");
  try {
    await waitHealthy(e2e);
    assert.equal((await chat(e2e.baseURL)).status, 200);

    rmSync(authFile);
    const removedAt = Date.now();
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 503, INTERVAL_MS + 3000, "healthz 503 after auth.json was removed");
    assert.ok(Date.now() - removedAt <= INTERVAL_MS + 3000);
    assert.match(e2e.service.readiness.problem() ?? "", /sign in again/);
    assert.ok(e2e.logs.some((l) => l.includes("not ready") && l.includes("sign in again")), "the reason is logged");

    const upstreamCalls = e2e.upstream.requests.length;
    const refused = await chat(e2e.baseURL);
    assert.equal(refused.status, 503);
    const { error } = (await refused.json()) as ErrorBody;
    assert.equal(error.code, "codex_login_required");
    assert.match(error.message, /sign in again/);
    assert.equal(e2e.upstream.requests.length, upstreamCalls, "Codex's cached login was not used");

    writeFileSync(authFile, fakeChatGptAuthJson(), { mode: 0o600 });
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 200, INTERVAL_MS + 10_000, "healthz 200 after auth.json came back");
    assert.equal((await chat(e2e.baseURL)).status, 200);
  } finally {
    await e2e.close();
  }
});

test("a revoked login (upstream 401, token refresh refused): 503 sign in again, until a new login appears", async () => {
  const e2e = await startSignInE2E({ signedIn: true, limits: { healthCheckIntervalMs: INTERVAL_MS } });
  try {
    await waitHealthy(e2e);
    // Codex answers the upstream 401 by refreshing its token at the fake issuer, which refuses it as revoked.
    e2e.issuer.revoke();
    e2e.upstream.behave({ status: 401, errorBody: { error: { type: "invalid_request_error", code: "token_revoked", message: "token revoked" } } });
    const failed = await chat(e2e.baseURL);
    assert.equal(failed.status, 503);
    assert.equal(((await failed.json()) as ErrorBody).error.code, "codex_login_required");
    assert.ok(e2e.issuer.requests.includes("POST /oauth/token"), "Codex tried to refresh before giving up");

    await waitFor(async () => (await healthStatus(e2e.service.url)) === 503, 3000, "healthz 503 right after the refusal");
    assert.match(e2e.service.readiness.problem() ?? "", /refused the Codex login .*sign in again/);
    // Stays refused across periodic checks (Codex itself still holds the login).
    await new Promise((r) => setTimeout(r, 2 * INTERVAL_MS + 500));
    assert.equal(await healthStatus(e2e.service.url), 503);
    const upstreamCalls = e2e.upstream.requests.length;
    const refused = await chat(e2e.baseURL);
    assert.equal(refused.status, 503);
    assert.match(((await refused.json()) as ErrorBody).error.message, /sign in again/);
    assert.equal(e2e.upstream.requests.length, upstreamCalls, "refused before reaching Codex");

    // The operator signs in again from the terminal (`npm run login` writes a new auth.json).
    e2e.upstream.behave({ deltas: ["back"] });
    writeFileSync(path.join(e2e.codexHome, "auth.json"), fakeChatGptAuthJson(), { mode: 0o600 });
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 200, INTERVAL_MS + 10_000, "healthz 200 after a new login");
    assert.equal((await chat(e2e.baseURL)).status, 200);
  } finally {
    await e2e.close();
  }
});
