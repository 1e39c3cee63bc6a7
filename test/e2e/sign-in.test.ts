import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import path from "node:path";
import { test } from "node:test";
import { authHeaders, waitFor } from "../helpers/e2e-service.ts";
import { FAKE_USAGE, startSignInE2E } from "../helpers/fake-auth-issuer.ts";

/*
 * Device-code sign-in through the real pinned app-server, offline: Codex's login calls go to a
 * fake issuer on 127.0.0.1 (CODEX_APP_SERVER_LOGIN_ISSUER, chatgpt_base_url), everything else to
 * the refusing egress guard. Not exercised here: the browser side at auth.openai.com, the real
 * token contents and workspace routing, usage figures from the real ChatGPT backend, and the
 * revocation Codex attempts upstream on sign-out (refused by the egress guard).
 */

const healthStatus = async (url: string) => (await fetch(`${url}/healthz`)).status;

const chat = (baseURL: string) =>
  fetch(`${baseURL}/chat/completions`, {
    method: "POST",
    headers: authHeaders(),
    body: JSON.stringify({ messages: [{ role: "user", content: "hi" }] }),
  });

test("a device-code sign-in started from the backend flips healthz to 200 without a restart; sign-out flips it back", async () => {
  // The default 30 s periodic check: the flips below within a few seconds come from the sign-in itself.
  const e2e = await startSignInE2E();
  const { backend, readiness } = e2e.service;
  try {
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 503 && readiness.problem()?.includes("not signed in") === true, 20_000, "not signed in");
    const refused = await chat(e2e.baseURL);
    assert.equal(refused.status, 503);
    assert.equal(((await refused.json()) as { error: { code: string } }).error.code, "codex_login_required");
    assert.equal((await backend.accountDetails()).signedIn, false);

    const pending = await backend.startLogin();
    assert.equal(pending.status, "pending");
    assert.ok(pending.status === "pending");
    assert.equal(pending.verificationUrl, `${e2e.issuer.url}/codex/device`);
    assert.equal(pending.userCode, e2e.issuer.userCode);
    assert.deepEqual(backend.loginState(), pending);
    // Codex polls while the user has not approved yet.
    await waitFor(() => e2e.issuer.requests.includes("POST /api/accounts/deviceauth/token"), 10_000, "token polling");
    assert.equal(backend.loginState().status, "pending");

    e2e.issuer.approve();
    await waitFor(() => backend.loginState().status === "succeeded", 15_000, "sign-in completed");
    assert.ok(e2e.issuer.requests.includes("POST /oauth/token"));
    assert.ok(existsSync(path.join(e2e.codexHome, "auth.json")), "Codex stored the login in the dedicated home");
    const restartsBefore = backend.runtime().restarts;
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 200, 5_000, "healthz 200 right after the sign-in");
    assert.equal(backend.runtime().restarts, restartsBefore, "no restart of Codex was needed");

    const details = await backend.accountDetails();
    assert.equal(details.signedIn, true);
    assert.equal(details.authMode, "chatgpt");
    assert.equal(details.planType, "plus");
    assert.deepEqual(details.rateLimits?.primary, {
      usedPercent: FAKE_USAGE.primaryPercent,
      windowMinutes: FAKE_USAGE.primaryWindowSeconds / 60,
      resetsAt: FAKE_USAGE.resetsAt,
    });
    assert.equal(details.rateLimits?.secondary?.usedPercent, FAKE_USAGE.secondaryPercent);

    const answered = await chat(e2e.baseURL);
    assert.equal(answered.status, 200);
    assert.equal(e2e.upstream.modelCalls.length, 1);

    await backend.logout();
    assert.deepEqual(backend.loginState(), { status: "idle" });
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 503, 5_000, "healthz 503 right after the sign-out");
    assert.equal((await backend.accountDetails()).signedIn, false);
    assert.equal(existsSync(path.join(e2e.codexHome, "auth.json")), false);

    const logs = e2e.logs.join("\n");
    for (const secret of ["fake-access-token", "fake-refresh-token", "tester@example.invalid", pending.userCode]) {
      assert.equal(logs.includes(secret), false, `the log must not contain ${secret}`);
    }
  } finally {
    await e2e.close();
  }
});

test("a second sign-in replaces a pending one, cancel returns to idle, and a declined code ends failed", async () => {
  const e2e = await startSignInE2E();
  const { backend } = e2e.service;
  try {
    await waitFor(async () => (await healthStatus(e2e.service.url)) === 503 && e2e.service.readiness.problem()?.includes("not signed in") === true, 20_000, "not signed in");
    const first = await backend.startLogin();
    const second = await backend.startLogin();
    assert.ok(first.status === "pending" && second.status === "pending");
    assert.notEqual(second.loginId, first.loginId);
    assert.equal(second.userCode, e2e.issuer.userCode);

    await backend.cancelLogin();
    assert.deepEqual(backend.loginState(), { status: "idle" });

    await backend.startLogin();
    e2e.issuer.deny();
    await waitFor(() => backend.loginState().status === "failed", 15_000, "sign-in failed");
    const failed = backend.loginState();
    assert.ok(failed.status === "failed" && failed.error.length > 0);
    assert.equal(await healthStatus(e2e.service.url), 503);
    assert.equal(existsSync(path.join(e2e.codexHome, "auth.json")), false);
  } finally {
    await e2e.close();
  }
});

test("a sign-in on a machine that cannot reach ChatGPT's sign-in service says so, as a 503 naming auth.openai.com, not an upstream failure", async () => {
  const e2e = await startSignInE2E({ issuerUnreachable: true });
  try {
    const res = await fetch(`${e2e.service.url}/dashboard/api/actions/login`, { method: "POST", headers: authHeaders({ "sec-fetch-site": "same-origin" }) });
    const body = (await res.json()) as { error: { message: string; code: string } };
    console.log(`# the sign-in answered ${res.status}: ${body.error.message}`);
    assert.equal(res.status, 503, JSON.stringify(body));
    assert.equal(body.error.code, "sign_in_unreachable");
    assert.match(body.error.message, /^The sign-in could not start: Codex got no device code .*auth\.openai\.com/);
    assert.doesNotMatch(body.error.message, /upstream model service/);
    const state = e2e.service.backend.loginState();
    assert.ok(state.status === "failed" && state.error.startsWith("The sign-in could not start"), JSON.stringify(state));
  } finally {
    await e2e.close();
  }
});
