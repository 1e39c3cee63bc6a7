import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { Shutdown } from "../../src/core/shutdown.ts";
import { BackendError } from "../../src/backend/backend-error.ts";
import { FakeBackend, TEST_KEY, chatBody, createTestApp } from "../helpers/fake-backend.ts";

interface ErrorJson {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function errorBody(res: Response): Promise<ErrorJson> {
  assert.match(res.headers.get("content-type") ?? "", /application\/json/);
  const body = (await res.json()) as ErrorJson;
  assert.equal(typeof body.error.message, "string");
  assert.ok(body.error.message.length > 0);
  assert.equal(typeof body.error.type, "string");
  assert.ok("param" in body.error && "code" in body.error, "OpenAI error shape has param and code");
  return body;
}

describe("bearer auth", () => {
  for (const [label, header] of [
    ["without a bearer", undefined],
    ["with a wrong bearer", "Bearer not-the-right-key-000000000000000000"],
    ["with a non-bearer scheme", `Basic ${TEST_KEY}`],
    ["with an empty bearer", "Bearer "],
  ] as const) {
    test(`GET /v1/models ${label} -> 401 JSON with WWW-Authenticate: Bearer`, async () => {
      const t = createTestApp();
      const res = await t.app.request("/v1/models", header ? { headers: { authorization: header } } : {});
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer\b/);
      const body = await errorBody(res);
      assert.equal(body.error.code, "invalid_api_key");
      assert.ok(!body.error.message.includes(TEST_KEY));
    });
  }

  test("POST /v1/chat/completions without a bearer -> 401 and the backend is not called", async () => {
    const t = createTestApp();
    const res = await t.app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody()),
    });
    assert.equal(res.status, 401);
    assert.match(res.headers.get("www-authenticate") ?? "", /^Bearer\b/);
    assert.equal(t.backend.turns.length, 0);
  });

  test("a missing key's 401 says where the key is: the configured key file, or PROXY_API_KEY", async () => {
    const message = async (t: ReturnType<typeof createTestApp>) =>
      ((await (await t.app.request("/v1/models")).json()) as { error: { message: string } }).error.message;
    assert.match(await message(createTestApp()), /the key is in the PROXY_API_KEY setting/);
    const fromFile = createTestApp({ env: { PROXY_API_KEY: "", PROXY_API_KEY_FILE: "/run/secrets/ccp_key" } });
    assert.match(await message(fromFile), /the key is in \/run\/secrets\/ccp_key\)/);
  });

  test("/chat/completions without /v1 is protected too", async () => {
    const t = createTestApp();
    const res = await t.app.request("/chat/completions", { method: "POST", body: "{}" });
    assert.equal(res.status, 401);
  });

  test("the scheme is case-insensitive and the right key passes", async () => {
    const t = createTestApp();
    const res = await t.app.request("/v1/models", { headers: { authorization: `bearer ${TEST_KEY}` } });
    assert.equal(res.status, 200);
  });
});

describe("request body errors", () => {
  test("invalid JSON -> 400 invalid_json", async () => {
    const t = createTestApp();
    const res = await t.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"messages": [',
    });
    assert.equal(res.status, 400);
    const body = await errorBody(res);
    assert.equal(body.error.code, "invalid_json");
    assert.equal(body.error.type, "invalid_request_error");
  });

  test("a body that is not UTF-8 -> 400 invalid_json", async () => {
    const t = createTestApp();
    const res = await t.request("/v1/chat/completions", { method: "POST", body: new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]) });
    assert.equal(res.status, 400);
    assert.equal((await errorBody(res)).error.code, "invalid_json");
  });

  test("an empty body -> 400 invalid_json", async () => {
    const t = createTestApp();
    const res = await t.request("/v1/chat/completions", { method: "POST" });
    assert.equal(res.status, 400);
    assert.equal((await errorBody(res)).error.code, "invalid_json");
  });

  test("a JSON body that is not an object with messages -> 400 naming the param", async () => {
    const t = createTestApp();
    const res = await t.chat({ model: "x" });
    assert.equal(res.status, 400);
    const body = await errorBody(res);
    assert.equal(body.error.param, "messages");
  });

  test("a body over MAX_REQUEST_BODY_BYTES with content-length -> 413", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2048" } });
    const big = JSON.stringify(chatBody({ messages: [{ role: "user", content: "x".repeat(4000) }] }));
    const res = await t.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(big)) },
      body: big,
    });
    assert.equal(res.status, 413);
    assert.equal((await errorBody(res)).error.code, "request_too_large");
    assert.equal(t.backend.turns.length, 0);
  });

  test("a streamed body over MAX_REQUEST_BODY_BYTES without content-length -> 413", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2048" } });
    const bytes = new TextEncoder().encode(JSON.stringify(chatBody({ messages: [{ role: "user", content: "y".repeat(4000) }] })));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.slice(i, i + 500));
        controller.close();
      },
    });
    const init: RequestInit & { duplex: "half" } = { method: "POST", headers: { "content-type": "application/json" }, body, duplex: "half" };
    const req = new Request("http://localhost/v1/chat/completions", init);
    assert.equal(req.headers.get("content-length"), null);
    req.headers.set("authorization", `Bearer ${TEST_KEY}`);
    const res = await t.app.request(req);
    assert.equal(res.status, 413);
    assert.equal((await errorBody(res)).error.code, "request_too_large");
  });

  test("a lying small content-length does not let a big body through", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2048" } });
    const big = JSON.stringify(chatBody({ messages: [{ role: "user", content: "z".repeat(4000) }] }));
    const res = await t.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": "10" },
      body: big,
    });
    assert.equal(res.status, 413);
  });

  test("a body just under the limit is accepted", async () => {
    const t = createTestApp({ env: { MAX_REQUEST_BODY_BYTES: "2048" } });
    const res = await t.chat(chatBody({ messages: [{ role: "user", content: "w".repeat(1500) }] }));
    assert.equal(res.status, 200);
  });
});

describe("unknown routes and methods", () => {
  for (const path of ["/nope", "/v1/nope", "/v2/chat/completions"]) {
    test(`GET ${path} -> 404 OpenAI-shaped`, async () => {
      const t = createTestApp();
      const res = await t.request(path);
      assert.equal(res.status, 404);
      const body = await errorBody(res);
      assert.equal(body.error.code, "not_found");
      assert.match(body.error.message, /\/v1/);
    });
  }

  test("an unknown route without a bearer is a 404 too, not a 401", async () => {
    const t = createTestApp();
    const res = await t.app.request("/favicon.ico");
    assert.equal(res.status, 404);
    assert.equal((await errorBody(res)).error.code, "not_found");
  });

  test("every response carries an X-Request-Id", async () => {
    const t = createTestApp();
    const a = await t.request("/v1/models");
    const b = await t.request("/nope");
    assert.match(a.headers.get("x-request-id") ?? "", /^req_[0-9a-f]{32}$/);
    assert.match(b.headers.get("x-request-id") ?? "", /^req_[0-9a-f]{32}$/);
    assert.notEqual(a.headers.get("x-request-id"), b.headers.get("x-request-id"));
  });
});

describe("the root", () => {
  test("GET / without a key: a browser is sent to the dashboard, anything else reads Ollama's \"Ollama is running\" first, then where the APIs and the dashboard are", async () => {
    const t = createTestApp();
    const browser = await t.app.request("http://127.0.0.1:8320/", { headers: { accept: "text/html,application/xhtml+xml" } });
    assert.equal(browser.status, 302);
    assert.equal(browser.headers.get("location"), "/dashboard/");
    const probe = await t.app.request("http://127.0.0.1:8320/");
    assert.equal(probe.status, 200);
    const text = await probe.text();
    assert.ok(text.startsWith("Ollama is running\n"), text);
    assert.equal(
      text,
      "Ollama is running\ncodex-cli-provider: OpenAI's and Anthropic's APIs at http://127.0.0.1:8320/v1, Ollama's at http://127.0.0.1:8320/api (with the bearer key)\nDashboard: http://127.0.0.1:8320/dashboard/\n",
    );
    assert.equal((await t.app.request("http://127.0.0.1:8320/", { method: "HEAD" })).status, 200);
  });

  test("with the dashboard off, GET / says so and sends no browser there", async () => {
    const t = createTestApp({ env: { DASHBOARD_ENABLED: "false" } });
    const res = await t.app.request("http://127.0.0.1:8320/", { headers: { accept: "text/html" } });
    assert.equal(res.status, 200);
    assert.match(await res.text(), /Dashboard: off \(DASHBOARD_ENABLED=false\)/);
  });
});

describe("healthz", () => {
  test("200 {status:ok} when ready, without auth, no-store", async () => {
    const t = createTestApp();
    const res = await t.app.request("/healthz");
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: "ok" });
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  test("503 {status:unavailable} when not ready, and the reason is not revealed", async () => {
    const t = createTestApp();
    t.readiness.healthProblem = "the Codex CLI is version 0.1 but this adapter pins 0.169.0";
    const res = await t.app.request("/healthz");
    assert.equal(res.status, 503);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { status: "unavailable" });
    assert.ok(!text.includes("0.169.0"));
  });
});

describe("CORS", () => {
  test("a configured origin gets Access-Control-Allow-Origin on preflight", async () => {
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "app://obsidian.md" } });
    const res = await t.app.request("/v1/chat/completions", {
      method: "OPTIONS",
      headers: { origin: "app://obsidian.md", "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
    });
    assert.ok(res.status === 204 || res.status === 200, `status ${res.status}`);
    assert.equal(res.headers.get("access-control-allow-origin"), "app://obsidian.md");
    assert.match(res.headers.get("access-control-allow-headers") ?? "", /authorization/i);
  });

  test("a configured origin can read Retry-After and X-Request-Id", async () => {
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "app://obsidian.md" } });
    const res = await t.request("/v1/models", { headers: { origin: "app://obsidian.md" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), "app://obsidian.md");
    const exposed = (res.headers.get("access-control-expose-headers") ?? "").toLowerCase();
    assert.match(exposed, /retry-after/);
    assert.match(exposed, /x-request-id/);
  });

  test("an unlisted origin gets no Access-Control-Allow-Origin", async () => {
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "app://obsidian.md" } });
    const res = await t.request("/v1/models", { headers: { origin: "https://evil.example" } });
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });

  test("'*' is matched literally, not as a wildcard", async () => {
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "*" } });
    const res = await t.app.request("/v1/models", {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "GET" },
    });
    assert.notEqual(res.headers.get("access-control-allow-origin"), "*");
    assert.notEqual(res.headers.get("access-control-allow-origin"), "https://evil.example");
  });

  test("while draining, the 503 shutting_down is readable by an allowed origin, logged and closes the connection", async () => {
    const shutdown = new Shutdown();
    const t = createTestApp({ env: { CORS_ALLOWED_ORIGINS: "app://obsidian.md" }, shutdown });
    assert.equal((await t.request("/v1/models")).status, 200);
    shutdown.drain();
    const res = await t.request("/v1/models", { headers: { origin: "app://obsidian.md" } });
    const body = (await res.json()) as { error: { code: string } };
    assert.deepEqual([res.status, body.error.code], [503, "shutting_down"]);
    assert.equal(res.headers.get("access-control-allow-origin"), "app://obsidian.md");
    assert.equal(res.headers.get("connection"), "close");
    assert.equal(res.headers.get("retry-after"), "5");
    const line = t.logs.map((l) => JSON.parse(l) as { msg: string; status?: number; requestId?: string }).findLast((l) => l.msg === "request");
    assert.deepEqual([line?.status, line?.requestId], [503, res.headers.get("x-request-id")]);
    assert.equal(t.backend.turns.length, 0);
  });

  test("without CORS_ALLOWED_ORIGINS no CORS headers are sent", async () => {
    const t = createTestApp();
    const res = await t.request("/v1/models", { headers: { origin: "app://obsidian.md" } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get("access-control-allow-origin"), null);
  });
});

describe("one error mapping", () => {
  test("a backend failure a route lets through is rendered by the error handler in the API's shape, never a 500", async () => {
    const backend = new FakeBackend();
    backend.models = new BackendError("unauthenticated", "the login was refused");
    const t = createTestApp({ backend });
    const res = await t.request("/v1/models");
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "codex_login_required");
    assert.ok(!t.logs.some((l) => l.includes('"unhandled error"')));
    backend.models = new BackendError("upstream", "the catalog could not be read");
    assert.equal((await t.request("/v1/models")).status, 502);
  });
});
