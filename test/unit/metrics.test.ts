import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { BackendError } from "../../src/backend/backend-error.ts";
import { FakeBackend, TEST_KEY, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";

/** The value of one sample line, e.g. `name{a="b"} 3`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const CHAT_OK = 'codex_provider_requests_total{route="/v1/chat/completions",status="200",code="none"}';

describe("/metrics", () => {
  test("needs the bearer key unless METRICS_PUBLIC is set", async () => {
    const closed = createTestApp();
    const anonymous = await closed.app.request("/metrics");
    assert.equal(anonymous.status, 401);
    assert.equal(((await anonymous.json()) as { error: { code: string } }).error.code, "invalid_api_key");
    assert.equal((await closed.request("/metrics")).status, 200);

    const open = createTestApp({ env: { METRICS_PUBLIC: "true" } });
    const res = await open.app.request("/metrics");
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    assert.equal(res.headers.get("cache-control"), "no-store");
  });

  test("counts requests by canonical route, status and code, with tokens, latency and time to first token", async () => {
    const backend = new FakeBackend()
      .script(...answer(["Hel", "lo"]))
      .script(...answer(["streamed"]))
      .script({ error: new BackendError("rate_limited", "usage limit", 120) });
    const t = createTestApp({ backend });
    assert.equal((await t.chat(chatBody())).status, 200);
    const stream = await t.request("/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(chatBody({ stream: true })),
    });
    assert.match(await stream.text(), /\[DONE\]/);
    assert.equal((await t.chat(chatBody())).status, 429);
    assert.equal((await t.chat({ messages: "nope" })).status, 400);

    const text = await (await t.request("/metrics")).text();
    assert.equal(sample(text, CHAT_OK), 2, "both successes, /chat/completions counted as /v1/chat/completions");
    assert.equal(sample(text, 'codex_provider_requests_total{route="/v1/chat/completions",status="429",code="upstream_rate_limit"}'), 1);
    // A code-less OpenAI error counts under its type.
    assert.equal(sample(text, 'codex_provider_requests_total{route="/v1/chat/completions",status="400",code="invalid_request_error"}'), 1);
    assert.equal(sample(text, "codex_provider_upstream_limit_hits_total"), 1);
    assert.equal(sample(text, 'codex_provider_tokens_total{kind="input"}'), 22);
    assert.equal(sample(text, 'codex_provider_tokens_total{kind="output"}'), 14);
    assert.equal(sample(text, 'codex_provider_request_duration_seconds_count{route="/v1/chat/completions"}'), 4);
    assert.equal(sample(text, 'codex_provider_time_to_first_token_seconds_count{route="/v1/chat/completions"}'), 2);
    assert.equal(sample(text, "codex_provider_queue_length"), 0);
    assert.equal(sample(text, "codex_provider_concurrency_in_use"), 0);
    assert.equal(sample(text, "codex_provider_concurrency_limit"), 8);
    assert.equal(sample(text, "codex_provider_active_turns"), 0);
    assert.equal(sample(text, "codex_provider_ready"), 1);
    assert.ok(text.includes("process_resident_memory_bytes"), "process metrics are included");
    assert.ok(!text.includes(TEST_KEY));
  });

  test("live gauges show a turn in flight and its slot, and a stream's mid-stream error code", async () => {
    const backend = new FakeBackend().script(
      { event: { type: "text", delta: "partial" } },
      { error: new BackendError("upstream", "boom"), delayMs: 200 },
    );
    const t = createTestApp({ backend });
    const pending = t.chat(chatBody({ stream: true }));
    await backend.waitForTurns(1);
    const during = await (await t.request("/metrics")).text();
    assert.equal(sample(during, "codex_provider_concurrency_in_use"), 1);
    assert.equal(sample(during, "codex_provider_active_turns"), 1);
    assert.match(await (await pending).text(), /upstream_error/);
    const after = await (await t.request("/metrics")).text();
    assert.equal(sample(after, 'codex_provider_requests_total{route="/v1/chat/completions",status="200",code="upstream_error"}'), 1);
    assert.equal(sample(after, "codex_provider_concurrency_in_use"), 0);
    assert.equal(sample(after, "codex_provider_active_turns"), 0);
  });

  test("GET /v1/usage and /usage count under their own route, in /metrics and on the dashboard", async () => {
    const t = createTestApp();
    assert.equal((await t.request("/v1/usage")).status, 200);
    assert.equal((await t.request("/usage")).status, 200);
    const text = await (await t.request("/metrics")).text();
    assert.equal(sample(text, 'codex_provider_requests_total{route="/v1/usage",status="200",code="none"}'), 2);
    assert.ok(!text.includes('route="/v1/unknown"'));
    const state = (await (await t.app.request("/dashboard/api/state", { headers: { host: "127.0.0.1:8320" } })).json()) as { events: { route: string }[] };
    assert.deepEqual(state.events.map((e) => e.route), ["/v1/usage", "/v1/usage"]);
  });

  test("health, metrics and unknown non-API paths are not counted as API requests", async () => {
    const t = createTestApp();
    await t.app.request("/healthz");
    await t.request("/metrics");
    await t.app.request("/nowhere");
    await t.request("/v1/nowhere");
    const text = await (await t.request("/metrics")).text();
    const counted = text.split("\n").filter((l) => l.startsWith("codex_provider_requests_total{"));
    assert.deepEqual(counted, ['codex_provider_requests_total{route="/v1/unknown",status="404",code="not_found"} 1']);
  });
});
