import assert from "node:assert/strict";
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import readline from "node:readline";
import { PassThrough } from "node:stream";
import { after, test } from "node:test";
import { AccountManager } from "../../src/backend/account-manager.ts";
import { BackendError } from "../../src/backend/backend-error.ts";
import { parseCodexNotification } from "../../src/backend/codex-messages.ts";
import { RateLimitTracker } from "../../src/backend/rate-limits.ts";
import { JsonRpcClient } from "../../src/backend/jsonrpc-client.ts";
import { createLogger } from "../../src/core/logger.ts";
import { fakeChatGptAuthJson } from "../helpers/fake-chatgpt-auth.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

type Answer = { result: unknown } | { error: { code: number; message: string } };

/** An AccountManager over an in-memory JSON-RPC peer that answers by method; `notify` plays Codex's notifications. */
function harness(answers: Record<string, (params: unknown) => Answer>) {
  const home = mkdtempSync(path.join(tmpdir(), "ccp-account-"));
  dirs.push(home);
  const toCodex = new PassThrough();
  const fromCodex = new PassThrough();
  const calls: { method: string; params: unknown }[] = [];
  const logs: string[] = [];
  const client = new JsonRpcClient(fromCodex, toCodex, {
    onNotification: (method, params) => {
      const notification = parseCodexNotification(method, params);
      if (notification.scope === "account") manager.onNotification(notification.notification);
    },
    onRequest: () => Promise.reject(new Error("unexpected")),
    onProtocolError: () => undefined,
  }, () => Date.now());
  readline.createInterface({ input: toCodex }).on("line", (line) => {
    const { id, method, params } = JSON.parse(line) as { id: number; method: string; params: unknown };
    calls.push({ method, params });
    const answer = answers[method]?.(params) ?? { result: {} };
    fromCodex.write(`${JSON.stringify({ id, ...answer })}\n`);
  });
  const recycled: string[] = [];
  let now = 1_000_000;
  const manager: AccountManager = new AccountManager({
    codexHome: home,
    logger: createLogger("debug", (l) => logs.push(l)),
    now: () => now,
    client: () => Promise.resolve(client),
    local: (pending) => pending,
    rpcTimeoutMs: 2000,
    recycle: (reason) => {
      recycled.push(reason);
      manager.childReady(); // the "new child" loads the file at once
    },
    rateLimits: new RateLimitTracker(),
    loginCommand: "npm run login",
  });
  const notify = (method: string, params: unknown) => fromCodex.write(`${JSON.stringify({ method, params })}\n`);
  return {
    manager,
    home,
    calls,
    logs,
    recycled,
    notify,
    advance: (ms: number) => (now += ms),
  };
}

const deviceCode = (loginId: string, url = "https://auth.openai.com/codex/device") => () => ({
  result: { type: "chatgptDeviceCode", loginId, verificationUrl: url, userCode: `CODE-${loginId}` },
});
const settle = () => new Promise((r) => setTimeout(r, 30));

/** Writes a fabricated login with a distinct mtime: rewrites within one clock tick could otherwise look unchanged. */
let fileClock = 1_700_000_000;
function writeLogin(file: string): void {
  writeFileSync(file, fakeChatGptAuthJson());
  fileClock += 10;
  utimesSync(file, fileClock, fileClock);
}

test("startLogin asks Codex for a device code and reports it pending; only its own completion ends it", async () => {
  let n = 0;
  const h = harness({ "account/login/start": () => deviceCode(`L${++n}`)() });
  const changes: number[] = [];
  h.manager.onAccountChanged(() => changes.push(1));

  const state = await h.manager.startLogin();
  assert.deepEqual(state, { status: "pending", loginId: "L1", verificationUrl: "https://auth.openai.com/codex/device", userCode: "CODE-L1", startedAt: 1_000_000 });
  assert.deepEqual(h.calls[0], { method: "account/login/start", params: { type: "chatgptDeviceCode" } });

  h.notify("account/login/completed", { loginId: "someone-else", success: true, error: null, onboardingEntrypoint: null });
  await settle();
  assert.equal(h.manager.loginState().status, "pending", "another login's completion is ignored");

  h.notify("account/login/completed", { loginId: "L1", success: true, error: null, onboardingEntrypoint: null });
  await settle();
  assert.equal(h.manager.loginState().status, "succeeded");
  assert.equal(changes.length, 1, "listeners hear about the new login");
  assert.ok(h.logs.some((l) => l.includes("sign-in completed")));
  assert.ok(!h.logs.join("").includes("CODE-L1"), "the user code is not logged");
});

test("a second startLogin cancels the pending one in Codex first; cancelLogin returns to idle", async () => {
  let n = 0;
  const h = harness({ "account/login/start": () => deviceCode(`L${++n}`)(), "account/login/cancel": () => ({ result: { status: "canceled" } }) });
  await h.manager.startLogin();
  const second = await h.manager.startLogin();
  assert.ok(second.status === "pending" && second.loginId === "L2");
  assert.deepEqual(
    h.calls.map((c) => c.method),
    ["account/login/start", "account/login/cancel", "account/login/start"],
  );
  assert.deepEqual(h.calls[1]?.params, { loginId: "L1" });
  await h.manager.cancelLogin();
  assert.deepEqual(h.manager.loginState(), { status: "idle" });
  h.notify("account/login/completed", { loginId: "L2", success: true, error: null, onboardingEntrypoint: null });
  await settle();
  assert.deepEqual(h.manager.loginState(), { status: "idle" }, "a cancelled login's late completion is ignored");
});

test("a failed completion, a restarted child and an expired code all end a pending sign-in as failed", async () => {
  let n = 0;
  const h = harness({ "account/login/start": () => deviceCode(`L${++n}`)() });
  await h.manager.startLogin();
  h.notify("account/login/completed", { loginId: "L1", success: false, error: "device auth failed with status 400", onboardingEntrypoint: null });
  await settle();
  assert.deepEqual(h.manager.loginState(), { status: "failed", error: "device auth failed with status 400", at: 1_000_000 });

  await h.manager.startLogin();
  h.manager.childExited();
  const crashed = h.manager.loginState();
  assert.ok(crashed.status === "failed" && /restarted/.test(crashed.error));

  await h.manager.startLogin();
  h.advance(17 * 60_000);
  const expired = h.manager.loginState();
  assert.ok(expired.status === "failed" && /expired/.test(expired.error));
});

test("a refused start and a verification address that is neither https nor loopback fail as BackendError", async () => {
  const refused = harness({ "account/login/start": () => ({ error: { code: -32600, message: "device code login is not enabled" } }) });
  await assert.rejects(refused.manager.startLogin(), (err: unknown) => err instanceof BackendError && /not enabled/.test(err.message));
  assert.equal(refused.manager.loginState().status, "failed");

  const phishy = harness({ "account/login/start": deviceCode("L1", "http://evil.example/codex/device") });
  await assert.rejects(phishy.manager.startLogin(), BackendError);
  assert.ok(phishy.calls.some((c) => c.method === "account/login/cancel"), "the login Codex started is cancelled");

  const local = harness({ "account/login/start": deviceCode("L1", "http://127.0.0.1:9999/codex/device") });
  assert.equal((await local.manager.startLogin()).status, "pending");
});

const chatgptAccount = { result: { account: { type: "chatgpt", email: "x@example.invalid", planType: "plus", workspaceName: null }, userId: null, requiresOpenaiAuth: true, workspaceRouting: null } };
const noAccount = { result: { account: null, userId: null, requiresOpenaiAuth: true, workspaceRouting: null } };

test("a ChatGPT login whose auth.json vanished is not usable; a new file makes Codex load it again", async () => {
  // Codex keeps answering with the login it loaded, whatever happens to the file.
  const h = harness({ "account/read": () => chatgptAccount });
  const authFile = path.join(h.home, "auth.json");
  writeLogin(authFile);
  h.manager.childReady();
  assert.equal((await h.manager.readAccount()).usable, true);

  rmSync(authFile);
  const removed = await h.manager.readAccount();
  assert.equal(removed.usable, false);
  assert.match(removed.problem ?? "", /sign in again/);
  assert.equal((await h.manager.accountDetails()).signedIn, false);

  writeLogin(authFile);
  assert.equal((await h.manager.readAccount()).usable, true);
  assert.equal(h.recycled.length, 1, "Codex only reads auth.json at start: the child was replaced once");
  assert.equal((await h.manager.readAccount()).usable, true);
  assert.equal(h.recycled.length, 1, "an unchanged file does not replace the child again");
});

test("an unauthorized turn marks the login refused until auth.json changes; Codex's own rewrite while usable is no reason to restart", async () => {
  const h = harness({ "account/read": () => chatgptAccount });
  const authFile = path.join(h.home, "auth.json");
  writeLogin(authFile);
  h.manager.childReady();
  assert.equal((await h.manager.readAccount()).usable, true);

  writeLogin(authFile); // Codex refreshing its tokens
  assert.equal((await h.manager.readAccount()).usable, true);
  assert.equal(h.recycled.length, 0);

  h.manager.turnUnauthorized();
  const refused = await h.manager.readAccount();
  assert.equal(refused.usable, false);
  assert.match(refused.problem ?? "", /refused .*sign in again/);
  assert.equal((await h.manager.readAccount()).usable, false, "stays refused while nothing changes");

  writeLogin(authFile); // `npm run login` from a terminal
  assert.equal((await h.manager.readAccount()).usable, true);
  assert.equal(h.recycled.length, 1);
});

test("logout signs Codex out, tells listeners, and a later empty login is plain 'not signed in'", async () => {
  let signedIn = true;
  const h = harness({ "account/read": () => (signedIn ? chatgptAccount : noAccount), "account/logout": () => ((signedIn = false), { result: {} }) });
  const changes: number[] = [];
  h.manager.onAccountChanged(() => changes.push(1));
  h.manager.childReady();
  await h.manager.readAccount();
  await h.manager.logout();
  assert.ok(h.calls.some((c) => c.method === "account/logout"));
  assert.equal(changes.length, 1);
  const status = await h.manager.readAccount();
  assert.match(status.problem ?? "", /not signed in/);
});

test("accountDetails reports plan, usage windows and credits, never the email", async () => {
  const h = harness({
    "account/read": () => chatgptAccount,
    "account/rateLimits/read": () => ({
      result: {
        rateLimits: {
          limitId: "codex",
          primary: { usedPercent: 42, windowDurationMins: 300, resetsAt: 1_900_000_000 },
          secondary: null,
          credits: { hasCredits: true, unlimited: false, balance: "12.5" },
          planType: "plus",
        },
      },
    }),
  });
  writeLogin(path.join(h.home, "auth.json"));
  h.manager.childReady();
  const details = await h.manager.accountDetails();
  assert.deepEqual(details, {
    signedIn: true,
    authMode: "chatgpt",
    planType: "plus",
    rateLimits: { primary: { usedPercent: 42, windowMinutes: 300, resetsAt: 1_900_000_000 }, secondary: null },
    credits: { hasCredits: true, unlimited: false, balance: "12.5" },
  });
  assert.ok(!JSON.stringify(details).includes("example.invalid"));
});
