import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Agent } from "undici";
import { startChatGptRelay, type ChatGptRelay } from "../../src/chatgpt-relay/relay-server.ts";
import { pinUnconstrainedOrigin } from "../../src/chatgpt-relay/workspace-routing.ts";
import { createLogger } from "../../src/core/logger.ts";
import { TestClock } from "../helpers/test-clock.ts";

const TOKEN = "Bearer relay-test-token-5d1f";
const SECRET_QUERY = "client_version=q-marker-91";

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A plain-http stand-in for the backend the relay forwards to: echoes what it got, streams on request. */
async function startTarget(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      if (req.url?.startsWith("/backend-api/stream")) {
        res.writeHead(200, { "content-type": "text/event-stream", "x-codex-primary-used-percent": "12" });
        res.write("data: one\n\n");
        setTimeout(() => res.end("data: two\n\n"), 50);
        return;
      }
      if (req.url?.startsWith("/backend-api/wham/accounts/check")) {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ accounts: [{ id: "a", workspace_backend_origin: "NO_CONSTRAINT" }] }));
        return;
      }
      res.writeHead(207, { "content-type": "application/json", "x-echo": "yes" }).end(JSON.stringify({ got: body }));
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/backend-api/`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

describe("ChatGPT relay", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let relay: ChatGptRelay;
  const logs: string[] = [];
  const dispatcher = new Agent();

  before(async () => {
    target = await startTarget();
    relay = await startChatGptRelay({ target: new URL(target.url), dispatcher, logger: createLogger("debug", (l) => logs.push(l)), clock: new TestClock() });
  });
  after(async () => {
    await relay.close();
    await target.close();
    await dispatcher.close();
  });

  test("answers wham/settings/user itself, attribution off, without a call to the backend", async () => {
    const before = target.seen.length;
    const res = await fetch(`${relay.baseUrl}wham/settings/user`, { headers: { authorization: TOKEN } });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { commit_attribution_enabled: false });
    assert.equal(target.seen.length, before);
  });

  test("forwards method, path, query, headers and body unchanged, and the answer's status and headers", async () => {
    const res = await fetch(`${relay.baseUrl}codex/analytics-events/events?${SECRET_QUERY}`, {
      method: "POST",
      headers: { authorization: TOKEN, "chatgpt-account-id": "acct-1", "content-type": "application/json" },
      body: '{"events":[1]}',
    });
    assert.equal(res.status, 207);
    assert.equal(res.headers.get("x-echo"), "yes");
    assert.deepEqual(await res.json(), { got: '{"events":[1]}' });
    const got = target.seen.at(-1);
    assert.equal(got?.method, "POST");
    assert.equal(got?.url, `/backend-api/codex/analytics-events/events?${SECRET_QUERY}`);
    assert.equal(got?.headers.authorization, TOKEN);
    assert.equal(got?.headers["chatgpt-account-id"], "acct-1");
  });

  test("streams an answer through as it comes", async () => {
    const res = await fetch(`${relay.baseUrl}stream`);
    assert.equal(res.headers.get("x-codex-primary-used-percent"), "12");
    const reader = res.body?.getReader();
    const first = await reader?.read();
    assert.equal(Buffer.from(first?.value ?? []).toString(), "data: one\n\n", "the first event arrives before the answer ends");
    let rest = "";
    for (let r = await reader?.read(); r && !r.done; r = await reader?.read()) rest += Buffer.from(r.value).toString();
    assert.equal(rest, "data: two\n\n");
  });

  test("an https-less backend keeps its accounts/check answer as it came", async () => {
    const res = await fetch(`${relay.baseUrl}wham/accounts/check`);
    assert.deepEqual(await res.json(), { accounts: [{ id: "a", workspace_backend_origin: "NO_CONSTRAINT" }] });
  });

  test("refuses other Host names (DNS rebinding), paths outside the backend's and WebSocket upgrades", async () => {
    const port = new URL(relay.baseUrl).port;
    const status = (path: string, headers: Record<string, string>) =>
      new Promise<number>((resolve, reject) => {
        http.get({ host: "127.0.0.1", port, path, headers }, (res) => resolve(res.statusCode ?? 0)).on("error", reject);
      });
    const before = target.seen.length;
    assert.equal(await status("/backend-api/wham/usage", { host: "evil.example:80" }), 404);
    assert.equal(await status("/other/wham/usage", {}), 404);
    const upgrade = await new Promise<string>((resolve) => {
      const req = http.get({ host: "127.0.0.1", port, path: "/backend-api/codex/responses", headers: { connection: "upgrade", upgrade: "websocket" } });
      req.on("response", (res) => resolve(String(res.statusCode)));
      req.on("error", () => resolve("error"));
    });
    assert.equal(upgrade, "501");
    assert.equal(target.seen.length, before, "nothing reached the backend");
  });

  test("a backend that cannot be reached is a 502 for Codex, not a hang", async () => {
    const dead = await startChatGptRelay({ target: new URL("http://127.0.0.1:1/backend-api/"), dispatcher, logger: createLogger("silent"), clock: new TestClock() });
    try {
      assert.equal((await fetch(`${dead.baseUrl}wham/usage`)).status, 502);
    } finally {
      await dead.close();
    }
  });

  test("logs path and status only: no token, query or body", () => {
    assert.ok(logs.some((l) => l.includes('"path":"codex/analytics-events/events"') && l.includes('"status":207')));
    for (const line of logs) {
      for (const secret of [TOKEN, "relay-test-token", "q-marker-91", "events\\\":[1]", "acct-1"]) assert.ok(!line.includes(secret), `log line leaks ${secret}: ${line}`);
    }
  });
});

describe("workspace routing through the relay", () => {
  const origin = "https://chatgpt.example";
  const rewrite = (value: unknown) => JSON.parse(pinUnconstrainedOrigin(Buffer.from(JSON.stringify(value)), origin).toString()) as unknown;

  test("an unconstrained workspace is pinned to the real backend's origin (what Codex resolves without the relay)", () => {
    assert.deepEqual(rewrite({ accounts: [{ id: "a", workspace_backend_origin: "NO_CONSTRAINT", plan_type: "plus" }], account_ordering: ["a"] }), {
      accounts: [{ id: "a", workspace_backend_origin: origin, plan_type: "plus" }],
      account_ordering: ["a"],
    });
    assert.deepEqual(rewrite({ accounts: { a: { account: { id: "a", workspace_backend_origin: "NO_CONSTRAINT" } } } }), {
      accounts: { a: { account: { id: "a", workspace_backend_origin: origin } } },
    });
  });

  test("a named workspace origin, an unparsable answer and a plain-http backend pass through byte for byte", () => {
    const named = Buffer.from(JSON.stringify({ accounts: [{ id: "a", workspace_backend_origin: "https://eu.chatgpt.example" }] }));
    assert.equal(pinUnconstrainedOrigin(named, origin), named);
    const junk = Buffer.from("not json");
    assert.equal(pinUnconstrainedOrigin(junk, origin), junk);
    const open = Buffer.from(JSON.stringify({ accounts: [{ id: "a", workspace_backend_origin: "NO_CONSTRAINT" }] }));
    assert.equal(pinUnconstrainedOrigin(open, "http://127.0.0.1:9"), open);
  });
});
