import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { createLimiter, LimiterBusy } from "../../src/core/limiter.ts";
import { FakeBackend, answer, chatBody, createTestApp } from "../helpers/fake-backend.ts";

const tick = () => new Promise((r) => setImmediate(r));

describe("createLimiter", () => {
  test("grants up to capacity at once, then queues; stats report active, queued and capacity", async () => {
    const limiter = createLimiter({ capacity: 2, maxQueue: 5, maxWaitMs: 10_000 });
    const r1 = await limiter.acquire();
    await limiter.acquire();
    const third = limiter.acquire();
    assert.deepEqual(limiter.stats(), { active: 2, queued: 1, capacity: 2 });
    r1();
    const r3 = await third;
    assert.deepEqual(limiter.stats(), { active: 2, queued: 0, capacity: 2 });
    r3();
    assert.deepEqual(limiter.stats(), { active: 1, queued: 0, capacity: 2 });
  });

  test("waiters are served first in, first out", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 10, maxWaitMs: 10_000 });
    const first = await limiter.acquire();
    const order: number[] = [];
    const waiters = [1, 2, 3].map((n) =>
      limiter.acquire().then((release) => {
        order.push(n);
        return release;
      }),
    );
    first();
    (await waiters[0])?.();
    (await waiters[1])?.();
    (await waiters[2])?.();
    assert.deepEqual(order, [1, 2, 3]);
    assert.equal(limiter.stats().active, 0);
  });

  test("a full queue refuses at once with LimiterBusy carrying the retry delay", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 1, maxWaitMs: 3_500 });
    const held = await limiter.acquire();
    const queued = limiter.acquire();
    await assert.rejects(limiter.acquire(), (err: unknown) => {
      assert.ok(err instanceof LimiterBusy);
      assert.equal(err.retryAfterSeconds, 4);
      return true;
    });
    held();
    (await queued)();
    assert.deepEqual(limiter.stats(), { active: 0, queued: 0, capacity: 1 });
  });

  test("maxQueue 0 refuses as soon as capacity is used", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 0, maxWaitMs: 5_000 });
    const held = await limiter.acquire();
    await assert.rejects(limiter.acquire(), LimiterBusy);
    held();
  });

  test("maxWaitMs 0 refuses instead of queueing, with Retry-After of at least 1 s", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 10, maxWaitMs: 0 });
    const held = await limiter.acquire();
    await assert.rejects(limiter.acquire(), (err: unknown) => err instanceof LimiterBusy && err.retryAfterSeconds === 1);
    assert.equal(limiter.stats().queued, 0);
    held();
  });

  test("a wait that runs out rejects with LimiterBusy and leaves the queue", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 10, maxWaitMs: 50 });
    const held = await limiter.acquire();
    const started = Date.now();
    await assert.rejects(limiter.acquire(), LimiterBusy);
    assert.ok(Date.now() - started >= 45);
    assert.equal(limiter.stats().queued, 0);
    held();
    assert.equal(limiter.stats().active, 0);
  });

  test("aborting while waiting rejects with the abort reason and frees the place in the queue", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 1, maxWaitMs: 10_000 });
    const held = await limiter.acquire();
    const controller = new AbortController();
    const waiting = limiter.acquire(controller.signal);
    assert.equal(limiter.stats().queued, 1);
    const reason = new Error("client left");
    controller.abort(reason);
    await assert.rejects(waiting, (err) => err === reason);
    assert.equal(limiter.stats().queued, 0);
    const next = limiter.acquire(); // the freed place can be taken
    held();
    (await next)();
    assert.equal(limiter.stats().active, 0);
  });

  test("an already aborted signal is refused without taking a slot", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 1, maxWaitMs: 1_000 });
    const controller = new AbortController();
    controller.abort(new Error("gone"));
    await assert.rejects(limiter.acquire(controller.signal), /gone/);
    assert.equal(limiter.stats().active, 0);
  });

  test("release is idempotent: a double release does not free someone else's slot", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 5, maxWaitMs: 10_000 });
    const r1 = await limiter.acquire();
    const second = limiter.acquire();
    r1();
    const r2 = await second;
    r1();
    r1();
    assert.equal(limiter.stats().active, 1, "r1 twice must not release r2's slot");
    const third = limiter.acquire();
    await tick();
    assert.equal(limiter.stats().queued, 1, "third still waits");
    r2();
    (await third)();
    assert.deepEqual(limiter.stats(), { active: 0, queued: 0, capacity: 1 });
  });

  test("a granted waiter's timer does not fire later", async () => {
    const limiter = createLimiter({ capacity: 1, maxQueue: 5, maxWaitMs: 40 });
    const r1 = await limiter.acquire();
    const second = limiter.acquire();
    r1();
    const r2 = await second;
    await new Promise((r) => setTimeout(r, 80));
    assert.equal(limiter.stats().active, 1);
    r2();
    assert.equal(limiter.stats().active, 0);
  });
});

describe("limiter through the app", () => {
  test("MAX_CONCURRENT_REQUESTS=1, QUEUE_WAIT_SECONDS=0: a second concurrent request gets 429 wrapper_busy", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend, env: { MAX_CONCURRENT_REQUESTS: "1", QUEUE_WAIT_SECONDS: "0" } });
    const controller = new AbortController();
    const first = t.chat(chatBody(), { signal: controller.signal });
    await backend.waitForTurns(1);
    const res = await t.chat(chatBody());
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "1");
    const body = (await res.json()) as { error: { code: string; type: string; message: string } };
    assert.equal(body.error.code, "wrapper_busy");
    assert.equal(body.error.type, "rate_limit_error");
    assert.match(body.error.message, /rate limit/);
    assert.equal(backend.turns.length, 1, "the refused request never reached the backend");
    controller.abort();
    await first.then((r) => r.text());
    assert.equal(t.limiter.stats().active, 0);
  });

  test("a full queue answers 429 with Retry-After = QUEUE_WAIT_SECONDS", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend, env: { MAX_CONCURRENT_REQUESTS: "1", MAX_QUEUE_LENGTH: "0", QUEUE_WAIT_SECONDS: "7" } });
    const controller = new AbortController();
    const first = t.chat(chatBody(), { signal: controller.signal });
    await backend.waitForTurns(1);
    const res = await t.chat(chatBody({ stream: true }));
    assert.equal(res.status, 429);
    assert.equal(res.headers.get("retry-after"), "7");
    assert.match(res.headers.get("content-type") ?? "", /application\/json/);
    controller.abort();
    await first.then((r) => r.text());
  });

  test("/v1/models and /healthz do not take slots", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend, env: { MAX_CONCURRENT_REQUESTS: "1", QUEUE_WAIT_SECONDS: "0" } });
    const controller = new AbortController();
    const first = t.chat(chatBody(), { signal: controller.signal });
    await backend.waitForTurns(1);
    assert.equal((await t.request("/v1/models")).status, 200);
    assert.equal((await t.request("/healthz")).status, 200);
    controller.abort();
    await first.then((r) => r.text());
  });

  test("with a queue, a second request waits for the first and then succeeds", async () => {
    const backend = new FakeBackend().script({ event: { type: "text", delta: "one" }, delayMs: 100 }, { event: { type: "done" } }).script(...answer(["two"]));
    const t = createTestApp({ backend, env: { MAX_CONCURRENT_REQUESTS: "1", QUEUE_WAIT_SECONDS: "5" } });
    const a = t.chat(chatBody());
    await backend.waitForTurns(1);
    const b = t.chat(chatBody());
    await tick();
    assert.equal(t.limiter.stats().queued, 1);
    const [ra, rb] = await Promise.all([a, b]);
    assert.equal(ra.status, 200);
    assert.equal(rb.status, 200);
    const contents = await Promise.all([ra, rb].map(async (r) => ((await r.json()) as { choices: { message: { content: string } }[] }).choices[0]?.message.content));
    assert.deepEqual(contents, ["one", "two"]);
    assert.equal(t.limiter.stats().active, 0);
  });

  test("a client abort (init.signal) ends the turn, aborts its signal and frees the slot", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend });
    const controller = new AbortController();
    const pending = t.chat(chatBody(), { signal: controller.signal });
    await backend.waitForTurns(1);
    assert.equal(t.limiter.stats().active, 1);
    controller.abort();
    await pending.then((r) => r.text()).catch(() => undefined);
    assert.equal(backend.turns[0]?.aborted, true);
    assert.equal(backend.turns[0]?.ended, true);
    assert.equal(t.limiter.stats().active, 0);
  });

  test("a request aborted while queued never reaches the backend and leaves the queue", async () => {
    const backend = new FakeBackend().script({ hang: true });
    const t = createTestApp({ backend, env: { MAX_CONCURRENT_REQUESTS: "1", QUEUE_WAIT_SECONDS: "30" } });
    const c1 = new AbortController();
    const c2 = new AbortController();
    const first = t.chat(chatBody(), { signal: c1.signal });
    await backend.waitForTurns(1);
    const second = t.chat(chatBody(), { signal: c2.signal });
    await tick();
    assert.equal(t.limiter.stats().queued, 1);
    c2.abort();
    await second.then((r) => r.text()).catch(() => undefined);
    assert.equal(t.limiter.stats().queued, 0);
    c1.abort();
    await first.then((r) => r.text()).catch(() => undefined);
    assert.equal(backend.turns.length, 1);
    assert.deepEqual(t.limiter.stats(), { active: 0, queued: 0, capacity: 1 });
  });

  test("after many finished, failed and refused requests the limiter is idle", async () => {
    const t = createTestApp({ env: { MAX_CONCURRENT_REQUESTS: "2", QUEUE_WAIT_SECONDS: "0" } });
    const results = await Promise.all(Array.from({ length: 6 }, () => t.chat(chatBody()).then((r) => r.status)));
    assert.ok(results.every((s) => s === 200 || s === 429));
    assert.deepEqual(t.limiter.stats(), { active: 0, queued: 0, capacity: 2 });
  });
});
