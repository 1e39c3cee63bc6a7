import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ServerBindings } from "../../src/http/listen.ts";
import { ollamaListener } from "../../src/http/ollama-listener.ts";

const KEY = "listener-test-key-8fJ2kL9mN4pQ7rS1tU6v";
const env = {} as ServerBindings;

/** The listener in front of a stand-in app that echoes what reached it. */
function listener(withoutKey: boolean) {
  const seen: Request[] = [];
  const fetch = ollamaListener(
    async (request) => {
      seen.push(request);
      return Response.json({ path: new URL(request.url).pathname, authorization: request.headers.get("authorization"), body: request.body ? await request.text() : null });
    },
    { apiKey: KEY, withoutKey, mainUrl: "http://127.0.0.1:8320" },
  );
  return { seen, call: (url: string, init: RequestInit = {}) => Promise.resolve(fetch(new Request(url, init), env)) };
}

const body = async (res: Response) => (await res.json()) as { error?: string; path?: string; authorization?: string | null; body?: string | null };

describe("the Ollama port", () => {
  test("serves Ollama's paths only, through the main app; anything else is an Ollama-shaped 404 pointing at the main port", async () => {
    const l = listener(false);
    for (const path of ["/", "/api/tags", "/api/chat"]) assert.equal((await body(await l.call(`http://127.0.0.1:11434${path}`))).path, path);
    const other = await l.call("http://127.0.0.1:11434/v1/chat/completions", { method: "POST" });
    assert.equal(other.status, 404);
    assert.match((await body(other)).error ?? "", /Ollama's API only.*http:\/\/127\.0\.0\.1:8320\/v1/);
    assert.equal(l.seen.length, 3);
  });

  test("with a key required, the request reaches the app as it came: no key added", async () => {
    const l = listener(false);
    assert.equal((await body(await l.call("http://127.0.0.1:11434/api/tags"))).authorization, null);
  });

  test("keyless: the key is added for a loopback request without one, the body passes through unread", async () => {
    const l = listener(true);
    const res = await body(await l.call("http://localhost:11434/api/chat", { method: "POST", body: '{"model":"m"}', headers: { "content-type": "application/json" } }));
    assert.deepEqual(res, { path: "/api/chat", authorization: `Bearer ${KEY}`, body: '{"model":"m"}' });
    const own = await body(await l.call("http://127.0.0.1:11434/api/tags", { headers: { authorization: "Bearer theirs" } }));
    assert.equal(own.authorization, "Bearer theirs", "a key the client sends is the one checked");
  });

  test("keyless: a browser page (Origin) and a non-loopback Host (DNS rebinding) are refused before the app", async () => {
    const l = listener(true);
    const page = await l.call("http://127.0.0.1:11434/api/chat", { method: "POST", headers: { origin: "https://evil.example" }, body: "{}" });
    assert.equal(page.status, 403);
    assert.match((await body(page)).error ?? "", /browser page/);
    const rebound = await l.call("http://attacker.example:11434/api/tags");
    assert.equal(rebound.status, 403);
    assert.match((await body(rebound)).error ?? "", /loopback Host/);
    assert.equal(l.seen.length, 0);
  });
});
