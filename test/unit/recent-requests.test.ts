import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { percentile } from "../../src/observability/percentile.ts";
import { RecentRequests } from "../../src/observability/recent-requests.ts";
import type { RequestRecord } from "../../src/observability/request-record.ts";
import { TestClock } from "../helpers/test-clock.ts";

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);

function record(time: number, durationMs: number, status = 200, code: string | null = null): RequestRecord {
  return {
    time,
    requestId: `req_${time}_${durationMs}`,
    method: "POST",
    route: "/v1/chat/completions",
    status,
    code,
    durationMs,
    ttftMs: null,
    model: "codex-cli-default",
    stream: false,
    promptTokens: 1,
    completionTokens: 1,
    webSearches: 0,
  };
}

describe("percentile", () => {
  test("nearest rank", () => {
    assert.equal(percentile([], 50), null);
    assert.equal(percentile([7], 95), 7);
    assert.equal(percentile([5, 1, 4, 2, 3], 50), 3);
    assert.equal(percentile([...Array(100).keys()].map((i) => i + 1), 95), 95);
  });
});

describe("RecentRequests", () => {
  test("keeps the newest events up to its capacity, newest first", () => {
    const recent = new RecentRequests({ capacity: 3, clock: new TestClock(T0) });
    for (let i = 1; i <= 5; i++) recent.add(record(T0, i));
    assert.deepEqual(recent.events().map((e) => e.durationMs), [5, 4, 3]);
    assert.deepEqual(recent.latency(), { p50Ms: 4, p95Ms: 5, samples: 3 });
  });

  test("counts errors by code (or status when there is none) since start", () => {
    const recent = new RecentRequests({ capacity: 2, clock: new TestClock(T0) });
    recent.add(record(T0, 1, 429, "upstream_rate_limit"));
    recent.add(record(T0, 1, 429, "upstream_rate_limit"));
    recent.add(record(T0, 1, 499));
    recent.add(record(T0, 1, 200));
    assert.deepEqual(recent.errorsByCode(), { upstream_rate_limit: 2, "499": 1 });
  });

  test("summarises the last hour per minute and forgets older minutes", () => {
    const clock = new TestClock(T0);
    const recent = new RecentRequests({ capacity: 200, clock });
    recent.add(record(T0 - 61 * 60_000, 999)); // older than the window
    recent.add(record(T0 - 5 * 60_000 + 10, 100));
    recent.add(record(T0 - 5 * 60_000 + 20, 300, 502, "upstream_error"));
    recent.add(record(T0 + 30_000, 50));
    const hour = recent.lastHour();
    assert.equal(hour.length, 60);
    assert.equal(hour[59]?.minute, T0);
    assert.deepEqual(hour[59], { minute: T0, requests: 1, errors: 0, p50Ms: 50, p95Ms: 50 });
    assert.deepEqual(hour[54], { minute: T0 - 5 * 60_000, requests: 2, errors: 1, p50Ms: 100, p95Ms: 300 });
    assert.equal(hour.reduce((n, m) => n + m.requests, 0), 3);
    clock.advance(56 * 60_000);
    assert.equal(recent.lastHour().reduce((n, m) => n + m.requests, 0), 1, "five minutes ago is now over an hour old");
  });
});
