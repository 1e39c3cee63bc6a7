import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { RateLimitSnapshot, TurnError } from "../../src/backend/app-server-protocol.ts";
import { BackendError, type BackendErrorKind } from "../../src/backend/backend-error.ts";
import { mapTurnError, secondsUntilReset, upstreamHttpStatus } from "../../src/backend/codex-error-map.ts";

const NOW_MS = 1_750_000_000_000;
const NOW_S = NOW_MS / 1000;

const turnError = (codexErrorInfo: TurnError["codexErrorInfo"], message = "codex says no"): TurnError => ({ message, codexErrorInfo });

describe("mapTurnError", () => {
  const cases: [string, TurnError["codexErrorInfo"], BackendErrorKind][] = [
    ["usageLimitExceeded", "usageLimitExceeded", "rate_limited"],
    ["rateLimitExceeded", "rateLimitExceeded", "rate_limited"],
    ["contextWindowExceeded", "contextWindowExceeded", "context_too_long"],
    ["modelNotFound", "modelNotFound", "model_not_found"],
    ["unauthorized", "unauthorized", "unauthenticated"],
    ["badRequest", "badRequest", "bad_request"],
    ["serverOverloaded", "serverOverloaded", "upstream"],
    ["internalServerError", "internalServerError", "upstream"],
    ["an unknown string", "somethingNew", "upstream"],
    ["null", null, "upstream"],
    ["undefined", undefined, "upstream"],
    ["{responseStreamDisconnected:{httpStatusCode:429}}", { responseStreamDisconnected: { httpStatusCode: 429 } }, "rate_limited"],
    ["{httpConnectionFailed:{httpStatusCode:429}}", { httpConnectionFailed: { httpStatusCode: 429 } }, "rate_limited"],
    ["{responseStreamDisconnected:{httpStatusCode:401}}", { responseStreamDisconnected: { httpStatusCode: 401 } }, "unauthenticated"],
    ["{httpConnectionFailed:{httpStatusCode:500}}", { httpConnectionFailed: { httpStatusCode: 500 } }, "upstream"],
    ["{httpConnectionFailed:{httpStatusCode:null}}", { httpConnectionFailed: { httpStatusCode: null } }, "upstream"],
    ["{responseTooManyFailedAttempts:{}}", { responseTooManyFailedAttempts: {} }, "upstream"],
  ];
  for (const [label, info, kind] of cases) {
    test(`${label} -> ${kind}`, () => {
      const err = mapTurnError(turnError(info), undefined, NOW_MS);
      assert.ok(err instanceof BackendError);
      assert.equal(err.kind, kind);
      assert.equal(err.message, "codex says no");
    });
  }

  // What Codex 0.171.0 reports for a model service refusing a request (checked against the stand-ins): `other`, the service's error as JSON.
  const refusal = { type: "invalid_request_error", code: "invalid_value", message: "Tools of type 'function' are not supported with this model.", param: "tools" };
  const relayed: [string, string, BackendErrorKind, string][] = [
    ["the HTTP body of a 400", JSON.stringify({ error: refusal }), "bad_request", refusal.message],
    ["the WebSocket's error event of a 400", JSON.stringify({ type: "error", status: 400, error: refusal, headers: {} }), "bad_request", refusal.message],
    ["a 500's body", JSON.stringify({ error: { type: "server_error", message: "overloaded" } }), "upstream", "overloaded"],
    ["JSON of another shape", '{"detail":"x"}', "upstream", '{"detail":"x"}'],
    ["text that merely looks like JSON", "{not json", "upstream", "{not json"],
  ];
  for (const [label, message, kind, said] of relayed) {
    test(`other, with ${label} as the message -> ${kind}, in the service's words`, () => {
      const err = mapTurnError(turnError("other", message), undefined, NOW_MS);
      assert.deepEqual([err.kind, err.message], [kind, said]);
    });
  }

  test("never matches message text", () => {
    assert.equal(mapTurnError(turnError(null, "rate limit exceeded, unauthorized, context window"), undefined, NOW_MS).kind, "upstream");
  });

  test("rate limits default to a 30 s retry when no window reset is known", () => {
    assert.equal(mapTurnError(turnError("usageLimitExceeded"), undefined, NOW_MS).retryAfterSeconds, 30);
  });

  test("rate limits use the exhausted window's reset time", () => {
    const limits: RateLimitSnapshot = { primary: { usedPercent: 100, resetsAt: NOW_S + 600 }, secondary: { usedPercent: 20, resetsAt: NOW_S + 60 } };
    assert.equal(mapTurnError(turnError({ x: { httpStatusCode: 429 } }), limits, NOW_MS).retryAfterSeconds, 600);
  });

  test("other kinds carry no retry time", () => {
    assert.equal(mapTurnError(turnError("modelNotFound"), { primary: { usedPercent: 100, resetsAt: NOW_S + 5 } }, NOW_MS).retryAfterSeconds, undefined);
  });
});

describe("upstreamHttpStatus", () => {
  test("finds httpStatusCode in any variant object, else undefined", () => {
    assert.equal(upstreamHttpStatus({ responseStreamConnectionFailed: { httpStatusCode: 503 } }), 503);
    assert.equal(upstreamHttpStatus("unauthorized"), undefined);
    assert.equal(upstreamHttpStatus(null), undefined);
    assert.equal(upstreamHttpStatus(undefined), undefined);
    assert.equal(upstreamHttpStatus({ other: "text" }), undefined);
    assert.equal(upstreamHttpStatus({ other: { httpStatusCode: "429" } }), undefined);
  });
});

describe("secondsUntilReset", () => {
  test("no snapshot or no exhausted window -> undefined", () => {
    assert.equal(secondsUntilReset(undefined, NOW_MS), undefined);
    assert.equal(secondsUntilReset({}, NOW_MS), undefined);
    assert.equal(secondsUntilReset({ primary: null, secondary: null }, NOW_MS), undefined);
    assert.equal(secondsUntilReset({ primary: { usedPercent: 99.9, resetsAt: NOW_S + 100 } }, NOW_MS), undefined);
  });

  test("an exhausted window without a reset time -> undefined", () => {
    assert.equal(secondsUntilReset({ primary: { usedPercent: 100, resetsAt: null } }, NOW_MS), undefined);
    assert.equal(secondsUntilReset({ primary: { usedPercent: 100 } }, NOW_MS), undefined);
  });

  test("the soonest exhausted window wins; fractions round up", () => {
    const snapshot: RateLimitSnapshot = {
      primary: { usedPercent: 100, resetsAt: NOW_S + 3600 },
      secondary: { usedPercent: 120, resetsAt: NOW_S + 90.2 },
    };
    assert.equal(secondsUntilReset(snapshot, NOW_MS), 91);
    assert.equal(secondsUntilReset({ secondary: { usedPercent: 100, resetsAt: NOW_S + 45 } }, NOW_MS + 500), 45);
  });

  test("a reset time in the past -> undefined (not a negative Retry-After)", () => {
    assert.equal(secondsUntilReset({ primary: { usedPercent: 100, resetsAt: NOW_S - 10 } }, NOW_MS), undefined);
    assert.equal(secondsUntilReset({ primary: { usedPercent: 100, resetsAt: NOW_S } }, NOW_MS), undefined);
  });

  test(
    "a stale window whose reset has passed does not hide another window that is still exhausted",
    () => {
      const snapshot: RateLimitSnapshot = {
        primary: { usedPercent: 100, resetsAt: NOW_S - 10 },
        secondary: { usedPercent: 100, resetsAt: NOW_S + 600 },
      };
      assert.equal(secondsUntilReset(snapshot, NOW_MS), 600);
    },
  );
});
