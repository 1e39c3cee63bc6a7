import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { FakeBackend, TEST_KEY, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";
import { terminalSignIn } from "../../src/backend/missing-roles.ts";
import { operatorCommands } from "../../src/operator-commands.ts";
import { TestClock } from "../helpers/test-clock.ts";

const ORIGIN = "http://127.0.0.1:8320";
const PROMPT = "PROMPT-marker-2b7e: tell nobody";

/** A dashboard request as the browser on this machine sends it. */
function page(t: ReturnType<typeof createTestApp>, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  if (!headers.has("host")) headers.set("host", "127.0.0.1:8320");
  return t.app.request(`${ORIGIN}${path}`, { ...init, headers });
}

function action(t: ReturnType<typeof createTestApp>, name: string, headers: Record<string, string> = {}) {
  return page(t, `/dashboard/api/actions/${name}`, {
    method: "POST",
    headers: { origin: ORIGIN, "sec-fetch-site": "same-origin", authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json", ...headers },
    body: "{}",
  });
}

interface State {
  health: { ready: boolean; problem: string | null };
  account: { planType: string | null } | null;
  login: { status: string; userCode?: string };
  load: { concurrencyInUse: number; queueLength: number; activeTurns: number; errorsByCode: Record<string, number> };
  events: { route: string; status: number; model: string | null; promptTokens: number | null }[];
  generatedAt: number;
  lastHour: { minute: number; requests: number }[];
  models: string[];
}

describe("dashboard", () => {
  test("the page is served with strict security headers and no inline script", async () => {
    const t = createTestApp();
    for (const path of ["/dashboard/", "/dashboard"]) {
      const res = await page(t, path);
      assert.equal(res.status, 200, path);
      const csp = res.headers.get("content-security-policy") ?? "";
      assert.match(csp, /default-src 'none'/);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.equal(res.headers.get("cache-control"), "no-store");
      assert.equal(res.headers.get("x-content-type-options"), "nosniff");
      assert.equal(res.headers.get("referrer-policy"), "no-referrer");
      const html = await res.text();
      assert.ok(!/<script(?![^>]*\ssrc=)[^>]*>/.test(html), "every script has a src");
      assert.ok(!/\son[a-z]+=/.test(html), "no inline event handlers");
    }
    const js = await page(t, "/dashboard/dashboard.js");
    assert.match(js.headers.get("content-type") ?? "", /^text\/javascript/);
    assert.ok(!(await js.text()).match(/localStorage|sessionStorage|document\.cookie/), "the key is never persisted");
  });

  test("DASHBOARD_ENABLED=false turns it off (404)", async () => {
    const t = createTestApp({ env: { DASHBOARD_ENABLED: "false" } });
    assert.equal((await page(t, "/dashboard/")).status, 404);
    assert.equal((await page(t, "/dashboard/api/state")).status, 404);
  });

  test("CORS for API clients does not extend to the dashboard", async () => {
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "app://obsidian.md" } });
    const state = await page(t, "/dashboard/api/state", { headers: { origin: "app://obsidian.md" } });
    assert.equal(state.headers.get("access-control-allow-origin"), null);
    const models = await t.request("/v1/models", { headers: { origin: "app://obsidian.md" } });
    assert.equal(models.headers.get("access-control-allow-origin"), "app://obsidian.md");
  });

  test("answers only under a loopback Host (DNS rebinding)", async () => {
    const t = createTestApp();
    assert.equal((await page(t, "/dashboard/api/state", { headers: { host: "attacker.example:8320" } })).status, 404);
    assert.equal((await page(t, "/dashboard/api/state", { headers: { host: "localhost:8320" } })).status, 200);
  });

  test("state shows health, load, models and sanitized events after traffic", async () => {
    const backend = new FakeBackend().script(...answer(["secret answer"]));
    const t = createTestApp({ backend });
    await (await t.chat(chatBody({ messages: [{ role: "user", content: PROMPT }] }))).text();
    await (await t.chat({ messages: [] })).text();
    const res = await page(t, "/dashboard/api/state");
    assert.equal(res.status, 200);
    const raw = await res.text();
    assert.ok(!raw.includes(PROMPT) && !raw.includes("secret answer") && !raw.includes(TEST_KEY), "no content, no key");
    const state = JSON.parse(raw) as State;
    assert.equal(state.health.ready, true);
    assert.equal(state.account?.planType, "plus");
    assert.deepEqual(state.models, ["codex-cli-default", "gpt-5.5", "gpt-5.5-mini"]);
    assert.deepEqual([state.load.concurrencyInUse, state.load.queueLength, state.load.activeTurns], [0, 0, 0]);
    assert.deepEqual(state.load.errorsByCode, { invalid_request_error: 1 });
    assert.deepEqual(state.events.map((e) => [e.route, e.status]), [["/v1/chat/completions", 400], ["/v1/chat/completions", 200]]);
    assert.equal(state.events[1]?.promptTokens, 11);
    assert.equal(state.lastHour.reduce((n, m) => n + m.requests, 0), 2);
  });

  test("the last hour counts requests by the minute they came in, and forgets them after an hour", async () => {
    const clock = new TestClock(Date.UTC(2026, 0, 1, 12, 0, 30));
    const t = createTestApp({ clock });
    await (await t.chat(chatBody())).text();
    clock.advance(60_000);
    await (await t.chat(chatBody())).text();
    let state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.generatedAt, clock.nowMs());
    assert.deepEqual(state.lastHour.slice(-2).map((m) => [m.minute, m.requests]), [[Date.UTC(2026, 0, 1, 12, 0), 1], [Date.UTC(2026, 0, 1, 12, 1), 1]]);
    clock.advance(59 * 60_000);
    state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.lastHour.reduce((n, m) => n + m.requests, 0), 1, "the first minute is over an hour old");
    assert.equal(state.events.length, 2, "the event list keeps them");
  });

  test("the account details are read from the backend at most every 30 s", async () => {
    const clock = new TestClock();
    const t = createTestApp({ clock });
    await page(t, "/dashboard/api/state");
    clock.advance(29_999);
    await page(t, "/dashboard/api/state");
    await t.request("/v1/usage");
    assert.equal(t.backend.accountDetailsCalls, 1, "the dashboard and /v1/usage share one cached read");
    clock.advance(1);
    await page(t, "/dashboard/api/state");
    assert.equal(t.backend.accountDetailsCalls, 2);
  });

  test("state explains why the adapter is not ready", async () => {
    const t = createTestApp();
    t.readiness.healthProblem = "Codex is not signed in: run `npm run login` to sign in with ChatGPT";
    const state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.health.ready, false);
    assert.match(state.health.problem ?? "", /not signed in/);
  });

  test("actions need the bearer key and refuse other origins", async () => {
    const t = createTestApp();
    assert.equal((await action(t, "probe", { authorization: "" })).status, 401);
    assert.equal((await action(t, "probe", { authorization: "Bearer wrong" })).status, 401);
    const cross = await action(t, "probe", { origin: "https://evil.example" });
    assert.equal(cross.status, 403);
    assert.equal(((await cross.json()) as { error: { code: string } }).error.code, "forbidden");
    assert.equal((await action(t, "probe", { "sec-fetch-site": "cross-site" })).status, 403);
    assert.equal(t.backend.turns.length, 0, "no refused action reached Codex");
  });

  test("the probe runs one tiny streamed completion through the front door and reports its timing", async () => {
    const backend = new FakeBackend().script(...answer(["po", "ng"]));
    const t = createTestApp({ backend });
    const res = await action(t, "probe");
    assert.equal(res.status, 200);
    const probe = (await res.json()) as { ok: boolean; status: number; reply: string; totalMs: number; firstTokenMs: number; usage: unknown; requestId: string };
    assert.equal(probe.ok, true);
    assert.equal(probe.status, 200);
    assert.equal(probe.reply, "pong");
    assert.deepEqual(probe.usage, { promptTokens: 11, completionTokens: 7 });
    assert.ok(probe.firstTokenMs <= probe.totalMs);
    assert.match(probe.requestId, /^req_/);
    assert.equal(backend.turns.length, 1);
    const state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.events[0]?.status, 200, "the probe is an event like any request");
  });

  test("a failing probe says why", async () => {
    const t = createTestApp();
    t.readiness.requestBlocker = { code: "codex_login_required", message: "Codex is not signed in" };
    const probe = (await (await action(t, "probe")).json()) as { ok: boolean; status: number; error: string };
    assert.deepEqual([probe.ok, probe.status], [false, 503]);
    assert.match(probe.error, /not signed in/);
  });

  test("sign-in start, state, cancel and sign-out go to the backend", async () => {
    const t = createTestApp();
    const started = (await (await action(t, "login")).json()) as { status: string; userCode: string; verificationUrl: string };
    assert.equal(started.status, "pending");
    assert.equal(started.userCode, "ABCD-1234");
    let state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.login.status, "pending");
    t.backend.completeLogin(true);
    state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.login.status, "succeeded");
    assert.equal((await action(t, "login/cancel")).status, 200);
    assert.equal((await action(t, "logout")).status, 200);
    assert.deepEqual(t.backend.loginCalls, { start: 1, cancel: 1, logout: 1 });
    state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.equal(state.account?.planType, null, "the cached account is dropped when the account changes");
  });

  test("with sign-in at a terminal (the exec backend) the actions answer 503 naming the commands, and the login stays idle", async () => {
    const backend = Object.assign(new FakeBackend(), terminalSignIn(operatorCommands("local", "checkout")));
    const t = createTestApp({ backend });
    for (const name of ["login", "login/cancel", "logout"]) {
      const res = await action(t, name);
      assert.equal(res.status, 503, name);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, "codex_unavailable");
      assert.match(error.message, /`npm run login`.*`npm run logout`/);
    }
    const state = (await (await page(t, "/dashboard/api/state")).json()) as State;
    assert.deepEqual(state.login, { status: "idle" });
  });
});
