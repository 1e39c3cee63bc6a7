import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { UsageLimits } from "../../src/backend/types.ts";
import { FakeBackend, chatBody, createTestApp, fixedClock } from "../helpers/fake-backend.ts";

const NOW = fixedClock.nowSeconds();
const LIMITS: UsageLimits = {
  primary: { usedPercent: 42.5, windowMinutes: 300, resetsAt: NOW + 3600 },
  secondary: { usedPercent: 7, windowMinutes: 10_080, resetsAt: NOW + 86_400 },
  credits: { hasCredits: true, unlimited: false, balance: "12.5" },
};

describe("usage limits", () => {
  test("GET /v1/usage answers the plan's windows and credits (and /usage without /v1)", async () => {
    const backend = new FakeBackend();
    backend.details = {
      signedIn: true,
      authMode: "chatgpt",
      planType: "plus",
      rateLimits: { primary: LIMITS.primary, secondary: null },
      credits: LIMITS.credits,
    };
    const t = createTestApp({ backend });
    for (const path of ["/v1/usage", "/usage"]) {
      const res = await t.request(path);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), {
        object: "usage_limits",
        signed_in: true,
        plan_type: "plus",
        primary: { used_percent: 42.5, window_minutes: 300, resets_at: NOW + 3600 },
        secondary: null,
        credits: { has_credits: true, unlimited: false, balance: "12.5" },
      });
    }
  });

  test("GET /v1/usage needs the bearer key, and is a 503 while Codex cannot say", async () => {
    const backend = new FakeBackend();
    const t = createTestApp({ backend });
    assert.equal((await t.request("/v1/usage", { headers: { authorization: "Bearer wrong" } })).status, 401);
    backend.details = new Error("child restarting");
    const res = await t.request("/v1/usage");
    assert.equal(res.status, 503);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, "codex_unavailable");
  });

  test("every API answer carries the last known limits as x-ratelimit-* headers, streams and errors included", async () => {
    const backend = new FakeBackend();
    backend.limits = LIMITS;
    const t = createTestApp({ backend });
    const expected = {
      "x-ratelimit-primary-used-percent": "42.5",
      "x-ratelimit-primary-window-minutes": "300",
      "x-ratelimit-primary-reset-seconds": "3600",
      "x-ratelimit-secondary-used-percent": "7",
      "x-ratelimit-secondary-window-minutes": "10080",
      "x-ratelimit-secondary-reset-seconds": "86400",
      "x-ratelimit-credits-balance": "12.5",
      "x-ratelimit-credits-unlimited": "false",
    };
    const answers = [
      await t.chat(chatBody()),
      await t.chat(chatBody({ stream: true })),
      await t.request("/v1/models"),
      await t.chat({ messages: "not a list" }),
    ];
    assert.deepEqual(answers.map((r) => r.status), [200, 200, 200, 400]);
    for (const res of answers) {
      await res.text();
      for (const [name, value] of Object.entries(expected)) assert.equal(res.headers.get(name), value, `${name} on a ${res.status}`);
    }
  });

  test("no headers before Codex has reported limits, and none for a part it has not reported", async () => {
    const backend = new FakeBackend();
    const t = createTestApp({ backend });
    const before = await t.chat(chatBody());
    assert.equal([...before.headers.keys()].filter((k) => k.startsWith("x-ratelimit-")).length, 0);
    backend.limits = { primary: { usedPercent: 100, windowMinutes: null, resetsAt: NOW - 5 }, secondary: null, credits: null };
    const after = await t.chat(chatBody());
    assert.deepEqual(
      [...after.headers.entries()].filter(([k]) => k.startsWith("x-ratelimit-")),
      [
        ["x-ratelimit-primary-reset-seconds", "0"],
        ["x-ratelimit-primary-used-percent", "100"],
      ],
    );
  });
});
