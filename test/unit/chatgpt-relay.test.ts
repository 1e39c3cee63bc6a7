import assert from "node:assert/strict";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import { Agent, request } from "undici";
import { startChatGptRelay, type ChatGptRelay } from "../../src/chatgpt-relay/relay-server.ts";
import { relayBase, resolveRelayTarget } from "../../src/chatgpt-relay/request-guard.ts";
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

/** A call as Codex makes it: reqwest sends no Origin and no fetch metadata (Node's fetch sends `sec-fetch-mode`). */
async function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  const res = await request(url, { method: init.method ?? "GET", ...(init.headers ? { headers: init.headers } : {}), ...(init.body === undefined ? {} : { body: init.body }) });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** One request written byte for byte on a socket: no client normalises its target (dots, backslashes, escapes). */
function rawRequest(port: number, target: Buffer | string, extraHeaders = "", body = ""): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const socket = net.connect(Number(port), "127.0.0.1");
    socket.on("data", (c: Buffer) => chunks.push(c));
    socket.on("error", () => undefined); // a reset after the answer: what arrived is judged
    socket.on("close", () => {
      const text = Buffer.concat(chunks).toString("latin1");
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), text });
    });
    const head = `HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extraHeaders}Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
    socket.write(Buffer.concat([Buffer.from("POST "), Buffer.isBuffer(target) ? target : Buffer.from(target, "latin1"), Buffer.from(" "), Buffer.from(head)]));
  });
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
    const res = await call(`${relay.baseUrl}wham/settings/user`, { headers: { authorization: TOKEN } });
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text), { commit_attribution_enabled: false });
    assert.equal(target.seen.length, before);
  });

  test("forwards method, path, query, headers and body unchanged, and the answer's status and headers", async () => {
    const res = await call(`${relay.baseUrl}codex/analytics-events/events?${SECRET_QUERY}`, {
      method: "POST",
      headers: { authorization: TOKEN, "chatgpt-account-id": "acct-1", "content-type": "application/json" },
      body: '{"events":[1]}',
    });
    assert.equal(res.status, 207);
    assert.equal(res.headers["x-echo"], "yes");
    assert.deepEqual(JSON.parse(res.text), { got: '{"events":[1]}' });
    const got = target.seen.at(-1);
    assert.equal(got?.method, "POST");
    assert.equal(got?.url, `/backend-api/codex/analytics-events/events?${SECRET_QUERY}`);
    assert.equal(got?.headers.authorization, TOKEN);
    assert.equal(got?.headers["chatgpt-account-id"], "acct-1");
  });

  test("streams an answer through as it comes", async () => {
    const res = await request(`${relay.baseUrl}stream`);
    assert.equal(res.headers["x-codex-primary-used-percent"], "12");
    const parts: string[] = [];
    for await (const chunk of res.body) parts.push(Buffer.from(chunk as Uint8Array).toString());
    assert.equal(parts[0], "data: one\n\n", "the first event arrives before the answer ends");
    assert.equal(parts.join(""), "data: one\n\ndata: two\n\n");
  });

  test("an https-less backend keeps its accounts/check answer as it came", async () => {
    const res = await call(`${relay.baseUrl}wham/accounts/check`);
    assert.deepEqual(JSON.parse(res.text), { accounts: [{ id: "a", workspace_backend_origin: "NO_CONSTRAINT" }] });
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
      assert.equal((await call(`${dead.baseUrl}wham/usage`)).status, 502);
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

/** Request targets that must never leave the backend's origin and base path; `cap` is a capture server's host:port. */
const hostileTargets = (cap: string): [string, string | Buffer][] => [
  ["absolute URL as the path", `/backend-api/http://${cap}/x`],
  ["absolute https URL as the path", `/backend-api/https://${cap}/x`],
  ["protocol-relative path", `/backend-api//${cap}/x`],
  ["protocol-relative path, three slashes", `/backend-api///${cap}/x`],
  ["scheme without slashes", `/backend-api/http:${cap}/x`],
  ["scheme with one slash", `/backend-api/http:/${cap}/x`],
  ["javascript: scheme", "/backend-api/javascript:alert(1)"],
  ["file: scheme", "/backend-api/file:///etc/passwd"],
  ["absolute-form request target", `http://${cap}/backend-api/wham/usage`],
  ["protocol-relative request target", `//${cap}/backend-api/wham/usage`],
  ["asterisk request target", "*"],
  ["dot-dot segment", "/backend-api/../x"],
  ["dot-dot out of the base path", "/backend-api/wham/../../x"],
  ["dot segment", "/backend-api/./wham/usage"],
  ["dot segment inside", "/backend-api/wham/./usage"],
  ["all-dots segment", "/backend-api/.../x"],
  ["dot-dot then protocol-relative", `/backend-api/..//${cap}/x`],
  ["encoded dot-dot", "/backend-api/%2e%2e/x"],
  ["encoded dot-dot and slash", "/backend-api/%2E%2E%2Fx"],
  ["half-encoded dot-dot", "/backend-api/.%2e/x"],
  ["double-encoded dot-dot", "/backend-api/%252e%252e/x"],
  ["encoded slashes", `/backend-api/%2f%2f${cap}/x`],
  ["encoded slash inside a segment", "/backend-api/wham%2fusage"],
  ["encoded backslashes", `/backend-api/%5c%5c${cap}/x`],
  ["encoded scheme", `/backend-api/http%3A%2F%2F${cap}/x`],
  ["encoded fullwidth solidus", `/backend-api/%EF%BC%8F%EF%BC%8F${cap}/x`],
  ["backslashes", `/backend-api/\\${cap}/x`],
  ["backslash and slash", `/backend-api/\\/${cap}/x`],
  ["backslash dot-dot", "/backend-api/..\\x"],
  ["at sign", `/backend-api/@${cap}/x`],
  ["credentials and host", `/backend-api/user:pass@${cap}/x`],
  ["protocol-relative with credentials", `/backend-api//user@${cap}/x`],
  ["a longer prefix", "/backend-apix/wham/usage"],
  ["the base path without its slash", "/backend-api"],
  ["the base path itself", "/backend-api/"],
  ["the root", "/"],
  ["encoded NUL", "/backend-api/wham/usage%00"],
  ["encoded CR LF", `/backend-api/wham/%0d%0aHost:%20${cap}`],
  ["raw control character", Buffer.from("/backend-api/wham/\x01usage", "latin1")],
  ["raw DEL", Buffer.from("/backend-api/wham/\x7fusage", "latin1")],
  ["raw non-ASCII", Buffer.from("/backend-api/wham/\u00fcsage", "utf8")],
  ["fragment in the path", `/backend-api/wham/usage#@${cap}/x`],
  ["fragment in the query", `/backend-api/wham/usage?a=1#//${cap}/x`],
  ["control character in the query", "/backend-api/wham/usage?a=%0"],
];

/** Paths Codex 0.171.0 sends to chatgpt_base_url (docs/chatgpt-backend.md), with query strings. */
const CODEX_PATHS = [
  "wham/accounts/check",
  "wham/usage",
  "wham/usage?client_version=0.171.0",
  "wham/rate-limit-reset-credits?limit=10&cursor=abc%3D%3D",
  "codex/analytics-events/events?client_version=0.171.0&originator=codex_cli_rs",
];

describe("the relay forwards only to the backend's origin and base path", () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  let capture: Awaited<ReturnType<typeof startTarget>>;
  let relay: ChatGptRelay;
  let port: number;
  let cap: string;
  const logs: string[] = [];
  const dispatcher = new Agent();

  before(async () => {
    target = await startTarget();
    capture = await startTarget();
    cap = new URL(capture.url).host;
    relay = await startChatGptRelay({ target: new URL(target.url), dispatcher, logger: createLogger("debug", (l) => logs.push(l)), clock: new TestClock() });
    port = Number(new URL(relay.baseUrl).port);
  });
  after(async () => {
    await relay.close();
    await target.close();
    await capture.close();
    await dispatcher.close();
  });

  test("every hostile path is refused (400 or 404), never forwarded, never echoed, and nothing reaches the capture server", async () => {
    const forwarded = target.seen.length;
    for (const [label, hostile] of hostileTargets(cap)) {
      const res = await rawRequest(port, hostile, "Cookie: session=cookie-marker-7c\r\nAuthorization: Bearer hostile-token-3e\r\n", '{"body":"body-marker-2a"}');
      assert.ok(res.status === 400 || res.status === 404, `${label}: status ${res.status}`);
      const body = res.text.slice(res.text.indexOf("\r\n\r\n"));
      assert.ok(!body.includes(cap) && !body.includes("backend-api") && !body.includes("usage"), `${label}: the answer echoes the path: ${body}`);
      assert.deepEqual(capture.seen, [], `${label}: reached the capture server`);
      assert.equal(target.seen.length, forwarded, `${label}: was forwarded`);
    }
    for (const line of logs) {
      for (const secret of [cap, "cookie-marker-7c", "hostile-token-3e", "body-marker-2a"]) assert.ok(!line.includes(secret), `log line names ${secret}: ${line}`);
    }
  });

  test("the same paths resolved on an https backend (the operator's proxy and CA bundle) stay refused", () => {
    const base = relayBase(new URL("https://chatgpt.com/backend-api/"));
    for (const [label, hostile] of hostileTargets("capture.example:8443")) {
      const resolved = resolveRelayTarget(base, Buffer.isBuffer(hostile) ? hostile.toString("latin1") : hostile);
      assert.equal(resolved.ok, false, `${label}: resolved to ${resolved.ok ? resolved.url.href : ""}`);
    }
    for (const path of CODEX_PATHS) {
      const resolved = resolveRelayTarget(base, `/backend-api/${path}`);
      assert.ok(resolved.ok, path);
      assert.equal(resolved.url.href, `https://chatgpt.com/backend-api/${path}`);
    }
  });

  test("Codex's own paths, with their query strings, are forwarded to the backend unchanged", async () => {
    for (const path of CODEX_PATHS) {
      const from = target.seen.length;
      const res = await call(`${relay.baseUrl}${path}`, { headers: { authorization: TOKEN } });
      assert.ok(res.status === 200 || res.status === 207, `${path}: ${res.status}`);
      assert.deepEqual(target.seen.slice(from).map((s) => s.url), [`/backend-api/${path}`]);
    }
    const post = await call(`${relay.baseUrl}codex/analytics-events/events`, { method: "POST", headers: { "content-type": "application/json" }, body: '{"events":[]}' });
    assert.equal(post.status, 207);
    assert.equal(target.seen.at(-1)?.body, '{"events":[]}');
    assert.deepEqual(capture.seen, []);
  });

  test("a request carrying Origin or browser fetch metadata is refused (403) and not forwarded", async () => {
    const from = target.seen.length;
    const browserHeaders: Record<string, string>[] = [
      { origin: "http://evil.example" },
      { origin: "null" },
      { origin: `http://127.0.0.1:${port}` },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-origin" },
      { "sec-fetch-mode": "no-cors" },
      { "sec-fetch-dest": "image" },
      { "sec-fetch-user": "?1" },
    ];
    for (const headers of browserHeaders) {
      for (const path of ["wham/usage", "wham/settings/user", "codex/analytics-events/events"]) {
        const res = await call(`${relay.baseUrl}${path}`, { method: "POST", headers: { ...headers, cookie: "session=cookie-marker-7c" }, body: "{}" });
        assert.equal(res.status, 403, `${JSON.stringify(headers)} on ${path}`);
        assert.ok(!res.text.includes(path), "the answer does not echo the path");
      }
    }
    const preflight = await call(`${relay.baseUrl}wham/usage`, { method: "OPTIONS", headers: { origin: "http://evil.example", "access-control-request-method": "POST" } });
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers["access-control-allow-origin"], undefined);
    // Node's fetch sends `sec-fetch-mode: cors`, as a browser would.
    assert.equal((await fetch(`${relay.baseUrl}wham/usage`)).status, 403);
    assert.equal(target.seen.length, from, "nothing was forwarded");
    assert.deepEqual(capture.seen, []);
  });

  test("a backend URL without a trailing slash keeps its base path: Codex's calls go under it", async () => {
    const bare = await startChatGptRelay({ target: new URL(target.url.replace(/\/$/, "")), dispatcher, logger: createLogger("silent"), clock: new TestClock() });
    try {
      assert.ok(bare.baseUrl.endsWith("/backend-api/"));
      const from = target.seen.length;
      assert.equal((await call(`${bare.baseUrl}wham/usage?x=1`)).status, 207);
      assert.deepEqual(target.seen.slice(from).map((s) => s.url), ["/backend-api/wham/usage?x=1"]);
    } finally {
      await bare.close();
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
